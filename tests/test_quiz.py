"""The {quiz} directive (shequn.site.quiz): parsing, answer normalisation, and the page in Chromium."""

from __future__ import annotations

import functools
import http.server
import re
import threading

import pytest

from shequn.site.quiz import QuizSyntaxError, answer_value, parse_quiz, read_number

# --- Python side: reading numbers and parsing the block -------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "percent", "fullwidth"),
    [
        ("0.3", 0.3, False, False),
        ("３０", 30.0, False, True),  # full-width digits are read, and flagged
        ("３０％", 30.0, True, True),
        ("30%", 30.0, True, False),
        (" 1,200 ", 1200.0, False, False),  # thousands separators
        ("1/4", 0.25, False, False),
        ("-.5", -0.5, False, False),
        ("１２．５", 12.5, False, True),
    ],
)
def test_read_number(text, value, percent, fullwidth):
    r = read_number(text)
    assert r.value == pytest.approx(value)
    assert (r.percent, r.fullwidth) == (percent, fullwidth)


def test_read_number_strips_the_unit():
    assert read_number("12 人", unit="人").value == 12


@pytest.mark.parametrize("text", ["", "   ", "abc", "三十", "1.2.3", "0,3", "1/0"])
def test_read_number_refuses_with_a_bilingual_message(text):
    with pytest.raises(QuizSyntaxError) as exc:
        read_number(text)
    msg = str(exc.value)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in msg) and any(ch.isascii() and ch.isalpha() for ch in msg)


def test_answer_value_puts_a_percent_on_the_question_scale():
    assert answer_value("30%", "fraction") == pytest.approx(0.3)
    assert answer_value("30%", "percent") == 30
    assert answer_value("３０", "percent") == 30
    with pytest.raises(QuizSyntaxError):
        answer_value("30%", "number")


def test_parse_choice_with_whys():
    spec = parse_quiz(
        "choice",
        ["题干 *一*", "", "- [ ] 甲", "  : 错，因为甲。", "- [x] 乙", "  : 对，因为乙", "    还有一行。"],
    )
    assert spec.stem == "题干 *一*"
    assert [(o.text, o.correct) for o in spec.options] == [("甲", False), ("乙", True)]
    assert spec.options[1].why == "对，因为乙 还有一行。"


@pytest.mark.parametrize(
    ("kind", "lines", "needle"),
    [
        ("choice", ["Q", "- [ ] a", "  : x", "- [ ] b", "  : y"], "没有标为正确"),
        ("choice", ["Q", "- [x] a", "  : x", "- [x] b", "  : y"], "恰好一个"),
        ("multi", ["Q", "- [x] a", "  : x", "- [ ] b"], "为什么"),
        ("choice", ["Q", "- [x] a", "  : x"], "至少要两个"),
        ("choice", ["- [x] a", "  : x", "- [ ] b", "  : y"], "题干是空的"),
        ("numeric", ["Q", "- [x] a", "  : x"], "不能有选项"),
        ("essay", ["Q"], ":type:"),
        ("numeric", ["问？", ":explain: 因为……"], "要写在题干之前"),  # an option line after the stem
    ],
)
def test_parse_refuses_broken_blocks(kind, lines, needle):
    with pytest.raises(QuizSyntaxError, match=needle):
        parse_quiz(kind, lines)


# --- The page: a tiny Sphinx project built with the extension, answered in Chromium --------------

