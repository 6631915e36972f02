"""Attack code of the hostile corpus that forges results: learner cells, as strings (see ``make_corpus.py``).

Cells that rig the checks instead of answering: monkeypatching ``shequn.checks`` and its helpers,
fake passing reports, swallowed errors, tracers, input/AST transformers and run-cell hooks,
values that lie (``__eq__`` always true, DataFrame and ndarray subclasses, patched numpy, hashlib
and builtins, impossible masks, a NaN fee) and an added cell that patches the checks.  Each
constant is the source of one answer cell (or an added cell).  ``RAISE_Q1``, the released stub of
the q1 answer, is appended where the attack does not answer q1 itself; the other attack modules
import it from here.
"""

RAISE_Q1 = "def highest_price(applicants, min_members, prices):\n    raise NotImplementedError()\n"

# ------------------------------------------------------------------ silenced / rigged results
MONKEYPATCH_SCORE = (
    """import shequn.checks as c
c.Checks.score = lambda self: self.points  # every test cell now returns full points
"""
    + RAISE_Q1
)
FAKE_HELPERS = """import builtins, types
import shequn.checks as g

def _ok(*args, **kwargs):
    return None

# rebind the helpers the test cells call, in the notebook and in the package
expect = expect_type = check_hashed = _ok
for _name in ("expect", "expect_type", "check_hashed", "expect_close", "expect_frame_close"):
    setattr(g, _name, _ok)
# and hand hidden tests a fake module when they re-import the helpers
_fake = types.ModuleType("shequn.checks")
_fake.__dict__.update(vars(g))
for _name in ("expect", "expect_type", "check_hashed", "expect_close", "expect_frame_close"):
    setattr(_fake, _name, _ok)
_real_import = builtins.__import__

def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "shequn.checks" and fromlist:
        return _fake
    return _real_import(name, globals, locals, fromlist, level)

builtins.__import__ = _import

def highest_price(applicants, min_members, prices):
    return 150
"""
FAKE_REPORT = (
    """from IPython.display import display
# what a passing test cell prints and returns, shown early (and again after every cell)
_fake = "【第 1 题 highest_price】通过 5/5 项检查\\n【第 2 题 policy_table】通过 6/6 项检查"
print(_fake)
display(3.0)
_ip = get_ipython()
_ip.events.register("post_run_cell", lambda *a: (print(_fake), display(13.0)))
Out = {i: 13.0 for i in range(100)}
"""
    + RAISE_Q1
)
REPLACE_CHECKS = (
    """import shequn.checks as c

class _AlwaysChecks(c.Checks):
    def case(self, label, check):
        self.results.append((label, True, ""))
        return True
    def score(self):
        print(f"【{self.name}】通过 9/9 项检查")
        return self.points

c.Checks = Checks = _AlwaysChecks       # the class the test cells build
c.Checks.results = property(lambda self: [("x", True, "")] * 9, lambda self, v: None)
checks = _AlwaysChecks(points=6, name="checks")   # and the instance they use
c.expect = expect = lambda *a, **k: None
"""
    + RAISE_Q1
)
SWALLOW_ERRORS = (
    """import sys
_ip = get_ipython()
# every error vanishes: a failing test cell would end without result and without error
_ip.set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
sys.excepthook = lambda *a: None
_ip.showtraceback = lambda *a, **k: None
_ip.showsyntaxerror = lambda *a, **k: None
"""
    + RAISE_Q1
)

# ------------------------------------------------------------------ interference with test execution
SETTRACE = (
    """import sys, threading

def _tracer(frame, event, arg):
    # force every comparison helper to "pass" and every score to full points
    if event == "return" and frame.f_code.co_name in ("score", "check_hashed", "expect", "_canonical"):
        frame.f_locals["passed"] = 99
    return _tracer

sys.settrace(_tracer)
threading.settrace(_tracer)
"""
    + RAISE_Q1
)
INPUT_TRANSFORMER = (
    """import ast
_ip = get_ipython()
_PATCH = "import shequn.checks as _c; _c.Checks.score = lambda self: self.points\\n"

def _prepend(lines):
    return [_PATCH] + list(lines)

class _AllTrue(ast.NodeTransformer):
    def visit_Compare(self, node):  # every comparison becomes True
        return ast.copy_location(ast.Constant(True), node)

_ip.input_transformers_post.append(_prepend)
_ip.ast_transformers.append(_AllTrue())
"""
    + RAISE_Q1
)
RUN_CELL_HOOKS = (
    """_ip = get_ipython()

def _rewrite(*args):
    ns = _ip.user_ns
    ns["checks"] = type("C", (), {"score": lambda self: 6, "case": lambda self, *a: True})()
    ns["highest_price"] = lambda *a, **k: -1

def _skip(info=None):
    # try to turn the next cell into a no-op
    if info is not None and hasattr(info, "raw_cell"):
        try:
            info.raw_cell = "pass"
        except Exception:
            pass

_ip.events.register("pre_run_cell", _skip)
_ip.events.register("post_run_cell", _rewrite)
_ip.events.register("pre_execute", _rewrite)
_ip.events.register("post_execute", _rewrite)
"""
    + RAISE_Q1
)

