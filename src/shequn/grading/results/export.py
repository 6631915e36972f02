"""Grades from nbgrader's gradebook as CSV files that Canvas or Moodle can import.

``shequn grade export ASSIGNMENT --format canvas|moodle --out FILE`` writes one row per
student in the gradebook (a student without a submission gets 0):

* **canvas** — Canvas's gradebook CSV: ``Student,ID,SIS User ID,SIS Login ID,Section,
  <Assignment> (<id>)`` and, first, the ``Points Possible`` row.  ``Student`` is
  ``Last, First`` (or the nbgrader id), ``ID`` the student's ``lms_user_id`` from nbgrader's
  database, ``SIS User ID`` the nbgrader student id, ``SIS Login ID`` the email (or id).  Pass
  ``--canvas-id`` (the number in the assignment's Canvas URL) so Canvas updates that assignment
  instead of creating a new column.  Import in Canvas: *Grades → Import*.
* **moodle** — ``Email address`` (or ``ID number`` with ``--moodle-id idnumber``), first and last
  name, and the grade column named after the assignment.  Import in Moodle: *Grades → Import →
  CSV file*, map ``Email address`` → ``email`` (or ``ID number`` → ``idnumber``).

nbgrader's own export writes every assignment of every student to ``grades.csv``::

    nbgrader export                        # grades.csv in the course folder
    nbgrader export --to my_grades.csv --assignment '["threshold_design"]'

Both read the same gradebook, so manual grades given in formgrader are included.

A submission that still needs manual grading (an essay not yet graded, or one that
``shequn grade`` flagged: timed out, invalid, refused answer data...) is **held back**: its
score cell is left empty, so the LMS keeps no grade for it until an instructor has graded it
in formgrader.  ``export_grades`` returns the held students; the CLI names them.
"""

from __future__ import annotations

import csv
from pathlib import Path

__all__ = ["FORMATS", "ExportError", "gradebook_rows", "export_grades"]

FORMATS = ("canvas", "moodle")


class ExportError(RuntimeError):
    """The export cannot be written (unknown assignment, bad format...)."""


def gradebook_rows(course: Path, assignment: str) -> tuple[float, list[dict]]:
    """``(max_score, rows)`` with one row (student fields + ``score``) per gradebook student."""
    from nbgrader.api import MissingEntry

    from shequn.grading.results.gradebook import course_dirs

    with course_dirs(Path(course)).gradebook() as gb:
        try:
            max_score = float(gb.find_assignment(assignment).max_score)
        except MissingEntry:
            raise ExportError(f"作业 {assignment} 不在成绩册里 (assignment not in the gradebook)") from None
        rows = []
        for student in gb.students:
            try:
                sub = gb.find_submission(assignment, student.id)
                score, submitted, held = float(sub.score), True, bool(sub.needs_manual_grade)
            except MissingEntry:
                score, submitted, held = 0.0, False, False
            rows.append(
                {
                    "id": student.id,
                    "first_name": student.first_name or "",
                    "last_name": student.last_name or "",
                    "email": student.email or "",
                    "lms_user_id": student.lms_user_id or "",
                    "score": score,
                    "submitted": submitted,
                    "held": held,
                }
            )
    return max_score, sorted(rows, key=lambda r: r["id"])


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{round(x, 4):g}"


def export_grades(
    course: Path,
    assignment: str,
    fmt: str,
    out: Path,
    *,
    canvas_id: str | None = None,
    moodle_id: str = "email",
) -> tuple[int, list[str]]:
    """Write the CSV; return the number of student rows and the students held back."""
    if fmt not in FORMATS:
        raise ExportError(f"未知格式 (unknown format) {fmt!r}: {' | '.join(FORMATS)}")
    max_score, rows = gradebook_rows(course, assignment)
    for r in rows:
        if r["held"]:
            r["score"] = None
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if fmt == "canvas":
            column = f"{assignment} ({canvas_id or assignment})"
            w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
            w.writerow(["    Points Possible", "", "", "", "", _fmt(max_score)])
            for r in rows:
                name = f"{r['last_name']}, {r['first_name']}" if r["last_name"] else r["id"]
                w.writerow([name, r["lms_user_id"], r["id"], r["email"] or r["id"], "", _fmt(r["score"])])
        else:
            if moodle_id not in ("email", "idnumber"):
                raise ExportError(f"--moodle-id 必须是 email 或 idnumber (got {moodle_id!r})")
            ident = "Email address" if moodle_id == "email" else "ID number"
            w.writerow([ident, "First name", "Last name", assignment])
            for r in rows:
                key = (r["email"] or r["id"]) if moodle_id == "email" else r["id"]
                w.writerow([key, r["first_name"], r["last_name"], _fmt(r["score"])])
    return len(rows), [r["id"] for r in rows if r["held"]]
