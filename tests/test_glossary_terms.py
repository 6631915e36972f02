"""One term, one meaning: the glossary's deprecated and conflicting wordings never appear.

``book/reference/glossary.md`` has two machine-read tables:

* ``table-deprecated-terms``: one row per deprecated wording, the term to use
  instead, and the exceptions (proper names, seed titles) that may keep it.
* ``table-term-conflicts``: a term and the wordings that would give it a second
  meaning (留存 next to 退群/在群: that quantity is 在群率).  A sentence holding
  both is a conflict unless it also holds one of the row's exception words,
  which mark a sentence that contrasts the two quantities.

Every 「又称」 synonym in the glossary (other sources' names for a concept) must be a
row of the deprecation table, or contain one, so that the lessons use only the term
itself; a 「又称」 wording that contains the term itself (入群门槛 for 门槛) is its
long form, not a second name.

Checked: the lessons (quizzes, their options and explanations included), the other
pages the site builds (home, materials, example plan, reference pages; not the glossary,
which lists the deprecated wordings on purpose), the assignment sources in ``solutions/``
and the learner notebooks in ``assignments/`` (their Markdown cells), and the Chinese
labels and messages of ``src/shequn/widgets``, ``models``, ``metrics``, ``data`` and the
local check.  Code cells, inline code and quotations in 「」 are not checked: a quotation
reproduces a seed's own words.
"""

from __future__ import annotations

import json
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


def _checkable(text: str, python: bool = False, terms: bool = True) -> list[str]:
    """The page's lines with code cells, inline code, 「」 quotations and bold markers blanked out.

    A ``{term}`…``` role is a use of the term, so with ``terms=True`` its text is kept (the
    conflict check reads it); the deprecation check drops it, because a role can only name a
    glossary entry, and the one deprecated entry (社区) exists to be linked to.

    For a Python module (``python=True``) only the Chinese in it is read: its string
    literals are the labels a learner sees (comments and identifiers are English).
    """
    if python:
        return [line if re.search(r"[\u4e00-\u9fff]", line) else "" for line in text.splitlines()]
    text = re.sub(r"```\{code-cell\}.*?\n```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = []
    for line in text.splitlines():
        if terms:
            line = re.sub(r"\{term\}`([^`<]*)(?:<[^`]*>)?`", r"\1", line)  # {term}`留存率` uses the term
        line = re.sub(r"`[^`]*`", "", line)
        line = re.sub(r"「[^「」]*」", "", line)
        lines.append(line.replace("**", ""))
    return lines


def _notebook_markdown(page: Path) -> str:
    """The Markdown cells of a stored notebook (what a learner reads in an assignment)."""
    cells = json.loads(page.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def _lines(page: Path, terms: bool = True) -> list[str]:
    if page.suffix == ".ipynb":
        return _checkable(_notebook_markdown(page), terms=terms)
    return _checkable(page.read_text(encoding="utf-8"), python=page.suffix == ".py", terms=terms)


def glossary_synonyms(glossary: Path = GLOSSARY) -> list[tuple[str, str]]:
    """``(term, synonym)`` for every 「又称：…。」 wording of a ``{glossary}`` entry.

    Parsed like the site's search index (``shequn.site.search``): an entry is a term line
    followed by indented definition lines; the synonyms run to the first 。 or bracket.
    """
    text = glossary.read_text(encoding="utf-8").split("```{glossary}", 1)[1].split("```", 1)[0]
    pairs, term = [], None
    for line in text.splitlines():
        if line.strip() and not line.startswith(" "):
            term = line.strip()
        elif term and (found := re.search(r"又称：([^。（(]+)", line)):
            pairs += [(term, s.strip()) for s in re.split(r"[、，,]", found[1]) if s.strip()]
    return pairs


def violations(page: Path, terms) -> list[str]:
    """``file:line: term -> use`` for every deprecated wording on ``page``."""
    found = []
    for number, line in enumerate(_lines(page, terms=False), start=1):
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


def other_pages() -> list[Path]:
    """The site's other pages: ``book/*.md`` and ``book/reference/*.md`` except the glossary."""
    pages = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "book" / "reference").glob("*.md"))
    return [p for p in pages if p != GLOSSARY]


