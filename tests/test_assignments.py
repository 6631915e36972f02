"""Student versions run with their stubs: the only errors are the unanswered questions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
STUDENT_NOTEBOOKS = sorted((ROOT / "assignments").glob("*/*.ipynb"))
STUB_ERRORS = {"NotImplementedError", "NameError", "CheckFailed"}


def test_every_source_has_a_student_version():
    sources = {p.parent.name for p in (ROOT / "solutions").glob("*/*.ipynb")}
    assert sources and sources == {p.parent.name for p in STUDENT_NOTEBOOKS}


@pytest.mark.parametrize("path", STUDENT_NOTEBOOKS, ids=lambda p: p.parent.name)
def test_student_version_runs_with_only_stub_errors(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    errors = [
        (c.metadata.get("nbgrader", {}).get("grade_id"), o.ename)
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors, "an unanswered assignment should fail its tests"
    assert {ename for _, ename in errors} <= STUB_ERRORS, errors
    setup = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "setup"]
    assert setup and not any(o.output_type == "error" for o in setup[0].outputs)
