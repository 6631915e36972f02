"""Numbers a learner can trust, in every state of every explorer (the precomputed grids the site ships):
no negative zero (「-0.00」, 「-0%」), and an activity share over 100 % never stands without its reason."""

from __future__ import annotations

import html
import re

import pytest

from shequn import widgets

SPECS = [getattr(widgets, name)() for name in widgets.__all__ if name.endswith("_spec")]
# A minus sign (ASCII or U+2212) before a zero that has no non-zero digit after it: -0, -0.0, -0.00, -0%.
NEGATIVE_ZERO = re.compile(r"[-\u2212]0(?:\.0+)?(?![.\d])")
# The star/mesh explorer's share of activity kept: 「活跃度保留104%」, 「保留活跃度104%」.
ACTIVITY_KEPT = re.compile(r"(?:活跃度保留|保留活跃度)(\d+)%")


def text_of(result_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", result_html))


@pytest.mark.parametrize(
    "text, found",
    [
        ("变化-0.00", True),
        ("-0%", True),
        ("−0.0 分", True),
        ("-0.05", False),
        ("-0.50", False),
        ("10.00", False),
        ("0.00", False),
        ("-10", False),
        ("-0.001", False),
        ("差-0", True),
    ],
)
def test_negative_zero_pattern_on_hand_written_cases(text, found):
    assert bool(NEGATIVE_ZERO.search(text)) is found


def test_the_sweep_covers_every_explorer():
    assert len(SPECS) >= 9 and all(spec.grid_size > 1 for spec in SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_no_explorer_state_shows_a_negative_zero(spec):
    bad = []
    for params, result in zip(spec.grid(), spec.leaves(), strict=True):
        text = text_of(result)
        for m in NEGATIVE_ZERO.finditer(text):
            bad.append((params, text[max(0, m.start() - 20) : m.end() + 5]))
    assert bad == [], f"{spec.name}: {len(bad)} negative zeros, e.g. {bad[:3]}"


def test_activity_kept_over_100_percent_is_explained_in_the_output():
    """Per-member activity can rise when quieter members leave: the output must say so where it happens."""
    spec = widgets.network_explorer_spec()
    over = 0
    for params, result in zip(spec.grid(), spec.leaves(), strict=True):
        text = text_of(result)
        shares = [int(s) for s in ACTIVITY_KEPT.findall(text)]
        assert shares, (params, text)
        if max(shares) > 100:
            over += 1
            assert "超过100%" in text and "人均" in text and "留下" in text, (params, text)
    assert over > 0, "no state of the sweep keeps over 100 %: the test no longer checks the explanation"