PAGE = """# 测验

:::{quiz}
:type: choice
三加四等于几？

- [ ] 6
  : 少了一：3 + 4 = 7。
- [x] 7
  : 对。3 + 4 = 7。
:::

:::{quiz}
:type: numeric
:answer: 30%
:tolerance: 0.005
:format: fraction
:explain: 十人中三人，3 / 10 = 0.3。
:hint: 用人数相除。
十人中有三人转发，转发率（0 到 1 的小数）是多少？
:::

:::{quiz}
:type: numeric
:answer: 30
:format: percent
:explain: 3 / 10 = 30%。
:widget: 读一读本页上方的图。
同样的比例，写成百分数是多少？
:::

:::{quiz}
:type: multi
哪些是偶数？

- [x] 2
  : 2 = 2 × 1。
- [ ] 3
  : 3 是奇数。
- [x] 4
  : 4 = 2 × 2。
:::
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def quiz_site(tmp_path_factory):
    from sphinx.cmd.build import build_main

    src = tmp_path_factory.mktemp("quizsrc")
    out = tmp_path_factory.mktemp("quizout")
    (src / "conf.py").write_text(
        "extensions = ['myst_parser', 'shequn.site.quiz']\n"
        "myst_enable_extensions = ['colon_fence']\nlanguage = 'zh_CN'\nhtml_theme = 'basic'\n",
        encoding="utf-8",
    )
    (src / "index.md").write_text(PAGE, encoding="utf-8")
    (src / "plain.md").write_text("# 无题\n\n没有测验。\n\n```{toctree}\n:hidden:\n```\n", encoding="utf-8")
    (src / "index.md").write_text(PAGE + "\n```{toctree}\n:hidden:\nplain\n```\n", encoding="utf-8")
    assert build_main(["-q", "-W", "-b", "html", str(src), str(out)]) == 0
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_assets_only_on_pages_with_a_quiz(quiz_site):
    out, _ = quiz_site
    assert "shequn-quiz.js" in (out / "index.html").read_text(encoding="utf-8")
    assert "shequn-quiz.js" not in (out / "plain.html").read_text(encoding="utf-8")
    assert (out / "_static" / "shequn-quiz.js").is_file()


def test_whys_lead_with_one_bold_verdict(quiz_site):
    out, _ = quiz_site
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<strong>不对</strong>。少了一" in html
    assert (
        "<strong>对</strong>。3 + 4 = 7" in html and "对。对。" not in html
    )  # the author's own 对。 is not doubled


def test_a_broken_block_fails_the_build_naming_the_file(tmp_path, capsys):
    from sphinx.cmd.build import build_main

    (tmp_path / "conf.py").write_text(
        "extensions = ['myst_parser', 'shequn.site.quiz']\nmyst_enable_extensions = ['colon_fence']\n"
    )
    (tmp_path / "index.md").write_text("# T\n\n:::{quiz}\n:type: numeric\n问？\n:::\n", encoding="utf-8")
    assert build_main(["-q", "-W", "-b", "html", str(tmp_path), str(tmp_path / "_out")]) != 0
    err = capsys.readouterr().err
    assert "index.md" in err and "缺 :answer:" in err


@pytest.fixture
def page(browser, quiz_site):
    _, url = quiz_site
    context = browser.new_context(locale="zh-CN")
    p = context.new_page()
    errors: list[str] = []
    # the browser asks for /favicon.ico, which a bare Sphinx project does not have
    p.on(
        "console",
        lambda m: m.type == "error" and "favicon" not in m.location.get("url", "") and errors.append(m.text),
    )
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(f"{url}/index.html")
    yield p
    assert errors == []
    context.close()


def _feedback(p, n):
    return p.locator("fieldset.shequn-quiz").nth(n).locator(".shequn-quiz-feedback")


def test_choice_feedback_explains_why(page):
    q = page.locator("fieldset.shequn-quiz").nth(0)
    q.get_by_role("button", name="检查答案").click()
    assert "请先选一个选项" in _feedback(page, 0).inner_text()  # empty: a hint, not "wrong"
    q.get_by_label("6").check()
    q.get_by_role("button", name="检查答案").click()
    text = _feedback(page, 0).inner_text()
    assert "还不对" in text and "少了一" in text
    q.get_by_label("7").check()
    q.get_by_role("button", name="检查答案").click()
    assert "✔ 对" in _feedback(page, 0).inner_text()
    assert _feedback(page, 0).get_attribute("aria-live") == "polite"


def test_choice_is_keyboard_operable(page):
    q = page.locator("fieldset.shequn-quiz").nth(0)
    q.get_by_label("6").focus()
    page.keyboard.press("ArrowDown")  # radio group: arrow keys move and select
    q.get_by_role("button", name="检查答案").focus()
    page.keyboard.press("Enter")
    assert "✔ 对" in _feedback(page, 0).inner_text()


@pytest.mark.parametrize(
    ("typed", "expect"),
    [
        ("", "请先在框里填一个数"),
        ("abc", "不是一个数"),
        ("30%", "不是百分数：30% 请写成 0.3"),
        ("30", "看起来是百分数，写成比例是 0.3"),
        ("0,3", "小数点请用"),
        ("0.5", "偏大"),
        ("0.3", "✔ 对"),
        ("０．３", "已把全角字符"),
    ],
)
def test_numeric_fraction_answers_and_hints(page, typed, expect):
    q = page.locator("fieldset.shequn-quiz").nth(1)
    box = q.get_by_label("你的答案")
    box.fill(typed)
    box.press("Enter")
    text = _feedback(page, 1).inner_text()
    assert expect in text
    cls = _feedback(page, 1).get_attribute("class")
    if expect in ("✔ 对", "已把全角字符"):
        assert "is-right" in cls and "3 / 10 = 0.3" in text
    elif expect == "偏大":
        assert "is-wrong" in cls and "用人数相除" in text
    else:
        assert "is-hint" in cls and "还不对" not in text


@pytest.mark.parametrize(
    ("typed", "expect"),
    [("３０", "✔ 对"), ("30%", "✔ 对"), ("0.3", "本题要百分数"), ("25", "偏小")],
)
def test_numeric_percent_answers_and_hints(page, typed, expect):
    q = page.locator("fieldset.shequn-quiz").nth(2)
    assert "读图题" in q.inner_text()
    q.get_by_label("你的答案").fill(typed)
    q.get_by_role("button", name="检查答案").click()
    assert expect in _feedback(page, 2).inner_text()


def test_multi_needs_every_right_option_and_reveal_shows_all(page):
    q = page.locator("fieldset.shequn-quiz").nth(3)
    q.get_by_label("2", exact=True).check()
    q.get_by_role("button", name="检查答案").click()
    assert "还有正确的选项没有选" in _feedback(page, 3).inner_text()
    q.get_by_label("4", exact=True).check()
    q.get_by_role("button", name="检查答案").click()
    assert "✔ 对" in _feedback(page, 3).inner_text()
    show = q.get_by_role("button", name="显示答案")
    show.click()
    text = _feedback(page, 3).inner_text()
    assert "3 是奇数" in text and "2 = 2 × 1" in text and show.get_attribute("aria-expanded") == "true"


# --- the lessons' quizzes: answerable from the page, one box per asked value ---------------------
def _lesson_quizzes():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for md in sorted((root / "book").glob("0*/*.md")):
        blocks = re.findall(r"^:::\{quiz\}\n(.*?)^:::$", md.read_text(encoding="utf-8"), re.M | re.S)
        for i, block in enumerate(blocks, 1):
            options = dict(re.findall(r"^:([a-z]+):\s*(.*)$", block, re.M))
            stem = next(line for line in block.splitlines() if line and not line.startswith((":", "-", " ")))
            yield f"{md.parent.name} Q{i}", options, stem


def test_lesson_quizzes_are_found():
    assert len(list(_lesson_quizzes())) >= 30


@pytest.mark.parametrize("where, options, stem", [pytest.param(*q, id=q[0]) for q in _lesson_quizzes()])
def test_lesson_quiz_needing_code_says_so_and_asks_one_value_per_box(where, options, stem):
    """A question whose answer comes from running code carries ``:code:`` (shown under 「需要运行代码」),
    not a 「运行…」 buried in its text; a numeric question (one box) asks one thing."""
    assert not re.search(r"(?:运行|调用)\s*`", stem), (
        f"{where}: the stem asks to run code; use :code: ({stem})"
    )
    if options.get("type") == "numeric":
        assert len(re.findall(r"[？?]", stem)) == 1, f"{where}: one answer box, but the stem asks {stem}"
