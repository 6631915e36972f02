"""The static site's side of the explorers: lazy widget state and placeholders.

myst-nb puts a page's whole widget state (1–2 MB) in one inline script and loads
the 3.6 MB widgets manager in the page head, so nothing paints until it has
loaded.  :func:`lazy_explorers` (called by :mod:`shequn.site.sphinxext` for every page)
instead

* writes each explorer's state (only that explorer's models) to its own JSON file
  under ``_explorers/`` in the site,
* replaces the explorer's widget-view tag with a placeholder that shows the
  explorer's initial setting and result as plain HTML, built from the state,
* drops the inline state and the manager's scripts from the page, and adds
  ``_static/shequn-explorers.js``, which loads the manager and an explorer's
  state only when the explorer nears the viewport.

The manager is the npm package's AMD bundle (``libembed-amd.js``: six modules, 915 kB
gzipped).  :func:`split_widget_bundle` cuts it, at build time, into the three modules
an ipywidgets 8 page needs (base, controls, html-manager: no widgets-7 copies, no embed
script), without the CSS source maps the bundle carries inline, so require.js fetches
about 560 kB gzipped, in parallel.

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

__all__ = [
    "EXPLORERS_DIR",
    "LOADER_JS",
    "lazy_explorers",
    "split_state",
    "placeholder_html",
    "split_widget_bundle",
    "WIDGET_MODULES",
]

EXPLORERS_DIR = "_explorers"
LOADER_JS = "shequn-explorers.js"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_VIEW_TAG = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>', re.S)
_CONTROLS = {"SelectionSliderModel", "ToggleButtonsModel", "DropdownModel"}
# Modules of @jupyter-widgets/html-manager's libembed-amd.js; the ones kept are written beside it
# as libembed-amd-<name>.js (shequn-explorers.js maps the module names there).  Same folder: the
# bundles find their icon fonts relative to their own URL.
WIDGET_MODULES = {
    "@jupyter-widgets/base": "base",
    "@jupyter-widgets/controls": "controls",
    "@jupyter-widgets/html-manager": "html-manager",
}
_BUNDLE_MODULES = {
    *WIDGET_MODULES,
    "@jupyter-widgets/base7",
    "@jupyter-widgets/controls7",
    "@jupyter-widgets/html-manager/dist/libembed-amd",
}
_AMD_DEFINE = re.compile(r'(?:/\*! For license information[^*]*\*/\s*)?define\("([^"]+)",')
_CSS_SOURCE_MAP = "{version:3,sources:["


def _without_css_source_maps(js: str) -> str:
    """css-loader's inline source maps (``[id, css, "", {version:3,...}]``) replaced by ``""``:
    its runtime then returns the CSS as is (``if(!n)return t``)."""
    out, pos = [], 0
    start = js.find(_CSS_SOURCE_MAP)
    while start >= 0:
        i, depth, quote = start, 0, None
        while i < len(js):
            c = js[i]
            if quote:
                if c == "\\":
                    i += 1
                elif c == quote:
                    quote = None
            elif c in "\"'`":
                quote = c
            elif c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        out += [js[pos:start], '""']
        pos = i + 1
        start = js.find(_CSS_SOURCE_MAP, pos)
    return "".join(out) + js[pos:]


def split_widget_bundle(bundle: Path, out_dir: Path) -> list[Path]:
    """Write the :data:`WIDGET_MODULES` of ``libembed-amd.js`` to ``out_dir/libembed-amd-<name>.js``."""
    js = bundle.read_text(encoding="utf-8")
    starts = [(m.start(), m.group(1)) for m in _AMD_DEFINE.finditer(js)]
    names = {name for _, name in starts}
    if names != _BUNDLE_MODULES:
        raise ValueError(
            f"{bundle} 的模块变了 (the bundle's modules changed): {sorted(names)}; "
            "update shequn.site.explorers.WIDGET_MODULES"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for (start, name), (end, _) in zip(starts, [*starts[1:], (len(js), "")], strict=True):
        if name in WIDGET_MODULES:
            path = out_dir / f"libembed-amd-{WIDGET_MODULES[name]}.js"
            path.write_text(_without_css_source_maps(js[start:end]), encoding="utf-8")
            written.append(path)
    return written


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith("IPY_MODEL_"):
            yield value[len("IPY_MODEL_") :]
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
    return {
        **{k: v for k, v in state.items() if k != "state"},
        "state": {mid: models[mid] for mid in models if mid in keep},
    }


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
        classes = " ".join(
            "shequn-static-" + html.escape(c.removeprefix("shequn-")) for c in st.get("_dom_classes", [])
        )
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
            return (
                f'<div class="shequn-static-control{off}"><span class="shequn-static-label">'
                f"{html.escape(st.get('description', ''))}</span>"
                f'<span class="shequn-static-value">{html.escape(value)}</span></div>'
            )
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
    script_files[:] = [
        js
        for js in script_files
        if str(getattr(js, "filename", None) or "").removeprefix("_static/") not in manager_js
    ]
    up = "../" * pagename.count("/")
    out_dir = Path(app.outdir) / EXPLORERS_DIR / pagename

    def replace(match: re.Match) -> str:
        model_id = json.loads(match.group(1)).get("model_id", "")
        if model_id not in state["state"]:
            return ""
        out_dir.mkdir(parents=True, exist_ok=True)
        part = split_state(state, model_id)
        (out_dir / f"{model_id}.json").write_text(
            json.dumps(part, ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding="utf-8"
        )
        url = f"{up}{EXPLORERS_DIR}/{pagename}/{model_id}.json"
        return (
            f'<div class="shequn-lazy" data-model-id="{html.escape(model_id)}" '
            f'data-state="{html.escape(url)}" aria-busy="true">'
            f"{placeholder_html(state, model_id)}"
            '<p class="shequn-lazy-note">'
            "交互控件将在滚动到这里时加载（静态预览，显示默认设置的结果）。</p></div>"
        )

    context["body"] = _VIEW_TAG.sub(replace, context["body"])
    app.add_js_file(LOADER_JS, loading_method="defer")
