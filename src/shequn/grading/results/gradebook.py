"""The course's folders and nbgrader gradebook, as the grader sees them.

Concurrent writers (several ``nbgrader autograde`` processes, formgrader) share one SQLite
gradebook: the course's ``db_url`` carries SQLite's busy timeout (``?timeout=60``), so a writer
waits for the lock instead of failing with "database is locked".  No monkeypatching of
nbgrader and no lock of our own around the gradebook; one grading run per course at a time
is enforced with :mod:`filelock` (:func:`run_lock`).

What every grading run, local or on a cluster, reads and writes in the course: the term's
hidden-data seed (:func:`grading_seed`), a submission's scores and its hold for manual grading
(:func:`read_scores`, :func:`hold_for_manual`), and the files handed back to the course's owner
when the run ends (:func:`give_back`).  For a Dask run: the gradebook a task grades against
(:func:`template_gradebook`) and the task's grades stored in the course's (:func:`store_task_grades`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from shequn.grading.results.outcome import GradeError

__all__ = [
    "CourseDirs",
    "course_dirs",
    "STATE_DIR",
    "run_lock",
    "BUSY_TIMEOUT",
    "grading_seed",
    "read_scores",
    "hold_for_manual",
    "template_gradebook",
    "store_task_grades",
    "give_back",
]

STATE_DIR = Path("_grading") / "shequn-grade"
BUSY_TIMEOUT = 60  # seconds a gradebook writer waits for SQLite's lock


@dataclass
class CourseDirs:
    root: Path
    source: str
    release: str
    submitted: str
    autograded: str
    feedback: str
    db_url: str
    ignore: list
    settings: dict = field(default_factory=dict)  # the config's ShequnGrade section

    @contextlib.contextmanager
    def gradebook(self):
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gb:
            yield gb

    def path(self, kind: str, student: str, assignment: str) -> Path:
        template = getattr(self, kind)
        return (
            self.root / template / student / assignment
            if kind in ("submitted", "autograded", "feedback")
            else self.root / template / assignment
        )

    @property
    def state(self) -> Path:
        return self.root / STATE_DIR


def _with_busy_timeout(url: str, course: Path) -> str:
    if not url.startswith("sqlite:///"):
        return url
    path, _, query = url[len("sqlite:///") :].partition("?")
    if not path.startswith("/"):
        path = str(course / path)
    if "timeout=" not in query:
        query = "&".join(filter(None, [query, f"timeout={BUSY_TIMEOUT}"]))
    return f"sqlite:///{path}?{query}"


def course_dirs(course: Path) -> CourseDirs:
    """The course layout from its ``nbgrader_config.py`` (nbgrader's defaults otherwise)."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    course = Path(course).resolve()
    cfg = Config()
    if (course / "nbgrader_config.py").is_file():
        cwd = os.getcwd()
        try:
            os.chdir(course)
            cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        finally:
            os.chdir(cwd)
    cd = CourseDirectory(config=cfg, root=str(course))
    settings = dict(cfg.get("ShequnGrade", {}))
    return CourseDirs(
        course,
        cd.source_directory,
        cd.release_directory,
        cd.submitted_directory,
        cd.autograded_directory,
        cd.feedback_directory,
        _with_busy_timeout(cd.db_url, course),
        list(cd.ignore),
        settings,
    )


@contextlib.contextmanager
def run_lock(dirs: CourseDirs, timeout: float = 0):
    """One ``shequn grade`` run per course at a time (a second one fails fast, with a message)."""
    from filelock import FileLock, Timeout

    dirs.state.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(dirs.state / "run.lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise GradeError(
            "另一个评分进程正在为这门课评分 (another shequn grade run holds this course)"
        ) from None
    try:
        yield
    finally:
        lock.release()


def grading_seed(dirs: CourseDirs) -> int:
    """This term's hidden-data seed: the config's, else a random one kept for the course."""
    configured = dirs.settings.get("grading_seed")
    if configured:
        return int(configured)
    path = dirs.state / "grading-seed"
    if not path.exists():
        dirs.state.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(str(secrets.randbelow(2**31 - 1) + 1))
    return int(path.read_text().strip())


def read_scores(dirs: CourseDirs, assignment: str, student: str) -> tuple[float | None, float | None, bool]:
    """(score, max score, needs manual grading) of a submission in the gradebook; Nones if it has none."""
    from nbgrader.api import MissingEntry

    with dirs.gradebook() as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None, None, False
        return float(sub.score), float(sub.max_score), bool(sub.needs_manual_grade)


def hold_for_manual(dirs: CourseDirs, assignment: str, student: str, reason: str) -> None:
    """Every grade of a flagged submission needs an instructor's decision in formgrader."""
    from nbgrader.api import MissingEntry

    with dirs.gradebook() as gb:
        try:
            sub = gb.update_or_create_submission(assignment, student)
        except MissingEntry:
            return
        for nb in sub.notebooks:
            for grade in nb.grades:
                grade.needs_manual_grade = True
            for comment in nb.comments:
                if not comment.manual_comment:
                    comment.auto_comment = f"shequn grade: {reason}"
        gb.db.commit()


def give_back(course: Path) -> None:
    """As root on a course owned by someone else (an instructor via sudo on the hub): hand what
    this run created (gradebook, journal, autograded folders) back to the owner."""
    if os.geteuid() != 0:
        return
    st = course.stat()
    if st.st_uid == 0:
        return
    for dirpath, dirnames, filenames in os.walk(course):
        for name in [*dirnames, *filenames, ""]:
            p = os.path.join(dirpath, name) if name else dirpath
            with contextlib.suppress(OSError):
                if os.lstat(p).st_uid == 0:
                    os.lchown(p, st.st_uid, st.st_gid)


def template_gradebook(dirs: CourseDirs, assignment: str, folder: Path) -> tuple[bytes, str]:
    """A fresh SQLite gradebook with only *assignment*'s notebooks and cells (no student data): what a
    Dask task grades against (:mod:`shequn.grading.running.dask_task`); its bytes and the course id."""
    import sqlite3

    from nbgrader.api import Gradebook
    from sqlalchemy import text

    with dirs.gradebook() as gb:
        version = gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
        a = gb.find_assignment(assignment)
        course_id = a.course_id
        nbs = [
            (
                nb.name,
                nb.kernelspec,
                [(c.name, c.max_score, c.cell_type) for c in nb.grade_cells],
                [c.name for c in nb.solution_cells],
                [(c.name, c.max_score, c.cell_type) for c in nb.task_cells],
                [(c.name, c.cell_type, c.locked, c.source, c.checksum) for c in nb.source_cells],
            )
            for nb in a.notebooks
        ]
        duedate = a.duedate
    path = folder / "template.db"
    with contextlib.closing(sqlite3.connect(path)) as con, con:  # the schema's version, as the course's
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (version,))
    with Gradebook(f"sqlite:///{path}", course_id) as gb:
        gb.update_or_create_assignment(assignment, duedate=duedate)
        for name, kernelspec, grade, solution, task, source in nbs:
            gb.update_or_create_notebook(name, assignment, kernelspec=kernelspec)
            for cell, points, kind in grade:
                gb.update_or_create_grade_cell(cell, name, assignment, max_score=points, cell_type=kind)
            for cell in solution:
                gb.update_or_create_solution_cell(cell, name, assignment)
            for cell, points, kind in task:
                gb.update_or_create_task_cell(cell, name, assignment, max_score=points, cell_type=kind)
            for cell, kind, locked, text, checksum in source:
                gb.update_or_create_source_cell(
                    cell, name, assignment, cell_type=kind, locked=locked, source=text, checksum=checksum
                )
    return path.read_bytes(), course_id


def store_task_grades(dirs: CourseDirs, assignment: str, student: str, result: dict, held: bool) -> None:
    """A checked Dask result's grades into the course's gradebook, as nbgrader's ``SaveAutoGrades`` stores
    them (its rule, restated here because the task's private gradebook lacks the course's manual grades)."""
    with dirs.gradebook() as gb:
        gb.update_or_create_student(student)
        kwargs = {"timestamp": result["timestamp"]} if result["timestamp"] else {}
        sub = gb.update_or_create_submission(assignment, student, **kwargs)
        for nb in sub.notebooks:
            data = result["notebooks"].get(nb.name)
            if data is None:
                continue
            nb.late_submission_penalty = data["late_penalty"]
            for grade in nb.grades:
                if grade.name in data["grades"]:
                    grade.auto_score, manual = data["grades"][grade.name]
                    # SaveAutoGrades: an earlier manual grade means the new autograde needs a look
                    grade.needs_manual_grade = manual or held or grade.manual_score is not None
                elif held:
                    grade.needs_manual_grade = True
            for comment in nb.comments:
                if comment.name in data["comments"]:
                    comment.auto_comment = data["comments"][comment.name]
        gb.db.commit()
