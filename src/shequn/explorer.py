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

__all__ = ["Control", "Explorer", "bar_table"]

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
            yield dict(zip((c.name for c in self.controls), combo))

    def defaults(self) -> dict[str, Any]:
        return {c.name: c.default for c in self.controls}

    def extremes(self) -> Iterator[dict[str, Any]]:
        """Combinations where every control sits at its first or last option."""
        for combo in itertools.product(*((c.values[0], c.values[-1]) for c in self.controls)):
            yield dict(zip((c.name for c in self.controls), combo))

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
        return cls(model_id=self._uid(generation, path), **kwargs)

    def _control_widget(self, control: Control, generation: int, level: int):
        path = f"control{level}"
        common = dict(options=list(zip(control.labels, range(len(control.options)))),
                      index=control.default_index)
        if control.kind == "slider":
            widget = self._make(
                w.SelectionSlider, generation, path, description=control.label,
                continuous_update=False, **common,
            )
            widget.layout.width = "32em"
        elif control.kind == "dropdown":
            widget = self._make(w.Dropdown, generation, path, description=control.label, **common)
        else:
            widget = self._make(w.ToggleButtons, generation, path, description=control.label, **common)
            # Size each button to its label, so long Chinese labels are not cut off.
            widget.style.button_width = "auto"
        # Wide enough for the whole Chinese label (about 1em per character), at least 7em.
        widget.style.description_width = f"{max(7, len(control.label) + 1)}em"
        return widget

    def widget(self) -> w.VBox:
        """Build the explorer: controls above, precomputed results below."""
        generation = _generations[self.name]
        _generations[self.name] += 1
        controls = [self._control_widget(c, generation, i) for i, c in enumerate(self.controls)]
        stacks_by_level: list[list[w.Stack]] = [[] for _ in self.controls]

        def build(level: int, params: dict[str, Any], path: str):
            if level == len(self.controls):
                return self._make(w.HTML, generation, path, value=self.compute(**params))
            control = self.controls[level]
            children = [
                build(level + 1, {**params, control.name: value}, f"{path}.{i}")
                for i, value in enumerate(control.values)
            ]
            stack = self._make(w.Stack, generation, path, children=children,
                               selected_index=control.default_index)
            stacks_by_level[level].append(stack)
            return stack

        output = build(0, {}, "out")
        output.add_class("shequn-output")
        links = [
            self._make(Link, generation, f"link{level}.{j}",
                       source=(controls[level], "index"), target=(stack, "selected_index"))
            for level, stacks in enumerate(stacks_by_level)
            for j, stack in enumerate(stacks)
        ]
        header = []
        if self.title:
            header.append(self._make(w.HTML, generation, "title",
                                     value=f"<strong>{html.escape(self.title)}</strong>"))
        footer = []
        if self.note:
            footer.append(self._make(w.HTML, generation, "note",
                                     value=f"<small>{html.escape(self.note)}</small>"))
        box = self._make(w.VBox, generation, "box", children=[*header, *controls, output, *footer])
        box._shequn_links = links  # keep the links alive with the box
        box.add_class("shequn-explorer")
        return box


def _bar(fraction: float, color: str) -> str:
    pct = max(0.0, min(1.0, fraction)) * 100
    return (
        f'<span style="display:inline-block;width:8em;height:0.8em;background:#eee;'
        f'vertical-align:middle"><span style="display:block;width:{pct:.1f}%;height:100%;'
        f'background:{color}"></span></span>'
    )


def bar_table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str, float | None]],
              caption: str = "") -> str:
    """Render rows as an HTML table; numeric columns get an inline bar.

    ``columns`` holds ``(key, header, scale)``: ``scale`` is the value drawn as a
    full bar (``None`` for a text column).  Values are formatted with 2
    decimals, or as percentages when ``scale == 1``.
    """
    palette = ("#2f6fb0", "#d9822b", "#3a9a5b", "#a24b9c")
    head = "".join(f'<th style="text-align:left;padding:2px 8px">{html.escape(h)}</th>'
                   for _, h, _ in columns)
    body = []
    for row in rows:
        cells = []
        bar_i = 0
        for key, _, scale in columns:
            value = row[key]
            if scale is None:
                cell = html.escape(str(value))
            else:
                text = f"{value:.0%}" if scale == 1 else f"{value:.2f}"
                cell = f"{_bar(value / scale if scale else 0.0, palette[bar_i % len(palette)])} {text}"
                bar_i += 1
            cells.append(f'<td style="padding:2px 8px">{cell}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    cap = f'<caption style="caption-side:top;text-align:left">{html.escape(caption)}</caption>' if caption else ""
    return (f'<table class="shequn-result" style="border-collapse:collapse;font-size:0.9em">'
            f"{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
