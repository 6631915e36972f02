"""Chinese glyphs in plots are real glyphs, and a missing glyph is an error."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from shequn import plotting
from shequn.models.connectors import plot_weekly_reach


def _render_text(text, family=None):
    fig = Figure(figsize=(2, 1), dpi=80)
    FigureCanvasAgg(fig)
    kwargs = {"family": family} if family else {}
    fig.text(0.05, 0.3, text, fontsize=28, **kwargs)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()


def test_bundled_font_is_found_and_registered():
    family = plotting.use_chinese_font()
    assert family == "Noto Sans SC"
    assert str(plotting.find_cjk_font()).endswith("NotoSansSC_400Regular.ttf")


def test_different_characters_draw_different_glyphs():
    plotting.use_chinese_font()
    a, b = _render_text("社群"), _render_text("连接")
    assert (a < 128).sum() > 50  # something was drawn
    assert not np.array_equal(a, b)  # tofu boxes would be identical


def test_missing_glyph_is_an_error_not_a_blank_box():
    plotting.use_chinese_font()
    with pytest.raises(UserWarning, match="missing from font"):
        _render_text("社群", family="DejaVu Sans")


def test_env_var_pointing_nowhere_is_a_clear_error(monkeypatch):
    plotting.find_cjk_font.cache_clear()
    monkeypatch.setenv(plotting.ENV_VAR, "/nonexistent/font.ttf")
    try:
        with pytest.raises(plotting.FontNotFoundError, match="不是一个字体文件"):
            plotting.find_cjk_font()
    finally:
        plotting.find_cjk_font.cache_clear()


def test_lesson_plot_has_chinese_labels_and_draws():
    fig = plot_weekly_reach("community_commerce", weeks=8)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "周"
    assert len(ax.lines) == 5
    fig.canvas.draw()  # would raise on a missing glyph
