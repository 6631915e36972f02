"""Self-check questions with instant feedback on the static page: the ``{quiz}`` directive.

Why our own directive and not a package: ``jupyterquiz`` (the maintained option) was checked
(2.9.6.4). It renders a quiz as the *output of a code cell* that the kernel must execute, its
numeric check is ``Number(input) == answer`` (full-width ``３０``, ``30%`` or an empty box are a
silent "Incorrect -- try again"), its feedback strings are English, and the feedback box is not an
``aria-live`` region. What we need is small: native form controls (radio, checkbox, text input) in
a ``<fieldset>``, feedback in a live region, Chinese/English hints for unexpected input, and no
kernel, no CDN. So this module hand-writes it: the directive (Python, here) and ~200 lines of
JavaScript/CSS (``static/shequn-quiz.js``, ``static/shequn-quiz.css`` in this package), loaded only
on pages that contain a quiz.

Syntax (MyST)::

    :::{quiz}
    :type: choice            # choice (one answer) | multi (several) | numeric
    :widget: 用上方的 {ref}`门槛探索器 <explorer-thresholds>`，把……   # optional: a "read this widget" question
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

This is a self-check, not an exam: the answer and the explanations are in the page (hidden until
asked for), so a learner who reads the HTML source can see them.

Learner input that is not a plain answer (empty, not a number, a ``%`` where a fraction is
expected or the reverse, a decimal comma) gets a hint in Chinese and English and is not marked
wrong; full-width digits are normalised and accepted, with a note that says so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from shequn.site import STATIC_DIR

__all__ = ["setup", "read_number", "parse_quiz", "QuizSpec", "Option", "QuizSyntaxError", "FORMATS", "TYPES"]

TYPES = ("choice", "multi", "numeric")
FORMATS = ("fraction", "percent", "number")
JS_FILE, CSS_FILE = "shequn-quiz.js", "shequn-quiz.css"
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


# --- doctree nodes -------------------------------------------------------------------------------


class quiz(nodes.General, nodes.Element):
    """A whole question: ``<fieldset class="shequn-quiz" data-…>``."""


class quiz_legend(nodes.General, nodes.TextElement):
    pass


class quiz_option(nodes.General, nodes.TextElement):
    pass


class quiz_why(nodes.General, nodes.Element):
    pass


class quiz_widget(nodes.General, nodes.TextElement):
    pass


class quiz_code(nodes.General, nodes.Element):
    """「需要运行代码」: the code whose output answers the question, shown above it."""


def _attrs(d: dict) -> str:
    from html import escape

    return "".join(f' {k}="{escape(str(v), quote=True)}"' for k, v in d.items() if v is not None)


def visit_quiz(self, node):
    data = {"class": "shequn-quiz", "id": node["qid"], "data-type": node["kind"]}
    if node["kind"] == "numeric":
        data.update(
            {
                "data-answer": repr(node["answer"]),
                "data-tolerance": repr(node["tolerance"]),
                "data-format": node["format"],
                "data-unit": node["unit"],
            }
        )
    if node.get("widget"):
        data["data-widget"] = "1"
    self.body.append(f"<fieldset{_attrs(data)}>")


def depart_quiz(self, node):
    from html import escape

    qid = node["qid"]
    if node["kind"] == "numeric":
        unit = node["unit"] or {"percent": "%", "fraction": "（0–1 的小数）"}.get(node["format"], "")
        self.body.append(
            f'<div class="shequn-quiz-input"><label for="{qid}-in">你的答案</label> '
            f'<input type="text" inputmode="decimal" autocomplete="off" id="{qid}-in" name="{qid}"> '
            f'<span class="shequn-quiz-unit">{escape(unit)}</span></div>'
        )
    self.body.append(
        '<div class="shequn-quiz-buttons">'
        f'<button type="button" class="shequn-quiz-check">检查答案</button> '
        f'<button type="button" class="shequn-quiz-reveal" aria-expanded="false">显示答案</button></div>'
        f'<div class="shequn-quiz-feedback" role="status" aria-live="polite" id="{qid}-fb"></div>'
        "</fieldset>"
    )


def visit_legend(self, node):
    self.body.append('<legend class="shequn-quiz-stem">')


def depart_legend(self, node):
    self.body.append("</legend>")


def visit_option(self, node):
    typ = "checkbox" if node["kind"] == "multi" else "radio"
    oid = f"{node['qid']}-o{node['index']}"
    self.body.append(
        f'<div class="shequn-quiz-option"><input type="{typ}" name="{node["qid"]}" id="{oid}" '
        f'value="{node["index"]}" data-correct="{"1" if node["correct"] else "0"}"> <label for="{oid}">'
    )


def depart_option(self, node):
    self.body.append("</label></div>")


def visit_why(self, node):
    self.body.append(f'<div class="shequn-quiz-why" data-for="{node["for"]}" hidden>')


def depart_why(self, node):
    self.body.append("</div>")


def visit_widget(self, node):
    self.body.append('<p class="shequn-quiz-widget"><span class="shequn-quiz-badge">读图题</span> ')


def depart_widget(self, node):
    self.body.append("</p>")


def visit_code(self, node):
    self.body.append(
        '<div class="shequn-quiz-code"><p><span class="shequn-quiz-badge">需要运行代码</span> '
        "本题的答案不在页面上：在本课的笔记本里运行下面的代码，读出答案。</p>"
    )


def depart_code(self, node):
    self.body.append("</div>")


def _skip(self, node):
    raise nodes.SkipNode


def _verdict(opt: Option) -> str:
    """The option's why, led by a bold 对 / 不对 unless the author already starts with it."""
    lead = "对" if opt.correct else "不对"
    why = opt.why
    if why.startswith(lead) and why[len(lead) : len(lead) + 1] in "。，：、":
        why = why[len(lead) + 1 :]
    return f"**{lead}**。{why}"  # CommonMark: no punctuation just before the closing **


