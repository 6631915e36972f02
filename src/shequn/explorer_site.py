"""The static site's side of the explorers: lazy widget state and placeholders.

myst-nb puts a page's whole widget state (1–2 MB) in one inline script and loads
the 3.6 MB widgets manager in the page head, so nothing paints until it has
loaded.  :func:`lazy_explorers` (called by :mod:`shequn.sphinxext` for every page)
instead

* writes each explorer's state (only that explorer's models) to its own JSON file
  under ``_explorers/`` in the site,
* replaces the explorer's widget-view tag with a placeholder that shows the
  explorer's initial setting and result as plain HTML, built from the state,
* drops the inline state and the manager's scripts from the page, and adds
  ``_static/shequn-explorers.js``, which loads the manager and an explorer's
  state only when the explorer nears the viewport.

Hand-written because myst-nb has no option for lazy widget state; the page
rewrite touches only the tags myst-nb itself emits.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["EXPLORERS_DIR", "LOADER_JS", "lazy_explorers", "split_state", "placeholder_html"]

EXPLORERS_DIR = "_explorers"
LOADER_JS = "shequn-explorers.js"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_VIEW_TAG = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
_CONTROLS = {"SelectionSliderModel", "ToggleButtonsModel", "DropdownModel"}


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith("IPY_MODEL_"):
            yield value[len("IPY_MODEL_"):]
    elif isinstance(value, dict):
        for v in value.values():
            yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def split_state(state: dict[str, Any], model_id: str) -> dict[str, Any]:
    """The models one view needs: what it references, and the links between those."""
    models = state["state"]
    keep: set[str] = set()

    def add(mid: str) -> None:
        todo = [mid]
        while todo:
            m = todo.pop()
            if m in keep or m not in models:
                continue
            keep.add(m)
            todo.extend(_refs(models[m]["state"]))

    add(model_id)
    grew = True
    while grew:  # links reference their ends, nothing references a link
        grew = False
        for mid, model in models.items():
            refs = set(_refs(model["state"]))
            if mid not in keep and refs and refs <= keep and model["model_name"] == "LinkModel":
                add(mid)
                grew = True
    return {**{k: v for k, v in state.items() if k != "state"},
            "state": {mid: models[mid] for mid in models if mid in keep}}


def placeholder_html(state: dict[str, Any], model_id: str) -> str:
    """The view's initial look as static HTML: texts, each control's setting, the shown result."""
    models = state["state"]

    def render(mid: str) -> str:
        model = models.get(mid)
        if model is None:
            return ""
        name, st = model["model_name"], model["state"]
        # The live widget's classes, renamed: tests and scripts that look for the live
        # explorer (.shequn-explorer, .shequn-output) must not find the preview.
        classes = " ".join("shequn-static-" + html.escape(c.removeprefix("shequn-"))
                           for c in st.get("_dom_classes", []))
        if name in ("VBoxModel", "BoxModel", "HBoxModel"):
            inner = "".join(render(r) for c in st.get("children", []) for r in _refs(c))
            return f'<div class="shequn-static-box {classes}">{inner}</div>'
        if name == "StackModel":
            children = [r for c in st.get("children", []) for r in _refs(c)]
            index = st.get("selected_index") or 0
            inner = render(children[index]) if 0 <= index < len(children) else ""
            return f'<div class="{classes}">{inner}</div>'
        if name == "HTMLModel":
            return f'<div class="shequn-static-html {classes}">{st.get("value", "")}</div>'
        if name in _CONTROLS:
            labels = st.get("_options_labels", [])
            index = st.get("index")
            value = labels[index] if isinstance(index, int) and 0 <= index < len(labels) else ""
            off = " shequn-static-disabled" if st.get("disabled") else ""
            return (f'<div class="shequn-static-control{off}"><span class="shequn-static-label">'
                    f'{html.escape(st.get("description", ""))}</span>'
                    f'<span class="shequn-static-value">{html.escape(value)}</span></div>')
        return ""

    return render(model_id)


def _take_state(script_files: list) -> dict[str, Any] | None:
    for js in list(script_files):
        attrs = getattr(js, "attributes", {}) or {}
        if attrs.get("type") == WIDGET_STATE and "body" in attrs:
            script_files.remove(js)
            return json.loads(attrs["body"])
    return None


def _manager_scripts(app, pagename: str) -> set[str]:
    """The widgets manager's scripts myst-nb added to this page (``nb_ipywidgets_js``)."""
    from myst_nb.sphinx_ import NbMetadataCollector

    files = NbMetadataCollector.get_js_files(app.env, pagename)
    return {uri for key, (uri, _) in files.items() if key.startswith("ipywidgets_") and uri}


def lazy_explorers(app, pagename: str, context: dict) -> None:
    """Rewrite one page so its explorers load lazily (see the module docstring)."""
    script_files = context.get("script_files")
    if "body" not in context or not isinstance(script_files, list):
        return
    state = _take_state(script_files)
    if state is None:
        return
    manager_js = _manager_scripts(app, pagename)
    script_files[:] = [js for js in script_files
                       if str(getattr(js, "filename", None) or "").removeprefix("_static/") not in manager_js]
    up = "../" * pagename.count("/")
    out_dir = Path(app.outdir) / EXPLORERS_DIR / pagename

    def replace(match: re.Match) -> str:
        model_id = json.loads(match.group(1)).get("model_id", "")
        if model_id not in state["state"]:
            return ""
        out_dir.mkdir(parents=True, exist_ok=True)
        part = split_state(state, model_id)
        (out_dir / f"{model_id}.json").write_text(
            json.dumps(part, ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        url = f"{up}{EXPLORERS_DIR}/{pagename}/{model_id}.json"
        return (f'<div class="shequn-lazy" data-model-id="{html.escape(model_id)}" '
                f'data-state="{html.escape(url)}" aria-busy="true">'
                f'{placeholder_html(state, model_id)}'
                f'<p class="shequn-lazy-note">交互控件将在滚动到这里时加载（静态预览，显示默认设置的结果）。</p></div>')

    context["body"] = _VIEW_TAG.sub(replace, context["body"])
    app.add_js_file(LOADER_JS, loading_method="defer")
