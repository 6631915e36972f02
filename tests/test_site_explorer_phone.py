"""The explorers on a 360 px phone: nothing cut off, sentences that wrap, tables that scroll in their
own (keyboard-reachable) box with a readable first column, touch targets of at least 24 px as the
browser measures them, every tap landing on the step tapped however quick the next one, and
axe-core with no serious or critical violation on any lesson at phone and desktop size."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.explorer_pages import check_truthful, control_state, go_live, spec_of
from helpers.pages import EVERY_LESSON, LESSON_PAGES, NARROW_PHONE, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
MIN_TARGET = 24  # px, WCAG 2.2 target size (minimum)


@pytest.fixture(scope="module")
def specs():
    from shequn import widgets

    return {
        spec.title: spec for spec in (getattr(widgets, n)() for n in widgets.__all__ if n.endswith("_spec"))
    }


# Per explorer: what sticks out of its card, what scrolls sideways inside it (the card included: it is a
# scroll container, so a child 2 px too wide plus its margin and the card's padding made the card itself
# scroll 4 px on a phone, which neither the children's boxes nor the page's width showed), paragraphs
# wider than their box, and first-column cells with their text length and number of lines.
FIT = """(box) => {
  const card = box.getBoundingClientRect();
  const out = [];
  const scrolls = [box, ...box.querySelectorAll('*')]
    .filter(e => !e.classList.contains('shequn-table-scroll') && e.scrollWidth > e.clientWidth
                 && ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX))
    .map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + ' > ' + e.clientWidth);
  for (const e of box.querySelectorAll('*')) {
    if (e.closest('.shequn-table-scroll') && !e.classList.contains('shequn-table-scroll')) continue;
    if (e.classList.contains('noUi-origin')) continue;  // noUiSlider's unpainted positioning box
    const r = e.getBoundingClientRect();
    if (r.width && (r.right > card.right + 1 || r.left < card.left - 1)) out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.left) + '-' + Math.round(r.right));
  }
  const paragraphs = Array.from(box.querySelectorAll('.shequn-output p'))
    .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText.slice(0, 30));
  const firsts = Array.from(box.querySelectorAll('table.shequn-result tr > :first-child')).map(c => {
    const range = document.createRange(); range.selectNodeContents(c);
    const lines = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top))).size;
    return [c.innerText.trim(), lines];
  });
  return {card: [card.left, card.right], out: out.slice(0, 5), scrolls: scrolls.slice(0, 5),
          paragraphs, firsts};
}"""  # noqa: E501 (embedded JavaScript)


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_every_explorer_fits_a_360px_phone(offline_page, site_url, specs, path):
    p = open_page(offline_page, site_url, path, NARROW_PHONE)
    page = p.page
    for box in go_live(page):
        name = spec_of(box, specs).name
        box.scroll_into_view_if_needed()
        fit = box.evaluate(FIT)
        assert fit["card"][0] >= 0 and fit["card"][1] <= 360, (name, fit["card"])
        assert fit["out"] == [], f"{name}: cut off at the card's edge: {fit['out']}"
        assert fit["scrolls"] == [], f"{name}: scrolls sideways: {fit['scrolls']}"
        assert fit["paragraphs"] == [], f"{name}: sentences that do not wrap: {fit['paragraphs']}"
        for text, lines in fit["firsts"]:
            assert lines <= 1 or len(text) / lines >= 3, f"{name}: first column {text!r} on {lines} lines"
        for region in box.locator(".shequn-table-scroll").all():  # a scrolling box a keyboard can reach
            assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360
    assert p.external == [] and p.failed == []


def _targets(page):
    return page.evaluate("""() => {
      const out = [];
      for (const h of document.querySelectorAll('.shequn-explorer .noUi-handle')) {
        const r = h.getBoundingClientRect(); out.push(['handle', h.getAttribute('aria-label'), r.width, r.height]);
      }
      for (const b of document.querySelectorAll('.shequn-explorer .widget-toggle-button, .shequn-explorer select')) {
        const r = b.getBoundingClientRect(); out.push([b.tagName, b.innerText.slice(0, 12), r.width, r.height]);
      }
      return out; }""")  # noqa: E501 (embedded JavaScript)


# How far above and below a slider's line a tap still reaches the slider (px, as elementFromPoint finds).
TRACK_REACH = """(track) => {
  const r = track.getBoundingClientRect(), x = r.left + r.width / 3, y = r.top + r.height / 2;
  const slider = track.closest('.noUi-target');
  const reaches = (dy) => { const hit = document.elementFromPoint(x, y + dy); return !!hit && slider.contains(hit); };
  let up = 0, down = 0;
  while (up < 30 && reaches(-(up + 1))) up++;
  while (down < 30 && reaches(down + 1)) down++;
  return up + down + 1;
}"""  # noqa: E501 (embedded JavaScript)


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_touch_targets_are_at_least_24px(offline_page, site_url, path):
    p = open_page(offline_page, site_url, path, NARROW_PHONE)
    page = p.page
    boxes = go_live(page)
    small = [t for t in _targets(page) if t[2] < MIN_TARGET or t[3] < MIN_TARGET]
    assert small == [], f"{path}: targets under {MIN_TARGET} px: {small}"
    for box in boxes:
        for track in box.locator(".noUi-base").all():
            track.scroll_into_view_if_needed()
            reach = track.evaluate(TRACK_REACH)
            assert reach >= MIN_TARGET, f"{path}: a slider's track takes taps only {reach} px high"


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_quick_taps_land_on_the_step_tapped(offline_page, site_url, specs, path):
    """Taps 200 ms apart along a slider: after each, the slider is at the step tapped."""
    p = open_page(offline_page, site_url, path, NARROW_PHONE)
    page = p.page
    tried = 0
    for box in go_live(page):
        spec = spec_of(box, specs)
        for level in range(len(spec.controls)):
            c = control_state(box, level)
            n = len(spec.controls[level].labels)
            if c["kind"] != "slider" or c["disabled"] or n < 3:
                continue
            track = box.locator(f".shequn-level-{level} .noUi-base")
            track.scroll_into_view_if_needed()
            page.wait_for_timeout(400)  # nothing pending from the scroll or an earlier tap
            done = []
            for step in (n - 1, 1, n - 2, 0, n - 1):
                t = track.bounding_box()  # where the slider is now (a reason shown above can move it)
                page.touchscreen.tap(t["x"] + 1 + (t["width"] - 2) * step / (n - 1), t["y"] + t["height"] / 2)
                page.wait_for_timeout(200)
                now = control_state(box, level)
                done.append(step)
                assert now["index"] == step, (
                    f"{spec.name} {c['label']}: taps {done}, slider at {now['index']}"
                )
            check_truthful(page, box, spec, f"{spec.name}: {c['label']} after quick taps")
            tried += 1
    assert tried or page.locator(".shequn-explorer .noUi-base").count() == 0, f"{path}: no slider tapped"
    assert p.external == [] and p.failed == []


@pytest.mark.parametrize("path", EVERY_LESSON)
@pytest.mark.parametrize("device", [NARROW_PHONE, DESKTOP], ids=["phone-360", "desktop-1280"])
def test_axe_finds_no_serious_violation(offline_page, site_url, path, device):
    p = open_page(offline_page, site_url, path, device)
    page = p.page
    go_live(page)
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))""")  # noqa: E501 (embedded JavaScript)
    assert violations == [], path + "\n" + "\n".join(violations)
