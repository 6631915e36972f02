"""Matplotlib with a CJK font, so that Chinese labels render as real glyphs.

The course bundles Noto Sans SC (SIL Open Font License 1.1), installed at build
time from the npm package ``@expo-google-fonts/noto-sans-sc`` into
``vendor/node_modules``.  Learners who installed only the Python package can
point ``SHEQUN_CJK_FONT`` at any CJK font file, or rely on a system font.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import font_manager

__all__ = ["FontNotFoundError", "find_cjk_font", "use_chinese_font", "new_figure", "set_alt_text", "alt_text"]

ENV_VAR = "SHEQUN_CJK_FONT"
VENDORED_FONT = Path(
    "vendor/node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
)
# The learner wheel offered on the site carries the same font (shequn.site.learner_wheel).
PACKAGED_FONT = Path(__file__).with_name("fonts") / "NotoSansSC-Regular.ttf"
# Families known to cover Simplified Chinese, in order of preference.
SYSTEM_FAMILIES = (
    "Noto Sans SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "PingFang SC",
    "Microsoft YaHei",
)


class FontNotFoundError(RuntimeError):
    """No font with Chinese glyphs could be found."""


def _search_roots() -> list[Path]:
    here = Path(__file__).resolve()
    roots = [Path.cwd(), *Path.cwd().parents, *here.parents]
    seen: list[Path] = []
    for r in roots:
        if r not in seen:
            seen.append(r)
    return seen


@lru_cache(maxsize=1)
def find_cjk_font() -> Path | str:
    """Return the path of a CJK font file, or the name of a system font family.

    Order: ``$SHEQUN_CJK_FONT``, the vendored Noto Sans SC next to the project, the
    copy packed into the learner wheel, then the system families in ``SYSTEM_FAMILIES``.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env)
        if not path.is_file():
            raise FontNotFoundError(f"{ENV_VAR}={env} 不是一个字体文件 (is not a font file)")
        return path
    for root in _search_roots():
        candidate = root / VENDORED_FONT
        if candidate.is_file():
            return candidate
    if PACKAGED_FONT.is_file():
        return PACKAGED_FONT
    available = {f.name for f in font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        if family in available:
            return family
    raise FontNotFoundError(
        "找不到中文字体，图中的中文会显示为方框。请运行 `make vendor` 安装课程自带的 Noto Sans SC，"
        f"或把环境变量 {ENV_VAR} 设为一个中文字体文件的路径。"
        " (No CJK font found: run `make vendor`, or set "
        f"{ENV_VAR} to a font file.)"
    )


@lru_cache(maxsize=1)
def _register_font() -> str:
    found = find_cjk_font()
    if isinstance(found, Path):
        font_manager.fontManager.addfont(str(found))
        return font_manager.FontProperties(fname=str(found)).get_name()
    return found


def use_chinese_font() -> str:
    """Register the CJK font with matplotlib and make it the default family.

    Returns the family name in use.  Also turns matplotlib's "Glyph ... missing"
    warnings into errors, so a missing glyph can never pass silently.  Cheap to
    call again (the font is registered once); each call re-installs the
    warning filter in case the caller's warning filters were reset.
    """
    family = _register_font()
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["font.sans-serif"] = [family, *plt.rcParams["font.sans-serif"]]
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.fonttype"] = "path"
    warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from font")
    _show_figures_with_alt_text()
    return family


# ------------------------------------------------------------------ alt text
def set_alt_text(fig, text: str):
    """Give a figure the text a screen reader reads for it (the site's ``alt``); returns ``fig``."""
    fig._shequn_alt = str(text)
    return fig


def alt_text(fig) -> str:
    """What the figure shows, for its ``alt`` text: the text set with :func:`set_alt_text`, or
    one built from the figure itself (titles, axis labels, legend entries)."""
    explicit = getattr(fig, "_shequn_alt", None)
    if explicit:
        return explicit
    parts = []
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""
    if suptitle:
        parts.append(f"{suptitle}。")
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    if len(axes) > 1:
        parts.append(f"共{len(axes)}幅子图。")
    for ax in axes:
        bits = []
        if ax.get_title():
            bits.append(" ".join(ax.get_title().split()))
        if ax.get_xlabel():
            bits.append(f"横轴：{ax.get_xlabel()}")
        if ax.get_ylabel():
            bits.append(f"纵轴：{ax.get_ylabel()}")
        labels = [lab for lab in ax.get_legend_handles_labels()[1] if not lab.startswith("_")]
        if labels:
            bits.append("图例：" + "、".join(dict.fromkeys(labels)))
        if bits:
            parts.append("；".join(bits) + "。")
    return "图：" + ("".join(parts) or "（无标题的图）")


def _png_with_alt(fig):
    from IPython.core.pylabtools import print_figure

    alt = alt_text(fig)
    # The alt text travels inside the PNG too (an iTXt "Description" chunk): myst-nb keeps only
    # width/height of an output's metadata, so the site build reads it from the file
    # (shequn.site.figures).
    data = print_figure(fig, "png", bbox_inches="tight", metadata={"Description": alt})
    return (data, {"alt": alt}) if data else None


def _show_figures_with_alt_text() -> None:
    """In IPython, figures are shown as PNG carrying their alt text in the output's metadata
    (myst-nb writes it to the site's ``<img alt>``)."""
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing is displayed
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    plt.get_backend()  # resolve the inline backend first: it registers its own PNG formatter
    shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_alt)


def new_figure(figsize: tuple[float, float] = (7.0, 4.0)):
    """A figure and axes with the Chinese font active and the course's style.

    The figure is detached from pyplot's state machine, so a notebook shows it
    once (as the cell's value) and repeated calls do not accumulate figures.
    """
    use_chinese_font()
    fig, ax = plt.subplots(figsize=figsize, dpi=100)
    plt.close(fig)
    _show_figures_with_alt_text()
    ax.grid(True, alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax
