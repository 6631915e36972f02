"""The built site, opened in headless Chromium with the network blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.pages import ALL_PAGES, LESSON_PAGES, NARROW_PHONE, open_page
from shequn.site.build import external_references

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]


def test_no_page_references_a_cdn(site_html):
    assert external_references(site_html) == []


def test_build_leaves_nothing_in_the_temp_folder(site_html, site_build_temp):
    """The build ran with TMPDIR set to a folder of its own (conftest): jieba's dictionary cache,
    the wheel's and the fonts' scratch files go into _build or are removed."""
    assert sorted(p.name for p in site_build_temp.iterdir()) == []


def test_site_offers_student_versions_and_leaks_no_solution(site_html):
    from shequn.grading.authoring.release import ASSIGNMENTS, find_leaks, secret_lines

    downloads = sorted(site_html.rglob("_downloads/**/*.ipynb"))
    assert {p.name for p in downloads} == {f"{name}.ipynb" for name in ASSIGNMENTS}
    secrets = set().union(*(secret_lines(ROOT / "solutions" / n / f"{n}.ipynb") for n in ASSIGNMENTS))
    files = [
        p
        for p in site_html.rglob("*")
        if p.is_file() and p.suffix in (".html", ".ipynb", ".js", ".txt", ".md")
    ]
    assert find_leaks(files, secrets) == []


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_lesson_offers_its_notebook_and_no_hub_link_without_a_hub(offline_page, site_url, path):
    """_config.yml ships with no shequn_hub_url: a download link, no hub link (tests/test_hub.py
    builds the site with one and follows its links into a real hub)."""
    import nbformat

    p = open_page(offline_page, site_url, path)
    link = p.page.locator("main .shequn-launch a.shequn-download")
    assert link.count() == 1 and "下载" in link.inner_text()
    assert p.page.locator(".shequn-hub, .shequn-hub-assignment").count() == 0
    with p.page.expect_download() as info:
        link.click()
    nb = nbformat.read(info.value.path(), as_version=4)
    stored = nbformat.read(ROOT / path.replace(".html", ".ipynb"), as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in stored.cells]
    # the build's executed copy: every code cell run once, in order, with outputs wherever the
    # stored notebook (executed apart, by `make notebooks`) has some, and the widgets' state
    code = [c for c in nb.cells if c.cell_type == "code"]
    stored_code = [c for c in stored.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert [
        i for i, (c, s) in enumerate(zip(code, stored_code, strict=True)) if s.outputs and not c.outputs
    ] == []
    has_widgets = any("nbval-ignore-output" in c.metadata.get("tags", []) for c in stored_code)
    assert ("widgets" in nb.metadata) == has_widgets


def test_assignments_page_has_no_hub_link_without_a_hub(offline_page, site_url):
    p = open_page(offline_page, site_url, "book/assignments.html")
    assert p.page.locator(".shequn-launch, .shequn-hub").count() == 0


@pytest.mark.parametrize("path", ALL_PAGES)
def test_page_loads_offline_with_no_failed_or_external_request(offline_page, site_url, path):
    p = open_page(offline_page, site_url, path)
    assert p.external == [], f"external requests from {path}"
    assert p.failed == [], f"failed requests from {path}"
    assert p.page.evaluate("document.documentElement.lang").startswith("zh")


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_lesson_page_is_chinese_with_real_glyphs_and_a_plot(offline_page, site_url, path):
    p = open_page(offline_page, site_url, path)
    page = p.page
    assert re.search(r"[\u4e00-\u9fff]{20,}", page.inner_text("main"))
    # The vendored web font really loaded and covers the page's Chinese text.
    loaded = page.evaluate(
        "Array.from(document.fonts)"
        ".filter(f => f.family.includes('Noto Sans SC') && f.status === 'loaded').length"
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


# ------------------------------------------------------------ issue 14: downloads, weight, search, navigation


def _git_date(path: Path) -> str | None:
    import subprocess

    out = subprocess.run(
        ["git", "log", "-1", "--format=%cs", "--", str(path.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or None


def _scroll_through(page):
    """Scroll to the bottom in steps (lazy explorers load near the viewport), until every explorer
    has loaded or given up (shequn-explorers.js: a placeholder stays busy until then)."""
    height = page.evaluate("document.body.scrollHeight")
    for y in range(0, height + 900, 600):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(60)  # a frame or more at each step, for the IntersectionObserver
    page.wait_for_function(
        "() => !document.querySelector('.shequn-lazy[aria-busy], .shequn-live[hidden]')", timeout=60_000
    )
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("path", ALL_PAGES)
def test_page_has_no_console_error_or_unhandled_rejection(offline_page, site_url, path):
    """Console errors and uncaught exceptions/rejections, with every explorer on the page loaded."""
    p = offline_page()
    uncaught = []
    p.page.on("pageerror", lambda exc: uncaught.append(str(exc)))
    p.page.add_init_script(
        "window.addEventListener('unhandledrejection', e => "
        "console.error('unhandled rejection: ' + (e.reason && e.reason.stack || e.reason)));"
    )
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
    assert page.evaluate(
        "Array.from(document.fonts).some(f => f.family.includes('Font Awesome 6 Free') "
        "&& f.weight === '900' && f.status === 'loaded')"
    )
    assert icon.evaluate("el => el.getBoundingClientRect().width") > 0


def test_home_page_without_maths_or_widgets_stays_small(site_html):
    """The text-only home page loads neither MathJax nor the widgets manager."""
    text = (site_html / "book" / "index.html").read_text(encoding="utf-8")
    assert "tex-chtml.js" not in text and "embed-amd.js" not in text and "fontawesome.js" not in text
    assert "THEBE_JS_URL" not in text


@pytest.mark.parametrize(
    "path",
    [
        "book/index.html",
        "book/01_connectors/connectors.html",
        "book/reference/glossary.html",
        "book/run_locally.html",
    ],
)
def test_page_shows_its_last_updated_date_from_git(offline_page, site_url, path):
    import datetime as dt

    source = ROOT / path.replace(".html", ".md")
    expected = _git_date(source) or dt.date.fromtimestamp(source.stat().st_mtime).isoformat()
    p = open_page(offline_page, site_url, path)
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

    p = open_page(offline_page, site_url, "book/run_locally.html")
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
    text = html_lib.unescape(
        re.sub(r"<[^>]+>", "", (site_html / "book/run_locally.html").read_text(encoding="utf-8"))
    )
    installs = [line for line in text.splitlines() if "pip install" in line and ".whl" in line]
    assert len(installs) >= 4 and all(name in line for line in installs)
    assert any(" -i " in line for line in installs)
    for platform in ("Windows", "macOS", "Linux"):
        assert (
            page.get_by_role("tab", name=platform).count()
            + page.locator(f"label:has-text('{platform}')").count()
            >= 1
        )
    assert "python -m venv" in text.replace("python3 -m venv", "python -m venv").replace(
        "py -3.12 -m venv", "python -m venv"
    )
    assert "shequn font" in text and "import shequn" in text


def test_assignments_page_sends_learners_to_the_run_locally_page(site_html):
    text = (site_html / "book" / "assignments.html").read_text(encoding="utf-8")
    assert "pip install -e" not in text and "run_locally.html" in text


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
    assert match and (site_html / path).parent.joinpath(match[1]).resolve() == (
        site_html / "book/run_locally.html"
    )


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_wide_tables_scroll_in_their_own_box_on_a_phone(offline_page, site_url, path):
    """On a 360 px phone a pandas table wider than the screen scrolls sideways inside its output
    box (nothing cut off, the page itself does not scroll), and no column name is broken into
    lines: each header is one line high."""
    page = open_page(offline_page, site_url, path, NARROW_PHONE).page
    tables = page.evaluate("""() => Array.from(document.querySelectorAll('main table.dataframe')).map(t => {
        const box = t.closest('.output');
        const heads = Array.from(t.querySelectorAll('thead th')).filter(th => th.textContent.trim());
        const line = parseFloat(getComputedStyle(heads[0] || t).lineHeight) || 24;
        return {overflow: getComputedStyle(box).overflowX, table: t.getBoundingClientRect().width,
                box: box.clientWidth, scroll: box.scrollWidth, right: box.getBoundingClientRect().right,
                tall: heads.filter(th => th.getBoundingClientRect().height > 1.6 * line).map(th => th.textContent)};
    })""")  # noqa: E501 (embedded JavaScript)
    for t in tables:
        assert t["right"] <= 360 + 1, (path, t)  # the box itself fits the screen
        assert t["scroll"] >= t["table"] - 1, (path, t)  # all of the table is inside the box
        if t["table"] > t["box"] + 1:
            assert t["overflow"] in ("auto", "scroll"), (path, t)  # and can be scrolled to
        assert t["tall"] == [], (path, t)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360, path


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_every_display_formula_fits_a_phone(offline_page, site_url, path):
    """On a 360 px phone each typeset display formula is no wider than the text column: nothing
    is hidden behind a sideways scroll that a phone shows no sign of.  A long formula is written
    as separate equations, or broken over lines with ``aligned``."""
    page = open_page(offline_page, site_url, path, NARROW_PHONE).page
    blocks = page.locator("main div.math").count()
    if blocks:
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15_000
        )
        page.evaluate("() => MathJax.startup.promise")
    formulas = page.evaluate("""() => Array.from(document.querySelectorAll('main mjx-container[display="true"]'))
        .map(m => ({tex: (MathJax.startup.document.getMathItemsWithin(m)[0] || {}).math || '',
                    width: m.scrollWidth, column: m.clientWidth, right: m.getBoundingClientRect().right}))""")  # noqa: E501 (embedded JavaScript)
    assert len(formulas) == blocks, (path, formulas)  # every formula was typeset
    too_wide = [f for f in formulas if f["width"] > f["column"] + 1 or f["right"] > 360]
    assert too_wide == [], (path, too_wide)
