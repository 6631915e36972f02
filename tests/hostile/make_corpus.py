"""Write the hostile-submission corpus (see README.md next to this file; attack code: attacks_*.py).

Every notebook is derived from the *released* student notebook, like the round-trip test's
fake students: answer cells are filled with an attack and, where that makes the expected
outcome sharper, the other answers with the source's solutions (``None``) or left as released
(the stub, ``raise NotImplementedError()``).  A few submissions are not notebooks at all (broken
JSON, an empty file, a GBK-encoded file).

    python tests/hostile/make_corpus.py COURSE_DIR [--port PORT]

writes ``COURSE_DIR/_grading/submitted/<kind>/<assignment>/`` for every kind, where COURSE_DIR
already holds the released (``assignments/``) and source (``solutions/``) notebooks of
``threshold_design`` and ``group_analysis``.  Some attacks embed the course folder's absolute
path (a learner who knows where the grader runs) and PORT, a port on 127.0.0.1 where the test
serves the solution code to anyone who can connect.

Expected scores are worked out by hand from the test cells (q1 3, q2 4, q3 6 points; q4 is an
essay graded by hand): an attack's own cells earn nothing; the honest answers next to it earn
their full points.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# the attack code by family: X reaches out (reading, writing, network, leaks, injection, masked
# packages), F forges results (rigged checks, hooks, lying values), R breaks things (crashes,
# hangs, resources, channel abuse)
import attacks_escape as X  # noqa: E402
import attacks_forgery as F  # noqa: E402
import attacks_resources as R  # noqa: E402

# TIMESTAMP, _cells and write are also used by the tests, as corpus.TIMESTAMP etc.
from corpus_notebooks import (
    TIMESTAMP,  # noqa: F401  (re-exported for the tests)
    _cells,
    _edited_tests,
    _html_everywhere,
    _insert_after,
    _prefilled_outputs,
    _read,
    _without,
    write,
)

from helpers.course import fill_answers, solution_code  # noqa: E402

ASSIGNMENT = "threshold_design"
ANALYSIS = "group_analysis"
POINTS = {"q1_tests": 3.0, "q2_tests": 4.0, "q3_tests": 6.0}
ANSWERS = ("q1_answer", "q2_answer", "q3_answer")
GBK_NAME = "阈值设计数据.csv".encode("gbk")  # not valid UTF-8
PWNED = "/tmp/shequn-hostile-pwned"  # no attack may create anything with this prefix
CLASSES = (
    "crash & hang",
    "malformed submission",
    "silenced/rigged results",
    "interference",
    "lying values",
    "reading expected values",
    "leaking into feedback",
    "hidden data",
    "audit gaps",
    "instructor-side injection",
    "resources",
    "channel abuse",
    "name patching",
)


@dataclass
class Expect:
    """What the grader must make of one submission.

    ``score``: the exact autograded total (``None``: only the bound applies); ``bound``: an upper
    bound where the attack's effect is not deterministic (CPU starvation, fork races);
    ``flag``: True, the grader must flag the submission and ``shequn grade export`` hold it back;
    False, it must not be flagged; None, either (the attack races the limits), but flagged means
    held back, and not flagged means ``score``/``bound`` hold.
    """

    cls: str
    what: str
    outcome: str
    score: float | None = None
    bound: float | None = None
    flag: bool | None = False


CORRECT = {gid: None for gid in ANSWERS}
Q1, Q2, Q3 = 3.0, 4.0, 6.0


def _sub(code: str, *, course: str = "", port: int = 0) -> str:
    return code.replace("@COURSE@", repr(course)).replace("@PWNED@", repr(PWNED)).replace("@PORT@", str(port))


def corpus(release, source, *, course: str, port: int, other_release, partial: dict) -> dict:
    """``{student id: (Expect, content)}`` for threshold_design; content: a notebook, or ``{name: bytes}``."""
    f = lambda answers: fill_answers(release, source, answers)  # noqa: E731
    nb_bytes = lambda nb: nbformat.writes(nb).encode("utf-8")  # noqa: E731
    solutions = _cells(source)

    def before(gid: str, code: str):
        """The correct notebook with *code* run first in answer cell *gid*."""
        return f({**CORRECT, gid: code + solution_code(solutions[gid].source)})

    def after_correct(code: str):
        """The correct notebook plus *code* in an added cell after the last answer."""
        return _insert_after(f(CORRECT), "q3_answer", nbformat.v4.new_code_cell(code))

    def q1(code: str, **rest):
        """*code* as the q1 answer, the other answers left as released (stubs)."""
        return f({"q1_answer": code, **rest})

    def q3(code: str):
        return f({"q3_answer": code})

    E = Expect  # noqa: N806
    out: dict[str, tuple[Expect, object]] = {
        # ---------------------------------------------------------------- crash & hang
        "h01_infinite_loop": (
            E(
                "crash & hang",
                "highest_price loops forever; q2/q3 correct",
                "every q1 call hits the per-call timeout and is interrupted: q1 0 -> 10",
                score=Q2 + Q3,
            ),
            f({**CORRECT, "q1_answer": R.INFINITE_LOOP}),
        ),
        "h02_memory_bomb": (
            E(
                "crash & hang",
                "policy_table allocates 100 MB blocks forever; q1/q3 correct",
                "MemoryError at the address-space limit, the kernel survives: q2 0 -> 9",
                score=Q1 + Q3,
            ),
            f({**CORRECT, "q2_answer": R.MEMORY_BOMB}),
        ),
        "h03_fork_bomb": (
            E(
                "crash & hang",
                "guarded `while True: os.fork()` as the q3 answer; q1/q2 correct",
                "fork fails at the cgroup's pids.max; the forked kernel copies share its sockets: "
                "flagged (kernel died / cell timed out), or at most q1+q2 = 7; nothing survives",
                bound=Q1 + Q2,
                flag=None,
            ),
            f({**CORRECT, "q3_answer": R.FORK_BOMB}),
        ),
        "h04_huge_output": (
            E(
                "crash & hang",
                "prints 10^8 characters, then the correct answers",
                "graded normally -> 13; the stored notebook stays < 1 MB",
                score=13.0,
            ),
            before("q1_answer", R.HUGE_OUTPUT),
        ),
        "h05_sys_exit": (
            E(
                "crash & hang",
                "sys.exit() before defining highest_price; q2/q3 correct",
                "IPython turns SystemExit into a cell error: q1 0 -> 10",
                score=Q2 + Q3,
            ),
            before("q1_answer", R.SYS_EXIT),
        ),
        "h06_os_exit": (
            E(
                "crash & hang",
                "os._exit(1) in the q2 answer (q1 correct)",
                "the kernel dies while the notebook runs: flagged `kernel died`, held back",
                flag=True,
            ),
            before("q2_answer", R.OS_EXIT),
        ),
        "h07_segfault": (
            E(
                "crash & hang",
                "ctypes.string_at(0) in the q3 answer (q1/q2 correct)",
                "the kernel crashes (SIGSEGV): flagged, held back",
                flag=True,
            ),
            before("q3_answer", R.SEGFAULT),
        ),
        "h08_sigkill": (
            E(
                "crash & hang",
                "os.kill(os.getpid(), 9) in the q1 answer",
                "the kernel is killed: flagged, held back",
                flag=True,
            ),
            before("q1_answer", R.SIGKILL),
        ),
        "h09_syntax_error": (
            E(
                "crash & hang",
                "SyntaxError in the q2 answer; q1/q3 correct",
                "q2 0, the rest graded -> 9",
                score=Q1 + Q3,
            ),
            f({**CORRECT, "q2_answer": R.SYNTAX_ERROR}),
        ),
        "h62_sigint_ignored": (
            E(
                "crash & hang",
                "ignores and blocks SIGINT, then highest_price loops in C "
                "(any(itertools.repeat(0)), never checks signals); q2/q3 correct",
                "the first q1 call cannot be interrupted: the kernel counts as gone, "
                "every later test fails: 0, flagged `kernel died`",
                score=0.0,
                flag=True,
            ),
            f({**CORRECT, "q1_answer": R.SIGINT_LOOP}),
        ),
        # ---------------------------------------------------------------- malformed submissions
        "h10_invalid_json": (
            E(
                "malformed submission",
                "truncated notebook JSON",
                "not gradable: flagged `invalid notebook`",
                flag=True,
            ),
            {f"{ASSIGNMENT}.ipynb": nb_bytes(f(CORRECT))[:2000]},
        ),
        "h11_empty_file": (
            E(
                "malformed submission",
                "0-byte threshold_design.ipynb",
                "not gradable: flagged `invalid notebook`",
                flag=True,
            ),
            {f"{ASSIGNMENT}.ipynb": b""},
        ),
        "h12_wrong_assignment": (
            E(
                "malformed submission",
                "the released group_analysis notebook as threshold_design.ipynb",
                "none of the graded cells exist: flagged",
                flag=True,
            ),
            nbformat.from_dict(json.loads(json.dumps(other_release))),
        ),
        "h20_gbk_content": (
            E(
                "malformed submission",
                "correct notebook, the file encoded in GBK",
                "not readable as a notebook: flagged `invalid notebook`",
                flag=True,
            ),
            {f"{ASSIGNMENT}.ipynb": nbformat.writes(f(CORRECT)).encode("gbk", errors="replace")},
        ),
        "h21_gbk_filename": (
            E(
                "malformed submission",
                "partial answers plus an extra file with a GBK name",
                "the extra file is ignored: graded normally -> 5",
                score=5.0,
            ),
            {f"{ASSIGNMENT}.ipynb": nb_bytes(f(partial)), GBK_NAME: "成员,活跃\n张三,是\n".encode("gbk")},
        ),
        # ---------------------------------------------------------------- silenced / rigged results
        "h13_deleted_tests": (
            E(
                "audit gaps",
                "every test cell deleted; answers correct",
                "flagged `test cell missing`, held back",
                flag=True,
            ),
            _without(f(CORRECT), set(POINTS)),
        ),
        "h14_edited_tests": (
            E(
                "silenced/rigged results",
                "test cells replaced by `checks.score = lambda: N`, checksums recomputed; stub answers",
                "tests come from the gradebook: 0",
                score=0.0,
            ),
            _edited_tests(f({}), POINTS),
        ),
        "h15_monkeypatch_score": (
            E(
                "silenced/rigged results",
                "`Checks.score = lambda self: self.points` in the kernel",
                "the tests run in the grader: 0",
                score=0.0,
            ),
            q1(F.MONKEYPATCH_SCORE),
        ),
        "h16_fake_helpers": (
            E(
                "silenced/rigged results",
                "rebinds expect/check_hashed/..., hooks builtins.__import__",
                "the tests run in the grader: 0",
                score=0.0,
            ),
            q1(F.FAKE_HELPERS),
        ),
        "h23_fake_report": (
            E(
                "silenced/rigged results",
                "prints a passing report and shows the points early, again after every cell",
                "test outputs are written by the grader: 0",
                score=0.0,
            ),
            q1(F.FAKE_REPORT),
        ),
        "h24_replace_checks": (
            E(
                "silenced/rigged results",
                "replaces Checks (always passing case/score), the "
                "results list, `checks` and `expect` in the kernel",
                "0, not flagged (q1's `checks = Checks(...)` leaves a placeholder in the "
                "kernel; the later tests asking about it is no learner use)",
                score=0.0,
            ),
            q1(F.REPLACE_CHECKS),
        ),
        "h25_prefilled_outputs": (
            E(
                "silenced/rigged results",
                "test cells submitted with a passing report and full points as outputs; stub answers",
                "outputs replaced: 0",
                score=0.0,
            ),
            _prefilled_outputs(f({}), POINTS),
        ),
        "h26_swallow_errors": (
            E(
                "silenced/rigged results",
                "set_custom_exc/excepthook/showtraceback swallow every "
                "error: failing cells end without result or error",
                "0",
                score=0.0,
            ),
            q1(F.SWALLOW_ERRORS),
        ),
        # ---------------------------------------------------------------- interference
        "h27_settrace": (
            E(
                "interference",
                "sys.settrace/threading.settrace rewriting locals of score/expect",
                "no test code runs in the kernel: 0",
                score=0.0,
            ),
            q1(F.SETTRACE),
        ),
        "h28_input_transformer": (
            E(
                "interference",
                "input transformer prepends a Checks patch to every cell; an "
                "AST transformer turns every comparison into True",
                "0",
                score=0.0,
            ),
            q1(F.INPUT_TRANSFORMER),
        ),
        "h29_run_cell_hooks": (
            E(
                "interference",
                "pre/post_run_cell and pre/post_execute hooks rewrite `checks` and "
                "the answers, try to skip cells",
                "0",
                score=0.0,
            ),
            q1(F.RUN_CELL_HOOKS),
        ),
        # ---------------------------------------------------------------- lying values
        "h30_eq_always_true": (
            E(
                "lying values",
                "highest_price returns an int subclass whose __eq__ is always "
                "True / an object claiming to be None",
                "not data: each case fails -> 0",
                score=0.0,
            ),
            q1(F.EQ_ALWAYS_TRUE),
        ),
        "h31_frame_subclass": (
            E(
                "lying values",
                "highest_price returns a DataFrame subclass whose __eq__/equals lie",
                "only its data crosses: 0",
                score=0.0,
            ),
            q1(F.FRAME_SUBCLASS),
        ),
        "h32_patched_numpy": (
            E(
                "lying values",
                "patches numpy.allclose/isclose, math.isclose, DataFrame.equals",
                "comparisons happen in the grader: 0",
                score=0.0,
            ),
            q1(F.PATCHED_NUMPY),
        ),
        "h33_patched_hashlib": (
            E("lying values", "patches hashlib.sha256, answer_hash, check_hashed", "0", score=0.0),
            q1(F.PATCHED_HASHLIB),
        ),
        "h34_patched_builtins": (
            E("lying values", "patches builtins abs/round/max/min", "0", score=0.0),
            q1(F.PATCHED_BUILTINS),
        ),
        "h35_lying_array_policy": (
            E(
                "lying values",
                "my_policy.admit returns an ndarray subclass with lying any/sum/len/__eq__",
                "not plain data: simulate fails -> 0",
                score=0.0,
            ),
            q3(F.LYING_ARRAY_POLICY),
        ),
        "h36_wrong_masks": (
            E(
                "lying values",
                "admit returns masks of the wrong length/dtype/shape, invitees negative counts",
                "the simulator refuses them: 0",
                score=0.0,
            ),
            q3(F.WRONG_MASKS),
        ),
        "h37_nan_fee": (
            E(
                "channel abuse",
                "describe() of my_policy reports a NaN fee",
                "refused: flagged `invalid answer data`, 0",
                score=0.0,
                flag=True,
            ),
            q3(F.NAN_FEE),
        ),
        # ---------------------------------------------------------------- reading the expected values
        "h17_read_solution": (
            E(
                "reading expected values",
                "reads COURSE/solutions/*.ipynb, gradebook.db, the config and execs the solution cells",
                "the course is not in the sandbox: 0",
                score=0.0,
            ),
            f({"q1_answer": _sub(X.READ_SOLUTION, course=course)}),
        ),
        "h18_read_other_learner": (
            E(
                "reading expected values",
                "reads another learner's submitted/autograded notebook and execs its answers",
                "0",
                score=0.0,
            ),
            f({"q1_answer": _sub(X.READ_OTHER, course=course)}),
        ),
        "h38_gc_frames": (
            E(
                "reading expected values",
                "searches gc, all threads' frames for _ref_* functions and "
                "expected values, at import and at call time",
                "nothing there: 0",
                score=0.0,
            ),
            q1(X.GC_FRAMES),
        ),
        "h39_history": (
            E(
                "reading expected values",
                "reads In, Out, _ih, the history database at call time",
                "no test source in the kernel: 0",
                score=0.0,
            ),
            q1(X.HISTORY),
        ),
        "h40_read_notebooks": (
            E(
                "reading expected values",
                "walks /, cwd, HOME, /shequn, /proc/*/cwd|root for "
                "notebooks with the hidden tests and for gradebook.db",
                "0",
                score=0.0,
            ),
            q1(X.READ_NOTEBOOKS),
        ),
        "h41_proc_env_seed": (
            E(
                "reading expected values",
                "reads the environment and /proc/*/environ|cmdline for the grading seed and the grader",
                "0",
                score=0.0,
            ),
            q1(X.PROC_ENV_SEED),
        ),
        # ---------------------------------------------------------------- leaks, hidden data
        "h42_leak_stdout": (
            E(
                "leaking into feedback",
                "prints the hidden inputs (stdout, stderr, fd 1/2, warnings, "
                "display) and raises them in an exception",
                "nothing of it reaches the notebook: 0",
                score=0.0,
            ),
            q1(X.LEAK),
        ),
        "h43_hardcode_hidden": (
            E(
                "hidden data",
                "right answers for the pools of the default hidden seeds, nonsense elsewhere",
                "the term seed changes the pools: 0",
                score=0.0,
            ),
            q1(X.HARDCODE_HIDDEN),
        ),
        # ---------------------------------------------------------------- audit gaps
        "h44_added_cell_patch": (
            E(
                "audit gaps",
                "an added cell (no metadata) patches Checks.score and the helpers",
                "0",
                score=0.0,
            ),
            _insert_after(f({}), "q1_answer", nbformat.v4.new_code_cell(F.ADDED_CELL_PATCH)),
        ),
        "h45_invalid_extra_notebook": (
            E(
                "audit gaps",
                "a correct notebook plus an invalid extra notebook",
                "flagged `invalid notebook`, held back",
                flag=True,
            ),
            {f"{ASSIGNMENT}.ipynb": nb_bytes(f(CORRECT)), "notes.ipynb": b'{"cells": [}'},
        ),
        "h46_duplicated_test": (
            E("audit gaps", "q1's test cell twice; answers correct", "flagged, held back", flag=True),
            _insert_after(f(CORRECT), "q1_tests", copy.deepcopy(_cells(f(CORRECT))["q1_tests"])),
        ),
        "h47_deleted_one_test": (
            E(
                "audit gaps",
                "q2's test cell deleted; answers correct",
                "flagged `test cell missing`, held back",
                flag=True,
            ),
            _without(f(CORRECT), {"q2_tests"}),
        ),
        # ---------------------------------------------------------------- instructor-side injection
        "h48_html_injection": (
            E(
                "instructor-side injection",
                "script/on* handlers/javascript: URLs in the essay, a "
                "raw HTML cell, an added markdown cell and HTML/JS/SVG outputs",
                "sanitised; 0",
                score=0.0,
            ),
            _html_everywhere(f({"q1_answer": X.HTML_OUTPUTS, "q4_answer": X.HTML_ESSAY})),
        ),
        "h49_control_chars": (
            E(
                "instructor-side injection",
                "ANSI escapes, CR, NUL, bidi overrides and fake summary "
                "lines in outputs, stderr, exception text and the policy name",
                "escaped in every log and summary line; 0",
                score=0.0,
            ),
            f({"q1_answer": X.CONTROL_CHARS}),
        ),
        # ---------------------------------------------------------------- resources
        "h19_write_gradebook": (
            E(
                "resources",
                "UPDATEs gradebook.db, overwrites it, deletes it, writes into the course and /tmp",
                "every step blocked, gradebook intact: 0",
                score=0.0,
            ),
            f({"q1_answer": _sub(X.WRITE_GRADEBOOK, course=course)}),
        ),
        "h22_network": (
            E(
                "resources",
                "connects to 127.0.0.1:PORT (the test serves the solution), 1.1.1.1, "
                "example.com and execs what it receives",
                "no network: 0",
                score=0.0,
            ),
            f({"q1_answer": _sub(X.NETWORK, port=port)}),
        ),
        "h50_tmp_files": (
            E(
                "resources",
                "files in /tmp, /var/tmp, /dev/shm, /run/lock, /run, HOME; SysV shm, "
                "semaphores, message queue; a listening abstract socket; answers correct",
                "all private to the sandbox and gone after it: 13",
                score=13.0,
            ),
            after_correct(R.TMP_FILES),
        ),
        "h51_forked_memory": (
            E(
                "resources",
                "4 double-forked children each touch 600 MB and sleep; answers correct",
                "the cgroup caps their total (< --memory), all killed at the end: 13",
                score=13.0,
            ),
            after_correct(R.FORKED_MEMORY),
        ),
        "h52_fork_chain": (
            E(
                "resources",
                "a daemon that forks a new pid every 50 ms; answers correct",
                "killed with the cgroup: 13",
                score=13.0,
            ),
            after_correct(R.FORK_CHAIN),
        ),
        "h53_cpu_hogs": (
            E(
                "resources",
                "16 daemonised busy loops; stub answers",
                "capped to the cgroup's CPU share (the kernel may be starved: then flagged), "
                "killed at the end: 0",
                score=0.0,
                flag=None,
            ),
            q1(R.CPU_HOGS),
        ),
        "h54_disk_fill": (
            E(
                "resources",
                "writes up to 512 MB into the work dir; answers correct",
                "graded normally (13); the amount written is reported",
                score=13.0,
            ),
            after_correct(R.DISK_FILL),
        ),
        # ---------------------------------------------------------------- channel abuse
        "h55_huge_result": (
            E(
                "channel abuse",
                "swaps the kernel's serve() for one writing a 48 MB result",
                "refused (size cap): flagged `invalid answer data`",
                score=0.0,
                flag=True,
            ),
            q1(R.HUGE_RESULT),
        ),
        "h56_symlink_result": (
            E(
                "channel abuse",
                "the result file is a symlink to /etc/passwd",
                "refused (O_NOFOLLOW): flagged",
                score=0.0,
                flag=True,
            ),
            q1(R.SYMLINK_RESULT),
        ),
        "h57_fifo_result": (
            E(
                "channel abuse",
                "the result file is a FIFO",
                "refused without blocking: flagged",
                score=0.0,
                flag=True,
            ),
            q1(R.FIFO_RESULT),
        ),
        "h58_malformed_arrow": (
            E(
                "channel abuse",
                "a DataFrame result whose Arrow file is garbage",
                "refused: flagged",
                score=0.0,
                flag=True,
            ),
            q1(R.MALFORMED_ARROW),
        ),
        "h59_pickled_npy": (
            E(
                "channel abuse",
                "an .npy result holding a pickle that would run a command",
                "never unpickled: flagged, no PWNED file",
                score=0.0,
                flag=True,
            ),
            q1(_sub(R.PICKLED_NPY)),
        ),
        "h60_deep_nesting": (
            E(
                "channel abuse",
                "results nested 40 and 200,000 levels deep",
                "refused without a crash: flagged",
                score=0.0,
                flag=True,
            ),
            q1(R.DEEP_NESTING),
        ),
        "h61_path_traversal": (
            E(
                "channel abuse",
                "a result naming ../../../../etc/shadow as its file",
                "refused: flagged",
                score=0.0,
                flag=True,
            ),
            q1(R.PATH_TRAVERSAL),
        ),
        "h63_describe_lies": (
            E(
                "channel abuse",
                "describe() answers a 2**80 value, a pickled value and a policy with a dict name and NaN fee",
                "refused: flagged, 0",
                score=0.0,
                flag=True,
            ),
            q1(R.DESCRIBE_LIES),
        ),
        "h64_arrow_bomb": (
            E(
                "channel abuse",
                "a zstd-compressed Arrow result: 10 KB that decompress to 256 MB",
                "refused before decompression: flagged",
                score=0.0,
                flag=True,
            ),
            q1(R.ARROW_BOMB),
        ),
    }
    return out


def analysis_corpus(release, source) -> dict:
    """group_analysis kinds: answers that delegate to the package's own shequn.metrics."""
    f = lambda answers: fill_answers(release, source, answers)  # noqa: E731
    return {
        "g01_metrics_delegation": (
            Expect(
                "name patching",
                "q2-q5 call shequn.metrics (activity, retention_by_cohort, lurker_share, "
                "red_packet_lift, lift_half_life); q1 and q6 stubs",
                "the sandbox masks shequn.metrics: ImportError in every call -> 0",
                score=0.0,
            ),
            f(X.METRICS_DELEGATE),
        ),
        "g02_metrics_bypass": (
            Expect(
                "name patching",
                "loads metrics.py or the metrics/ package's modules by file path, any of their .pyc, or "
                "through modules that import it",
                "the package is masked; nothing found -> 0",
                score=0.0,
            ),
            f(X.METRICS_BYPASS),
        ),
    }


