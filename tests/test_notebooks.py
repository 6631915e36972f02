"""Stored lesson notebooks: in sync with their .md sources and free of volatile output.

nbval (run by `make test` on book/**/*.ipynb) re-executes them and compares outputs.
"""

from pathlib import Path

import jupytext
import nbformat
import pytest

from shequn.site.build import paired_notebooks

ROOT = Path(__file__).resolve().parents[1]
LESSONS = paired_notebooks(ROOT)


def test_there_are_lessons():
    assert any(p.name == "connectors.md" for p in LESSONS)


@pytest.mark.parametrize("md", LESSONS, ids=lambda p: p.stem)
def test_ipynb_matches_its_md_source(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb} missing: run `make notebooks`"
    text = jupytext.read(md)
    stored = nbformat.read(ipynb, as_version=4)
    assert [(c.cell_type, c.source) for c in text.cells] == [(c.cell_type, c.source) for c in stored.cells], (
        f"{ipynb.name} is out of date with {md.name}: run `make notebooks`"
    )


@pytest.mark.parametrize("md", LESSONS, ids=lambda p: p.stem)
def test_stored_outputs_are_clean(md):
    nb = nbformat.read(md.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "every code cell is executed"
    for c in code:
        assert "execution" not in c.metadata, "no timing metadata"
        for out in c.outputs:
            assert out.output_type != "error"
            assert not (out.output_type == "stream" and out.name == "stderr"), out.get("text")
    # No widget state or images: tests/test_stored_notebooks.py.
