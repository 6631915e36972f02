"""A submission's shape against its source: answer cells deleted, cells moved (nbgrader#1941).

The trusted runner grades a notebook as it stands, in the submission's order, as plain nbgrader
does; what the learner changed in that shape is named in a flag, never a silent 0.  The order
is read from ``source/``, not the gradebook, whose cells keep the order of their first
``generate_assignment``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["layout_changes", "source_layout"]


def layout_changes(nb, layout: list[tuple[str, str]]) -> dict:
    """What the learner changed in the notebook's shape, against the source's *layout*:
    ``missing_answers`` (answer cells deleted: their tests fail, as in plain nbgrader) and
    ``reordered`` (``"A before B"`` for nbgrader cells, a test among them, whose order is now the
    reverse of the source's; the tests ran in the submission's order, as plain nbgrader runs them).
    Cells the learner added are run and need no flag: plain nbgrader runs them too."""
    position = {gid: i for i, (gid, _) in enumerate(layout)}
    kind = dict(layout)
    seen: list[str] = []
    for cell in nb.cells:
        gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
        if gid in position and gid not in seen:
            seen.append(gid)
    reordered = [
        f"{a} ({kind[a]}) before {b} ({kind[b]})"
        for i, a in enumerate(seen)
        for b in seen[i + 1 :]
        if position[a] > position[b] and "test" in (kind[a], kind[b])
    ]
    missing = [gid for gid, k in layout if k == "answer" and gid not in seen]
    return {"missing_answers": missing, "reordered": reordered}


def source_layout(config, assignment: str, notebook: str) -> list[tuple[str, str]]:
    """``[(grade_id, kind)]`` of the source notebook's nbgrader cells, in its order (kind "test",
    "answer" or "setup"; markdown cells only if they are answers); empty if the source cannot be
    read."""
    import nbformat
    from nbgrader.coursedir import CourseDirectory

    try:
        coursedir = CourseDirectory(config=config)
        folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        source = nbformat.read(folder / f"{notebook}.ipynb", as_version=4)
    except Exception:  # noqa: BLE001 - no layout check rather than no grades
        return []
    out = []
    for cell in source.cells:
        m = cell.get("metadata", {}).get("nbgrader", {}) or {}
        gid = m.get("grade_id")
        if not gid or (cell.get("cell_type") != "code" and not m.get("solution")):
            continue
        if m.get("solution"):
            kind = "answer"
        elif m.get("grade"):
            kind = "test"
        elif m.get("locked"):
            kind = "setup"
        else:
            continue
        out.append((gid, kind))
    return out
