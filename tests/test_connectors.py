"""Lesson 1 model: the properties the lesson states about connectors."""

import numpy as np
import pytest

from shequn import connectors as cx


def test_three_eras_in_historical_order_with_chinese_names():
    assert [e.key for e in cx.ERAS] == ["mass_sales", "deep_distribution", "community_commerce"]
    assert [e.name_zh for e in cx.ERAS] == ["大量销售", "深度分销", "社区商务"]
    # Only the community era brings person-to-person (relationship) connectors.
    assert [e.tie for e in cx.ERAS] == ["transaction", "transaction", "relationship"]
    assert "community" in cx.era("community_commerce").connectors
    assert "community" not in cx.era("deep_distribution").connectors


def test_era_table_is_chinese_and_complete():
    table = cx.era_table()
    assert list(table.columns) == ["谁掌握主导权", "主要连接器", "连接的性质"]
    assert len(table) == 3
    assert table.index[0].startswith("大量销售")


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


def test_xiaomi_case_ordering():
    s = cx.xiaomi_scenarios(weeks=12)["12 周内有效触达次数"]
    normal, faded, switched, content_failed = s.iloc[0], s.iloc[1], s.iloc[2], s.iloc[3]
    assert faded < normal  # the old connector fading loses reach
    assert switched > faded  # adopting the new connector restores it
    assert content_failed < switched  # content failure costs reach even on the new connector