def build(course: Path, *, port: int, partial_answers: dict) -> dict[str, Expect]:
    """Write the threshold_design corpus into ``course``; return ``{student: Expect}``."""
    release, source = _read(course, "assignments", ASSIGNMENT), _read(course, "solutions", ASSIGNMENT)
    other = course / "assignments" / ANALYSIS / f"{ANALYSIS}.ipynb"
    if not other.exists():
        other = Path(__file__).resolve().parents[2] / "assignments" / ANALYSIS / f"{ANALYSIS}.ipynb"
    entries = corpus(
        release,
        source,
        course=str(course),
        port=port,
        other_release=nbformat.read(other, as_version=4),
        partial=partial_answers,
    )
    write(course, ASSIGNMENT, entries)
    return {student: expect for student, (expect, _) in entries.items()}


def build_analysis(course: Path) -> dict[str, Expect]:
    """Write the group_analysis kinds into ``course``; return ``{student: Expect}``."""
    entries = analysis_corpus(_read(course, "assignments", ANALYSIS), _read(course, "solutions", ANALYSIS))
    write(course, ANALYSIS, entries)
    return {student: expect for student, (expect, _) in entries.items()}


if __name__ == "__main__":
    from helpers.students import THRESHOLD_STUDENTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path)
    parser.add_argument("--port", type=int, default=9)
    args = parser.parse_args()
    exp = build(args.course.resolve(), port=args.port, partial_answers=THRESHOLD_STUDENTS["partial"][0])
    if (args.course / "assignments" / ANALYSIS).is_dir():
        exp.update(build_analysis(args.course.resolve()))
    for name, e in sorted(exp.items()):
        print(f"{name:28} {e.outcome}")
