"""The explorers on the built site, as a learner on a phone or with a screen reader uses them.

Every explorer on every lesson page, in headless Chromium with the network blocked:
it loads lazily (text and figures first), fits a 390 px phone, every slider end is
reachable by touch and by keyboard, a typed value commits to the nearest option or
is refused visibly, a control with no effect is disabled with a visible reason, the
text shown is always the model's text for the setting the controls show, dropdown
options fit, controls carry accessible names and values, figures carry alt text, and
axe-core finds no serious or critical violation.  Expected results come from the
Python models (``spec.compute``), independently of the page's JavaScript.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import pytest

from conftest import OfflinePage
from helpers.explorer_pages import (
    READ_CONTROLS,
    check_truthful,
    control_state,
    eventually,
    go_live,
    numeric_value,
    output_text,
    set_control,
    spec_of,
)
from helpers.pages import LESSON_PAGES, NARROW_PHONE, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def specs():
    """Every explorer the lessons show, keyed by its title (the page shows the title)."""
    from shequn import widgets

    out = {}
    for name in widgets.__all__:
        if name.endswith("_spec"):
            spec = getattr(widgets, name)()
            out[spec.title] = spec
    return out


@pytest.fixture(scope="module")
def screenshots(site_html) -> Path:
    folder = site_html.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page(OfflinePage):
    """An OfflinePage on a chosen device; also records uncaught errors and every request."""

    def __init__(self, browser, base_url: str, device: dict):
        super().__init__(browser, base_url, device)
        self.base_url, self.requests = base_url, []
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, path: str):
        self.page.goto(f"{self.base_url}/{path}", wait_until="networkidle")
        self.page.evaluate("document.fonts.ready")
        return self.page


@pytest.fixture
def device_page(browser, site_url):
    pages = []

    def make(device):
        p = Page(browser, site_url, device)
        pages.append(p)
        return p

    yield make
    for p in pages:
        p.close()


def _shows(box, level: int, index: int, label: str, field: str, where) -> None:
    """The control at *level* is at option *index* and shows *label* in *field* (readout or valuetext)."""
    now = control_state(box, level)
    assert now["index"] == index and now[field] == label, (where, now)


def _visible_note(note, text: str) -> None:
    assert text in note.inner_text() and note.is_visible(), note.inner_text()


# --------------------------------------------------------------------- tests
def test_explorers_load_lazily_after_text_and_figures(site_html, device_page):
    """No page ships the widget state or the manager script; an explorer far below the fold
    loads them only when scrolled near, and shows its default result before that."""
    for html in (site_html / p for p in LESSON_PAGES):
        text = html.read_text(encoding="utf-8")
        assert "application/vnd.jupyter.widget-state+json" not in text, html
        assert "embed-amd.js" not in text and "require.js" not in text, html
    p = device_page(DESKTOP)
    page = p.open("book/05_thresholds/thresholds.html")
    lazy = page.locator(".shequn-lazy")
    assert lazy.count() == 1
    top = page.evaluate("document.querySelector('.shequn-lazy').getBoundingClientRect().top")
    assert top > 900 + 600, "the test needs an explorer below the fold"
    assert not [u for u in p.requests if "libembed-amd" in u or "/_explorers/" in u or "require.js" in u]
    assert all(
        w > 0
        for w in page.evaluate("Array.from(document.querySelectorAll('main img')).map(i => i.naturalWidth)")
    )
    placeholder = lazy.first.inner_text()
    assert "门槛模拟器" in placeholder and "付费50元" in placeholder  # the default setting and result
    go_live(page)
    assert [u for u in p.requests if "libembed-amd" in u] and [u for u in p.requests if "/_explorers/" in u]
    assert p.external == [] and p.failed == []


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_every_explorer_fits_a_phone_and_every_slider_end_is_reachable(device_page, specs, screenshots, path):
    p = device_page(PHONE)
    page = p.open(path)
    for box in go_live(page):
        spec = spec_of(box, specs)
        box.scroll_into_view_if_needed()
        card = box.bounding_box()
        assert card["x"] >= 0 and card["x"] + card["width"] <= 390, spec.name
        for level in range(len(spec.controls)):
            # read afresh: moving one control can disable or enable another
            c = control_state(box, level)
            node = box.locator(f".shequn-level-{c['level']}")
            b = node.bounding_box()
            assert b["x"] >= card["x"] - 1 and b["x"] + b["width"] <= card["x"] + card["width"] + 1, (
                spec.name,
                c,
            )
            if c["kind"] != "slider":
                continue
            readout = node.locator(".widget-readout").bounding_box()
            assert readout["x"] + readout["width"] <= card["x"] + card["width"], (
                spec.name,
                c["label"],
                "readout",
            )
            if c["disabled"]:
                continue
            labels = spec.controls[c["level"]].labels
            track = node.locator(".noUi-base")
            for end, want in ((1, len(labels) - 1), (0, 0)):
                track.scroll_into_view_if_needed()
                page.wait_for_timeout(350)  # let scrolling settle; two quick taps would be a double tap
                t = track.bounding_box()
                page.touchscreen.tap(t["x"] + 1 + end * (t["width"] - 2), t["y"] + t["height"] / 2)
                eventually(
                    page,
                    partial(_shows, box, c["level"], want, labels[want], "readout", (spec.name, "touch")),
                )
                check_truthful(page, box, spec, f"{spec.name}: {c['label']} tapped to {labels[want]}")
            handle = node.locator(".noUi-handle")
            handle.focus()
            for key, want in (("End", len(labels) - 1), ("Home", 0)):
                handle.press(key)
                eventually(
                    page, partial(_shows, box, c["level"], want, labels[want], "valuetext", (spec.name, key))
                )
                check_truthful(page, box, spec, f"{spec.name}: {c['label']} {key}")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth"), path
    name = path.split("/")[-1].removesuffix(".html")
    page.screenshot(path=str(screenshots / f"{name}-390.png"), full_page=True)
    assert p.external == [] and p.failed == []


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_no_page_scrolls_sideways_on_a_phone(device_page, path):
    p = device_page(NARROW_PHONE)
    page = p.open(path)
    go_live(page)
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('main *'))
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.widget-html-content, pre, .highlight, .table-wrapper, mjx-container'))
        .map(e => e.tagName + '.' + e.className).slice(0, 5)""")  # noqa: E501 (embedded JavaScript)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= page.evaluate("innerWidth"), (path, wide)


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_every_setting_a_learner_can_reach_shows_the_models_result(device_page, specs, screenshots, path):
    """From the default, move each control through its options (sliders to both ends):
    after every move the controls, the disabled flags and reasons and the output agree with the model."""
    p = device_page(DESKTOP)
    page = p.open(path)
    for box in go_live(page):
        spec = spec_of(box, specs)
        check_truthful(page, box, spec, f"{spec.name} default")
        for level in range(len(spec.controls)):
            control = control_state(box, level)
            options = range(len(spec.controls[level].options)) if control["kind"] != "slider" else (0, -1)
            for i in options:
                control = control_state(box, level)
                if control["disabled"]:
                    break
                set_control(box, control, i)
                check_truthful(page, box, spec, f"{spec.name}: {control['label']} -> option {i}")
    name = path.split("/")[-1].removesuffix(".html")
    page.screenshot(path=str(screenshots / f"{name}-1280.png"), full_page=True)
    assert p.external == [] and p.failed == []
    assert [e for e in p.console_errors if re.search(r"widget|explorer|MathJax|require", e, re.I)] == []


