"""Interactive explorers that keep working on a static web page.

An :class:`Explorer` couples a model to a few discrete controls.  Instead of
recomputing in a Python callback (which needs a live kernel), it evaluates the
model with the *same Python function* at every point of the control grid when
the cell runs, puts each result in an ``ipywidgets.HTML`` leaf of nested
``ipywidgets.Stack`` widgets, and ties each control's ``index`` to the stacks
of its level with ``ipywidgets.jslink``.  The links live in the browser, so the
saved widget state responds to the controls in JupyterLab and on the built
site alike, with no kernel and no model code in JavaScript.

Widget model ids are derived from the explorer's name and the widget's place
in the tree, so re-executing a notebook reproduces the same widget state (no
random ids in stored notebooks).

A control that cannot change the result in the current setting is disabled,
with a visible reason (:func:`inert_controls`): "no effect" is read from the
precomputed grid itself (the results are equal across that control's options),
so it stays true when a model changes.  In a live kernel a Python observer
keeps it up to date; on the static site ``shequn/site/static/shequn-explorers.js`` applies the
same rule to the saved state.
"""

from __future__ import annotations

import html
import itertools
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ipywidgets as w
from ipywidgets.widgets.widget_link import Link

__all__ = ["CAPTION", "Control", "Explorer", "bar_table", "inert_controls", "inert_reason", "paragraph"]

CAPTION = "示意模型（合成数字，非实测数据）"  # the caption of every widget's result table

ControlKind = Literal["slider", "dropdown", "toggle"]
_NAMESPACE = uuid.UUID("6f1c2a52-7a1e-4b7e-9d0c-2f9b5c3e8a11")
_generations: Counter[str] = Counter()


@dataclass(frozen=True)
class Control:
    """One control: a parameter name, a Chinese label and its discrete options.

    ``options`` is a sequence of ``(label, value)`` pairs; ``default`` is one of
    the values.
    """

    name: str
    label: str
    options: Sequence[tuple[str, Any]]
    default: Any
    kind: ControlKind = "slider"

    def __post_init__(self) -> None:
        if not self.options:
            raise ValueError(f"control {self.name!r} has no options")
        if self.default not in self.values:
            raise ValueError(f"control {self.name!r}: default {self.default!r} is not one of {self.values}")

    @property
    def values(self) -> list[Any]:
        return [v for _, v in self.options]

    @property
    def labels(self) -> list[str]:
        return [str(label) for label, _ in self.options]

    @property
    def default_index(self) -> int:
        return self.values.index(self.default)


