"""Lesson 1 model: the properties the lesson states about connectors."""

import math
from pathlib import Path

import numpy as np
import pytest

from shequn.models import connectors as cx

ROOT = Path(__file__).resolve().parents[1]


def test_three_eras_in_historical_order_with_chinese_names():
    assert [e.key for e in cx.ERAS] == ["mass_sales", "deep_distribution", "community_commerce"]
    assert [e.name_zh for e in cx.ERAS] == ["大量销售", "深度分销", "社区商务"]
    # Only the community era brings person-to-person (relationship) connectors.
    assert [e.tie for e in cx.ERAS] == ["transaction", "transaction", "relationship"]
    assert "community" in cx.era("community_commerce").connectors
    assert "community" not in cx.era("deep_distribution").connectors


def test_era_table_is_chinese_and_complete():
    table = cx.era_table()
    assert list(table.columns) == ["主导权与获利", "主要连接器", "连接的性质"]
    assert list(table.index) == ["大量销售", "深度分销", "社区商务"]


def test_community_commerce_era_says_the_connector_profits_as_seed_000_does():
    # Seed 000, 3.3: 「连接器获利（沃尔玛是全球第一名）」 -- not "the consumer holds the power".
    power = cx.era_table().loc["社区商务", "主导权与获利"]
    assert power.startswith("连接器获利")
    assert "沃尔玛" in power


def _lesson_era_table() -> dict[str, list[str]]:
    """The Markdown table named table-connector-eras in lesson 1, parsed by hand."""
    text = (ROOT / "book" / "01_connectors" / "connectors.md").read_text(encoding="utf-8")
    block = text.split(":name: table-connector-eras", 1)[1].split("```", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in block.splitlines() if line.startswith("|")]
    rows = [[cell.strip() for cell in row] for row in rows if not set("".join(row)) <= set("-: ")]
    header, body = rows[0], rows[1:]
    return {"header": header, **{row[0]: row[1:] for row in body}}


def test_lesson_table_and_era_table_agree_cell_by_cell():
    lesson = _lesson_era_table()
    table = cx.era_table()
    assert lesson["header"][1:] == list(table.columns)
    for era_name in table.index:
        assert lesson[era_name] == list(table.loc[era_name]), era_name


def test_unknown_era_names_valid_keys():
    with pytest.raises(KeyError, match="community_commerce"):
        cx.era("fan_economy")


def test_relationship_ties_strengthen_transaction_ties_stay_flat():
    community = cx.weekly_reach("community", weeks=26)
    retail = cx.weekly_reach("retail_terminal", weeks=26)
    assert np.all(np.diff(community["p_reached"]) > 0)
    assert community["p_reached"].iloc[-1] > 2 * community["p_reached"].iloc[0]
    assert np.allclose(retail["p_reached"], retail["p_reached"].iloc[0])


def test_closed_form_for_transaction_connector():
    c = cx.CONNECTORS["retail_terminal"]
    w = cx.weekly_reach(c, weeks=5, platform_decline=0.1)
    lam = c.contacts_per_week * c.base_notice * 0.9 ** np.arange(5)
    assert np.allclose(w["contacts"], lam)
    assert np.allclose(w["p_reached"], 1 - np.exp(-lam))


def test_platform_decline_shrinks_reach_week_by_week():
    w = cx.weekly_reach("content_account", weeks=30, platform_decline=0.2)
    assert w["contacts"].iloc[-1] < 0.1 * w["contacts"].max()
    assert w["contacts"].is_monotonic_decreasing or w["contacts"].idxmax() < 10


def test_content_quality_matters_only_for_content_connectors():
    low = cx.era_reach("community_commerce", content_quality=0.2)
    high = cx.era_reach("community_commerce", content_quality=1.0)
    for key in ("content_account", "community"):
        assert high.loc[key, "有效触达次数"] > low.loc[key, "有效触达次数"]
    for key in ("retail_terminal", "ecommerce_store", "distributor"):
        assert high.loc[key, "有效触达次数"] == pytest.approx(low.loc[key, "有效触达次数"])


