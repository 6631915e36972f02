"""Notebook helpers of the hostile corpus (``make_corpus.py``): cells by grade id, edited copies, I/O.

Edited copies of a notebook: cells removed or inserted, test cells rigged (rewritten with a
recomputed checksum, or carrying a passing report as outputs), learner HTML added; reading a
course's released and source notebooks; writing submissions into
``COURSE/_grading/submitted/<student>/<assignment>/`` with the corpus's ``TIMESTAMP``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

TIMESTAMP = "2026-11-20 12:00:00.000000 UTC"


def _gid(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _cells(nb) -> dict:
    return {_gid(c): c for c in nb.cells}


def _without(nb, gids: set[str]):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if _gid(c) not in gids]
    return nb


def _insert_after(nb, gid: str, cell):
    nb = copy.deepcopy(nb)
    at = next(i for i, c in enumerate(nb.cells) if _gid(c) == gid)
    nb.cells.insert(at + 1, cell)
    return nb


def _with_test_cells(nb, points: dict, edit):
    """A copy of *nb* with ``edit(cell, grade_id)`` applied to each test cell with a grade id in *points*."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if _gid(cell) in points:
            edit(cell, _gid(cell))
    return nb


def _edited_tests(nb, points: dict):
    """Test cells (the grade ids in *points*) rewritten to return full points, checksums recomputed."""
    from nbgrader.utils import compute_checksum

    def rig(cell, gid):
        cell.source = (
            f'checks = Checks(points={points[gid]}, name="{gid}")\n'
            f"checks.score = lambda: {points[gid]}\nchecks.score()"
        )
        cell.metadata["nbgrader"]["checksum"] = compute_checksum(cell)  # a "valid" checksum

    return _with_test_cells(nb, points, rig)


def _prefilled_outputs(nb, points: dict):
    """Test cells that already carry a passing report and full points, as if they had run."""

    def prefill(cell, gid):
        cell.execution_count = 7
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=f"【{gid}】通过 9/9 项检查\n"),
            nbformat.v4.new_output(
                "execute_result", data={"text/plain": repr(points[gid])}, execution_count=7
            ),
        ]

    return _with_test_cells(nb, points, prefill)


def _html_everywhere(nb):
    """Learner HTML in the essay, in a raw cell, in an added markdown cell and in outputs."""
    nb = _insert_after(
        nb,
        "q1_answer",
        nbformat.v4.new_raw_cell(
            "<script>alert('raw')</script><img src=x onerror=alert('raw2')>",
            metadata={"format": "text/html", "raw_mimetype": "text/html"},
        ),
    )
    return _insert_after(
        nb,
        "q2_answer",
        nbformat.v4.new_markdown_cell(
            "**note** <script>alert('md')</script><a href='javascript:alert(1)' onclick='alert(2)'>x</a>"
        ),
    )


def write(course: Path, assignment: str, entries: dict, timestamp: str = TIMESTAMP) -> list[str]:
    """Write each entry to ``course/_grading/submitted/<student>/<assignment>/``."""
    for student, (_, content) in entries.items():
        folder = course / "_grading" / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict) and not isinstance(content, nbformat.NotebookNode):
            for name, data in content.items():
                # bytes names are not valid UTF-8 (GBK): create them with the raw bytes
                path = bytes(folder) + b"/" + name if isinstance(name, bytes) else folder / name
                with open(path, "wb") as fh:
                    fh.write(data)
        else:
            nbformat.write(content, folder / f"{assignment}.ipynb")
        (folder / "timestamp.txt").write_text(timestamp)
    return list(entries)


def _read(course: Path, kind: str, name: str):
    return nbformat.read(course / kind / name / f"{name}.ipynb", as_version=4)
