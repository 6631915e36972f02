"""Finding one's way on every page: the course's table of contents (primary sidebar) and the page's
own table of contents open and close from the buttons a learner sees, by tap, click and keyboard,
on a 360 px phone and on a desktop.

The themes wire up only the first ``.primary-toggle`` / ``.secondary-toggle`` of the page, a copy
that sphinx-book-theme hides; ``static/shequn-navigation.js`` makes the visible ones work.  What is
checked is what a learner gets: a link of the table of contents is on screen and is what a tap at
its centre hits (not covered, not off screen), or it is not.
"""

from __future__ import annotations

import pytest

from helpers.pages import EVERY_LESSON, EVERY_PAGE, NARROW_PHONE, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
LAPTOP = {"viewport": {"width": 1024, "height": 768}}  # the page TOC folds into a button below 1200 px
COURSE_LINKS = ".bd-sidebar-primary .bd-docs-nav a.reference"
PAGE_TOC_LINKS = ".bd-sidebar-secondary nav.page-toc a.nav-link"

# Is any element matching the selector on screen, and what a tap at its centre reaches?
USABLE = """(sel) => Array.from(document.querySelectorAll(sel)).some(e => {
  const r = e.getBoundingClientRect();
  if (r.width < 1 || r.height < 1) return false;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
  const hit = document.elementFromPoint(x, y);
  return !!hit && (hit === e || e.contains(hit));
})"""
# The visible toggle of a kind: its index among all toggles of that kind, and its size.
VISIBLE_TOGGLE = """(kind) => {
  const all = Array.from(document.querySelectorAll('button.' + kind));
  const i = all.findIndex(b => { const r = b.getBoundingClientRect(); const s = getComputedStyle(b);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'; });
  if (i < 0) return null;
  const r = all[i].getBoundingClientRect();
  return {index: i, width: r.width, height: r.height};
}"""


def test_every_page_of_the_site_is_checked(site_html):
    built = {
        p.relative_to(site_html).as_posix()
        for p in site_html.rglob("*.html")
        if not p.relative_to(site_html).as_posix().startswith(("_", "screenshots"))
    }
    assert "book/index.html" in (site_html / "index.html").read_text(encoding="utf-8")  # a redirect
    assert built - {"index.html"} == set(EVERY_PAGE)


def _usable(page, selector: str, want: bool) -> None:
    page.wait_for_function(f"(sel) => ({USABLE})(sel) === {str(want).lower()}", arg=selector, timeout=3000)


def _expanded(page, button, state: str) -> None:
    """The button tells a screen reader whether its sidebar is open."""
    page.wait_for_function(
        "([b, s]) => b.getAttribute('aria-expanded') === s",
        arg=[button.element_handle(), state],
        timeout=3000,
    )


def _toggle(page, kind: str):
    found = page.evaluate(VISIBLE_TOGGLE, kind)
    assert found, f"no visible {kind} button"
    assert found["width"] >= 24 and found["height"] >= 24, found  # a comfortable tap target
    return page.locator(f"button.{kind}").nth(found["index"])


def _close_dialog(page, how: str) -> None:
    if how == "escape":
        page.keyboard.press("Escape")
        return
    close = page.locator("dialog[open] .shequn-dialog-close")
    assert close.count() == 1 and close.is_visible(), "an open sidebar has no visible close button"
    if how == "tap":
        close.tap()
    elif how == "click":
        close.click()
    else:
        close.focus()
        page.keyboard.press("Enter")


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_phone_course_navigation_opens_and_closes_by_tap_click_and_keyboard(offline_page, site_url, path):
    p = open_page(offline_page, site_url, path, NARROW_PHONE)
    page = p.page
    _usable(page, COURSE_LINKS, False)
    for how in ("tap", "click", "keyboard"):
        button = _toggle(page, "primary-toggle")
        if how == "tap":
            button.tap()
        elif how == "click":
            button.click()
        else:
            button.focus()
            page.keyboard.press("Enter")
        _usable(page, COURSE_LINKS, True)
        _expanded(page, button, "true")
        _close_dialog(page, {"tap": "tap", "click": "escape", "keyboard": "keyboard"}[how])
        _usable(page, COURSE_LINKS, False)
        _expanded(page, button, "false")
    # the keyboard user is back where they were
    assert page.evaluate("document.activeElement.classList.contains('primary-toggle')")
    assert p.console_errors == [] and p.external == []


@pytest.mark.parametrize("path", EVERY_LESSON)
@pytest.mark.parametrize("device", [NARROW_PHONE, LAPTOP], ids=["phone-360", "laptop-1024"])
def test_page_toc_opens_and_closes_from_its_button(offline_page, site_url, path, device):
    p = open_page(offline_page, site_url, path, device)
    page = p.page
    _usable(page, PAGE_TOC_LINKS, False)
    for how in ("tap", "click", "keyboard"):
        button = _toggle(page, "secondary-toggle")
        if how == "tap" and device.get("has_touch"):
            button.tap()
        elif how == "keyboard":
            button.focus()
            page.keyboard.press("Enter")
        else:
            button.click()
        _usable(page, PAGE_TOC_LINKS, True)
        touch = device.get("has_touch")
        _close_dialog(page, {"tap": "tap" if touch else "click", "click": "click", "keyboard": "escape"}[how])
        _usable(page, PAGE_TOC_LINKS, False)
    assert p.console_errors == [] and p.external == []


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_desktop_sidebar_toggle_hides_and_shows_the_course_navigation(offline_page, site_url, path):
    p = open_page(offline_page, site_url, path, DESKTOP)
    page = p.page
    _usable(page, COURSE_LINKS, True)
    button = _toggle(page, "primary-toggle")
    button.click()
    _usable(page, COURSE_LINKS, False)
    _expanded(page, button, "false")
    button.focus()
    page.keyboard.press("Enter")
    _usable(page, COURSE_LINKS, True)
    _expanded(page, button, "true")
    if path in EVERY_LESSON:  # wide enough for the page's table of contents beside the text
        _usable(page, PAGE_TOC_LINKS, True)
    assert p.console_errors == [] and p.external == []
