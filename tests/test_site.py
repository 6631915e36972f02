"""The built site, opened in headless Chromium with the network blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shequn.site.build import external_references

from helpers.pages import LESSON_PAGES

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]
ALL_PAGES = ["book/index.html", *LESSON_PAGES, "book/assignments.html", "book/run_locally.html",
             "book/reference/glossary.html", "search.html", "genindex.html"]
SCREENSHOTS = ROOT / "_build" / "screenshots"


def _open(offline_page, site_url, path):
    p = offline_page()
    p.page.goto(f"{site_url}/{path}", wait_until="networkidle")
    p.page.evaluate("document.fonts.ready")
    return p


def _visible_results(page):
    """The text each explorer shows now (hidden stack pages have no innerText)."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.shequn-explorer .shequn-output')).map(o => o.innerText)"
    )


def _change_control(page, explorer, i):
    """Move control ``i`` of an explorer to another option; return False if it has none."""
    controls = explorer.locator(":scope > .widget-toggle-buttons, :scope > .widget-hslider, :scope > .widget-dropdown")
    if i >= controls.count():
        return False
    control = controls.nth(i)
    classes = control.get_attribute("class")
    if "widget-toggle-buttons" in classes:
        control.locator("button:not(.mod-active)").first.click()
    elif "widget-dropdown" in classes:
        select = control.locator("select")
        current = select.input_value()
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        select.select_option(next(v for v in values if v != current))
    else:
        handle = control.locator(".noUi-handle")
        handle.focus()
        before = handle.get_attribute("aria-valuenow")
        page.keyboard.press("ArrowRight")
        if handle.get_attribute("aria-valuenow") == before:
            page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(200)
    return True


def test_no_page_references_a_cdn(site_html):
    assert external_references(site_html) == []


def test_site_offers_student_versions_and_leaks_no_solution(site_html):
    from shequn.grading.release import ASSIGNMENTS, find_leaks, secret_lines

    downloads = sorted(site_html.rglob("_downloads/**/*.ipynb"))
    assert {p.name for p in downloads} == {f"{name}.ipynb" for name in ASSIGNMENTS}
    secrets = set().union(*(secret_lines(ROOT / "solutions" / n / f"{n}.ipynb") for n in ASSIGNMENTS))
    files = [p for p in site_html.rglob("*") if p.is_file() and p.suffix in (".html", ".ipynb", ".js", ".txt", ".md")]
    assert find_leaks(files, secrets) == []


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_lesson_offers_its_notebook_and_no_hub_link_without_a_hub(offline_page, site_url, path):
    """_config.yml ships with no shequn_hub_url: a download link, no hub link (tests/test_hub.py
    builds the site with one and follows its links into a real hub)."""
    import nbformat

    p = _open(offline_page, site_url, path)
    link = p.page.locator("main .shequn-launch a.shequn-download")
    assert link.count() == 1 and "下载" in link.inner_text()
    assert p.page.locator(".shequn-hub, .shequn-hub-assignment").count() == 0
    with p.page.expect_download() as info:
        link.click()
    nb = nbformat.read(info.value.path(), as_version=4)
    stored = nbformat.read(ROOT / path.replace(".html", ".ipynb"), as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in stored.cells]


def test_assignments_page_has_no_hub_link_without_a_hub(offline_page, site_url):
    p = _open(offline_page, site_url, "book/assignments.html")
    assert p.page.locator(".shequn-launch, .shequn-hub").count() == 0