def test_probabilities_are_probabilities_over_the_whole_grid():
    for e in cx.ERAS:
        for q in (0.0, 0.5, 1.0):
            for d in (0.0, 1.0):
                table = cx.era_reach(e.key, 8, q, d)
                assert ((table["每周触达概率（平均）"] >= 0) & (table["每周触达概率（平均）"] <= 1)).all()
                assert (table["有效触达次数"] >= 0).all()


@pytest.mark.parametrize("kwargs", [{"weeks": 0}, {"content_quality": 1.5}, {"platform_decline": -0.1}])
def test_bad_parameters_are_refused(kwargs):
    with pytest.raises(ValueError):
        cx.weekly_reach("community", **kwargs)


def test_bad_connector_definition_is_refused():
    with pytest.raises(ValueError, match="base_notice"):
        cx.Connector("x", "x", "x", 1.0, 1.5, "transaction", False)


def _reach(rate, base, top, habit, content_based, quality, decline, weeks):
    """Second, plain-Python implementation of the lesson's equations (not the package's code)."""
    g = quality / 0.6 if content_based else 1.0
    total, cumulative = [], 0.0
    for t in range(weeks):
        notice = min(1.0, g * (base + (top - base) * (1.0 - math.exp(-habit * cumulative))))
        lam = rate * notice * (1.0 - decline) ** t
        total.append(lam)
        cumulative += lam
    return total


ACCOUNT = (3.0, 0.12, 0.5, 0.15, True)  # contacts/week, q0, q_max, k, content-based
COMMUNITY = (5.0, 0.08, 0.6, 0.3, True)


def _product(quality, weeks):
    """The product channel by hand: one use a week, noticed with 0.3 x quality / 0.6, no habit."""
    return [1.0 * min(1.0, 0.3 * quality / 0.6)] * weeks


def test_relationship_reach_matches_a_hand_worked_case():
    # Community, content quality 0.3 (g = 0.5): week 0 lambda = 5 * 0.5 * 0.08 = 0.2;
    # week 1 notice = 0.5 * (0.08 + 0.52 * (1 - e^-0.06)), lambda = 5 * notice.
    w = cx.weekly_reach("community", weeks=2, content_quality=0.3)
    assert w["contacts"].iloc[0] == pytest.approx(0.2)
    assert w["contacts"].iloc[1] == pytest.approx(5 * 0.5 * (0.08 + 0.52 * (1 - math.exp(-0.06))))


def test_content_quality_scales_notice_at_every_stage_of_the_habit():
    # After 26 weeks the habit is mature; content quality 0.3 must still halve the notice
    # probability relative to the reference quality 0.6 (the old model let it recover).
    low = cx.weekly_reach("community", weeks=26, content_quality=0.3)["notice"].iloc[-1]
    ref = cx.weekly_reach("community", weeks=26, content_quality=0.6)["notice"].iloc[-1]
    assert low < 0.5 * ref + 1e-12


def _scenario_totals(weeks):
    totals = {}
    for name, quality, decline, adopts in cx.XIAOMI_SCENARIOS:
        reach = [
            a + b
            for a, b in zip(_reach(*ACCOUNT, quality, decline, weeks), _product(quality, weeks), strict=True)
        ]
        if adopts:
            reach = [a + b for a, b in zip(reach, _reach(*COMMUNITY, quality, 0.0, weeks), strict=True)]
        totals[name] = sum(reach)
    return totals


@pytest.mark.parametrize("weeks", [12, 26])
def test_xiaomi_table_matches_an_independent_computation(weeks):
    table = cx.xiaomi_scenarios(weeks)
    expected = _scenario_totals(weeks)
    for name, value in expected.items():
        assert table.loc[name, f"{weeks} 周内有效触达次数"] == pytest.approx(value)


def test_xiaomi_each_of_seed_000s_two_causes_costs_reach_and_both_cost_most():
    s = cx.xiaomi_scenarios(weeks=12)["相对基准"]
    baseline, fade, content, both = s.iloc[0], s.iloc[1], s.iloc[2], s.iloc[3]
    assert baseline == 1.0
    # Page: each cause alone keeps about a half / a quarter of the baseline; both together about a sixth.
    assert 0.45 < fade < 0.55
    assert 0.25 < content < 0.30
    assert 0.15 < both < 0.18 and both < min(fade, content)


