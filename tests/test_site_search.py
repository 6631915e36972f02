"""Search on the built site, in headless Chromium with the network blocked: Chinese and English queries
find the lesson that teaches a term first, the glossary entry after it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.pages import LESSON_PAGES, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "term, expected_page",
    [("连接器", "connectors.html"), ("社群", None), ("粉丝经济", None), ("门槛", None), ("留存率", None)],
)
def test_chinese_search_finds_pages(offline_page, site_url, term, expected_page):
    p = open_page(offline_page, site_url, f"search.html?q={term}")
    page = p.page
    page.wait_for_selector("#search-results ul.search li", timeout=20000)
    links = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
    assert links, f"no results for {term}"
    if expected_page:
        assert any(expected_page in link for link in links), links
    assert p.external == []


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
def test_search_puts_the_lesson_first_and_the_glossary_entry_after_it(
    offline_page, site_url, query, expected
):
    p = offline_page()
    page = p.page
    page.goto(f"{site_url}/search.html?q={query}", wait_until="networkidle")
    page.wait_for_selector("#search-results ul.search li a", timeout=20000)
    page.wait_for_function(
        "document.querySelector('#search-results .search-summary').innerText.length > 0", timeout=20000
    )
    links = page.eval_on_selector_all("#search-results ul.search li > a", "els => els.map(e => e.href)")
    first = links[0].replace(site_url + "/", "").split("#")[0].split("?")[0]
    assert first == expected, links[:5]
    glossary = [i for i, link in enumerate(links) if "reference/glossary.html" in link]
    assert glossary, f"the glossary entry for {query} is not among the results"
    assert p.external == []


# A word each lesson's text uses (checked against the .md below), searched from another lesson page.
LESSON_WORDS = [("共同体", "book/01_connectors/connectors"), ("被邀请者", "book/05_thresholds/thresholds")]


@pytest.mark.parametrize("word, lesson", LESSON_WORDS)
def test_search_from_a_lesson_page_finds_the_lesson_that_uses_a_word(offline_page, site_url, word, lesson):
    assert word in (ROOT / f"{lesson}.md").read_text(encoding="utf-8"), f"{lesson}.md no longer uses {word}"
    start = next(page for page in LESSON_PAGES if not page.startswith(lesson))
    p = open_page(offline_page, site_url, start)
    page = p.page
    page.keyboard.press("Control+k")
    field = page.locator("#pst-search-dialog input[name=q]")
    field.fill(word)
    field.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_selector("#search-results ul.search li > a", timeout=20000)
    links = page.eval_on_selector_all(
        "#search-results ul.search li > a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert f"{lesson}.html" in [link.split("#")[0].split("?")[0] for link in links], links
    assert p.external == [] and p.failed == [] and p.console_errors == []
