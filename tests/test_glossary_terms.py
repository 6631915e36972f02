"""The glossary's deprecated terms never appear in a lesson.

``book/reference/glossary.md`` ends with a table named ``table-deprecated-terms``:
one row per deprecated wording, the term to use instead, and the exceptions
(proper names, seed titles) that may keep it.  Code, inline code and quotations
in 「」 are not checked: a quotation reproduces a seed's own words.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "reference" / "glossary.md"


def deprecated_terms(glossary: Path = GLOSSARY) -> list[tuple[str, str, list[str]]]:
    """``(deprecated, use_instead, exceptions)`` rows of the glossary's deprecation table."""
    text = glossary.read_text(encoding="utf-8")
    if ":name: table-deprecated-terms" not in text:
        raise AssertionError(f"{glossary}: 找不到弃用说法表 table-deprecated-terms (deprecation table missing)")
    block = text.split(":name: table-deprecated-terms", 1)[1].split("```", 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines()
            if line.startswith("|")]
    rows = [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]
    return [(r[0], r[1], [] if r[2] == "无" else [e.strip() for e in r[2].split("、")]) for r in rows]


def _checkable(text: str) -> list[str]:
    """The page's lines with code cells, inline code, 「」 quotations and bold markers blanked out."""
    text = re.sub(r"```\{code-cell\}.*?\n```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    lines = []
    for line in text.splitlines():
        line = re.sub(r"`[^`]*`", "", line)
        line = re.sub(r"「[^「」]*」", "", line)
        lines.append(line.replace("**", ""))
    return lines


def violations(page: Path, terms) -> list[str]:
    """``file:line: term -> use`` for every deprecated wording on ``page``."""
    found = []
    for number, line in enumerate(_checkable(page.read_text(encoding="utf-8")), start=1):
        for term, use, exceptions in terms:
            for allowed in exceptions:
                line = line.replace(allowed, "")
            if term in line:
                found.append(f"{page.parent.name}/{page.name}:{number}: "
                             f"「{term}」已弃用，请改用「{use}」 (deprecated, use {use})")
    return found


def course_pages() -> list[Path]:
    """The lessons: ``book/NN_name/*.md`` (reference pages and the home page are not lessons)."""
    return sorted((ROOT / "book").glob("[0-9][0-9]_*/*.md"))


def test_the_deprecation_table_is_readable_and_names_replacements():
    terms = deprecated_terms()
    assert {t for t, _, _ in terms} >= {"本页", "社区", "原文", "边（tie）"}
    assert all(use for _, use, _ in terms)


@pytest.mark.parametrize("page", course_pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_lesson_uses_a_deprecated_term(page):
    found = violations(page, deprecated_terms())
    assert not found, "\n".join(found)


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
