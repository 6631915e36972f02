"""The search queries the site tests run: every multi-character glossary term with the lesson that
teaches it, and phrases the lessons use (read from the glossary's own text, not from the index)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "book" / "reference" / "glossary.md"


def lesson_pages() -> dict[str, str]:
    """Reference label (lesson-thresholds) → built page (book/05_thresholds/thresholds.html)."""
    out = {}
    for md in (ROOT / "book").glob("0*/*.md"):
        for label in re.findall(r"^\((lesson-[a-z-]+)\)=$", md.read_text(encoding="utf-8"), re.M):
            out[label] = md.relative_to(ROOT).with_suffix(".html").as_posix()
    return out


def glossary_entries() -> list[tuple[str, str]]:
    """(term, definition) of every entry of the glossary's ``{glossary}`` block."""
    text = GLOSSARY.read_text(encoding="utf-8")
    body = re.search(r"^```\{glossary\}\n(.*?)^```$", text, re.M | re.S)[1]
    return [
        (term.strip(), definition)
        for term, definition in re.findall(r"^(\S[^\n]*)\n((?:[ \t]+[^\n]*\n?)+)", body, re.M)
    ]


def glossary_terms() -> list[tuple[str, str]]:
    """(term, page of the lesson that teaches it) for every multi-character term with such a lesson."""
    pages = lesson_pages()
    out = []
    for term, definition in glossary_entries():
        see = re.search(r"(?:^|[。；])\s*见\{ref\}`(lesson-[a-z-]+)`", definition.strip())
        if len(term) > 1 and see and see[1] in pages:
            out.append((term, pages[see[1]]))
    return out


GLOSSARY_QUERIES = glossary_terms()
# Phrases the lessons use that jieba cuts into several index words (none is a glossary term).
PHRASES = [
    ("诱导分享", "book/05_thresholds/thresholds.html"),
    ("付费群", "book/05_thresholds/thresholds.html"),
    ("社群运营", "book/00_intro/what_is_community.html"),
    ("种子用户", "book/05_thresholds/thresholds.html"),
    ("邀请制门槛", "book/05_thresholds/thresholds.html"),
    ("内容质量", "book/01_connectors/connectors.html"),
]
QUERIES = [*PHRASES, *((t, p) for t, p in GLOSSARY_QUERIES if t not in dict(PHRASES))]