def checked_files() -> list[Path]:
    """Every page, assignment source and learner notebook, and the learner package's modules."""
    src = ROOT / "src" / "shequn"
    modules = [m for d in ("widgets", "models", "metrics", "data") for m in sorted((src / d).glob("**/*.py"))]
    return (
        course_pages()
        + other_pages()
        + sorted((ROOT / "solutions").glob("*/*.md"))
        + sorted((ROOT / "assignments").glob("*/*.ipynb"))
        + modules
        + [src / "checks.py"]
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


def test_every_glossary_synonym_is_a_deprecated_wording():
    deprecated = [d for d, _, _ in deprecated_terms()]
    pairs = glossary_synonyms()
    assert ("第一批成员", "种子用户") in pairs and ("潜水者", "沉默成员") in pairs
    missing = [
        f"{term}：又称「{s}」" for term, s in pairs if term not in s and not any(d in s for d in deprecated)
    ]
    assert not missing, "「又称」的说法不在弃用表里 (synonyms not deprecated): " + "；".join(missing)


def test_a_synonym_missing_from_the_deprecation_table_is_found(tmp_path):
    glossary = tmp_path / "glossary.md"
    glossary.write_text(
        GLOSSARY.read_text(encoding="utf-8").replace(
            "又称：潜水党、沉默成员。", "又称：潜水党、沉默成员、隐身党。"
        ),
        encoding="utf-8",
    )
    deprecated = [d for d, _, _ in deprecated_terms(glossary)]
    missing = [
        s for term, s in glossary_synonyms(glossary) if term not in s and not any(d in s for d in deprecated)
    ]
    assert missing == ["隐身党"]


def test_the_check_reads_the_pages_notebooks_and_modules_a_learner_sees():
    names = {str(p.relative_to(ROOT)) for p in checked_files()}
    assert {
        "book/example_plan.md",
        "book/reference/import_your_group.md",
        "assignments/capstone/capstone.ipynb",
        "src/shequn/checks.py",
    } <= names
    assert "book/reference/glossary.md" not in names


def test_the_check_finds_planted_synonyms_in_a_quiz_answer_a_notebook_and_a_label(tmp_path):
    page = tmp_path / "book" / "09_x" / "lesson.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        ":::{quiz}\n第一批成员应当是什么人？\n"
        "- [x] 高度认可发起人的人\n  : 对。种子用户要认同群的文化和目标。\n"  # planted synonym, quiz answer
        "- [ ] 随便什么人\n  : 不对。\n:::\n"
        "{term}`KOL`（key opinion leader，关键意见领袖）先来试用。\n"  # allowed: the first-use gloss
        "2015年的社群领袖峰会。\n",  # allowed: a name
        encoding="utf-8",
    )
    found = violations(page, deprecated_terms())
    assert [f.split(":")[1] for f in found] == ["4"], found
    notebook = tmp_path / "assignments" / "a" / "a.ipynb"
    notebook.parent.mkdir(parents=True)
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "markdown",
                        "source": ["## 第 1 题\n", "比较两种门槛的第8周活跃比例。"],
                    },  # planted
                    {"cell_type": "code", "source": ["share = '活跃比例'  # code is not read\n"]},
                ]
            }
        ),
        encoding="utf-8",
    )
    found = violations(notebook, deprecated_terms())
    assert len(found) == 1 and "活跃占比" in found[0], found
    widget = tmp_path / "traffic.py"
    widget.write_text('COLUMNS = [("cpr", "每个留存用户的成本", None)]\n', encoding="utf-8")
    assert len(violations(widget, deprecated_terms())) == 1


def test_the_check_finds_centralization_called_a_centrality_in_a_quiz_explanation(tmp_path):
    page = tmp_path / "book" / "09_x" / "lesson.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        ":::{quiz}\n星形群的度中心势是多少？\n- [x] 1\n"
        "  : 对。度中心势是一种中心性指标，星形时等于1。\n:::\n"  # planted conflict
        "度中心势不是中心性指标：它描述整个网络。\n",
        encoding="utf-8",
    )  # allowed: contrasts them
    found = conflicts(page, term_conflicts())
    assert [f.split(":")[1] for f in found] == ["4"], found


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
