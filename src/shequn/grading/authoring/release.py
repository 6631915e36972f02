"""Driving nbgrader for this course: release student versions, and find leaks.

Used by ``make assignments``, ``shequn assignments rehash``, the tests and the instructor guide.
Test helpers that build courses and fake submissions live in ``tests/helpers/course.py``.  Every
nbgrader step runs as the real ``nbgrader`` command in a course folder.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat

__all__ = ["ASSIGNMENTS", "run_nbgrader", "release_all", "secret_lines", "find_leaks", "rehash"]

ASSIGNMENTS = ("threshold_design", "group_analysis", "capstone")
_BLOCKS = (("### BEGIN SOLUTION", "### END SOLUTION"), ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"))
# Lines too generic to count as a leak when they appear elsewhere.
_GENERIC = re.compile(r"^(from \S+ import \S+|import \S+|return|else:|try:|pass|\)|\]|\}|.{0,15})$")


def run_nbgrader(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in ``cwd``; raise with its log when it fails."""
    exe = Path(sys.executable).with_name("nbgrader")
    env = dict(os.environ if env is None else env)
    # nbgrader runs `alembic` (and kernels run `python`) from PATH: put this environment first.
    env["PATH"] = f"{exe.parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0 or "[ERROR]" in proc.stderr.replace("| ERROR]", "[ERROR]"):
        raise RuntimeError(f"nbgrader {' '.join(args)} failed in {cwd}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def release_all(root: Path, assignments: tuple[str, ...] = ASSIGNMENTS) -> list[Path]:
    """Regenerate ``assignments/<name>/`` from ``solutions/<name>/`` with nbgrader."""
    written = []
    for name in assignments:
        if (root / "solutions" / name).is_dir():
            run_nbgrader(["generate_assignment", name, "--force"], cwd=root)
            written.extend(sorted((root / "assignments" / name).glob("*.ipynb")))
    return written


def secret_lines(source_notebook: Path, min_length: int = 16) -> set[str]:
    """Stripped lines inside solution and hidden-test blocks (and solution markdown) of a source notebook."""
    nb = nbformat.read(source_notebook, as_version=4)
    secrets: set[str] = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        lines = cell.source.splitlines()
        if cell.cell_type == "markdown" and meta.get("solution"):
            inside = [True] * len(lines)
        else:
            inside, state = [], None
            for line in lines:
                stripped = line.strip()
                for begin, end in _BLOCKS:
                    if stripped.startswith(begin):
                        state = end
                    elif state == end and stripped.startswith(end):
                        state = None
                inside.append(state is not None)
        for line, secret in zip(lines, inside, strict=True):
            s = line.strip()
            if secret and len(s) >= min_length and not _GENERIC.match(s) and not s.startswith("### "):
                secrets.add(s)
    return secrets


def find_leaks(paths: list[Path], secrets: set[str]) -> list[str]:
    """``file: line`` for every secret line found in the text of ``paths`` (HTML is unescaped)."""
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix in (".html", ".htm", ".ipynb"):
            text = html.unescape(text)
        if path.suffix == ".ipynb":
            text = text.replace('\\"', '"').replace("\\n", "\n")
        for secret in secrets:
            if secret in text:
                found.append(f"{path}: {secret}")
    return found


def rehash(source_md: Path) -> dict[str, str]:
    """Recompute the public-test digests of a source notebook after its data changed.

    Runs the notebook's code cells in order, in this process and in its folder,
    with ``check_hashed`` recording ``(old digest, hash of the solution's value)``;
    then rewrites ``source_md`` with the new digests.  Returns ``{old: new}``
    for the digests that changed.
    """
    import os

    import jupytext

    # The notebooks reach check_hashed only as ``shequn.checks.check_hashed`` (``from shequn.checks
    # import check_hashed`` runs after the patch below, so it binds the recorder).
    from shequn import checks

    source_md = Path(source_md).resolve()
    pairs: list[tuple[str, str]] = []

    def record(value, digest, what, decimals=3):
        pairs.append((digest, checks.answer_hash(value, decimals)))

    saved = checks.check_hashed
    checks.check_hashed = record
    cwd = Path.cwd()
    try:
        os.chdir(source_md.parent)
        namespace: dict = {"__name__": "__main__"}
        for cell in jupytext.read(source_md).cells:
            if cell.cell_type == "code":
                exec(compile(cell.source, str(source_md), "exec"), namespace)
    finally:
        os.chdir(cwd)
        checks.check_hashed = saved
    changed = {old: new for old, new in pairs if old != new}
    text = source_md.read_text(encoding="utf-8")
    for old, new in changed.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    source_md.write_text(text, encoding="utf-8")
    return changed
