"""Script loading on the built site: no render-blocking script in the head, deferred scripts run in order,
and the build rules that defer them."""

from __future__ import annotations

import re

import pytest

from helpers.pages import ALL_PAGES, LESSON_PAGES, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _head_scripts(html_text: str) -> list[dict[str, str | None]]:
    """The attributes of every ``<script>`` the parser meets inside ``<head>``."""
    from html.parser import HTMLParser

    class Head(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.scripts = False, []

        def handle_starttag(self, tag, attrs):
            if tag == "head":
                self.inside = True
            elif tag == "script" and self.inside:
                self.scripts.append(dict(attrs))

        def handle_endtag(self, tag):
            if tag == "head":
                self.inside = False

    parser = Head()
    parser.feed(html_text)
    return parser.scripts


def test_head_scripts_reader_sees_a_blocking_script():
    """The check below can fail: a plain ``<script src>`` in the head is reported, one in the body is not."""
    text = (
        '<html><head><script src="a.js"></script><script defer src="b.js"></script>'
        '<script type="module">x.y = 1;</script></head><body><script src="c.js"></script></body></html>'
    )
    scripts = _head_scripts(text)
    assert [s.get("src") for s in scripts] == ["a.js", "b.js", None]
    assert [s for s in scripts if s.get("src") and "defer" not in s and "async" not in s] == [{"src": "a.js"}]


@pytest.mark.parametrize("path", ALL_PAGES)
def test_no_render_blocking_script_in_the_head(site_html, path):
    """Every external script in the head loads with defer or async (or as a module): the page
    paints first. Lesson pages do not load the 170 kB search index at all (no search-as-you-type)."""
    scripts = _head_scripts((site_html / path).read_text(encoding="utf-8"))
    external = [s["src"] for s in scripts if s.get("src")]
    assert external, f"no scripts found in the head of {path}"
    blocking = [
        s["src"]
        for s in scripts
        if s.get("src") and "defer" not in s and "async" not in s and s.get("type") != "module"
    ]
    assert blocking == [], f"render-blocking scripts in the head of {path}"
    if path in LESSON_PAGES:
        assert not [src for src in external if re.search(r"searchindex\.js|searchtools\.js", src)], external


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_deferred_scripts_run_in_order(offline_page, site_url, path):
    """The theme's inline settings run after the deferred script that defines them: the page name
    is this page's, and the copy buttons (copybutton.js) and tabs' storage prefix are in place."""
    p = open_page(offline_page, site_url, path)
    page = p.page
    assert page.evaluate("DOCUMENTATION_OPTIONS.pagename") == path.removesuffix(".html")
    assert page.evaluate("DOCUMENTATION_OPTIONS.search_as_you_type") is False
    if page.locator("main div.highlight pre").count():
        assert page.locator("main button.copybtn").count() > 0
    assert p.console_errors == []


def test_page_scripts_are_deferred_and_inline_users_of_deferred_globals_wait():
    """The html-page-context rule on hand-written entries (no build)."""
    from sphinx.builders.html._assets import _JavaScript

    from shequn.site.script_loading import defer_page_scripts

    scripts = [
        _JavaScript("_static/doctools.js"),
        _JavaScript("_static/a.js", **{"async": "async"}),
        _JavaScript("_static/m.js", type="module"),
        _JavaScript(None, body="let hint = 'x';"),
        _JavaScript(None, body="DOCUMENTATION_OPTIONS.pagename = 'p';"),
        _JavaScript(None, body="x", type="text/x-thebe-config"),
    ]
    context = {"script_files": scripts}
    defer_page_scripts(None, "p", "page.html", context, None)
    assert [js.attributes for js in context["script_files"]] == [
        {"defer": "defer"},
        {"async": "async"},
        {"type": "module"},
        {"body": "let hint = 'x';"},
        {"body": "DOCUMENTATION_OPTIONS.pagename = 'p';", "type": "module"},
        {"body": "x", "type": "text/x-thebe-config"},
    ]
    assert context["script_files"] is scripts  # Sphinx renders this list


def test_theme_template_change_is_a_clear_build_error(tmp_path, monkeypatch):
    from sphinx.errors import ConfigError

    from shequn.site import script_loading

    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "layout.html").write_text("<head>{{ super() }}</head>", encoding="utf-8")
    monkeypatch.setattr(script_loading, "_theme_template", lambda name: tmp_path / "theme" / name)
    with pytest.raises(
        ConfigError, match=r"加载搜索脚本.*shequn\.site\.script_loading.*search scripts.*found 0 of 3"
    ):
        script_loading.theme_templates_with_deferred_search(tmp_path / "out")
