"""Chinese search segments the query as the index was segmented, and finds the lesson that teaches it.

The index is cut by jieba with the glossary terms as its dictionary; a query such as 「诱导分享」 or
「社群运营」 must be cut into the same words in the browser (``shequn-search-segment.js``), or it
matches nothing.  Every multi-character glossary term, and phrases the lessons use, must bring the
lesson that teaches them into the top 3 results.  Which lesson teaches a term is read here from the
glossary's own text: the sentence 「见{ref}`lesson-…`」 of its entry, and the label on the lesson page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.pages import open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "reference" / "glossary.md"


def _lesson_pages() -> dict[str, str]:
    """Reference label (lesson-thresholds) → built page (book/05_thresholds/thresholds.html)."""
    out = {}
    for md in (ROOT / "book").glob("0*/*.md"):
        for label in re.findall(r"^\((lesson-[a-z-]+)\)=$", md.read_text(encoding="utf-8"), re.M):
            out[label] = md.relative_to(ROOT).with_suffix(".html").as_posix()
    return out


def _glossary_terms() -> list[tuple[str, str]]:
    """(term, page of the lesson that teaches it) for every multi-character term with such a lesson."""
    text = GLOSSARY.read_text(encoding="utf-8")
    body = re.search(r"^```\{glossary\}\n(.*?)^```$", text, re.M | re.S)[1]
    pages = _lesson_pages()
    out = []
    for term, definition in re.findall(r"^(\S[^\n]*)\n((?:[ \t]+[^\n]*\n?)+)", body, re.M):
        see = re.search(r"(?:^|[。；])\s*见\{ref\}`(lesson-[a-z-]+)`", definition.strip())
        if len(term.strip()) > 1 and see and see[1] in pages:
            out.append((term.strip(), pages[see[1]]))
    return out


GLOSSARY_QUERIES = _glossary_terms()
# Phrases the lessons use that jieba cuts into several index words (none is a glossary term).
PHRASES = [
    ("诱导分享", "book/05_thresholds/thresholds.html"),
    ("付费群", "book/05_thresholds/thresholds.html"),
    ("社群运营", "book/00_intro/what_is_community.html"),
    ("种子用户", "book/05_thresholds/thresholds.html"),
    ("邀请制门槛", "book/05_thresholds/thresholds.html"),
    ("内容质量", "book/01_connectors/connectors.html"),
]
QUERIES = [*PHRASES, *((t, p) for t, p in GLOSSARY_QUERIES if t not in dict(PHRASES))]


def test_the_ranking_table_covers_the_glossary_and_the_phrases():
    assert len(GLOSSARY_QUERIES) >= 30, GLOSSARY_QUERIES
    assert len(QUERIES) >= 30
    assert {"诱导分享", "付费群", "社群运营", "种子用户"} <= {q for q, _ in QUERIES}


def _results(page, site_url, query) -> list[str]:
    page.goto(f"{site_url}/search.html?q={query}", wait_until="load")  # results come after: waited for below
    page.wait_for_function(
        "document.querySelector('#search-results .search-summary') && "
        "document.querySelector('#search-results .search-summary').innerText.length > 0",
        timeout=20000,
    )
    links = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(e => e.href)")
    return [link.replace(site_url + "/", "").split("#")[0].split("?")[0] for link in links]


@pytest.mark.parametrize("query, lesson", QUERIES)
def test_query_reaches_the_lesson_that_teaches_it_in_the_top_3(offline_page, site_url, query, lesson):
    p = offline_page()
    pages = _results(p.page, site_url, query)
    assert lesson in pages[:3], f"{query}: {pages[:5]}"
    assert p.external == [] and p.console_errors == []


@pytest.mark.parametrize("query", ["诱导分享", "社群运营", "付费群的门槛", "诱导 分享"])
def test_query_is_cut_into_words_of_the_index(offline_page, site_url, query):
    """The browser's segmenter cuts the query into words the index holds, losing no character
    but ones that no page contains."""
    p = open_page(offline_page, site_url, "search.html?q=社群")
    page = p.page
    page.wait_for_function(
        "typeof Search !== 'undefined' && !!Search._index && !!window.shequnSegmentQuery", timeout=20000
    )
    words, terms = page.evaluate(
        """(q) => {
        const words = splitQuery(q);
        const idx = Search._index;
        return [words, words.map(w => Object.prototype.hasOwnProperty.call(idx.terms, w.toLowerCase())
                                    || Object.prototype.hasOwnProperty.call(idx.titleterms, w.toLowerCase()))]; }""",  # noqa: E501 (embedded JavaScript)
        query,
    )
    assert len(words) >= 2 and all(terms), (query, words, terms)
    assert re.search(".*".join(map(re.escape, words)), query), (query, words)  # in order, each from the query