def test_lesson1_quality_and_decline_are_disabled_with_a_reason_in_two_eras(device_page, specs):
    p = device_page(DESKTOP)
    page = p.open("book/01_connectors/connectors.html")
    (box,) = go_live(page)
    for era, off in (("大量销售", True), ("深度分销", True), ("社区商务", False)):
        box.get_by_role("button", name=era).click()

        def disabled_as_expected(era=era, off=off):
            state = {c["label"]: c["disabled"] for c in box.evaluate(READ_CONTROLS)}
            assert state == {"时代": False, "内容质量": off, "平台每周衰减": off, "周数": False}, era

        eventually(page, disabled_as_expected)
        reasons = box.locator(".shequn-reason").all_inner_texts()
        if off:
            assert any("内容质量暂不可用" in r and f"时代为{era}" in r for r in reasons), reasons
        else:
            assert not "".join(reasons).strip()


def test_lesson5_rule_is_disabled_with_a_reason_when_weeks_is_4(device_page):
    p = device_page(DESKTOP)
    page = p.open("book/05_thresholds/thresholds.html")
    (box,) = go_live(page)
    handle = box.locator(".shequn-level-1 .noUi-handle")  # 周数 4, 8, 12, 26
    handle.focus()
    handle.press("Home")
    rule = box.locator(".shequn-level-2 button")

    def off():
        assert all(rule.nth(i).is_disabled() for i in range(rule.count()))
        assert "群规暂不可用：周数为4时" in box.locator(".shequn-reason").inner_text()

    def on():
        assert not rule.first.is_disabled() and box.locator(".shequn-reason").inner_text().strip() == ""

    eventually(page, off)
    handle.press("ArrowRight")
    eventually(page, on)