@pytest.mark.parametrize("path", ALL_PAGES)
def test_page_loads_offline_with_no_failed_or_external_request(offline_page, site_url, path):
    p = _open(offline_page, site_url, path)
    assert p.external == [], f"external requests from {path}"
    assert p.failed == [], f"failed requests from {path}"
    assert p.page.evaluate("document.documentElement.lang").startswith("zh")


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_lesson_page_is_chinese_with_real_glyphs_and_a_plot(offline_page, site_url, path):
    p = _open(offline_page, site_url, path)
    page = p.page
    assert re.search(r"[\u4e00-\u9fff]{20,}", page.inner_text("main"))
    # The vendored web font really loaded and covers the page's Chinese text.
    loaded = page.evaluate(
        "Array.from(document.fonts).filter(f => f.family.includes('Noto Sans SC') && f.status === 'loaded').length"
    )
    assert loaded > 0
    assert page.evaluate("document.fonts.check('16px \"Noto Sans SC\"', '社群连接器')")
    # Sphinx's UI strings are Chinese (language: zh_CN).
    assert "搜索" in page.inner_html("body")
    # Plots: every image decoded.
    images = page.evaluate("Array.from(document.querySelectorAll('main img')).map(i => i.naturalWidth)")
    assert images and all(width > 0 for width in images)
    # Math is typeset by the vendored MathJax, which loads after the page's load event: typesetting
    # can end after the network is idle, so wait for it.
    page.wait_for_selector("mjx-container", timeout=20000)


@pytest.mark.parametrize(
    "term, expected_page",
    [("连接器", "connectors.html"), ("社群", None), ("粉丝经济", None), ("门槛", None), ("留存率", None)],
)
def test_chinese_search_finds_pages(offline_page, site_url, term, expected_page):
    p = _open(offline_page, site_url, f"search.html?q={term}")
    page = p.page
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    links = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
    assert links, f"no results for {term}"
    if expected_page:
        assert any(expected_page in link for link in links), links
    assert p.external == []


# ------------------------------------------------------------ issue 14: downloads, weight, search, navigation

def _git_date(path: Path) -> str | None:
    import subprocess

    out = subprocess.run(["git", "log", "-1", "--format=%cs", "--", str(path.relative_to(ROOT))],
                         cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip() or None


def _scroll_through(page):
    """Scroll to the bottom in steps (lazy explorers load near the viewport), then settle."""
    height = page.evaluate("document.body.scrollHeight")
    for y in range(0, height + 900, 600):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(60)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)


@pytest.mark.parametrize("path", ALL_PAGES)
def test_page_has_no_console_error_or_unhandled_rejection(offline_page, site_url, path):
    """Console errors and uncaught exceptions/rejections, with every explorer on the page loaded."""
    p = offline_page()
    uncaught = []
    p.page.on("pageerror", lambda exc: uncaught.append(str(exc)))
    p.page.add_init_script("window.addEventListener('unhandledrejection', e => "
                           "console.error('unhandled rejection: ' + (e.reason && e.reason.stack || e.reason)));")
    p.page.goto(f"{site_url}/{path}", wait_until="networkidle")
    _scroll_through(p.page)
    assert p.console_errors == [], f"console errors on {path}"
    assert uncaught == [], f"uncaught exceptions on {path}"
    assert p.failed == [] and p.external == []


@pytest.mark.parametrize("path", ALL_PAGES)
def test_page_loads_mathjax_only_with_maths_and_never_fontawesome_js(offline_page, site_url, path):
    p = offline_page()
    requested = []
    p.page.on("request", lambda r: requested.append(r.url))
    p.page.goto(f"{site_url}/{path}", wait_until="networkidle")
    page = p.page
    has_maths = page.locator("main .math, main div.math").count() > 0
    loads_mathjax = any("mathjax/tex-chtml.js" in u for u in requested)
    assert loads_mathjax == has_maths, (path, has_maths, loads_mathjax)
    if has_maths:
        page.wait_for_selector("mjx-container", timeout=20000)
    assert not [u for u in requested if "fontawesome.js" in u or "fa-solid-900.woff2" in u]
    # The theme's icons still show: Font Awesome's web font via the theme's CSS.
    icon = page.locator("button.search-button__button i.fa-solid, .search-button i.fa-solid").first
    content = icon.evaluate("el => getComputedStyle(el, '::before').content")
    assert content not in ("", "none", "normal")
    page.evaluate("document.fonts.ready")
    assert page.evaluate("Array.from(document.fonts).some(f => f.family.includes('Font Awesome 6 Free') "
                         "&& f.weight === '900' && f.status === 'loaded')")
    assert icon.evaluate("el => el.getBoundingClientRect().width") > 0


