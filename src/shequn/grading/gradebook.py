"""The course's folders and nbgrader gradebook, as the grader sees them.

Concurrent writers (several ``nbgrader autograde`` processes, formgrader) share one SQLite
gradebook: the course's ``db_url`` carries SQLite's busy timeout (``?timeout=60``), so a writer
waits for the lock instead of failing with "database is locked".  No monkeypatching of
nbgrader and no lock of our own around the gradebook; one grading run per course at a time
is enforced with :mod:`filelock` (:func:`run_lock`).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CourseDirs", "course_dirs", "STATE_DIR", "run_lock", "BUSY_TIMEOUT"]

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
        return self.root / template / student / assignment if kind in ("submitted", "autograded", "feedback") \
            else self.root / template / assignment

    @property
    def state(self) -> Path:
        return self.root / STATE_DIR


def _with_busy_timeout(url: str, course: Path) -> str:
    if not url.startswith("sqlite:///"):
        return url
    path, _, query = url[len("sqlite:///"):].partition("?")
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
    return CourseDirs(course, cd.source_directory, cd.release_directory, cd.submitted_directory,
                      cd.autograded_directory, cd.feedback_directory, _with_busy_timeout(cd.db_url, course),
                      list(cd.ignore), settings)


@contextlib.contextmanager
def run_lock(dirs: CourseDirs, timeout: float = 0):
    """One ``shequn grade`` run per course at a time (a second one fails fast, with a message)."""
    from filelock import FileLock, Timeout

    dirs.state.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(dirs.state / "run.lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        from shequn.grading.scheduler import GradeError

        raise GradeError("另一个评分进程正在为这门课评分 (another shequn grade run holds this course)") from None
    try:
        yield
    finally:
        lock.release()
