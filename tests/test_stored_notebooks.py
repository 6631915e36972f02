"""Stored notebooks (book/ and solutions/) hold sources and checkable outputs only.

nbval compares their text outputs; widget state and images are generated bulk that nothing checks
(see shequn.site.stored_notebooks).  These tests fail if that bulk creeps back in, if the stored
notebooks grow past 2 MB, or if the strip function keeps or drops the wrong things.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from shequn.site.stored_notebooks import IGNORE_OUTPUT_TAG, generated_bulk, strip_notebook

ROOT = Path(__file__).resolve().parents[1]
STORED = sorted([*ROOT.glob("book/*/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb")])
LIMIT = 2_000_000  # bytes, all stored notebooks together
WIDGET = "application/vnd.jupyter.widget"  # prefix of the widget view and widget state MIME types


def test_there_are_stored_notebooks():
    assert any(p.name == "connectors.ipynb" for p in STORED)
    assert any(p.parts[-3] == "solutions" for p in STORED)


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.stem)
def test_stored_notebook_holds_no_widget_state_or_images(path):
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    assert "widgets" not in nb["metadata"], f"{path.name}: metadata.widgets is stored"
    # Anywhere in the file: an output's widget view, widget state, or an HTML snapshot embedding them.
    assert WIDGET not in raw, f"{path.name}: widget data is stored"
    images = [
        (i, mime)
        for i, c in enumerate(nb["cells"])
        for o in c.get("outputs", [])
        for mime in o.get("data", {})
        if mime in ("image/png", "image/jpeg")
    ]
    assert images == [], f"{path.name}: images are stored"


@pytest.mark.parametrize("path", STORED, ids=lambda p: p.stem)
def test_nbval_compares_text_and_ignores_only_empty_cells(path):
    """The ignore tag only marks cells that lost a widget output, so it hides nothing nbval could
    compare; and every notebook still has text outputs for nbval to compare."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for c in code:
        if IGNORE_OUTPUT_TAG in c.metadata.get("tags", []):
            assert c.outputs == [], f"{path.name}: a tagged cell keeps outputs nbval would skip"
    compared = [
        o
        for c in code
        if IGNORE_OUTPUT_TAG not in c.metadata.get("tags", [])
        for o in c.outputs
        if o.output_type == "stream" or "text/plain" in o.get("data", {})
    ]
    assert compared, f"{path.name}: nbval would compare nothing"


def test_stored_notebooks_total_under_2_mb():
    total = sum(p.stat().st_size for p in STORED)
    assert total < LIMIT, f"stored notebooks total {total} bytes (limit {LIMIT})"


# --- the strip function, on a hand-made executed notebook -------------------------------------

VIEW = {"model_id": "0123abcd", "version_major": 2, "version_minor": 0}
TABLE_HTML = '<table class="dataframe"><tr><th>a</th></tr><tr><td>1</td></tr></table>'
TABLE_TEXT = "   a\n0  1"
SNAPSHOT = (
    '<script type="application/vnd.jupyter.widget-state+json">{"state": {}}</script>'
    '<div class="jupyter-widgets">slider</div>'
)


def _executed() -> nbformat.NotebookNode:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"0123abcd": {}}}},
        }
    )
    nb.cells = [
        new_markdown_cell("# 标题"),
        new_code_cell(
            "widgets.explorer()",
            execution_count=1,
            outputs=[
                new_output(
                    "execute_result",
                    execution_count=1,
                    data={
                        "application/vnd.jupyter.widget-view+json": VIEW,
                        "text/plain": "VBox(children=(HTML(value='<strong>探索器</strong>'), "
                        "Dropdown(_dom_cla…",
                    },
                )
            ],
        ),
        new_code_cell(
            "table()",
            execution_count=2,
            outputs=[
                new_output(
                    "execute_result",
                    execution_count=2,
                    data={"text/html": TABLE_HTML, "text/plain": TABLE_TEXT},
                )
            ],
        ),
        new_code_cell(
            "print('你好')", execution_count=3, outputs=[new_output("stream", name="stdout", text="你好\n")]
        ),
        new_code_cell(
            "plot()",
            execution_count=4,
            metadata={"tags": ["hide-input"]},
            outputs=[
                new_output(
                    "execute_result",
                    execution_count=4,
                    data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 700x400 with 1 Axes>"},
                    metadata={"image/png": {"alt": "图"}},
                )
            ],
        ),
        new_code_cell(
            "display(image_only)",
            execution_count=5,
            outputs=[new_output("display_data", data={"image/jpeg": "/9j/4AAQ"})],
        ),
        new_code_cell(
            "embed_snapshot()",
            execution_count=6,
            outputs=[
                new_output("stream", name="stdout", text="before\n"),
                new_output(
                    "display_data",
                    data={"text/html": SNAPSHOT, "text/plain": "<IPython.core.display.HTML object>"},
                ),
            ],
        ),
    ]
    return nb


