"""The static-capable explorer: precomputed grid, client-side links, stable ids."""

import json
import subprocess
import sys

import ipywidgets as w
import pytest

from shequn.widgets import connector_explorer_spec
from shequn.widgets.explorer import Control, Explorer, bar_table


def _toy():
    return Explorer(
        name="toy",
        controls=[
            Control("a", "甲", [("1", 1), ("2", 2), ("3", 3)], default=2),
            Control("b", "乙", [("x", "x"), ("y", "y")], default="y", kind="dropdown"),
        ],
        render=lambda a, b: f"<p>{a}-{b}</p>",
    )


def _leaf(box, indices):
    node = box.children[-1]
    for i in indices:
        assert isinstance(node, w.Stack)
        node = node.children[i]
    return node


def test_every_leaf_holds_the_model_result_for_its_grid_point():
    ex = _toy()
    box = ex.widget()
    for i, a in enumerate([1, 2, 3]):
        for j, b in enumerate(["x", "y"]):
            assert _leaf(box, (i, j)).value == f"<p>{a}-{b}</p>"
    assert ex.grid_size == 6 == len(list(ex.grid()))


def test_controls_are_linked_to_every_stack_of_their_level():
    box = _toy().widget()
    links = box._shequn_links
    control_a, control_b, output = box.children
    assert output.selected_index == 1  # default a=2
    assert all(s.selected_index == 1 for s in output.children)  # default b="y"
    level_a = [link for link in links if link.source[0] is control_a]
    level_b = [link for link in links if link.source[0] is control_b]
    assert [link.target[0] for link in level_a] == [output]
    assert {id(link.target[0]) for link in level_b} == {id(s) for s in output.children}
    assert all(link.source[1] == "index" and link.target[1] == "selected_index" for link in links)


def test_default_must_be_an_option():
    with pytest.raises(ValueError, match="default"):
        Control("a", "甲", [("1", 1)], default=5)


def test_missing_parameter_is_a_clear_error():
    with pytest.raises(TypeError, match="missing parameters"):
        _toy().compute(a=1)


def test_two_widgets_in_one_kernel_get_distinct_ids():
    ex = _toy()
    assert ex.widget().model_id != ex.widget().model_id


def test_widget_state_is_identical_across_fresh_kernels():
    code = (
        "import json; from ipywidgets import Widget; from shequn.widgets import connector_explorer;"
        "connector_explorer(); "
        "print(json.dumps(Widget.get_manager_state(drop_defaults=True), sort_keys=True))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    state = json.loads(runs[0])["state"]
    assert len(state) > connector_explorer_spec().grid_size  # leaves + stacks + controls + links


def test_connector_explorer_covers_the_grid_and_reports_chinese_results():
    spec = connector_explorer_spec()
    assert spec.grid_size == 3 * 5 * 4 * 3
    html = spec.compute(**spec.defaults())
    assert "社群（人与人）" in html and "示意模型" in html
    # changing a control changes the result
    other = dict(spec.defaults(), content_quality=0.2)
    assert spec.compute(**other) != html


def test_bar_table_escapes_text_and_draws_bars():
    out = bar_table([{"k": "<b>", "v": 0.5}], [("k", "名称", None), ("v", "比例", 1)])
    assert "&lt;b&gt;" in out and "width:50.0%" in out and "50%" in out
