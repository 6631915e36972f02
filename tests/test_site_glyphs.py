"""Glyphs for text that is not on the page: search results (snippets of other pages) and what a
learner types (glossary terms, full-width digits and punctuation from a Chinese input method).

Each page's Chinese web font holds only that page's characters; on a machine without a Chinese
system font, anything else showed as empty boxes.  Checked two ways:

* with fontTools, on the built font files and the page's own CSS (``tests/helpers/fonts.py``):
  every wide character of the results of every ranking query, of every glossary term and of the
  typed forms is in a face the page declares for a family of its font stack;
* in Chromium given only the machine's fonts that have no Chinese (a fontconfig of its own, so a
  test machine with a Chinese system font checks the same thing): no Chinese character the search
  page shows is drawn as the empty box a missing glyph gets (compared pixel for pixel).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from helpers.fonts import missing_glyphs
from helpers.pages import EVERY_PAGE
from helpers.search_queries import QUERIES, glossary_entries

pytestmark = [pytest.mark.browser, pytest.mark.integration]

# What a Chinese input method types in full-width mode, and the punctuation of a typed sentence.
TYPED = "０１２３４５６７８９ＡＢＣＸＹＺａｂｃｘｙｚ，。、？！：；（）「」《》【】—…％＋－＝"


def _results_text(page, site_url: str, query: str) -> str:
    page.goto(f"{site_url}/search.html?q={query}", wait_until="load")
    page.wait_for_function(
        "document.querySelector('#search-results .search-summary') && "
        "document.querySelector('#search-results .search-summary').innerText.length > 0",
        timeout=20000,
    )
    page.wait_for_load_state("networkidle")  # each result's snippet is fetched after it is listed
    return page.inner_text("#search-results")


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_glossary_terms_and_typed_text_have_glyphs_on_every_page(site_html, path):
    """A learner can type any glossary term or full-width digit into the search box of any page."""
    terms = "".join(term for term, _ in glossary_entries())
    missing = missing_glyphs(site_html, path, terms + TYPED)
    assert missing == [], f"{path}: no glyph for {''.join(missing)}"


def test_search_results_of_every_ranking_query_have_glyphs(offline_page, site_url, site_html):
    p = offline_page()
    gaps = {}
    for query, _ in QUERIES:
        text = _results_text(p.page, site_url, query)
        assert len(text) > 50, (query, text)
        missing = missing_glyphs(site_html, "search.html", query + text)
        if missing:
            gaps[query] = "".join(missing)
    assert gaps == {}, f"characters of search results without a glyph: {gaps}"
    assert p.external == [] and p.failed == []


def _has_chinese(path: Path) -> bool:
    from fontTools.ttLib import TTFont

    try:
        return 0x793E in TTFont(path, fontNumber=0, lazy=True).getBestCmap()  # 社
    except Exception:  # noqa: BLE001 -- a font fontTools cannot read is left out either way
        return True


@pytest.fixture(scope="module")
def latin_only_browser(browser, tmp_path_factory):
    """Chromium that sees only the machine's fonts without Chinese: a fontconfig of its own."""
    folder = tmp_path_factory.mktemp("latin-fonts")
    (folder / "fonts").mkdir()
    kept = 0
    for base in ("/usr/share/fonts", "/usr/local/share/fonts"):
        for font in sorted(Path(base).rglob("*")) if Path(base).is_dir() else []:
            if font.suffix.lower() in (".ttf", ".otf", ".ttc") and font.is_file() and not _has_chinese(font):
                (folder / "fonts" / f"{kept}-{font.name}").symlink_to(font)
                kept += 1
    assert kept, "no Latin system font found"
    conf = folder / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{folder / 'fonts'}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n"
    )
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    bare = browser.browser_type.launch(
        executable_path=exe,
        env={**os.environ, "FONTCONFIG_FILE": str(conf)},
        args=[
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield bare
    bare.close()


# The distinct wide characters the search results show, and those of them the browser draws as an empty
# box or nothing: drawn in the results' own font stack, each is compared pixel for pixel with a code point
# no font has (U+10FFFD: the primary font's .notdef box, what a missing glyph shows) and with a space.
EMPTY_BOXES = r"""async ([text, el]) => {
  const wide = new RegExp('[\\u1100-\\u115F\\u2E80-\\u303E\\u3041-\\u33FF\\u3400-\\u4DBF\\u4E00-\\u9FFF' +
    '\\uA960-\\uA97F\\uAC00-\\uD7A3\\uF900-\\uFAFF\\uFE30-\\uFE4F\\uFF00-\\uFF60\\uFFE0-\\uFFE6]' +
    '|[\\u{20000}-\\u{3FFFD}]', 'u');
  const chars = Array.from(new Set(Array.from(text).filter(c => wide.test(c) && !/\s/.test(c))));
  const font = '40px ' + getComputedStyle(el).fontFamily;
  document.body.getBoundingClientRect();
  await document.fonts.ready;  // what the results' layout made the browser load
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (c) => { ctx.clearRect(0, 0, 64, 64); ctx.font = font; ctx.textBaseline = 'top';
                        ctx.fillText(c, 8, 8); return ctx.getImageData(0, 0, 64, 64).data; };
  const same = (a, b) => { for (let i = 3; i < a.length; i += 4) if (a[i] !== b[i]) return false;
                           return true; };
  const box = draw('\u{10FFFD}'), blank = draw(' ');
  const empty = chars.filter(c => { const d = draw(c); return same(d, box) || same(d, blank); });
  const loaded = Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family);
  return {chars, empty, font, loaded};
}"""


@pytest.mark.parametrize("query", ["诱导分享", "社群运营", "潜水者", "中介中心性"])
def test_search_results_show_no_empty_boxes_without_a_chinese_system_font(
    latin_only_browser, site_url, query
):
    context = latin_only_browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    host = urlparse(site_url)
    external = []

    def route(r):
        url = urlparse(r.request.url)
        if url.scheme in ("data", "blob") or (url.hostname, url.port) == (host.hostname, host.port):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    try:
        page = context.new_page()
        _results_text(page, site_url, query)
        results = page.query_selector("#search-results")
        shown = page.query_selector("#search-results ul.search li p") or results
        seen = page.evaluate(EMPTY_BOXES, [results.inner_text(), shown])
        assert len(seen["chars"]) > 20, seen  # the results show Chinese
        assert seen["empty"] == [], (
            f"{query}: {len(seen['empty'])} of {len(seen['chars'])} characters shown as empty boxes: "
            f"{''.join(seen['empty'])} (fonts loaded: {seen['loaded']})"
        )
        # What a learner types into the search box: a glossary term and full-width forms.
        box = page.locator("input[name=q]:visible").first
        box.fill(query + TYPED)
        typed = page.evaluate(EMPTY_BOXES, [box.input_value(), box.element_handle()])
        assert typed["empty"] == [], (
            f"typed into the search box, shown as empty boxes: {''.join(typed['empty'])}"
        )
        assert external == []
    finally:
        context.close()