@dataclass
class Explorer:
    """A model, its controls and a renderer from model result to HTML."""

    name: str
    controls: Sequence[Control]
    render: Callable[..., str]
    title: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.controls]
        if len(set(names)) != len(names):
            raise ValueError(f"explorer {self.name!r}: duplicate control names {names}")

    # ----------------------------------------------------------------- grid
    @property
    def grid_size(self) -> int:
        size = 1
        for c in self.controls:
            size *= len(c.options)
        return size

    def grid(self) -> Iterator[dict[str, Any]]:
        """Every combination of control values, first control slowest."""
        for combo in itertools.product(*(c.values for c in self.controls)):
            yield dict(zip((c.name for c in self.controls), combo, strict=True))

    def defaults(self) -> dict[str, Any]:
        return {c.name: c.default for c in self.controls}

    def extremes(self) -> Iterator[dict[str, Any]]:
        """Combinations where every control sits at its first or last option."""
        for combo in itertools.product(*((c.values[0], c.values[-1]) for c in self.controls)):
            yield dict(zip((c.name for c in self.controls), combo, strict=True))

    def compute(self, **params: Any) -> str:
        """The HTML shown for one setting of the controls (one recompute)."""
        missing = {c.name for c in self.controls} - params.keys()
        if missing:
            raise TypeError(f"explorer {self.name!r}: missing parameters {sorted(missing)}")
        return self.render(**params)

    # --------------------------------------------------------------- widget
    def _uid(self, generation: int, path: str) -> str:
        return uuid.uuid5(_NAMESPACE, f"{self.name}#{generation}/{path}").hex

    def _make(self, cls, generation: int, path: str, **kwargs):
        """Create a widget (and its layout/style models) with stable model ids."""
        traits = cls.class_traits()
        if "layout" in traits and "layout" not in kwargs:
            kwargs["layout"] = w.Layout(model_id=self._uid(generation, path + ":layout"))
        if "style" in traits and "style" not in kwargs:
            kwargs["style"] = traits["style"].klass(model_id=self._uid(generation, path + ":style"))
        if "tooltip" in traits and "tooltip" not in kwargs:
            kwargs["tooltip"] = ""  # the default None is shown as a "null" tooltip on the site
        return cls(model_id=self._uid(generation, path), **kwargs)

    def _control_widget(self, control: Control, generation: int, level: int):
        path = f"control{level}"
        common = dict(
            options=list(zip(control.labels, range(len(control.options)), strict=True)),
            index=control.default_index,
            description=control.label,
        )
        if control.kind == "slider":
            widget = self._make(w.SelectionSlider, generation, path, continuous_update=False, **common)
        elif control.kind == "dropdown":
            widget = self._make(w.Dropdown, generation, path, **common)
        else:
            widget = self._make(w.ToggleButtons, generation, path, **common)
            # Size each button to its label, so long Chinese labels are not cut off.
            widget.style.button_width = "auto"
        # Fluid: as wide as the card allows (the site's CSS wraps the label above
        # the control on a phone); the label is wide enough for its Chinese text.
        widget.layout.width = "100%"
        widget.layout.max_width = "40em"
        widget.style.description_width = f"{max(7, len(control.label) + 1)}em"
        widget.add_class("shequn-control")
        widget.add_class(f"shequn-level-{level}")
        return widget

    def leaves(self) -> list[str]:
        """The result for every grid point, in :meth:`grid` order (first control slowest)."""
        return [self.compute(**params) for params in self.grid()]

    def widget(self) -> w.VBox:
        """Build the explorer: controls above, precomputed results below."""
        generation = _generations[self.name]
        _generations[self.name] += 1
        controls = [self._control_widget(c, generation, i) for i, c in enumerate(self.controls)]
        stacks_by_level: list[list[w.Stack]] = [[] for _ in self.controls]
        # One layout (and one style) shared by every result and stack keeps the saved state small.
        leaf_layout = self._make(w.Layout, generation, "out:layout")
        leaf_style = self._make(w.HTML.class_traits()["style"].klass, generation, "out:style")
        stack_layout = self._make(w.Layout, generation, "stack:layout")
        results = self.leaves()
        pending = iter(results)

        def build(level: int, path: str):
            if level == len(self.controls):
                return self._make(
                    w.HTML, generation, path, value=next(pending), layout=leaf_layout, style=leaf_style
                )
            control = self.controls[level]
            children = [build(level + 1, f"{path}.{i}") for i in range(len(control.values))]
            stack = self._make(
                w.Stack,
                generation,
                path,
                children=children,
                selected_index=control.default_index,
                layout=stack_layout,
            )
            stacks_by_level[level].append(stack)
            return stack

        output = build(0, "out")
        output.add_class("shequn-output")
        links = [
            self._make(
                Link,
                generation,
                f"link{level}.{j}",
                source=(controls[level], "index"),
                target=(stack, "selected_index"),
            )
            for level, stacks in enumerate(stacks_by_level)
            for j, stack in enumerate(stacks)
        ]
        header = []
        if self.title:
            header.append(
                self._make(w.HTML, generation, "title", value=f"<strong>{html.escape(self.title)}</strong>")
            )
        footer = []
        if self.note:
            footer.append(
                self._make(w.HTML, generation, "note", value=f"<small>{html.escape(self.note)}</small>")
            )
        rows, reasons = self._control_rows(controls, generation, results)
        box = self._make(w.VBox, generation, "box", children=[*header, *rows, output, *footer])
        box._shequn_links = links  # keep the links alive with the box
        box.add_class("shequn-explorer")
        self._keep_disabled_state(controls, reasons, results)
        return box

    def _control_rows(self, controls, generation: int, results: Sequence[str]):
        """Each control, followed by a reason line if the control can ever be disabled."""
        sizes = [len(c.options) for c in self.controls]
        can_be_disabled = [False] * len(sizes)
        for indices in itertools.product(*(range(n) for n in sizes)):
            for k in inert_controls(results, sizes, indices):
                can_be_disabled[k] = True
        rows, reasons = [], {}
        for level, control in enumerate(controls):
            rows.append(control)
            if can_be_disabled[level]:
                reason = self._make(w.HTML, generation, f"reason{level}", value="")
                reason.add_class("shequn-reason")
                reason.add_class(f"shequn-reason-{level}")
                reasons[level] = reason
                rows.append(reason)
        return rows, reasons

    def _keep_disabled_state(self, controls, reasons, results: Sequence[str]) -> None:
        """Disable inert controls now and, in a live kernel, whenever a control moves."""
        if not reasons:
            return
        sizes = [len(c.options) for c in self.controls]

        def update(_change=None) -> None:
            indices = [c.index for c in controls]
            inert = inert_controls(results, sizes, indices)
            for level, control in enumerate(controls):
                control.disabled = level in inert
                if level in reasons:
                    reasons[level].value = (
                        inert_reason(self.controls, indices, level, inert[level]) if level in inert else ""
                    )

        update()
        for control in controls:
            control.observe(update, names="index")