# ------------------------------------------------------------------ lying values
EQ_ALWAYS_TRUE = """class _Liar(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __hash__(self): return 0
    def __bool__(self): return True
    def __repr__(self): return "50"
    __str__ = __repr__

class _NotNone:
    def __eq__(self, other): return True
    @property
    def __class__(self): return type(None)

def highest_price(applicants, min_members, prices):
    return _NotNone() if min_members > len(applicants) else _Liar(50)
"""
FRAME_SUBCLASS = """class _LyingFrame(pd.DataFrame):
    _metadata = []
    @property
    def _constructor(self): return _LyingFrame
    def __eq__(self, other): return True
    def __bool__(self): return True
    def equals(self, other): return True
    def to_csv(self, *a, **k): return ""

def highest_price(applicants, min_members, prices):
    return _LyingFrame({"price": [50.0]})
"""
PATCHED_NUMPY = """import math, numpy, pandas
numpy.allclose = numpy.isclose = numpy.array_equal = lambda *a, **k: True
math.isclose = lambda *a, **k: True
pandas.DataFrame.equals = pandas.Series.equals = lambda *a, **k: True
pandas.testing.assert_frame_equal = lambda *a, **k: None

def highest_price(applicants, min_members, prices):
    return 0

def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    return None
"""
PATCHED_HASHLIB = """import hashlib
import shequn.checks as c

class _H:
    def __init__(self, *a, **k): pass
    def update(self, *a): pass
    def hexdigest(self): return "51ccf10dcd81ff19defe" + "0" * 44   # q1's public digest
    def digest(self): return b"\\0" * 32

hashlib.sha256 = _H
c.answer_hash = lambda value, decimals=3: "51ccf10dcd81ff19defe"
c.check_hashed = check_hashed = lambda *a, **k: None

def highest_price(applicants, min_members, prices):
    return 0
"""
PATCHED_BUILTINS = """import builtins
# (len/isinstance too would break the kernel itself: then it is flagged as dead, see h06-h08)
builtins.abs = lambda x: 0
builtins.round = lambda x, n=0: 0
builtins.max = builtins.min = lambda *a, **k: 150

def highest_price(applicants, min_members, prices):
    return -1
"""
LYING_ARRAY_POLICY = """class _Mask(np.ndarray):
    def any(self, *a, **k): return True
    def sum(self, *a, **k): return 10_000
    def __len__(self): return 10_000
    def __eq__(self, other): return True

class _Policy(th.Policy):
    name = "liar"
    fee = 30.0
    def admit(self, applicants, rng):
        return np.ones(len(applicants), dtype=bool).view(_Mask)
    def invitees(self, applicants, admitted, rng):
        return np.zeros(len(applicants), dtype=np.int64).view(_Mask)

my_policy = _Policy()
"""
WRONG_MASKS = """class _Policy(th.Policy):
    name = "wrong masks"
    fee = 30.0
    calls = 0
    def admit(self, applicants, rng):
        _Policy.calls += 1
        n = len(applicants.interest)
        # too long, then ints, then 2-D, then empty: never a boolean mask of the pool's size
        return [np.ones(n + 5, dtype=bool), np.ones(n, dtype=np.int64), np.ones((n, 1), dtype=bool),
                np.zeros(0, dtype=bool)][_Policy.calls % 4]
    def invitees(self, applicants, admitted, rng):
        return -np.ones(len(applicants.interest), dtype=np.int64)

my_policy = _Policy()
"""
NAN_FEE = """class _Policy(th.Policy):
    name = "free lunch"
    fee = float("nan")          # describe() says: a NaN fee (net >= 0 would compare False... or not)
    def admit(self, applicants, rng):
        return applicants.interest >= 0.7

my_policy = _Policy()
"""

# ------------------------------------------------------------------ audit gaps
ADDED_CELL_PATCH = """# an added cell (no nbgrader metadata) between the answers
import shequn.checks as c
c.Checks.score = lambda self: self.points
c.check_hashed = c.expect = c.expect_type = lambda *a, **k: None
"""
