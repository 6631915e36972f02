"""The built site, opened in headless Chromium with the network blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shequn.book import external_references

ROOT = Path(__file__).resolve().parents[1]
LESSON_PAGES = [
    "book/00_intro/what_is_community.html",
    "book/01_connectors/connectors.html",
    "book/02_community_vs_fans/community_vs_fans.html",
    "book/03_user_economy/user_economy.html",
    "book/04_content_community_product/content_community_product.html",
    "book/05_thresholds/thresholds.html",
]
ALL_PAGES = ["book/index.html", *LESSON_PAGES, "book/assignments.html", "book/reference/glossary.html",
             "book/reference/style_guide.html", "search.html", "genindex.html"]
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
    from shequn.grading.course import ASSIGNMENTS, find_leaks, secret_lines

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
    # Math is typeset by the vendored MathJax.
    assert page.locator("mjx-container").count() > 0


def test_lesson1_widget_is_drawn_and_responds_offline(offline_page, site_url):
    p = _open(offline_page, site_url, "book/01_connectors/connectors.html")
    page = p.page
    page.wait_for_selector(".shequn-explorer .widget-toggle-buttons", timeout=20000)
    before = _visible_results(page)
    assert len(before) == 1 and "社群（人与人）" in before[0]

    page.get_by_role("button", name="大量销售").click()
    page.wait_for_timeout(300)
    after_era = _visible_results(page)
    assert len(after_era) == 1 and after_era != before
    assert "社群（人与人）" not in after_era[0] and "线下零售终端" in after_era[0]

    page.get_by_role("button", name="社区商务").click()
    handle = page.locator(".shequn-explorer .noUi-handle").first  # 内容质量
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    after_slider = _visible_results(page)
    assert len(after_slider) == 1 and after_slider != before

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "lesson1.png"), full_page=True)
    assert p.external == [] and p.failed == []
    assert not [e for e in p.console_errors if "widget" in e.lower()]


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_every_widget_on_every_lesson_responds_offline(offline_page, site_url, path):
    """Each explorer is drawn and shows one result; from the default setting,
    moving any one of its controls changes what it shows."""
    p = _open(offline_page, site_url, path)
    page = p.page
    page.wait_for_selector(".shequn-explorer .shequn-output", timeout=30000)
    n_explorers = page.locator(".shequn-explorer").count()
    assert n_explorers >= 1
    for e in range(n_explorers):
        i = 0
        while True:
            if i:
                page.reload(wait_until="networkidle")
                page.wait_for_selector(".shequn-explorer .shequn-output", timeout=30000)
            explorer = page.locator(".shequn-explorer").nth(e)
            explorer.scroll_into_view_if_needed()
            before = _visible_results(page)[e]
            assert before.strip(), f"explorer {e} on {path} shows nothing"
            if not _change_control(page, explorer, i):
                break
            after = _visible_results(page)[e]
            assert after != before, f"control {i} of explorer {e} on {path} changed nothing"
            i += 1
        assert i >= 1, f"explorer {e} on {path} has no controls"
    assert p.external == [] and p.failed == []


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
