"""One language for learners: what the theme shows or says on a page is Simplified Chinese.

Scans every learner page, on a phone and on a desktop, after the scripts have run: the visible
text of the theme's parts (header, sidebars, footer, buttons, the opened sidebar dialogs) and the
accessible names and tooltips of every element (``aria-label``, ``title``, ``data-bs-title``,
``placeholder``).  English words there are theme strings left untranslated; the lessons' own
English glosses (「连接器（connector）」) are in the article text, which is not scanned here.
Also: no Traditional characters the theme used (列印), and the header's download menu offers the
lesson notebook (``.ipynb``).
"""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.pages import EVERY_LESSON, EVERY_PAGE, NARROW_PHONE, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# Names that stay as they are in Chinese text too: file types, key names, product names.
ALLOWED = {
    "ipynb",
    "pdf",
    "md",
    "PDF",
    "Ctrl",
    "Enter",
    "Esc",
    "Python",
    "JupyterLab",
    "JupyterHub",
    "Jupyter",
    "PGC",
    "UGC",
    "KOL",
    "MVP",
    "CSV",
    "QQ",
    "WeChat",
    "Telegram",
    "Discord",
    "shequn",
}
# Traditional spellings of what the theme says (Simplified: 打印 显示 隐藏 开启 关闭 搜索 页面 导航 设置 查看)
TRADITIONAL = "列印|顯示|隱藏|開啟|關閉|搜尋|頁面|導覽|設定|檢視"

# The theme's text: visible text outside the article, and every accessible name or tooltip.
THEME_TEXT = """() => {
  const out = [];
  const chrome = document.querySelectorAll(
    'header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, footer, .bd-footer, ' +
    '.prev-next-area, dialog[open], .search-button-field, #search-results .search-summary, #search-results > h2');
  for (const el of chrome) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) out.push(['text', el.className || el.tagName, el.innerText]);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [data-bs-title], [placeholder], [aria-description]')) {
    if (el.closest('.shequn-explorer, .shequn-lazy, mjx-container')) continue;  // the lessons' own (tested elsewhere)
    for (const a of ['aria-label', 'title', 'data-bs-title', 'placeholder', 'aria-description']) {
      const v = el.getAttribute(a);
      if (v) out.push([a, el.tagName + '.' + el.className, v]);
    }
  }
  return out;
}"""  # noqa: E501 (embedded JavaScript)


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", text) if w not in ALLOWED]


@pytest.mark.parametrize(
    "text, found",
    [
        ("Toggle primary sidebar", ["Toggle", "primary", "sidebar"]),
        ("下载 .ipynb", []),
        ("配色模式", []),
        ("搜索 Ctrl+K", []),
    ],
)
def test_english_word_finder_on_hand_written_cases(text, found):
    assert english_words(text) == found


def _theme_strings(page) -> list[tuple[str, str, str]]:
    return [(kind, where, value) for kind, where, value in page.evaluate(THEME_TEXT)]


@pytest.mark.parametrize("path", EVERY_PAGE)
@pytest.mark.parametrize("device", [NARROW_PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_theme_strings_are_simplified_chinese(offline_page, site_url, path, device):
    p = open_page(offline_page, site_url, path, device)
    page = p.page
    page.wait_for_timeout(100)  # scripts that rename (sphinx-togglebutton, ours) run after DOMContentLoaded
    # the course's own titles may carry an English gloss: 「作业（Assignments）」 in the navigation
    titles = set(
        english_words(
            " ".join(
                page.eval_on_selector_all(
                    ".bd-docs-nav a, .prev-next-area .prev-next-title, h1, .page-toc a, title",
                    "els => els.map(e => e.innerText || e.textContent)",
                )
            )
        )
    )
    bad = []
    for kind, where, value in _theme_strings(page):
        words = [w for w in english_words(value) if w not in titles]
        if words or re.search(TRADITIONAL, value):
            bad.append((kind, where[:60], value[:80]))
    assert bad == [], f"{path}: theme strings not in Simplified Chinese:\n" + "\n".join(map(str, bad[:15]))


@pytest.mark.parametrize("path", EVERY_LESSON)
def test_exercise_toggles_and_search_highlight_speak_chinese(offline_page, site_url, path):
    p = open_page(offline_page, site_url, f"{path}?highlight=社群")
    page = p.page
    page.wait_for_timeout(100)
    toggles = page.eval_on_selector_all(
        "button.toggle-button", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert all(t and not english_words(t) for t in toggles), toggles
    hide = page.locator("#searchbox .highlight-link a, .highlight-link a")
    if hide.count():
        assert not english_words(hide.first.inner_text()), hide.first.inner_text()


@pytest.mark.parametrize("path", EVERY_LESSON)
def test_header_download_menu_offers_the_lesson_notebook(offline_page, site_url, path):
    p = open_page(offline_page, site_url, path)
    page = p.page
    page.locator(".article-header-buttons .dropdown-download-buttons > button").click()
    link = page.locator(".dropdown-download-buttons a.btn", has_text=".ipynb")
    assert link.count() == 1 and link.is_visible()
    with page.expect_download() as info:
        link.click()
    nb = nbformat.read(info.value.path(), as_version=4)
    assert nb.cells and any(c.cell_type == "code" for c in nb.cells)
    assert p.failed == [] and p.external == []
