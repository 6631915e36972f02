"""Chinese search segments the query as the index was segmented, and finds the lesson that teaches it.

The queries are in ``tests/helpers/search_queries.py``.  The index is cut by jieba with the glossary
terms as its dictionary; a query such as 「诱导分享」 or
「社群运营」 must be cut into the same words in the browser (``shequn-search-segment.js``), or it
matches nothing.  Every multi-character glossary term, and phrases the lessons use, must bring the
lesson that teaches them into the top 3 results.  Which lesson teaches a term is read here from the
glossary's own text: the sentence 「见{ref}`lesson-…`」 of its entry, and the label on the lesson page.
"""

from __future__ import annotations

import re

import pytest

from helpers.pages import open_page
from helpers.search_queries import GLOSSARY_QUERIES, QUERIES

pytestmark = [pytest.mark.browser, pytest.mark.integration]


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
