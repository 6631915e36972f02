"""Small nbgrader assignments, one per ordinary test style, built as source notebooks for a course.

Each style (:data:`STYLES`, in :mod:`helpers.style_catalogue`) is a list of cells:

* ``("md", text)``; ``("setup", gid, code)``: a read-only instructor cell;
* ``("answer", gid, code)``: a solution cell (``### BEGIN/END SOLUTION`` markers);
* ``("test", gid, points, code)``: an autograder test cell (may hold hidden tests);

plus data files for the assignment folder, a partly wrong submission (``gid -> code``) and the
cell scores worked out by hand for the correct and the partial submissions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.course import fill_answers

__all__ = ["Style", "write_source", "write_submission"]


@dataclass
class Style:
    name: str
    cells: list
    partial: dict  # gid -> code of a partly wrong answer
    expected: dict  # "correct"/"partial" -> {test gid: points}, worked out by hand
    files: dict = field(default_factory=dict)  # relative path -> text, in the assignment folder


def _meta(**kw) -> dict:
    return {"nbgrader": {"schema_version": 3, **kw}}


def source_notebook(style: Style) -> nbformat.NotebookNode:
    cells = []
    for spec in style.cells:
        kind = spec[0]
        if kind == "md":
            cells.append(new_markdown_cell(spec[1]))
        elif kind == "setup":
            cells.append(
                new_code_cell(
                    spec[2], metadata=_meta(grade=False, solution=False, locked=True, grade_id=spec[1])
                )
            )
        elif kind == "answer":
            cells.append(
                new_code_cell(
                    spec[2], metadata=_meta(grade=False, solution=True, locked=False, grade_id=spec[1])
                )
            )
        elif kind == "test":
            cells.append(
                new_code_cell(
                    spec[3],
                    metadata=_meta(grade=True, solution=False, locked=True, grade_id=spec[1], points=spec[2]),
                )
            )
        else:
            raise ValueError(kind)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def write_source(course: Path, style: Style) -> None:
    folder = course / "solutions" / style.name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(style), folder / f"{style.name}.ipynb")
    for rel, text in style.files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")


def write_submission(course: Path, style: Style, student: str, answers: dict) -> None:
    """The released notebook with *answers* (``None``: the source's solution) and the folder's files."""
    release = nbformat.read(course / "assignments" / style.name / f"{style.name}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / style.name / f"{style.name}.ipynb", as_version=4)
    folder = course / "_grading" / "submitted" / student / style.name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(fill_answers(release, source, answers), folder / f"{style.name}.ipynb")
    for rel, text in style.files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")


def answer_ids(style: Style) -> list[str]:
    return [c[1] for c in style.cells if c[0] == "answer"]


def dumps(style: Style) -> str:  # for error messages
    return json.dumps(style.expected, ensure_ascii=False)
