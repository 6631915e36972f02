"""One term, one meaning: the glossary's deprecated and conflicting wordings never appear.

``book/reference/glossary.md`` has two machine-read tables:

* ``table-deprecated-terms``: one row per deprecated wording, the term to use
  instead, and the exceptions (proper names, seed titles) that may keep it.
* ``table-term-conflicts``: a term and the wordings that would give it a second
  meaning (留存 next to 退群/在群: that quantity is 在群率).  A sentence holding
  both is a conflict unless it also holds one of the row's exception words,
  which mark a sentence that contrasts the two quantities.

Checked: the lessons (quizzes, their options and explanations included), the
assignment sources in ``solutions/`` and the Chinese labels of the widgets and
model tables in ``src/shequn/widgets`` and ``src/shequn/models``.  Code cells,
inline code and quotations in 「」 are not checked: a quotation reproduces a
seed's own words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "reference" / "glossary.md"


def _table(name: str, glossary: Path = GLOSSARY) -> list[list[str]]:
    """The body rows of the glossary's Markdown table ``name``, cell by cell."""
    text = glossary.read_text(encoding="utf-8")
    if f":name: {name}" not in text:
        raise AssertionError(f"{glossary}: 找不到表 {name} (table missing)")
    block = text.split(f":name: {name}", 1)[1].split("```", 1)[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in block.splitlines()
        if line.startswith("|")
    ]
    return [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]


def _words(cell: str) -> list[str]:
    return [] if cell == "无" else [e.strip() for e in cell.split("、")]


def deprecated_terms(glossary: Path = GLOSSARY) -> list[tuple[str, str, list[str]]]:
    """``(deprecated, use_instead, exceptions)`` rows of the glossary's deprecation table."""
    return [(r[0], r[1], _words(r[2])) for r in _table("table-deprecated-terms", glossary)]


def term_conflicts(glossary: Path = GLOSSARY) -> list[tuple[str, list[str], str, list[str]]]:
    """``(term, conflicting wordings, the other quantity's term, exception words)`` rows."""
    return [(r[0], _words(r[1]), r[2], _words(r[3])) for r in _table("table-term-conflicts", glossary)]


def _checkable(text: str, python: bool = False) -> list[str]:
    """The page's lines with code cells, inline code, 「」 quotations and bold markers blanked out.

    For a Python module (``python=True``) only the Chinese in it is read: its string
    literals are the labels a learner sees (comments and identifiers are English).
    """
    if python:
        return [line if re.search(r"[\u4e00-\u9fff]", line) else "" for line in text.splitlines()]
    text = re.sub(r"```\{code-cell\}.*?\n```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = []
    for line in text.splitlines():
        line = re.sub(r"`[^`]*`", "", line)
        line = re.sub(r"「[^「」]*」", "", line)
        lines.append(line.replace("**", ""))
    return lines


def _lines(page: Path) -> list[str]:
    return _checkable(page.read_text(encoding="utf-8"), python=page.suffix == ".py")


def violations(page: Path, terms) -> list[str]:
    """``file:line: term -> use`` for every deprecated wording on ``page``."""
    found = []
    for number, line in enumerate(_lines(page), start=1):
        for term, use, exceptions in terms:
            for allowed in exceptions:
                line = line.replace(allowed, "")
            if term in line:
                found.append(
                    f"{page.parent.name}/{page.name}:{number}: "
                    f"「{term}」已弃用，请改用「{use}」 (deprecated, use {use})"
                )
    return found


def conflicts(page: Path, rows) -> list[str]:
    """``file:line`` for every sentence that uses a term together with a wording of another quantity."""
    found = []
    for number, line in enumerate(_lines(page), start=1):
        for sentence in re.split(r"[。！？；!?;]", line):
            for term, clashing, other, exceptions in rows:
                hit = [w for w in clashing if w in sentence]
                if term in sentence and hit and not any(e in sentence for e in exceptions):
                    found.append(
                        f"{page.parent.name}/{page.name}:{number}: 「{term}」与「{hit[0]}」同句，"
                        f"这是另一个量，请用「{other}」 (term used for another quantity: {other})"
                    )
    return found


def course_pages() -> list[Path]:
    """The lessons: ``book/NN_name/*.md`` (reference pages and the home page are not lessons)."""
    return sorted((ROOT / "book").glob("[0-9][0-9]_*/*.md"))


def checked_files() -> list[Path]:
    """Lessons, assignment sources (``solutions/*/*.md``) and the widgets' and models' modules."""
    src = ROOT / "src" / "shequn"
    return (
        course_pages()
        + sorted((ROOT / "solutions").glob("*/*.md"))
        + sorted((src / "widgets").glob("*.py"))
        + sorted((src / "models").glob("**/*.py"))
    )


def test_the_deprecation_table_is_readable_and_names_replacements():
    terms = deprecated_terms()
    assert {t for t, _, _ in terms} >= {"本页", "社区", "原文", "边（tie）"}
    assert all(use for _, use, _ in terms)


@pytest.mark.parametrize("page", checked_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_a_learner_reads_uses_a_deprecated_term(page):
    found = violations(page, deprecated_terms())
    assert not found, "\n".join(found)


@pytest.mark.parametrize("page", checked_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_term_is_used_for_another_quantity(page):
    found = conflicts(page, term_conflicts())
    assert not found, "\n".join(found)


def test_the_conflict_table_settles_retention():
    rows = {term: (clashing, other) for term, clashing, other, _ in term_conflicts()}
    assert "退群" in rows["留存"][0] and rows["留存"][1] == "在群率"
    assert "在群率" in GLOSSARY.read_text(encoding="utf-8").split("```{glossary}", 1)[1]


def test_the_check_finds_a_planted_conflict_in_a_quiz_answer_and_a_widget_label(tmp_path):
    page = tmp_path / "book" / "09_x" / "lesson.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        ":::{quiz}\n第4周留存率指什么？\n"
        "- [x] 第4周仍然在群里（没有退群）的人所占的比例\n"
        "  : 对。留存率就是还在群里的人。\n"  # planted: the quiz answer gives 留存率 a second meaning
        "- [ ] 第4周发过言的人所占的比例\n  : 留存率不等于在群率：潜水的人也在群里。\n:::\n"
        "第26周的留存成员是0.85。\n",  # planted deprecated wording
        encoding="utf-8",
    )
    found = conflicts(page, term_conflicts())
    assert [f.split(":")[1] for f in found] == ["4"], found
    assert [f.split(":")[1] for f in violations(page, deprecated_terms())] == ["8"]
    widget = tmp_path / "widget.py"
    widget.write_text(
        'COLUMNS = [("retained", "留存成员", 1)]  # retained: still in the group\n', encoding="utf-8"
    )
    assert len(violations(widget, deprecated_terms())) == 1


def test_the_check_finds_a_deprecated_term_and_respects_exceptions(tmp_path):
    page = tmp_path / "book" / "09_x" / "lesson.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        "本页讲社区。\n小米社区和社区商务可以保留。\n引文「原文如此」不查。\n"
        "```{code-cell} ipython3\nprint('本页')\n```\n行内`本页`不查。\n**本页**加粗也要查。\n",
        encoding="utf-8",
    )
    found = violations(page, deprecated_terms())
    assert [f.split(":")[1] for f in found] == ["1", "1", "8"]
    assert "本课" in found[0]
