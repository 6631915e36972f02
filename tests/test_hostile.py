"""Hostile submissions, graded for real by ``shequn grade`` in one batch with honest ones.

The corpus (``tests/hostile/make_corpus.py``, attack code in ``tests/hostile/attacks_*.py``,
table in ``tests/hostile/README.md``) is written into a temporary course next to the four
honest threshold_design learners of ``tests/helpers/students.py`` (correct 13, partial 5,
empty 0, hardcoded 6) and graded in ONE ``python -m shequn.cli grade`` run.  The two
group_analysis kinds (answers that delegate to ``shequn.metrics``, which the sandbox masks) are
graded in a second, small run with an honest correct (18) and an empty (0) submission.

Asserted: every kind's exact score (an attack's own cells earn nothing) or its flag; the honest
scores exactly; flagged submissions held back by ``shequn grade export`` (after an instructor
graded every essay); the gradebook intact; nothing of any learner's run left outside the
temporary course (files, SysV IPC, processes, cgroups of the sandbox uids); no raw control
character in the summary, the logs or the journal; no learner script or event handler in any
autograded notebook; nothing found by the searching attacks, nothing leaked.  Root only: the
sandbox needs it (CI runs as root).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from pathlib import Path

import nbformat
import pytest

from helpers.course import make_course, solution_code
from helpers.hostile import (
    SolutionServer,
    export_canvas,
    grade_essays,
    gradebook_scores,
    sandbox_files,
    sandbox_processes,
    sha256,
    shequn_grade,
    submit,
    sysv_objects,
)
from helpers.students import ANALYSIS_STUDENTS, THRESHOLD_STUDENTS
from shequn.grading.authoring.release import run_nbgrader
from shequn.grading.sandbox.bubblewrap import UID_BASE
from shequn.grading.sandbox.cgroup import stale_cgroups

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "hostile"))
import make_corpus as corpus  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.root]
NAME, ANALYSIS = corpus.ASSIGNMENT, corpus.ANALYSIS
CELL_TIMEOUT = 12  # per cell and per call of a learner function; the honest cells need ~2 s
ANALYSIS_CELL_TIMEOUT = 90  # no hanging kinds there; its honest cells (data, plots) are slower
NOTEBOOK_TIMEOUT = 300
HONEST = {s: THRESHOLD_STUDENTS[s] for s in ("correct", "partial", "empty", "hardcoded")}
HONEST_ANALYSIS = {s: ANALYSIS_STUDENTS[s] for s in ("correct", "empty")}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SCRIPT = re.compile(r"<\s*script|<[^>]*\son[a-z]+\s*=|javascript:", re.I)

# ------------------------------------------------------------------ helpers


def _hardcoded_lurkers() -> dict:
    from shequn.data import load_dataset

    source = nbformat.read(ROOT / "solutions" / ANALYSIS / f"{ANALYSIS}.ipynb", as_version=4)
    ns: dict = {}
    exec("import pandas as pd\n" + solution_code(corpus._cells(source)["q4_answer"].source), ns)  # noqa: S102
    data = load_dataset(ROOT / "datasets" / "group_chats")
    return ns["lurker_share"](data.members, data.messages).to_dict()


# ------------------------------------------------------------------ the batches


@pytest.fixture(scope="module")
def world():
    """What exists outside any course before grading (compared at the end)."""
    return {
        "sysv": sysv_objects(),
        "procs": sandbox_processes(),
        "files": sandbox_files(),
        "cgroups": {str(p) for p in stale_cgroups()},
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory, world):
    base = tmp_path_factory.mktemp("hostile")
    canary = base / "canary.txt"
    canary.write_text("outside the course")
    course = make_course(ROOT, base / "course", (NAME,))
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    source = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    server = SolutionServer("\n".join(solution_code(corpus._cells(source)[g].source) for g in corpus.ANSWERS))
    try:
        expects = corpus.build(course, port=server.port, partial_answers=HONEST["partial"][0])
        submit(course, NAME, HONEST, corpus.TIMESTAMP)
        protected = {
            p: sha256(p)
            for p in [
                canary,
                course / "nbgrader_config.py",
                *(course / "solutions").rglob("*.ipynb"),
                *(course / "_grading" / "submitted").rglob("*.ipynb"),
            ]
        }
        run = shequn_grade(course, NAME, CELL_TIMEOUT, NOTEBOOK_TIMEOUT)
    finally:
        server.close()
    book = gradebook_scores(course, NAME)
    grade_essays(course, NAME)
    exported, export_out = export_canvas(course, NAME, base / "export.csv")
    return {
        "course": course,
        "expects": expects,
        "protected": protected,
        "server": server,
        "book": book,
        "exported": exported,
        "export_out": export_out,
        **run,
    }


@pytest.fixture(scope="module")
def analysis(tmp_path_factory, world):
    base = tmp_path_factory.mktemp("hostile-analysis")
    course = make_course(ROOT, base / "course", (ANALYSIS,))
    run_nbgrader(["generate_assignment", ANALYSIS, "--force"], cwd=course)
    expects = corpus.build_analysis(course)
    submit(course, ANALYSIS, HONEST_ANALYSIS, corpus.TIMESTAMP)
    run = shequn_grade(course, ANALYSIS, ANALYSIS_CELL_TIMEOUT, NOTEBOOK_TIMEOUT)
    book = gradebook_scores(course, ANALYSIS)
    grade_essays(course, ANALYSIS)
    exported, _ = export_canvas(course, ANALYSIS, base / "export.csv")
    return {"course": course, "expects": expects, "book": book, "exported": exported, **run}


def _flags(run: dict, student: str) -> list[str]:
    from shequn.grading.results.outcome import HOLD_BACK

    entry = run["journal"].get(student)
    assert entry is not None, (student, "not in the journal", run["summary"][-2000:])
    return [f for f in entry["flags"] if f in HOLD_BACK]


def _autograded(course: Path, student: str, assignment: str = NAME) -> Path:
    return course / "_grading" / "autograded" / student / assignment / f"{assignment}.ipynb"


def _outputs(path: Path) -> str:
    """Every output of every cell of a notebook, as one text (sources excluded)."""
    nb = nbformat.read(path, as_version=4)
    return json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)


def _without_code_blocks(markdown: str) -> str:
    """Markdown minus its fenced code blocks (shown as text, never rendered as HTML)."""
    return re.sub(r"^(`{3,})[^\n]*\n.*?^\1\s*$", "", markdown, flags=re.M | re.S)


def _check_outcome(run: dict, student: str, expect: corpus.Expect) -> None:
    score, flags = run["book"].get(student), _flags(run, student)
    why = (student, expect.outcome, score, run["journal"][student])
    if expect.flag or flags:  # flag None: either outcome, but a flagged one is held back
        assert expect.flag is not False and flags, why
        assert run["exported"][student] == "", ("flagged but exported", *why)
    if expect.score is not None and not (expect.flag is None and flags):
        assert score is not None and score == pytest.approx(expect.score, abs=1e-3), why
    if expect.bound is not None:
        assert score is None or score <= expect.bound + 1e-6, why
    if not flags:  # exported as graded: the essay (0) plus exactly the autograded total
        assert float(run["exported"][student]) == pytest.approx(score, abs=1e-3), why


# ------------------------------------------------------------------ outcomes


_SOURCE = Path(corpus.__file__).read_text(encoding="utf-8")
KINDS = re.findall(r'^ +"([hg]\d\d_\w+)": \(', _SOURCE, flags=re.M)
HOSTILE = sorted(k for k in KINDS if k.startswith("h"))
ANALYSIS_KINDS = sorted(k for k in KINDS if k.startswith("g"))


def test_the_corpus_is_large_and_covers_every_class():
    readme = (ROOT / "tests" / "hostile" / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([hg]\d\d_\w+)`", readme, flags=re.M)
    assert len(set(KINDS)) == len(KINDS) >= 42 and sorted(rows) == sorted(KINDS)
    classes = set(re.findall(r'E(?:xpect)?\(\s*"([^"]+)"', _SOURCE))
    assert classes == set(corpus.CLASSES)


def test_one_batch_graded_everyone(batch):
    assert batch["rc"] == 0, batch["summary"][-3000:]
    assert set(batch["journal"]) == set(HOSTILE) | set(HONEST), batch["summary"][-3000:]


@pytest.mark.parametrize("student", sorted(HONEST))
def test_honest_scores_exactly(batch, student):
    _check_outcome(batch, student, corpus.Expect("honest", "honest", "exact", score=HONEST[student][1]))


@pytest.mark.parametrize("student", HOSTILE)
def test_hostile_outcome(batch, student):
    _check_outcome(batch, student, batch["expects"][student])


@pytest.mark.parametrize("student", ANALYSIS_KINDS + sorted(HONEST_ANALYSIS))
def test_metrics_delegation_earns_nothing(analysis, student):
    assert analysis["rc"] == 0, analysis["summary"][-3000:]
    expect = analysis["expects"].get(student) or corpus.Expect(
        "honest", "", "", score=HONEST_ANALYSIS[student][1]
    )
    _check_outcome(analysis, student, expect)
    if student in ANALYSIS_KINDS:  # it did call the package and was refused by the sandbox
        assert "FOUND" not in _outputs(_autograded(analysis["course"], student, ANALYSIS))


def test_flagged_submissions_are_held_back(batch):
    flagged = sorted(s for s in batch["journal"] if _flags(batch, s))
    must = sorted(s for s, e in batch["expects"].items() if e.flag)
    may = sorted(s for s, e in batch["expects"].items() if e.flag is None)
    assert set(must) <= set(flagged) <= set(must) | set(may)
    held = batch["export_out"].split("held back until graded in formgrader:")[-1]
    assert all(s in held for s in flagged), batch["export_out"]
    assert all(batch["exported"][s] == "" for s in flagged)


# ------------------------------------------------------------------ specific evidence


def test_huge_output_is_not_stored(batch):
    assert _autograded(batch["course"], "h04_huge_output").stat().st_size < 2**20


def test_fork_bomb_went_off_inside_the_sandbox(batch):
    nb = nbformat.read(_autograded(batch["course"], "h03_fork_bomb"), as_version=4)
    text = "".join(o.get("text", "") for o in corpus._cells(nb)["q3_answer"].outputs)
    armed = re.search(r"fork bomb armed, uid (\d+) nproc (\d+)", text)
    assert armed and int(armed[1]) >= UID_BASE and 0 < int(armed[2]) <= 256, text[:500]


def test_children_cannot_hold_more_than_the_memory_cap(batch):
    text = _autograded(batch["course"], "h51_forked_memory").read_text(encoding="utf-8")
    held = re.search(r"HELD (\d+) MB", text)
    assert held and int(held[1]) < 2048, text[-2000:]


def test_the_work_dir_cannot_fill_the_disk(batch):
    """h54 writes 8 MB files into its work dir until 512 MB or an error: a cap must stop it first."""
    written = re.search(r"WROTE (\d+) MB", _outputs(_autograded(batch["course"], "h54_disk_fill")))
    assert written and int(written[1]) < 512, written and written[0]


def test_searching_attacks_found_nothing_and_nothing_leaked(batch):
    for student in HOSTILE:
        path = _autograded(batch["course"], student)
        if path.exists():
            text = _outputs(path)
            assert "FOUND" not in text, (student, text[text.find("FOUND") - 200 : text.find("FOUND") + 300])
            assert "LEAK" not in text, (student, text[text.find("LEAK") - 200 : text.find("LEAK") + 300])
    assert batch["server"].connections == 0, "a kernel reached the host's loopback"
    assert not [n for n in os.listdir("/tmp") if n.startswith("shequn-hostile-pwned")]


def test_autograded_notebooks_hold_no_learner_script(batch):
    found = []
    for path in sorted((batch["course"] / "_grading" / "autograded").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            texts = {"markdown": [_without_code_blocks(cell.source)], "raw": [cell.source]}.get(
                cell.cell_type, []
            )
            for out in cell.get("outputs", []):
                data = {k: v if isinstance(v, str) else "".join(v) for k, v in out.get("data", {}).items()}
                assert "application/javascript" not in data, (path, i)
                texts += [data[k] for k in ("text/html", "image/svg+xml") if k in data]
                texts += [_without_code_blocks(data["text/markdown"])] if "text/markdown" in data else []
            found += [(path.parent.parent.name, i, m.group(0)) for t in texts for m in SCRIPT.finditer(t)]
    assert found == []
    essay = nbformat.read(_autograded(batch["course"], "h48_html_injection"), as_version=4)
    assert "我的门槛设计很好" in corpus._cells(essay)["q4_answer"].source  # cleaned, not dropped


def test_no_raw_control_character_in_summary_logs_or_journal(batch):
    logs = sorted((batch["course"] / "_grading" / "shequn-grade").rglob("*.log"))
    assert logs, "no per-submission logs"
    texts = {
        "summary": batch["summary"],
        "journal": (batch["course"] / "_grading" / "shequn-grade" / f"{NAME}.jsonl").read_text(
            encoding="utf-8"
        ),
        **{str(p): p.read_text(encoding="utf-8", errors="surrogateescape") for p in logs},
    }
    bad = [
        (name, line[:200])
        for name, text in texts.items()
        for line in text.splitlines()
        if CONTROL.search(line)
    ]
    assert bad == []
    assert "h49_control_chars" not in batch["summary"] or "✓ correct: 13/13" not in batch["summary"]


def test_gradebook_intact(batch):
    with sqlite3.connect(batch["course"] / "gradebook.db") as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM grade WHERE manual_score = 100").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM comment WHERE manual_comment = 'pwned'").fetchone()[0] == 0
    assert not (batch["course"] / "_grading" / "pwned.txt").exists()
    for path, digest in batch["protected"].items():
        assert path.exists() and sha256(path) == digest, path


def test_nothing_left_outside_the_course(batch, analysis, world):
    """After both runs: no file, IPC object, process or cgroup of their sandbox uids anywhere.

    Other graders may run on the same machine (other sandbox uids): only this test's runs count,
    except for SysV IPC, which a sandbox can never create in the host's namespace at all.
    """
    ours = [r for run in (batch, analysis) for r in run["uids"]]
    assert sysv_objects() == world["sysv"] == []
    assert [p for p in sandbox_processes() if p[1] in ours] == []
    assert [f for f in sandbox_files() if f[1] in ours] == []
    assert [c for c in stale_cgroups() if c.name.startswith((batch["cgroup"], analysis["cgroup"]))] == []
    assert "@shequn-hostile-pwned" not in Path("/proc/net/unix").read_text()