def test_home_page_without_maths_or_widgets_stays_small(site_html):
    """The text-only home page loads neither MathJax nor the widgets manager."""
    text = (site_html / "book" / "index.html").read_text(encoding="utf-8")
    assert "tex-chtml.js" not in text and "embed-amd.js" not in text and "fontawesome.js" not in text
    assert "THEBE_JS_URL" not in text


@pytest.mark.parametrize("path", ["book/index.html", "book/01_connectors/connectors.html",
                                  "book/reference/glossary.html", "book/run_locally.html"])
def test_page_shows_its_last_updated_date_from_git(offline_page, site_url, path):
    import datetime as dt

    source = ROOT / path.replace(".html", ".md")
    expected = _git_date(source) or dt.date.fromtimestamp(source.stat().st_mtime).isoformat()
    p = _open(offline_page, site_url, path)
    footer = p.page.locator("footer .last-updated, .bd-footer-content .last-updated").first
    assert expected in footer.inner_text()


def test_style_guide_is_contributor_documentation_not_learner_navigation(site_html):
    stale = site_html / "book" / "reference" / "style_guide.html"  # an old build may have left it
    for page in site_html.rglob("*.html"):
        if page != stale:
            assert not re.search(r'href="[^"]*style_guide', page.read_text(encoding="utf-8")), page
    index = (site_html / "searchindex.js").read_text(encoding="utf-8")
    assert "book/reference/style_guide" not in index  # not a page of the site
    guide = ROOT / "docs" / "style_guide.md"
    assert guide.is_file() and "写作风格指南" in guide.read_text(encoding="utf-8")
    assert "docs/style_guide.md" in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_no_repository_links_without_a_repository_url(site_html):
    for name in ("book/index.html", "book/01_connectors/connectors.html", "search.html"):
        assert "shequn-repository" not in (site_html / name).read_text(encoding="utf-8")


def test_run_locally_page_offers_the_wheel_its_commands_install(offline_page, site_url, site_html):
    import html as html_lib
    import zipfile

    p = _open(offline_page, site_url, "book/run_locally.html")
    page = p.page
    link = page.locator("main a.shequn-wheel")
    assert link.count() == 1
    with page.expect_download() as info:
        link.click()
    name = info.value.suggested_filename
    assert re.fullmatch(r"shequn-[\d.]+-py3-none-any\.whl", name)
    with zipfile.ZipFile(info.value.path()) as wheel:
        files = set(wheel.namelist())
    assert {"shequn/__init__.py", "shequn/plotting.py", "shequn/fonts/NotoSansSC-Regular.ttf"} <= files
    # Each platform's commands install exactly this file; one mirror note with pip's -i.
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", (site_html / "book/run_locally.html").read_text(encoding="utf-8")))
    installs = [line for line in text.splitlines() if "pip install" in line and ".whl" in line]
    assert len(installs) >= 4 and all(name in line for line in installs)
    assert any(" -i " in line for line in installs)
    for platform in ("Windows", "macOS", "Linux"):
        assert page.get_by_role("tab", name=platform).count() + page.locator(f"label:has-text('{platform}')").count() >= 1
    assert "python -m venv" in text.replace("python3 -m venv", "python -m venv").replace("py -3.12 -m venv", "python -m venv")
    assert "shequn font" in text and "import shequn" in text


def test_assignments_page_sends_learners_to_the_run_locally_page(site_html):
    text = (site_html / "book" / "assignments.html").read_text(encoding="utf-8")
    assert "pip install -e" not in text and "run_locally.html" in text


