"""`shequn assignments check NAME`: the course's assignments pass; a fixture built to differ fails loudly.

The command grades the source's solution and the released stub by ``shequn grade`` and by plain
nbgrader and prints a per-cell table.  Root only (real sandboxed kernels).

The same comparison on each test-style fixture (its solution and its stub, among other
submissions) is asserted cell by cell in ``tests/test_test_styles.py``, from one grading per style.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.course import make_course
from helpers.style_catalogue import DIFFERS
from helpers.style_fixtures import write_source
from shequn.grading.authoring.release import ASSIGNMENTS

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.integration, pytest.mark.root]


def _check(course: Path, name: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("shequn")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(exe), "assignments", "check", name, "--course", str(course)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_check_passes_on_the_course_assignments(tmp_path, name):
    course = make_course(ROOT, tmp_path / "course", (name,))
    proc = _check(course, name)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "≠" not in proc.stdout and "solution" in proc.stdout and "stub" in proc.stdout
    # the honest-zero rule: the source's own solution scores more than 0 on every test cell (a flagged
    # cell would show as a difference, ≠, above); rows are "solution CELL PLAIN SHEQUN ="
    rows = [line.split() for line in proc.stdout.splitlines() if line.startswith("solution ")]
    assert rows and not [r for r in rows if len(r) >= 4 and r[3] in ("0", "-")], proc.stdout


def test_check_fails_with_a_clear_table_on_a_fixture_built_to_differ(tmp_path):
    course = make_course(ROOT, tmp_path / "course", ())
    write_source(course, DIFFERS)
    proc = _check(course, DIFFERS.name)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    lines = {line.split()[1]: line.split() for line in out.splitlines()[1:5] if len(line.split()) >= 5}
    # plain nbgrader runs the learner's __eq__ (1 point); the trusted grader flags the cell
    assert [
        line
        for line in out.splitlines()
        if line.startswith("solution") and "point_eq" in line and "≠" in line
    ], out
    assert "solution / point_eq" in out and "==" in out and "修正 fix" in out
    # the syntax error is reported as the instructor's, naming the cell
    assert "solution / point_broken" in out and "syntax error" in out and "instructor" in out, out
    assert lines, out
