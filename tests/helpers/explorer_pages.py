"""Reading and driving the explorers of a built page in Chromium: their controls (read in the page's
JavaScript), their output, and the text the Python model gives for the setting they show."""

from __future__ import annotations

import re
import time

# Run on an explorer box: each control's level, label, kind, option index, accessible name and state.
READ_CONTROLS = """(box) => Array.from(box.querySelectorAll('.shequn-control')).map(c => {
  const level = +Array.from(c.classList).find(x => x.startsWith('shequn-level-')).slice('shequn-level-'.length);
  const label = c.querySelector('.widget-label').textContent;
  const handle = c.querySelector('.noUi-handle');
  const select = c.querySelector('select');
  const buttons = Array.from(c.querySelectorAll('button'));
  if (handle) {
    return {level, label, kind: 'slider', index: +handle.getAttribute('aria-valuenow'),
            valuetext: handle.getAttribute('aria-valuetext'), name: handle.getAttribute('aria-label'),
            readout: c.querySelector('.widget-readout').textContent.trim(),
            disabled: c.querySelector('.slider').hasAttribute('disabled')};
  }
  if (select) {
    return {level, label, kind: 'dropdown', index: select.selectedIndex, name: select.getAttribute('aria-label'),
            disabled: select.disabled};
  }
  const pressed = buttons.map(b => b.getAttribute('aria-pressed'));
  return {level, label, kind: 'toggle', index: pressed.indexOf('true'), pressed,
          name: buttons[0].parentElement.getAttribute('aria-label'),
          active: buttons.findIndex(b => b.classList.contains('mod-active')),
          disabled: buttons.every(b => b.disabled)};
})"""  # noqa: E501 (embedded JavaScript)
# Run on a result's HTML: the text the page shows for it.
HTML_TO_TEXT = """(html) => { const d = document.createElement('div');
  d.style.cssText = 'position:absolute;left:-20000px;top:0;width:1000px'; d.innerHTML = html;
  document.body.appendChild(d); const t = d.innerText; d.remove(); return t; }"""


def eventually(page, check, timeout_ms: int = 10_000, every_ms: int = 40):
    """What ``check()`` returns once it raises no AssertionError; retried, with the page's own
    events running in between, until ``timeout_ms`` has passed (then its last failure)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() >= deadline:
                raise
            page.wait_for_timeout(every_ms)


def control_state(box, level: int) -> dict:
    """The control at *level* as READ_CONTROLS reads it now."""
    return next(c for c in box.evaluate(READ_CONTROLS) if c["level"] == level)


def go_live(page) -> list:
    """Scroll to each explorer so it loads; return the live explorer boxes (shown, so wired up)."""
    n = page.locator(".shequn-lazy, .shequn-live").count()
    for i in range(n):
        target = page.locator(".shequn-lazy, .shequn-live").nth(i)
        target.scroll_into_view_if_needed()
        page.wait_for_function(  # a live box is shown only once its controls are wired (shequn-explorers.js)
            "(i) => document.querySelectorAll('.shequn-live:not([hidden]) .shequn-explorer').length > i",
            arg=i,
            timeout=60000,
        )
    boxes = page.locator(".shequn-live .shequn-explorer")
    assert boxes.count() == n and page.locator(".shequn-lazy").count() == 0
    return [boxes.nth(i) for i in range(n)]


def spec_of(box, specs):
    """The spec (of *specs*, keyed by title) of the explorer in *box*, found by its title."""
    text = box.locator(".widget-html").first.inner_text()
    matches = [spec for title, spec in specs.items() if title and title in text]
    assert len(matches) == 1, f"no explorer spec titled like {text!r}"
    return matches[0]


def squash(text: str) -> str:
    """*text* without any whitespace."""
    return re.sub(r"\s+", "", text)


def output_text(box) -> str:
    """The result the explorer in *box* shows now."""
    return box.locator(".shequn-output").inner_text()


def expected_text(page, spec, controls) -> str:
    """The model's result for the setting *controls* show, as the page would render it as text."""
    params = {spec.controls[c["level"]].name: spec.controls[c["level"]].values[c["index"]] for c in controls}
    return page.evaluate(HTML_TO_TEXT, spec.compute(**params))


def no_effect(spec, indices: list[int], k: int) -> bool:
    """Independently of the page: do all options of control k give the same result here?"""
    outs = set()
    for v in range(len(spec.controls[k].options)):
        idx = [*indices[:k], v, *indices[k + 1 :]]
        outs.add(spec.compute(**{c.name: c.values[i] for c, i in zip(spec.controls, idx, strict=True)}))
    return len(outs) == 1


def check_truthful(page, box, spec, where: str) -> list[dict]:
    """The controls show one consistent setting and the output is the model's result for it;
    a control is disabled only where it has no effect, and then a reason is visible
    (once the page has caught up with the last input: see :func:`eventually`)."""
    return eventually(page, lambda: _truthful_now(page, box, spec, where))


def _truthful_now(page, box, spec, where: str) -> list[dict]:
    controls = box.evaluate(READ_CONTROLS)
    assert [c["level"] for c in controls] == list(range(len(spec.controls))), where
    for c in controls:
        labels = spec.controls[c["level"]].labels
        assert 0 <= c["index"] < len(labels), (where, c)
        assert c["name"] == c["label"] == spec.controls[c["level"]].label, (where, c)
        if c["kind"] == "slider":
            assert c["valuetext"] == c["readout"] == labels[c["index"]], (where, c)
        if c["kind"] == "toggle":
            assert c["active"] == c["index"] and c["pressed"].count("true") == 1, (where, c)
    assert squash(output_text(box)) == squash(expected_text(page, spec, controls)), (
        f"{where}: output does not match setting"
    )
    indices = [c["index"] for c in controls]
    reasons = box.locator(".shequn-reason")
    reason_text = " ".join(reasons.nth(i).inner_text() for i in range(reasons.count()))
    for c in controls:
        if c["disabled"]:
            assert no_effect(spec, indices, c["level"]), (
                f"{where}: {c['label']} disabled but it has an effect"
            )
            assert f"{c['label']}暂不可用" in reason_text, f"{where}: no visible reason for {c['label']}"
        else:
            assert f"{c['label']}暂不可用" not in reason_text, where
    return controls


def set_control(box, control: dict, i: int) -> None:
    """Move *control* (as READ_CONTROLS reads it) to option *i*, and wait until it shows that option;
    a slider only to an end (Home for 0, else End)."""
    node = box.locator(f".shequn-level-{control['level']}")
    want = i
    if control["kind"] == "toggle":
        node.locator("button").nth(i).click()
    elif control["kind"] == "dropdown":
        node.locator("select").select_option(index=i)
    else:
        handle = node.locator(".noUi-handle")
        handle.focus()
        handle.press("Home" if i == 0 else "End")
        want = 0 if i == 0 else int(handle.get_attribute("aria-valuemax"))

    def moved():
        assert control_state(box, control["level"])["index"] == want, (control["label"], want)

    eventually(box.page, moved)


def numeric_value(label: str) -> float:
    """The number in an option's label ("1,000", "30%")."""
    return float(re.search(r"-?\d+(?:\.\d+)?", label.replace(",", "")).group())