# Query → the page that should come first (the lesson that teaches the term, never the glossary).
SEARCH_TABLE = [
    ("连接器", "book/01_connectors/connectors.html"),
    ("粉丝经济", "book/02_community_vs_fans/community_vs_fans.html"),
    ("社群经济", "book/02_community_vs_fans/community_vs_fans.html"),
    ("潜水者", "book/02_community_vs_fans/community_vs_fans.html"),
    ("红包", "book/02_community_vs_fans/community_vs_fans.html"),
    ("度中心势", "book/02_community_vs_fans/community_vs_fans.html"),
    ("用户经济", "book/03_user_economy/user_economy.html"),
    ("强节点", "book/03_user_economy/user_economy.html"),
    ("社群领袖", "book/03_user_economy/user_economy.html"),
    ("电磁效应", "book/03_user_economy/user_economy.html"),
    ("去中心化", "book/03_user_economy/user_economy.html"),
    ("分享会", "book/04_content_community_product/content_community_product.html"),
    ("反向定制", "book/04_content_community_product/content_community_product.html"),
    ("门槛", "book/05_thresholds/thresholds.html"),
    ("准入条件", "book/05_thresholds/thresholds.html"),
    ("群规", "book/05_thresholds/thresholds.html"),
    ("第一批成员", "book/05_thresholds/thresholds.html"),
    ("种子用户", "book/05_thresholds/thresholds.html"),
    ("留存率", "book/00_intro/what_is_community.html"),
    ("流量池", "book/00_intro/what_is_community.html"),
    ("connector", "book/01_connectors/connectors.html"),
    ("threshold", "book/05_thresholds/thresholds.html"),
    ("fan economy", "book/02_community_vs_fans/community_vs_fans.html"),
    ("lurker", "book/02_community_vs_fans/community_vs_fans.html"),
    ("retention rate", "book/00_intro/what_is_community.html"),
    ("seed users", "book/05_thresholds/thresholds.html"),
    ("sharing session", "book/04_content_community_product/content_community_product.html"),
]


def test_search_table_has_chinese_and_english_queries():
    assert len(SEARCH_TABLE) >= 20
    assert sum(bool(re.search(r"[a-z]", q)) for q, _ in SEARCH_TABLE) >= 5


@pytest.mark.parametrize("query, expected", SEARCH_TABLE)
def test_search_puts_the_lesson_first_and_the_glossary_entry_after_it(offline_page, site_url, query, expected):
    p = offline_page()
    page = p.page
    page.goto(f"{site_url}/search.html?q={query}", wait_until="networkidle")
    page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    page.wait_for_function("document.querySelector('#search-results .search-summary').innerText.length > 0",
                           timeout=20000)
    links = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(e => e.href)")
    first = links[0].replace(site_url + "/", "").split("#")[0].split("?")[0]
    assert first == expected, links[:5]
    glossary = [i for i, link in enumerate(links) if "reference/glossary.html" in link]
    assert glossary, f"the glossary entry for {query} is not among the results"
    assert p.external == []


def test_page_weight_benchmark_serves_gzip_and_measures_a_lesson(site_html, browser):
    """benchmarks/page_weight.py keeps working (speed itself is measured by `make bench`)."""
    import gzip
    import sys

    import requests

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import page_weight

    server, base = page_weight.serve(site_html)
    try:
        raw = requests.get(f"{base}/book/index.html", headers={"Accept-Encoding": "gzip"}, stream=True)
        assert raw.headers["Content-Encoding"] == "gzip"
        body = raw.raw.read()
        assert gzip.decompress(body) == (site_html / "book" / "index.html").read_bytes()
        result = page_weight.measure_page(browser, base, "book/01_connectors/connectors.html")
    finally:
        server.shutdown()
    assert result["error"] is None and result["offsite"] == []
    assert result["fcp_s"] > 0 and result["explorer_s"] > result["fcp_s"]
    assert 0 < result["font_bytes"] < result["load_bytes"] <= result["explorer_bytes"]
    assert result["load_requests"] < result["explorer_requests"]  # explorer code loads lazily


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_lesson_download_box_links_to_the_run_locally_page(site_html, path):
    text = (site_html / path).read_text(encoding="utf-8")
    match = re.search(r'<a class="shequn-run-locally" href="([^"]+)"', text)
    assert match and (site_html / path).parent.joinpath(match[1]).resolve() == (site_html / "book/run_locally.html")