def _flat(sizes: Sequence[int], indices: Sequence[int]) -> int:
    pos = 0
    for n, i in zip(sizes, indices, strict=True):
        pos = pos * n + i
    return pos


def _effective(results: Sequence[str], sizes: Sequence[int], indices: Sequence[int], k: int) -> bool:
    """Whether moving control ``k`` alone changes the result at ``indices``."""
    seen = {results[_flat(sizes, [*indices[:k], v, *indices[k + 1 :]])] for v in range(sizes[k])}
    return len(seen) > 1


def inert_controls(
    results: Sequence[str], sizes: Sequence[int], indices: Sequence[int]
) -> dict[int, list[int]]:
    """Controls to disable at ``indices``, each with the controls that explain why.

    ``results`` holds the result of every grid point (first control slowest),
    ``sizes`` the number of options of each control.  Control ``k`` is disabled
    when no option of ``k`` changes the result, and some *other* control ``j``
    that does change it now could make ``k`` matter again (some option of ``j``
    under which ``k`` changes the result).  Those ``j`` are the reason; a
    control with no such ``j`` stays enabled, so the learner is never stuck.
    """
    indices = list(indices)
    live = [_effective(results, sizes, indices, k) for k in range(len(sizes))]
    out: dict[int, list[int]] = {}
    for k in range(len(sizes)):
        if live[k]:
            continue
        why = [
            j
            for j in range(len(sizes))
            if j != k
            and live[j]
            and any(
                _effective(results, sizes, [*indices[:j], v, *indices[j + 1 :]], k) for v in range(sizes[j])
            )
        ]
        if why:
            out[k] = why
    return out


def inert_reason(controls: Sequence[Control], indices: Sequence[int], k: int, why: Sequence[int]) -> str:
    """The visible reason a control is disabled (site/static/shequn-explorers.js writes the same text)."""
    setting = "、".join(f"{controls[j].label}为{controls[j].labels[indices[j]]}" for j in why)
    others = "或".join(controls[j].label for j in why)
    return (
        f'<span class="shequn-reason-text">{html.escape(controls[k].label)}暂不可用：'
        f"{html.escape(setting)}时，它不改变结果；改变{html.escape(others)}后可用。</span>"
    )


def paragraph(text: str) -> str:
    """One line of a widget's result text (``text`` is HTML the caller has escaped)."""
    return f'<p style="margin:4px 0">{text}</p>'


def _bar(fraction: float, color: str) -> str:
    pct = max(0.0, min(1.0, fraction)) * 100
    return (
        f'<span style="display:inline-block;width:8em;height:0.8em;background:#eee;'
        f'vertical-align:middle"><span style="display:block;width:{pct:z.1f}%;height:100%;'
        f'background:{color}"></span></span>'
    )


def bar_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, float | None]], caption: str = ""
) -> str:
    """Render rows as an HTML table; numeric columns get an inline bar.

    ``columns`` holds ``(key, header, scale)``: ``scale`` is the value drawn as a
    full bar (``None`` for a text column).  Values are formatted with 2
    decimals, or as percentages when ``scale == 1``.
    """
    palette = ("#2f6fb0", "#d9822b", "#3a9a5b", "#a24b9c")
    head = "".join(
        f'<th style="text-align:left;padding:2px 8px">{html.escape(h)}</th>' for _, h, _ in columns
    )
    body = []
    for row in rows:
        cells = []
        bar_i = 0
        for key, _, scale in columns:
            value = row[key]
            if scale is None:
                cell = html.escape(str(value))
            else:
                text = f"{value:z.0%}" if scale == 1 else f"{value:z.2f}"
                cell = f"{_bar(value / scale if scale else 0.0, palette[bar_i % len(palette)])} {text}"
                bar_i += 1
            cells.append(f'<td style="padding:2px 8px">{cell}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    cap = (
        f'<caption style="caption-side:top;text-align:left">{html.escape(caption)}</caption>'
        if caption
        else ""
    )
    # A table wider than a phone scrolls in its own box, which a keyboard can reach (tabindex) and a
    # screen reader names (role=region): the card and its sentences keep the screen's width.
    name = html.escape(caption or "结果表", quote=True)
    return (
        f'<div class="shequn-table-scroll" role="region" tabindex="0" aria-label="{name}">'
        f'<table class="shequn-result" style="border-collapse:collapse;font-size:0.9em">'
        f"{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
