"""Lesson 5 widget: the threshold explorer's grid, caption and controls."""

from shequn.widgets.thresholds import threshold_explorer_spec


def test_widget_spec_grid_defaults_and_caption():
    spec = threshold_explorer_spec()
    assert spec.grid_size <= 200
    assert {c.name for c in spec.controls} == {"policy", "weeks", "rule"}
    html = spec.compute(**spec.defaults())
    assert "示意模型（合成数字，非实测数据）" in html
    assert "免费（对照）" in html and "付费50元" in html


def test_widget_html_changes_with_every_control():
    spec = threshold_explorer_spec()
    base = spec.defaults()
    html = spec.compute(**base)
    for control in spec.controls:
        other = next(v for v in control.values if v != base[control.name])
        assert spec.compute(**{**base, control.name: other}) != html, control.name


def test_widget_covers_free_paid_and_invite_and_extremes_render():
    spec = threshold_explorer_spec()
    policy = next(c for c in spec.controls if c.name == "policy")
    labels = " ".join(policy.labels)
    for word in ("免费", "付费", "邀请", "海报"):
        assert word in labels
    for params in spec.extremes():
        assert "<table" in spec.compute(**params)