class QuizDirective(SphinxDirective):
    has_content = True
    option_spec = {
        "type": lambda a: directives.choice(a.strip(), TYPES),
        "answer": directives.unchanged_required,
        "tolerance": directives.unchanged_required,
        "format": lambda a: directives.choice(a.strip(), FORMATS),
        "unit": directives.unchanged,
        "explain": directives.unchanged,
        "hint": directives.unchanged,
        "widget": directives.unchanged,
        "code": directives.unchanged_required,
    }

    def _inline(self, text: str) -> list[nodes.Node]:
        inline_nodes, messages = self.state.inline_text(text, self.lineno)
        return [*inline_nodes, *messages]

    def _block(self, text: str) -> list[nodes.Node]:
        box = nodes.container()
        self.state.nested_parse(
            self.content.__class__(text.splitlines(), source=self.get_source_info()[0]),
            self.content_offset,
            box,
        )
        return box.children

    def run(self) -> list[nodes.Node]:
        where = "{}:{}".format(*self.get_source_info())
        kind = self.options.get("type", "choice")
        try:
            spec = parse_quiz(kind, list(self.content))
            fmt = self.options.get("format", "number")
            answer = tol = None
            if kind == "numeric":
                if "answer" not in self.options:
                    raise QuizSyntaxError("数值题缺 :answer:。(A numeric question needs :answer:.)")
                if not self.options.get("explain"):
                    raise QuizSyntaxError(
                        "数值题缺 :explain:（为什么是这个数）。(A numeric question needs :explain:.)"
                    )
                answer = answer_value(self.options["answer"], fmt)
                tol = answer_value(self.options.get("tolerance", "0"), fmt)
        except QuizSyntaxError as exc:
            raise self.error(f"{{quiz}} 写法有误（{where}）：{exc}") from None
        env = self.env
        count = env.temp_data.get("shequn_quiz_count", 0) + 1
        env.temp_data["shequn_quiz_count"] = count
        qid = f"shequn-quiz-{count}"
        node = quiz(
            kind=kind,
            qid=qid,
            answer=answer,
            tolerance=tol,
            format=fmt,
            unit=self.options.get("unit", ""),
            widget=bool(self.options.get("widget")),
        )
        self.set_source_info(node)
        if self.options.get("widget"):
            node += quiz_widget("", "", *self._inline(self.options["widget"]))
        if self.options.get("code"):
            code = self.options["code"].strip()
            node += quiz_code("", nodes.literal_block(code, code, language="python"))
        node += quiz_legend("", "", *self._inline(spec.stem))
        for i, opt in enumerate(spec.options):
            node += quiz_option(
                "", "", *self._inline(opt.text), kind=kind, qid=qid, index=i, correct=opt.correct
            )
        for i, opt in enumerate(spec.options):
            why = quiz_why(**{"for": f"{qid}-o{i}"})
            why += self._block(_verdict(opt))
            node += why
        if kind == "numeric":
            right = quiz_why(**{"for": "right"})
            right += self._block(self.options["explain"])
            node += right
            if self.options.get("hint"):
                hint = quiz_why(**{"for": "hint"})
                hint += self._block(self.options["hint"])
                node += hint
        return [node]


def _add_static(app: Sphinx, config) -> None:
    if str(STATIC_DIR) not in map(str, config.html_static_path):
        config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]


def _page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if doctree is not None and next(iter(doctree.findall(quiz)), None) is not None:
        app.add_js_file(JS_FILE, defer="defer")
        app.add_css_file(CSS_FILE)


def setup(app: Sphinx) -> dict:
    html = (visit_quiz, depart_quiz)
    app.add_node(
        quiz, html=html, latex=(_skip, None), text=(_skip, None), man=(_skip, None), texinfo=(_skip, None)
    )
    for node_cls, vd in (
        (quiz_legend, (visit_legend, depart_legend)),
        (quiz_option, (visit_option, depart_option)),
        (quiz_why, (visit_why, depart_why)),
        (quiz_widget, (visit_widget, depart_widget)),
        (quiz_code, (visit_code, depart_code)),
    ):
        app.add_node(node_cls, html=vd)
    app.add_directive("quiz", QuizDirective)
    app.connect("config-inited", _add_static, priority=950)
    app.connect("html-page-context", _page_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
