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

The syntax, and how a learner's answer is read, are in :mod:`shequn.site.quiz_syntax`.

This is a self-check, not an exam: the answer and the explanations are in the page (hidden until
asked for), so a learner who reads the HTML source can see them.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from shequn.site import STATIC_DIR
from shequn.site.quiz_syntax import (
    FORMATS,
    TYPES,
    Option,
    QuizSpec,
    QuizSyntaxError,
    answer_value,
    parse_quiz,
    read_number,
)

JS_FILE, CSS_FILE = "shequn-quiz.js", "shequn-quiz.css"

__all__ = ["setup", "read_number", "parse_quiz", "QuizSpec", "Option", "QuizSyntaxError", "FORMATS", "TYPES"]

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
