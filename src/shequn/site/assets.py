"""What each page of the course site loads: only what it uses, and nothing that errs.

Hand-written because these are corrections to other packages' page assets, made where
Sphinx lets an extension make them (a template override and ``html-page-context``):

* **Icons without ``fontawesome.js``.** pydata-sphinx-theme's stylesheet already carries
  Font Awesome's icon classes and web fonts; its 1.5 MB ``fontawesome.js`` is only there
  for custom SVG icons, which this site does not use.  The theme's ``webpack-macros.html``
  is copied with that one ``<script>`` removed, into a template folder searched first.
  The icon font itself (156 kB) is cut down at the end of the build to the icons the pages
  use (``fontawesome_subset``, with fontTools, which matplotlib already depends on);
  ``shequn/site/static/shequn-icons.css`` declares the subset after the theme's rule, so it wins.
* **MathJax only on pages with maths.**  Sphinx also loads MathJax on a page whose
  *toctree children* have maths (so the home page loaded it); here the page's own
  doctree decides.  Pages that keep MathJax also get a small vendored shim for the widget
  library's MathJax 2 call (``MathJax.Hub.Queue``), ``shequn/site/static/shequn-mathjax2-shim.js``.
  MathJax itself (264 kB gzipped, then its fonts) loads after the page's ``load`` event: a
  ``defer`` script holds ``load`` back, and the text, figures, Chinese font and a first
  explorer's code come first; the formulas are typeset a moment later.
* **No thebe.**  sphinx-thebe (pulled in by Jupyter Book, unused: ``launch_buttons.thebe``
  is false) registers its inline config twice, so ``const THEBE_JS_URL`` is declared twice
  and the second declaration is a console error; its scripts and stylesheet are dropped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError

__all__ = [
    "theme_templates_without_fontawesome",
    "page_has_maths",
    "trim_page_assets",
    "MATHJAX_SHIM",
    "fontawesome_subset",
    "ICON_SUBSET",
    "theme_template",
    "write_patched_template",
]

MATHJAX_SHIM = "shequn-mathjax2-shim.js"
_MACROS = "static/webpack-macros.html"
_FONTAWESOME = re.compile(r"^.*<script[^>]*fontawesome\.js[^>]*></script>\s*\n", re.M)


def theme_template(name: str) -> Path:
    """A file of pydata-sphinx-theme's, by its path inside the theme's template folder."""
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / name


def write_patched_template(
    source: Path,
    target: Path,
    pattern: re.Pattern,
    replacement: str,
    expected: int,
    what: tuple[str, str],
    owner: str,
) -> None:
    """Write ``source`` to ``target`` with ``pattern`` replaced (only if that changes ``target``).

    The theme's template must match ``pattern`` exactly ``expected`` times; otherwise the theme
    changed under us and the build stops with a bilingual message naming ``what`` was looked for
    (in Chinese, in English) and the module (``owner``) to update.
    """
    text = source.read_text(encoding="utf-8")
    changed, n = pattern.subn(replacement, text)
    if n != expected:
        raise ConfigError(
            f"主题模板 {source} 里{what[0]}的写法变了，请更新 {owner} "
            f"(the theme template no longer has {what[1]} in the expected way: "
            f"found {n} of {expected})"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text(encoding="utf-8") != changed:
        target.write_text(changed, encoding="utf-8")


def theme_templates_without_fontawesome(folder: Path) -> Path:
    """Write the theme's ``webpack-macros.html`` without ``fontawesome.js`` under ``folder``,
    and its search button without the ``aria-label`` that hides the button's visible text.

    Returns ``folder``, to be put first on ``templates_path``.
    """
    source = theme_template(_MACROS)
    write_patched_template(
        source,
        folder / _MACROS,
        _FONTAWESOME,
        "",
        1,
        ("加载 fontawesome.js", "the fontawesome.js script"),
        "shequn.site.assets",
    )
    # The search button's aria-label ("搜索") hides its visible text ("搜索 Ctrl+K") from screen
    # readers (axe: label-content-name-mismatch): without it, the visible text is the name.
    button = "components/search-button-field.html"
    text = theme_template(button).read_text(encoding="utf-8")
    label = " aria-label=\"{{ _('Search') }}\""
    if label not in text:
        raise ConfigError(
            f"主题模板 {button} 的搜索按钮变了，请更新 shequn.site.assets "
            f"(the theme's {button} changed; update shequn.site.assets)"
        )
    for name in (button, Path(button).name):  # included both ways: as a component and as a sidebar
        target, patched = folder / name, text.replace(label, "")
        target.parent.mkdir(parents=True, exist_ok=True)
        # written only when it differs: a newer template makes Sphinx rewrite every page
        if not target.exists() or target.read_text(encoding="utf-8") != patched:
            target.write_text(patched, encoding="utf-8")
    return folder


def page_has_maths(doctree) -> bool:
    """True when the page itself (not its toctree children) has inline or display maths."""
    if doctree is None:
        return False
    return any(True for _ in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))))


def _body(asset) -> str:
    return getattr(asset, "attributes", {}).get("body", "") or ""


def _is_mathjax(js, mathjax_path: str) -> bool:
    # Sphinx stores a local script as "_static/<path>".
    name = str(js.filename or "")
    return name in (mathjax_path, f"_static/{mathjax_path}") or _body(js).startswith("window.MathJax =")


def _is_thebe(asset) -> bool:
    body = _body(asset)
    return "thebe" in (asset.filename or "") or "THEBE_JS_URL" in body


def trim_page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """``html-page-context`` (after sphinx.ext.mathjax): drop unused assets, add the shim."""
    scripts = context.get("script_files")
    if scripts is None:
        return
    keep_maths = page_has_maths(doctree)
    scripts[:] = [
        js
        for js in scripts
        if not _is_thebe(js) and (keep_maths or not _is_mathjax(js, app.config.mathjax_path))
    ]
    css = context.get("css_files")
    if css is not None:
        css[:] = [c for c in css if not _is_thebe(c)]
    if keep_maths and any(_is_mathjax(js, app.config.mathjax_path) for js in scripts):
        app.builder.add_js_file(MATHJAX_SHIM, priority=400)  # before the MathJax config (500)
        scripts[:] = [
            _after_load(js, context) if js.filename and _is_mathjax(js, app.config.mathjax_path) else js
            for js in scripts
        ]


def _after_load(js, context: dict):
    """An inline script that adds ``js`` to the page once the page has loaded."""
    from sphinx.builders.html._assets import _JavaScript

    src = context["pathto"](str(js.filename), resource=True)
    body = (
        "window.addEventListener('load',function(){var s=document.createElement('script');"
        f"s.src={json.dumps(src)};s.async=true;document.head.appendChild(s);}});"
    )
    return _JavaScript(None, priority=js.priority, body=body)


ICON_SUBSET = "shequn-fa-solid-subset.woff"  # referenced by static/shequn-icons.css
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:before,?)+)\{content:"\\([0-9a-f]{4,5})"\}')
_ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
_ESCAPED_PUA = re.compile(r'"\\([ef][0-9a-f]{3})"')


def fontawesome_subset(html_dir: Path) -> Path:
    """Write ``_static/<ICON_SUBSET>``: the theme's solid icon font with only the icons used.

    The icons used are the ``fa-*`` names in the built pages and the theme's scripts; their
    code points come from the theme's stylesheet.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    static = html_dir / "_static"
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    codepoints: dict[str, int] = {}
    for names, code in _ICON_RULE.findall(css):
        for name in re.findall(r"fa-[a-z0-9-]+", names):
            codepoints[name] = int(code, 16)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in html_dir.rglob("*.html")]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in (static / "scripts").glob("*.js")]
    used = {codepoints[n] for text in texts for n in _ICON_CLASS.findall(text) if n in codepoints}
    # Icons drawn by stylesheets (admonition titles, dropdown chevrons, ...): Font Awesome's
    # private-use code points, literal or escaped, outside the per-class rules.
    for sheet in static.rglob("*.css"):
        if "offline" in sheet.relative_to(static).parts:
            continue
        rest = _ICON_RULE.sub("", sheet.read_text(encoding="utf-8", errors="replace"))
        used |= {ord(c) for c in rest if 0xE000 <= ord(c) <= 0xF8FF}
        used |= {int(h, 16) for h in _ESCAPED_PUA.findall(rest)}
    font = TTFont(static / "vendor" / "fontawesome" / "webfonts" / "fa-solid-900.ttf")
    options = subset.Options()
    options.flavor = "woff"
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(used))
    subsetter.subset(font)
    font.flavor = "woff"
    out = static / ICON_SUBSET
    font.save(out)
    return out
