"""The ``{quiz}`` directive's syntax, and how a learner's numeric answer is read (no Sphinx here).

Syntax (MyST)::

    :::{quiz}
    :type: choice            # choice (one answer) | multi (several) | numeric
    :widget: 用上方的 {ref}`门槛探索器 <explorer-thresholds>`，把……   # optional: "read this widget"
    题干，可以有 *行内* 标记。

    - [x] 对的选项
      : 为什么对。
    - [ ] 错的选项
      : 为什么错。
    :::

    :::{quiz}
    :type: numeric
    :answer: 0.3             # full-width digits and a trailing % are read (30% → 0.3 when :format: fraction)
    :tolerance: 0.01         # default 0 (exact, up to floating-point noise)
    :format: fraction        # fraction (0–1) | percent (0–100, "%" optional) | number
    :unit: 人                # optional; shown next to the box and accepted after the number
    :explain: 为什么是 0.3。   # shown when right, and by 「显示答案」
    :hint: 想想……             # optional; shown when wrong
    :code: from shequn.models import thresholds; thresholds.simulate(…)   # optional: 「需要运行代码」
    题干。
    :::

Option lines (``:answer:`` …) come first, right after the ``{quiz}`` line, as in every MyST
directive; an option line after the question text is refused with a message saying so. MyST reads
option values as YAML, so a value must not start with ``{`` or a backtick: write 「计算：{math}`…`」.

A "read this widget" question is any question with ``:widget:``: the text (inline MyST, so it can
``{ref}`` a label placed before the explorer) tells the learner which explorer to set how; the
page shows it with a 读图题 badge above the question.  A question whose answer only code gives has
``:code:``: the page shows that code under a 「需要运行代码」 badge above the question.

Learner input that is not a plain answer (empty, not a number, a ``%`` where a fraction is
expected or the reverse, a decimal comma) gets a hint in Chinese and English and is not marked
wrong; full-width digits are normalised and accepted, with a note that says so.

``static/shequn-quiz.js`` reads answers on the page the same way as :func:`read_number`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "FORMATS",
    "TYPES",
    "Option",
    "QuizSpec",
    "QuizSyntaxError",
    "Reading",
    "answer_value",
    "parse_quiz",
    "read_number",
]

TYPES = ("choice", "multi", "numeric")
FORMATS = ("fraction", "percent", "number")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


class QuizSyntaxError(ValueError):
    """A ``{quiz}`` block that cannot be turned into a question (message is bilingual)."""


@dataclass(frozen=True)
class Reading:
    """A number read from text: its value, whether it carried a ``%``, and what was normalised."""

    value: float
    percent: bool
    fullwidth: bool


def _halfwidth(text: str) -> tuple[str, bool]:
    """NFKC-fold full-width digits and signs (３０．５％ → 30.5%); report whether anything changed."""
    folded = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    return folded, folded != text


def read_number(text: str, unit: str = "") -> Reading:
    """Read an answer written by a person: ``0.3``, ``３０``, ``30%``, ``1,200``, ``1/3``, ``12 人``.

    Raises :class:`QuizSyntaxError` with a bilingual message for anything else. The browser
    side (``shequn-quiz.js``) applies the same rules to the learner's input.
    """
    raw = str(text).strip()
    if not raw:
        raise QuizSyntaxError("答案是空的。(The answer is empty.)")
    s, fullwidth = _halfwidth(raw)
    s = s.strip()
    if unit and s.endswith(unit):
        s = s[: -len(unit)].strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if "/" in s:
        num, _, den = s.partition("/")
        if _NUMBER.match(num.strip()) and _NUMBER.match(den.strip()) and float(den) != 0:
            return Reading(float(num) / float(den), percent, fullwidth)
    if not _NUMBER.match(s):
        raise QuizSyntaxError(f'「{raw}」不是一个数。("{raw}" is not a number.)')
    return Reading(float(s), percent, fullwidth)


def answer_value(text: str, fmt: str) -> float:
    """The directive's ``:answer:`` as a number on the scale of *fmt* (``30%`` → 0.3 for a fraction)."""
    r = read_number(text)
    if r.percent and fmt == "fraction":
        return r.value / 100
    if r.percent and fmt == "number":
        raise QuizSyntaxError(
            f"答案「{text}」带 %，但 :format: 是 number。(Answer has % but :format: is number.)"
        )
    return r.value


@dataclass
class Option:
    text: str
    correct: bool
    why: str = ""


@dataclass
class QuizSpec:
    kind: str
    stem: str
    options: list[Option] = field(default_factory=list)


_OPTION = re.compile(r"^[-*]\s+\[([ xX])\]\s+(.*)$")


def parse_quiz(kind: str, lines: list[str]) -> QuizSpec:
    """Split a ``{quiz}`` body into the stem and (for choice questions) the options with their whys."""
    if kind not in TYPES:
        raise QuizSyntaxError(
            f":type: 必须是 {'/'.join(TYPES)} 之一，而不是「{kind}」。(:type: must be one of {TYPES}.)"
        )
    stem: list[str] = []
    options: list[Option] = []
    for line in lines:
        if re.match(r"^:[a-z-]+:", line):
            raise QuizSyntaxError(
                f"选项行「{line.strip()}」要写在题干之前，紧跟 {{quiz}} 那一行。"
                "(Option lines must come first, before the question text.)"
            )
        m = _OPTION.match(line.strip()) if not line.startswith("  ") else None
        if m:
            options.append(Option(m.group(2).strip(), m.group(1).lower() == "x"))
        elif options and line.strip().startswith(":") and line.startswith(" "):
            why = line.strip()[1:].strip()
            options[-1].why = f"{options[-1].why} {why}".strip()
        elif options and line.strip() and line.startswith(" ") and options[-1].why:
            options[-1].why += " " + line.strip()  # continuation of a why
        elif options and line.strip():
            raise QuizSyntaxError(
                f"选项之后的这一行无法识别：「{line.strip()}」。(Unrecognised line after the options.)"
            )
        elif not options:
            stem.append(line)
    spec = QuizSpec(kind, "\n".join(stem).strip(), options)
    if not spec.stem:
        raise QuizSyntaxError("题干是空的。(The question has no text.)")
    if kind == "numeric":
        if options:
            raise QuizSyntaxError("数值题不能有选项。(A numeric question has no options.)")
        return spec
    if len(options) < 2:
        raise QuizSyntaxError("选择题至少要两个选项。(A choice question needs at least two options.)")
    n_right = sum(o.correct for o in options)
    if n_right == 0:
        raise QuizSyntaxError("没有标为正确（[x]）的选项。(No option is marked correct with [x].)")
    if kind == "choice" and n_right != 1:
        raise QuizSyntaxError(
            "单选题必须恰好一个 [x]；多个正确请用 :type: multi。(Single choice needs exactly one [x].)"
        )
    missing = [o.text for o in options if not o.why]
    if missing:
        raise QuizSyntaxError(
            f"每个选项都要写为什么（缩进的「: …」行），缺：{missing}。(Every option needs a why.)"
        )
    return spec
