"""Lesson 3 widget: the magnet claim (drives :mod:`shequn.models.magnets`)."""

from __future__ import annotations

import html

from shequn.models import magnets
from shequn.widgets.explorer import CAPTION, Control, Explorer, bar_table, paragraph

__all__ = ["magnet_explorer_spec", "magnet_explorer"]

_MAGNET_TRIALS = 4000


def _render_magnets(variant: str, n: int) -> str:
    r = magnets.compare(variant, n, trials=_MAGNET_TRIALS, seed=0)
    rows = [{"what": f"模拟估计（{_MAGNET_TRIALS}次试验）", "p": r.estimate}]
    if r.exact is not None:
        rows.append({"what": "精确公式", "p": r.exact})
    if r.seed_claim is not None:
        rows.append({"what": "作者的说法", "p": r.seed_claim})
    table = bar_table(rows, [("what", "", None), ("p", "概率", 1)], caption=CAPTION)
    exact = "本变体没有给出精确公式。" if r.exact is None else f"精确值{r.exact:z.1%}。"
    head = paragraph(
        f"<b>{html.escape(magnets.VARIANT_ZH[variant])}</b>，{n}块磁铁："
        f"模拟估计{r.estimate:z.1%}（标准误约{r.std_error:z.1%}），{exact}"
    )
    if r.seed_claim is None:
        verdict = "作者只给出了2块和3块的数字。"
    elif r.exact is not None and abs(r.exact - r.seed_claim) < 0.01:
        verdict = "在这组假设下，精确值与作者的数字一致（作者把2/3写作66%）。"
    elif r.exact is not None:
        verdict = "在这组假设下，精确值与作者的数字不一致。"
    else:
        diff = abs(r.estimate - r.seed_claim) > 4 * max(r.std_error, 1e-3)
        verdict = "模拟估计与作者的数字" + ("相差超过4个标准误。" if diff else "在模拟误差之内。")
    return head + table + paragraph(f"<small>{html.escape(verdict)}</small>")


def magnet_explorer_spec() -> Explorer:
    """Lesson 3: assumption (variant) x number of magnets (grid 5 x 7 = 35)."""
    return Explorer(
        name="user_economy_magnets",
        title="磁铁探索器（magnet explorer）",
        note="每个变体是一组明确的假设；模拟用固定的随机种子。作者没有说明它的数字依据什么假设。",
        controls=[
            Control(
                "variant",
                "假设",
                [(magnets.VARIANT_ZH[v], v) for v in magnets.VARIANTS],
                default="chain_any",
                kind="dropdown",
            ),
            Control("n", "磁铁数", [(str(n), n) for n in range(2, 9)], default=3),
        ],
        render=_render_magnets,
    )


def magnet_explorer():
    """The magnet widget shown in lesson 3."""
    return magnet_explorer_spec().widget()