# ------------------------------------------------------------ issue 14: no render-blocking script

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
    text = ('<html><head><script src="a.js"></script><script defer src="b.js"></script>'
            '<script type="module">x.y = 1;</script></head><body><script src="c.js"></script></body></html>')
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
    blocking = [s["src"] for s in scripts
                if s.get("src") and "defer" not in s and "async" not in s and s.get("type") != "module"]
    assert blocking == [], f"render-blocking scripts in the head of {path}"
    if path in LESSON_PAGES:
        assert not [src for src in external if re.search(r"searchindex\.js|searchtools\.js", src)], external


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_deferred_scripts_run_in_order(offline_page, site_url, path):
    """The theme's inline settings run after the deferred script that defines them: the page name
    is this page's, and the copy buttons (copybutton.js) and tabs' storage prefix are in place."""
    p = _open(offline_page, site_url, path)
    page = p.page
    assert page.evaluate("DOCUMENTATION_OPTIONS.pagename") == path.removesuffix(".html")
    assert page.evaluate("DOCUMENTATION_OPTIONS.search_as_you_type") is False
    if page.locator("main div.highlight pre").count():
        assert page.locator("main button.copybtn").count() > 0
    assert p.console_errors == []


# A word each lesson's text uses (checked against the .md below), searched from another lesson page.
LESSON_WORDS = [("共同体", "book/01_connectors/connectors"), ("被邀请者", "book/05_thresholds/thresholds")]


@pytest.mark.parametrize("word, lesson", LESSON_WORDS)
def test_search_from_a_lesson_page_finds_the_lesson_that_uses_a_word(offline_page, site_url, word, lesson):
    assert word in (ROOT / f"{lesson}.md").read_text(encoding="utf-8"), f"{lesson}.md no longer uses {word}"
    start = next(page for page in LESSON_PAGES if not page.startswith(lesson))
    p = _open(offline_page, site_url, start)
    page = p.page
    page.keyboard.press("Control+k")
    field = page.locator("#pst-search-dialog input[name=q]")
    field.fill(word)
    field.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_selector("#search-results ul.search li > a", timeout=20000)
    links = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))")
    assert f"{lesson}.html" in [link.split("#")[0].split("?")[0] for link in links], links
    assert p.external == [] and p.failed == [] and p.console_errors == []


def test_page_scripts_are_deferred_and_inline_users_of_deferred_globals_wait():
    """The html-page-context rule on hand-written entries (no build)."""
    from sphinx.builders.html._assets import _JavaScript

    from shequn.site.script_loading import defer_page_scripts

    scripts = [_JavaScript("_static/doctools.js"), _JavaScript("_static/a.js", **{"async": "async"}),
               _JavaScript("_static/m.js", type="module"), _JavaScript(None, body="let hint = 'x';"),
               _JavaScript(None, body="DOCUMENTATION_OPTIONS.pagename = 'p';"),
               _JavaScript(None, body="x", type="text/x-thebe-config")]
    context = {"script_files": scripts}
    defer_page_scripts(None, "p", "page.html", context, None)
    assert [js.attributes for js in context["script_files"]] == [
        {"defer": "defer"}, {"async": "async"}, {"type": "module"}, {"body": "let hint = 'x';"},
        {"body": "DOCUMENTATION_OPTIONS.pagename = 'p';", "type": "module"},
        {"body": "x", "type": "text/x-thebe-config"}]
    assert context["script_files"] is scripts  # Sphinx renders this list


def test_theme_template_change_is_a_clear_build_error(tmp_path, monkeypatch):
    from sphinx.errors import ConfigError

    from shequn.site import script_loading

    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "layout.html").write_text("<head>{{ super() }}</head>", encoding="utf-8")
    monkeypatch.setattr(script_loading, "_theme_template", lambda name: tmp_path / "theme" / name)
    with pytest.raises(ConfigError, match=r"加载搜索脚本.*shequn\.site\.script_loading.*search scripts.*found 0 of 3"):
        script_loading.theme_templates_with_deferred_search(tmp_path / "out")
