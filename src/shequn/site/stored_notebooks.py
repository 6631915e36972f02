"""What a stored notebook keeps: its sources and the outputs nbval can check.

The paired ``.ipynb`` files in ``book/`` and ``solutions/`` exist for nbval, which re-executes
them and compares their outputs (``make test``).  nbval compares every output MIME type except
images (``image/png``, ``image/jpeg``) and widget views, so what it checks is text:
``text/plain``, streams, and the ``text/html`` of tables.  A table's HTML stays: nbval fails a
cell whose run produces a MIME type the stored output lacks.  The rest is generated bulk that
nothing checks and no one can review, so :func:`strip_notebook` drops it:

- the notebook's widget state (``metadata.widgets``, 80-90 % of a lesson's bytes);
- widget outputs: a view reference with a truncated ``VBox(children=...`` repr, or an HTML
  snapshot that embeds widget state;
- images, which nbval skips.

The site build executes the ``.md`` sources itself and draws figures and widgets again; the
notebooks it offers for download are its executed copies, not these files.

A cell whose widget output is dropped is tagged ``nbval-ignore-output``: nbval still runs it (an
error fails the test) but compares no output.  The tag follows from the output every time a
notebook is written, so ``shequn book notebooks`` stays idempotent and the ``.md`` sources carry
no test tags.

Hand-written over nbformat (a few dozen lines) because nbstripout removes whole outputs or
metadata keys, not single MIME types, and does not tag cells.
"""

from __future__ import annotations

import copy

__all__ = ["IGNORE_OUTPUT_TAG", "UNCHECKED_IMAGES", "WIDGET_MIMES", "generated_bulk", "strip_notebook"]

IGNORE_OUTPUT_TAG = "nbval-ignore-output"
WIDGET_MIMES = ("application/vnd.jupyter.widget-view+json", "application/vnd.jupyter.widget-state+json")
UNCHECKED_IMAGES = ("image/png", "image/jpeg")  # nbval's own skip list (without --nbdime)


def _is_widget_output(output) -> bool:
    """A widget view, or a text/HTML snapshot that embeds widget state or views."""
    data = output.get("data", {})
    if any(mime in data for mime in WIDGET_MIMES):
        return True
    return any(
        isinstance(value, (str, list)) and any(mime in "".join(value) for mime in WIDGET_MIMES)
        for key, value in data.items()
        if key.startswith("text/")
    )


def _without_images(output):
    """``output`` without unchecked images (and their metadata); ``None`` when nothing is left."""
    if "data" not in output:
        return output
    for mime in UNCHECKED_IMAGES:
        output["data"].pop(mime, None)
        output.get("metadata", {}).pop(mime, None)
    return output if output["data"] else None


def strip_notebook(nb):
    """A copy of the executed notebook ``nb`` holding only what is stored: sources, text outputs
    (``text/plain``, streams, tables' ``text/html``, errors), no widget state and no images.
    Cells that lost a widget output are tagged :data:`IGNORE_OUTPUT_TAG`."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept, dropped_widget = [], False
        for output in cell.get("outputs", []):
            if _is_widget_output(output):
                dropped_widget = True
                continue
            output = _without_images(output)
            if output is not None:
                kept.append(output)
        cell["outputs"] = kept
        if dropped_widget:
            tags = cell.metadata.setdefault("tags", [])
            if IGNORE_OUTPUT_TAG not in tags:
                tags.append(IGNORE_OUTPUT_TAG)
    return nb


def generated_bulk(nb) -> list[str]:
    """Where ``nb`` still holds widget state or images (empty once :func:`strip_notebook` has
    run), e.g. ``["metadata.widgets", "cell 5: image/png"]``."""
    found = ["metadata.widgets"] if "widgets" in nb.get("metadata", {}) else []
    for i, cell in enumerate(nb.get("cells", [])):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _is_widget_output(output):
                found.append(f"cell {i}: widget output ({', '.join(sorted(data))})")
            found.extend(f"cell {i}: {mime}" for mime in UNCHECKED_IMAGES if mime in data)
    return found
