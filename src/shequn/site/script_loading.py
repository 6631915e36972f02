"""No render-blocking script on any page: the page paints before any script runs.

A ``<script src>`` in the page head without ``defer`` or ``async`` stops the parser until the
script has been fetched and run, so nothing is drawn meanwhile.  Two kinds of script did that:

* **Sphinx's and the extensions' scripts** (``documentation_options.js``, ``doctools.js``,
  ``sphinx_highlight.js``, the copy and toggle buttons, sphinx-design's tabs, the theme's
  ``sphinx-book-theme.js``, the translations, the MathJax 2 shim).  They are ``script_files``
  entries, and :func:`defer_page_scripts` (``html-page-context``, after every other handler)
  gives each external one ``defer``: deferred scripts still run in document order, before
  ``DOMContentLoaded``, so what one script defines is there for the next.  An inline script
  runs at once and cannot be deferred; the ones that only define globals (``let toggleHintShow
  = …``) still run first, which is fine.  The ones that *use* a global a deferred script defines
  (pydata-sphinx-theme's ``DOCUMENTATION_OPTIONS.pagename = …``) become ``type="module"``:
  an inline module script waits, like ``defer``, and keeps its place in that order.
* **The search scripts** (``searchtools.js``, ``language_data.js`` with the site's scorer, and
  the 170 kB ``searchindex.js``).  pydata-sphinx-theme writes them straight into its
  ``layout.html`` (for every page, for search-as-you-type) and ``search.html``, so no
  extension hook sees them.  :func:`theme_templates_with_deferred_search` copies those two
  templates with the tags changed, in a template folder searched first (as
  :mod:`shequn.site.assets` does for ``fontawesome.js``): on ``search.html`` they load with
  ``defer`` (``Search.init`` runs from ``_ready`` and a query waits for ``Search.setIndex``);
  on other pages they load (deferred) only when the theme's ``search_as_you_type`` is on,
  because otherwise nothing on those pages uses them: the search field submits to
  ``search.html``.

Hand-written because neither Sphinx nor the themes offer a switch for it; the rule is small
and the template copy fails the build with a clear message when the theme changes.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

from shequn.site.assets import theme_template as _theme_template
from shequn.site.assets import write_patched_template

__all__ = ["theme_templates_with_deferred_search", "defer_page_scripts", "USES_DEFERRED_GLOBAL"]

# The theme's hard-coded search scripts: searchtools.js, language_data.js, searchindex.js.
_SEARCH_SCRIPT = re.compile(
    r"""<script src="(\{\{ pathto\('(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)',"""
    r""" 1\)(?: \| e)? \}\})"></script>"""
)
_SEARCH_SCRIPTS = 3
# An inline script that starts by using a global that a (now deferred) Sphinx script defines.
USES_DEFERRED_GLOBAL = re.compile(r"^\s*(?:DOCUMENTATION_OPTIONS|Documentation|SphinxHighlight|Search)\b")
_JS_TYPES = {"", "text/javascript", "application/javascript", "module"}


def _rewrite(source: Path, target: Path, replacement: str) -> None:
    write_patched_template(
        source,
        target,
        _SEARCH_SCRIPT,
        replacement,
        _SEARCH_SCRIPTS,
        ("加载搜索脚本", "the search scripts"),
        "shequn.site.script_loading",
    )


def theme_templates_with_deferred_search(folder: Path) -> Path:
    """Write pydata-sphinx-theme's ``layout.html`` and ``search.html`` under ``folder`` with
    deferred search scripts (on pages other than search, only with search-as-you-type).

    ``layout.html`` goes to ``folder/pydata_sphinx_theme/layout.html``, the name
    sphinx-book-theme's layout extends; returns ``folder``, to be put first on ``templates_path``.
    """
    _rewrite(
        _theme_template("layout.html"),
        folder / "pydata_sphinx_theme" / "layout.html",
        r'{% if theme_search_as_you_type | tobool %}<script defer src="\1"></script>{% endif %}',
    )
    _rewrite(_theme_template("search.html"), folder / "search.html", r'<script defer src="\1"></script>')
    return folder


def _deferred(js):
    from sphinx.builders.html._assets import _JavaScript

    if isinstance(js, str):  # old-style entry
        js = _JavaScript(js)
    attrs = dict(js.attributes)
    if attrs.get("type", "") not in _JS_TYPES or attrs.get("type") == "module":
        return js
    if js.filename:
        if "async" in attrs or "defer" in attrs:
            return js
        attrs["defer"] = "defer"
    elif USES_DEFERRED_GLOBAL.match(attrs.get("body") or ""):
        attrs["type"] = "module"
    else:
        return js
    return _JavaScript(js.filename, priority=js.priority, **attrs)


def defer_page_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """``html-page-context``, after every other handler: defer the page's ``script_files``."""
    scripts = context.get("script_files")
    if scripts is not None:
        scripts[:] = [_deferred(js) for js in scripts]