def test_lesson4_text_follows_the_selected_operator_option(device_page):
    """「运营者全程在岗」 appears only when 全程在岗 is selected; a selected stop week is named."""
    p = device_page(DESKTOP)
    page = p.open("book/04_content_community_product/content_community_product.html")
    (box,) = go_live(page)
    for weeks in ("4", "12", "26"):
        box.locator(".shequn-level-2").get_by_role("button", name=weeks, exact=True).click()
        for stop in ("全程在岗", "第4周后停手", "第8周后停手"):
            box.locator(".shequn-level-3").get_by_role("button", name=stop).click()

            def names_the_stop(stop=stop, weeks=weeks):
                pressed = box.locator(".shequn-level-3").get_by_role("button", name=stop)
                assert pressed.get_attribute("aria-pressed") == "true", stop
                shown = output_text(box)
                assert ("运营者全程在岗" in shown) == (stop == "全程在岗"), (weeks, stop, shown[:200])
                if stop != "全程在岗":
                    assert stop in shown, (weeks, stop)

            eventually(page, names_the_stop)


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_a_typed_value_commits_to_the_nearest_option_or_is_refused(device_page, specs, path):
    p = device_page(DESKTOP)
    page = p.open(path)
    for box in go_live(page):
        spec = spec_of(box, specs)
        for level in range(len(spec.controls)):
            c = control_state(box, level)
            if c["kind"] != "slider" or c["disabled"]:
                continue
            labels = spec.controls[c["level"]].labels
            values = [numeric_value(label) for label in labels]
            readout = box.locator(f".shequn-level-{c['level']} .widget-readout")
            # Between the last two options, nearer the second-last: the nearest option wins.
            typed = values[-2] + (values[-1] - values[-2]) * 0.3
            text = f"{typed:g}" + ("%" if labels[0].endswith("%") else "")
            readout.click()
            readout.fill(text)
            readout.press("Enter")
            eventually(
                page,
                partial(_shows, box, c["level"], len(labels) - 2, labels[-2], "readout", (spec.name, text)),
            )
            check_truthful(page, box, spec, f"{spec.name}: typed {text} into {c['label']}")
            before = output_text(box)
            readout.click()
            readout.fill("很多")
            readout.press("Enter")
            note = box.locator(f".shequn-level-{c['level']} + .shequn-readout-note")
            eventually(page, partial(_visible_note, note, "不是可选的值"))
            mine = control_state(box, c["level"])
            assert mine["readout"] == labels[-2] and output_text(box) == before, (spec.name, "refused")


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_dropdown_options_fit(device_page, path):
    for device in (PHONE, DESKTOP):
        p = device_page(device)
        page = p.open(path)
        go_live(page)
        too_wide = page.evaluate("""() => {
          const ctx = document.createElement('canvas').getContext('2d');
          const out = [];
          for (const s of document.querySelectorAll('.shequn-explorer select')) {
            const cs = getComputedStyle(s);
            ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
            const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
            for (const o of s.options) if (ctx.measureText(o.text).width > room) out.push([o.text, room]);
            if (s.getBoundingClientRect().right > innerWidth) out.push(['select off screen', innerWidth]);
          }
          return out; }""")
        assert too_wide == [], (path, device["viewport"]["width"])