def test_strip_keeps_text_and_tables_and_drops_widgets_and_images():
    executed = _executed()
    original = json.dumps(executed, sort_keys=True)
    stored = strip_notebook(executed)

    assert json.dumps(executed, sort_keys=True) == original, "the executed notebook is not modified"
    nbformat.validate(stored)
    assert stored.metadata == {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    }
    cells = stored.cells
    assert [c.source for c in cells] == [c.source for c in executed.cells]
    assert cells[0] == executed.cells[0]
    # The widget: no output left, tagged so nbval runs it without comparing.
    assert cells[1].outputs == [] and cells[1].metadata == {"tags": ["nbval-ignore-output"]}
    assert cells[1].execution_count == 1
    # The DataFrame: both representations stay (nbval compares both).
    assert [dict(o) for o in cells[2].outputs] == [
        {
            "output_type": "execute_result",
            "execution_count": 2,
            "metadata": {},
            "data": {"text/html": TABLE_HTML, "text/plain": TABLE_TEXT},
        }
    ]
    assert cells[2].metadata == {}
    # The print.
    assert [dict(o) for o in cells[3].outputs] == [
        {"output_type": "stream", "name": "stdout", "text": "你好\n"}
    ]
    # The figure: its text repr stays, the image and the image's metadata go; other tags stay.
    assert [dict(o) for o in cells[4].outputs] == [
        {
            "output_type": "execute_result",
            "execution_count": 4,
            "metadata": {},
            "data": {"text/plain": "<Figure size 700x400 with 1 Axes>"},
        }
    ]
    assert cells[4].metadata == {"tags": ["hide-input"]}
    # An image-only output leaves nothing; no tag (nbval skips images anyway).
    assert cells[5].outputs == [] and cells[5].metadata == {}
    # An HTML snapshot embedding widget state goes; the stream before it stays; the cell is tagged.
    assert [dict(o) for o in cells[6].outputs] == [
        {"output_type": "stream", "name": "stdout", "text": "before\n"}
    ]
    assert cells[6].metadata == {"tags": ["nbval-ignore-output"]}


def test_strip_is_idempotent_and_leaves_no_bulk():
    executed = _executed()
    assert generated_bulk(executed) == [
        "metadata.widgets",
        "cell 1: widget output (application/vnd.jupyter.widget-view+json, text/plain)",
        "cell 4: image/png",
        "cell 5: image/jpeg",
        "cell 6: widget output (text/html, text/plain)",
    ]
    once = strip_notebook(executed)
    assert generated_bulk(once) == []
    assert strip_notebook(once) == once


@pytest.mark.integration
def test_notebook_writer_stores_the_stripped_notebook(tmp_path):
    """`shequn book notebooks` (write_notebooks) executes a paired lesson and stores it stripped,
    in sync with its .md and byte-identical when run again."""
    import jupytext

    from shequn.site.build import write_notebooks

    lesson = tmp_path / "book" / "00_x" / "x.md"
    lesson.parent.mkdir(parents=True)
    lesson.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n  language: python\n---\n\n"
        "# 课\n\n```{code-cell} ipython3\nimport ipywidgets\nipywidgets.IntSlider(value=3)\n```\n\n"
        "```{code-cell} ipython3\nprint(6 * 7)\n```\n",
        encoding="utf-8",
    )
    (written,) = write_notebooks(tmp_path)
    first = written.read_bytes()
    nb = nbformat.read(written, as_version=4)
    assert WIDGET not in first.decode("utf-8") and "widgets" not in nb.metadata
    slider, printed = [c for c in nb.cells if c.cell_type == "code"]
    assert slider.outputs == [] and slider.metadata.tags == [IGNORE_OUTPUT_TAG]
    assert [o.text for o in printed.outputs] == ["42\n"]
    assert [(c.cell_type, c.source) for c in jupytext.read(lesson).cells] == [
        (c.cell_type, c.source) for c in nb.cells
    ]
    write_notebooks(tmp_path)
    assert written.read_bytes() == first
