"""Lesson 5 model: threshold and group-rule tables, plots, and the honest-model box's "holds only if"."""

import re

import pandas as pd
import pytest

from shequn.models import thresholds as th


def test_compare_group_rules_table():
    table = th.compare_group_rules(n=3000, weeks=10)
    assert table.index.names == ["门槛", "群规"] and len(table) == 4
    free_keep, free_rule = table.loc[("免费", "不清退")], table.loc[("免费", "连续4周不活跃请出群")]
    assert free_rule["成本（元）"] < free_keep["成本（元）"]
    assert free_rule["第10周在群率"] < free_keep["第10周在群率"] == 1.0
    assert free_rule["成员数"] == free_keep["成员数"]
    with pytest.raises(ValueError):
        th.compare_group_rules(rules=())


def test_compare_policies_uses_one_pool_and_chinese_columns():
    table = th.compare_policies(n=3000, weeks=6)
    assert list(table.index) == [p.name for p in th.standard_policies()]
    assert {"成员数", "精准度（匹配者占比）", "第6周活跃占比", "经邀请加入", "净收益（元）"} <= set(
        table.columns
    )
    assert table.loc["免费", "成员数"] == 3000
    assert (table.loc[["免费", "付费20元", "付费50元", "付费100元"], "申请人数"] == 3000).all()
    assert all(pd.api.types.is_numeric_dtype(table[c]) for c in table.columns)
    assert table.loc["邀请3人", "经邀请加入"] > 0


def test_summary_is_labelled_in_chinese():
    s = th.simulate(th.PaidPolicy(50), n=1000).summary()
    assert s["门槛"] == "付费50元"
    assert all(re.search(r"[\u4e00-\u9fff]", k) for k in s.index)


def test_plots_return_figures_with_chinese_labels():
    policies = [th.FreePolicy(), th.PaidPolicy(50)]
    fig = th.plot_funnel(policies, n=2000)
    ax = fig.axes[0]
    assert "漏斗" in ax.get_title() and [t.get_text() for t in ax.get_xticklabels()] == ["免费", "付费50元"]
    fig = th.plot_weekly_active(policies, n=2000, weeks=6)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2 and len(ax.get_lines()[0].get_xdata()) == 6
    assert "周" in ax.get_xlabel()


# --- Lesson 5's honest-model box: each "holds only if". ---
def _row(table, label_start):
    return table.loc[[i for i in table.index if i.startswith(label_start)][0]]


def test_money_screens_only_if_willingness_to_pay_tracks_interest():
    pool = th.generate_applicants(wtp_interest_corr=0.0)
    table = th.compare_policies([th.FreePolicy(), th.PaidPolicy(50)], pool, pay_commitment=0)
    free, paid = _row(table, "免费"), _row(table, "付费")
    # Independent argument: if admission does not depend on fit, the paid group's share of
    # good-fit members is a random sample of the pool's, within 3 binomial standard errors.
    p = free["精准度（匹配者占比）"]
    se = (p * (1 - p) / paid["成员数"]) ** 0.5
    assert abs(paid["精准度（匹配者占比）"] - p) < 3 * se
    default = _row(th.compare_policies([th.PaidPolicy(50)]), "付费")
    assert default["精准度（匹配者占比）"] > p + 5 * se  # with the default correlation it does screen


def test_invites_screen_as_well_as_money_only_if_invitees_fit_as_well_as_inviters():
    default = th.compare_policies([th.PaidPolicy(50), th.InvitePolicy(3)])
    same_fit = th.compare_policies([th.PaidPolicy(50), th.InvitePolicy(3)], invitee_fit_drop=0)
    assert _row(default, "邀请")["精准度（匹配者占比）"] < _row(default, "付费")["精准度（匹配者占比）"]
    assert _row(same_fit, "邀请")["精准度（匹配者占比）"] > _row(same_fit, "付费")["精准度（匹配者占比）"]


def test_a_crowd_is_a_share_not_a_count():
    table = th.compare_policies([th.FreePolicy(), th.PaidPolicy(50)])
    free, paid = _row(table, "免费"), _row(table, "付费")
    assert free["第8周活跃占比"] < paid["第8周活跃占比"]
    assert free["第8周活跃人数"] > paid["第8周活跃人数"]