@pytest.mark.parametrize("path", LESSON_PAGES)
def test_controls_and_figures_are_accessible(device_page, path):
    p = device_page(DESKTOP)
    page = p.open(path)
    go_live(page)
    assert page.locator("main [title='null']").count() == 0
    handles = page.locator(".shequn-explorer .noUi-handle")
    for i in range(handles.count()):
        h = handles.nth(i)
        assert h.get_attribute("role") == "slider" and h.get_attribute("aria-label")
        assert h.get_attribute("aria-valuetext") and not h.get_attribute("aria-valuetext").isspace()
    for b in page.locator(".shequn-explorer .widget-toggle-button").all():
        assert b.get_attribute("aria-pressed") in ("true", "false")
    alts = page.evaluate("Array.from(document.querySelectorAll('main img')).map(i => i.alt)")
    assert alts
    for alt in alts:
        assert re.search(r"[\u4e00-\u9fff]{6,}", alt) and not re.search(
            r"_images|\.(png|svg|jpe?g)\b", alt
        ), alt
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary).join(' | '))""")  # noqa: E501 (embedded JavaScript)
    assert not violations, path + "\n" + "\n".join(violations)


def test_inert_rule_on_a_hand_worked_grid():
    """out = a*b over a in {0,1}, b in {1,2}: at a=0, b has no effect and a explains it."""
    from shequn.widgets.explorer import inert_controls

    results = [str(a * b) for a in (0, 1) for b in (1, 2)]  # first control slowest
    assert inert_controls(results, [2, 2], [0, 0]) == {1: [0]}
    assert inert_controls(results, [2, 2], [1, 1]) == {}
    # a AND b with both off: each alone changes nothing, neither can explain the other -> not stuck
    both = [str(a and b) for a in (0, 1) for b in (0, 1)]
    assert inert_controls(both, [2, 2], [0, 0]) == {}


def test_in_a_live_kernel_the_widget_disables_a_control_with_no_effect():
    """Lesson 5 in JupyterLab: 周数 = 4 disables 群规 and shows why; 周数 = 8 enables it again."""
    from shequn.widgets import threshold_explorer

    box = threshold_explorer()
    weeks = next(c for c in box.children if getattr(c, "description", "") == "周数")
    rule = next(c for c in box.children if getattr(c, "description", "") == "群规")
    reason = next(c for c in box.children if "shequn-reason" in c._dom_classes)
    assert not rule.disabled and reason.value == ""
    weeks.index = 0  # 4 weeks: nobody can have been inactive for 4 weeks yet
    assert rule.disabled and "群规暂不可用：周数为4时" in reason.value
    weeks.index = 1
    assert not rule.disabled and reason.value == ""
    assert all(c.tooltip == "" for c in box.children if hasattr(c, "tooltip"))


def test_an_explorers_state_file_holds_its_models_and_links_and_nothing_else():
    """A hand-made state: box -> [slider, stack -> [html a, html b]], a link slider->stack,
    and an unrelated model. The placeholder shows the slider's setting and the selected result."""
    from shequn.site.explorers import placeholder_html, split_state

    def model(name, **state):
        return {
            "model_name": name,
            "model_module": "@jupyter-widgets/controls",
            "model_module_version": "2.0.0",
            "state": state,
        }

    state = {
        "version_major": 2,
        "version_minor": 0,
        "state": {
            "box": model(
                "VBoxModel", children=["IPY_MODEL_s", "IPY_MODEL_k"], _dom_classes=["shequn-explorer"]
            ),
            "s": model("SelectionSliderModel", description="周数", _options_labels=["4", "8"], index=1),
            "k": model(
                "StackModel",
                children=["IPY_MODEL_a", "IPY_MODEL_b"],
                selected_index=1,
                _dom_classes=["shequn-output"],
            ),
            "a": model("HTMLModel", value="<p>四周</p>"),
            "b": model("HTMLModel", value="<p>八周</p>"),
            "l": model(
                "LinkModel", source=["IPY_MODEL_s", "index"], target=["IPY_MODEL_k", "selected_index"]
            ),
            "other": model("HTMLModel", value="另一个探索器"),
        },
    }
    assert set(split_state(state, "box")["state"]) == {"box", "s", "k", "a", "b", "l"}
    shown = placeholder_html(state, "box")
    assert "八周" in shown and "四周" not in shown and "周数" in shown and ">8<" in shown
    assert "shequn-explorer" not in shown.replace("shequn-static-explorer", "")