def test_content_failure_costs_a_relationship_more_than_in_proportion():
    # Finding on the page: quality 0.8 -> 0.3 scales one contact's notice by 0.375, but the
    # community's 12-week reach falls further, because a weaker start also slows the habit.
    good = sum(_reach(*COMMUNITY, 0.8, 0.0, 12))
    poor = sum(_reach(*COMMUNITY, 0.3, 0.0, 12))
    assert poor / good < 0.3 / 0.8
    assert cx.weekly_reach("community", 12, 0.3)["contacts"].sum() == pytest.approx(poor)


def test_switching_connector_rescues_reach_only_if_content_has_not_failed():
    # "Holds only if": adopting the community beats the baseline at content quality 0.8
    # (about 2.5 times) but not at 0.3, and the break-even quality lies between 0.38 and 0.39
    # over 12 weeks (found by bisection on the independent implementation).
    s = cx.xiaomi_scenarios(weeks=12)["相对基准"]
    assert 2.4 < s.iloc[4] < 2.6
    assert s.iloc[5] < 1.0
    baseline = sum(_reach(*ACCOUNT, 0.8, 0.0, 12)) + sum(_product(0.8, 12))

    def switched(q):
        return sum(_reach(*ACCOUNT, q, 0.15, 12)) + sum(_reach(*COMMUNITY, q, 0.0, 12)) + sum(_product(q, 12))

    assert switched(0.38) < baseline < switched(0.39)


def test_xiaomi_rejects_bad_weeks():
    with pytest.raises(ValueError, match="weeks"):
        cx.xiaomi_scenarios(0)


def test_switch_sensitivity_table_flips_between_039_and_038():
    table = cx.xiaomi_switch_sensitivity((0.8, 0.39, 0.38, 0.3), weeks=12)
    assert list(table["追平基准"]) == ["是", "是", "否", "否"]
    baseline = sum(_reach(*ACCOUNT, 0.8, 0.0, 12)) + 12 * 0.4
    expected = (
        sum(_reach(*ACCOUNT, 0.35, 0.15, 12)) + sum(_reach(*COMMUNITY, 0.35, 0.0, 12)) + 12 * 0.175
    ) / baseline
    assert cx.xiaomi_switch_sensitivity((0.35,), weeks=12).loc[0.35, "相对基准"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="content_quality"):
        cx.xiaomi_switch_sensitivity((1.5,))


def test_content_quality_acts_on_the_product_channel_as_worked_by_hand():
    """Lesson 1: 「产品本身也是一种内容」. The product channel, by hand: 1 use a week noticed with
    probability 0.3 x q / 0.6, so over 12 weeks 12 x 0.4 = 4.8 at q = 0.8 and 12 x 0.15 = 1.8 at q = 0.3."""
    table = cx.xiaomi_scenarios(12)
    assert table.loc["基准：旧连接器正常，内容正常", "其中产品本身"] == pytest.approx(4.8)
    assert table.loc["原因二：内容失效", "其中产品本身"] == pytest.approx(1.8)
    # Platform decline hits the old content account, not the product.
    assert table.loc["原因一：旧连接器式微，未用好新连接器", "其中产品本身"] == pytest.approx(4.8)
    # With content failure, the product channel falls in proportion to quality (0.3 / 0.8).
    assert table.loc["两个原因同时出现（种子材料的叙述）", "其中产品本身"] / 4.8 == pytest.approx(0.375)


def test_the_lessons_quiz_answer_is_the_lowest_quality_that_rescues_reach():
    import re

    text = (ROOT / "book" / "01_connectors" / "connectors.md").read_text(encoding="utf-8")
    block = [
        b.split(":::")[0]
        for b in text.split(":::{quiz}")[1:]
        if "xiaomi_switch_sensitivity()" in b.split(":::")[0]
    ]
    assert len(block) == 1
    answer = float(re.search(r":answer: (\S+)", block[0]).group(1))
    table = cx.xiaomi_switch_sensitivity()
    assert answer == pytest.approx(min(q for q in table.index if table.loc[q, "追平基准"] == "是"))
