"""Lesson 2: the star-vs-mesh claim the page states, its figures, and both widgets."""

import pytest

from shequn.models import network_plots, networks
from shequn.widgets import (
    network_explorer,
    network_explorer_spec,
    red_packet_explorer,
    red_packet_explorer_spec,
)

# ----------------------------------------------------------- the lesson's claim
# The page states: with 60 members, about 6 ties each in the mesh, everyone's own
# drive drawn alike (the fair default) and any social pull from 0.3 to 0.9, when
# the centre (the best-connected member) leaves the mesh keeps at least 95% of its
# activity and stays in one piece, while the star falls apart (largest part under
# three tenths) yet keeps 70-90% of its activity (seed 0; at least 49% over 5 seeds).


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("social_pull", [0.3, 0.6, 0.9])
def test_mesh_survives_the_centre_leaving_and_the_star_falls_apart(social_pull, seed):
    mesh = networks.resilience("mesh", "centre", 1, n=60, degree=6, social_pull=social_pull, seed=seed)
    star = networks.resilience("star", "centre", 1, n=60, degree=6, social_pull=social_pull, seed=seed)
    assert mesh.activity_kept >= 0.95
    assert mesh.connected_after == 1.0
    assert star.connected_after < 0.3
    assert star.activity_kept > 0.45
    if seed == 0:
        assert 0.7 < star.activity_kept < 0.9


def test_without_social_pull_the_star_loses_only_the_centres_own_activity():
    none = networks.resilience("star", "centre", 1, social_pull=0.0)
    some = networks.resilience("star", "centre", 1, social_pull=0.6)
    assert none.activity_kept > some.activity_kept
    mesh = networks.resilience("mesh", "centre", 1, social_pull=0.0)
    assert mesh.activity_kept == pytest.approx(1.0, abs=0.05)


def test_with_the_centre_present_the_star_is_livelier_unless_there_is_no_social_pull():
    # The page's table (social pull 0.6) shows the star busier than the mesh before anyone leaves
    # (0.20 against 0.18); without social pull both are their members' mean own drive, about 0.07
    # (the mean of uniform(0.02, 0.12)).
    star, mesh = (networks.resilience(shape, "centre", 1, social_pull=0.6) for shape in ("star", "mesh"))
    assert star.activity_before > mesh.activity_before
    assert round(star.activity_before, 2) == 0.20 and round(mesh.activity_before, 2) == 0.18
    star0, mesh0 = (networks.resilience(shape, "centre", 1, social_pull=0.0) for shape in ("star", "mesh"))
    assert star0.activity_before == pytest.approx(0.07, abs=0.01)
    assert mesh0.activity_before == pytest.approx(0.07, abs=0.01)


@pytest.mark.parametrize("shape", ["star", "mesh"])
def test_random_members_leaving_hurts_neither_shape(shape):
    for k in (1, 3, 5):
        r = networks.resilience(shape, "random", k, social_pull=0.6)
        assert r.activity_kept >= 0.95
        assert r.connected_after == 1.0


def test_resilience_table_has_both_shapes_and_the_star_is_centralised():
    table = network_plots.resilience_table()
    assert list(table.index) == ["星形（粉丝经济）", "网状（社群经济）"]
    assert table.loc["星形（粉丝经济）", "度中心势"] > 0.9 > 0.2 > table.loc["网状（社群经济）", "度中心势"]
    assert "活跃度保留" in table.columns
    with pytest.raises(ValueError):
        network_plots.resilience_table(how="loudest")


def test_network_figures_have_chinese_titles():
    fig = network_plots.plot_networks(k=1)
    titles = [ax.get_title() for ax in fig.axes]
    assert sum("星形" in t for t in titles) == 2 and sum("网状" in t for t in titles) == 2
    fig = network_plots.plot_resilience(social_pulls=(0.0, 0.5, 0.9))
    ax = fig.axes[0]
    assert "活跃度" in ax.get_title()
    assert len([line for line in ax.get_lines() if line.get_label().startswith(("星形", "网状"))]) == 2
    with pytest.raises(ValueError):
        network_plots.plot_networks(how="nobody")


# --------------------------------------------------------------------- widgets
def _changes(spec, name):
    """For every other option of control ``name``, the HTML differs from the defaults'."""
    base = spec.defaults()
    html = spec.compute(**base)
    control = next(c for c in spec.controls if c.name == name)
    return [spec.compute(**{**base, name: v}) != html for v in control.values if v != base[name]]


def test_network_explorer_grid_caption_and_controls():
    spec = network_explorer_spec()
    assert spec.grid_size == 2 * 3 * 4 * 4 <= 200
    html = spec.compute(**spec.defaults())
    assert "示意模型（合成数字，非实测数据）" in html
    for name in ("shape", "how", "k", "social_pull"):
        assert all(_changes(spec, name)), name


def test_network_explorer_shows_the_models_numbers():
    spec = network_explorer_spec()
    params = dict(spec.defaults(), shape="star", how="centre", k=1, social_pull=0.6)
    r = networks.resilience("star", "centre", 1, social_pull=0.6)
    html = spec.compute(**params)
    assert f"{r.activity_kept:.0%}" in html and f"{r.connected_after:.0%}" in html
    assert "没有人离开" in spec.compute(**dict(params, k=0))


def test_red_packet_explorer_grid_caption_and_controls():
    spec = red_packet_explorer_spec()
    assert spec.grid_size == 3 * 4 * 3 * 3 <= 200
    html = spec.compute(**spec.defaults())
    assert "示意模型（合成数字，非实测数据）" in html
    for name in ("lift", "half_life_days", "conversion", "n_packets"):
        assert all(_changes(spec, name)), name


def test_red_packet_explorer_says_when_the_lift_lasts():
    spec = red_packet_explorer_spec()
    brief = spec.compute(lift=0.3, half_life_days=1.0, conversion=0.0, n_packets=1)
    lasting = spec.compute(lift=0.3, half_life_days=1.0, conversion=0.2, n_packets=1)
    assert "几乎回到平时" in brief
    assert "仍比平时多" in lasting


# The recompute time of these explorers is measured in benchmarks/run.py (`widgets`), not in a unit test.
@pytest.mark.parametrize("make_spec", [network_explorer_spec, red_packet_explorer_spec])
def test_every_extreme_renders(make_spec):
    spec = make_spec()
    for params in spec.extremes():
        assert "示意模型（合成数字，非实测数据）" in spec.compute(**params)


def test_widgets_build():
    for make in (network_explorer, red_packet_explorer):
        box = make()
        assert "shequn-explorer" in box._dom_classes


def test_the_lessons_quiz_answer_is_the_fair_default_result():
    """The numeric quiz (star, centre leaves, social pull 0.6) asks for the fair default's number."""
    import re
    from pathlib import Path

    text = (
        Path(__file__).resolve().parents[1] / "book" / "02_community_vs_fans" / "community_vs_fans.md"
    ).read_text(encoding="utf-8")
    block = [b for b in text.split(":::{quiz}") if "中心离开以后，星形群保留了百分之几的活跃度" in b]
    assert len(block) == 1
    answer = float(re.search(r":answer: (\S+)", block[0]).group(1))
    kept = networks.resilience("star", "centre", 1, social_pull=0.6).activity_kept
    assert answer == round(100 * kept)
    assert answer != round(
        100 * networks.resilience("star", "centre", 1, social_pull=0.6, equal_drives=False).activity_kept
    )
