"""Site search that finds the lesson: the glossary says which lesson teaches each term.

Sphinx's search scores an exact match of an *index entry* far above anything in the text
(100 against 5 for a word in the text, 15 in a title), and every glossary term is an index
entry of the glossary page, so the glossary always came first and the lesson far below.
Here each glossary entry's Chinese term, its English name (「英文：…。」) and its synonyms
(「又称：…。」, other sources' names for the same concept, e.g. 种子用户 for 第一批成员)
become index entries of the lesson that teaches it: the first lesson named by the
sentence that starts with 「见{ref}`…`」.  A small scorer (``html_search_scorer``) puts the
glossary one point below a lesson with the same match, so the lesson is first and the
glossary entry next.  Synonyms also go into the jieba dictionary, so 种子用户 stays whole.

Hand-written: this is course-specific glue between the glossary's MyST text and Sphinx's
search index; Sphinx has no notion of "the page that teaches a term".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sphinx import addnodes
from sphinx.application import Sphinx

__all__ = [
    "GlossaryEntry",
    "glossary_entries",
    "lesson_index_words",
    "add_lesson_index_entries",
    "write_scorer",
    "GLOSSARY_DEMOTION",
    "GLOSSARY_DOC",
]

GLOSSARY_DOC = Path("book/reference/glossary.md")  # the glossary page, relative to the book's root
GLOSSARY_DEMOTION = 1  # glossary results rank just below a lesson with the same match
_FENCE_OPEN = re.compile(r"^(`{3,}|:{3,})\{glossary\}")
_FENCE_CLOSE = re.compile(r"^(`{3,}|:{3,})\s*$")
_ENGLISH = re.compile(r"英文：([^。（(]+)")
_SYNONYMS = re.compile(r"又称：([^。（(]+)")
_SEE = re.compile(r"(?:^|[。；])\s*见\{ref\}`([^`<>]+)`")
_ANY_LESSON = re.compile(r"\{ref\}`(lesson-[^`<>]+)`")


@dataclass
class GlossaryEntry:
    """One ``{glossary}`` entry: its term(s), English name(s), synonyms and teaching lesson label."""

    terms: list[str]
    english: list[str] = field(default_factory=list)
    synonyms: list[str] = field(default_factory=list)
    lesson: str | None = None

    @property
    def search_words(self) -> list[str]:
        return list(dict.fromkeys([*self.terms, *self.english, *self.synonyms]))


def _split(names: str) -> list[str]:
    return [n.strip() for n in re.split(r"[、,，/；;]", names) if n.strip()]


def _entry(terms: list[str], text: str) -> GlossaryEntry:
    english = _ENGLISH.search(text)
    synonyms = _SYNONYMS.search(text)
    see = _SEE.search(text) or _ANY_LESSON.search(text)
    return GlossaryEntry(
        terms=terms,
        english=_split(english[1]) if english else [],
        synonyms=_split(synonyms[1]) if synonyms else [],
        lesson=see[1] if see else None,
    )


def glossary_entries(glossary_md: Path) -> list[GlossaryEntry]:
    """The entries of the ``{glossary}`` directive in a MyST page, in page order."""
    entries: list[GlossaryEntry] = []
    terms: list[str] = []
    text: list[str] = []
    inside = False

    def flush():
        if terms:
            entries.append(_entry(list(terms), " ".join(text)))
        terms.clear()
        text.clear()

    for line in glossary_md.read_text(encoding="utf-8").splitlines():
        if not inside:
            inside = bool(_FENCE_OPEN.match(line))
            continue
        if _FENCE_CLOSE.match(line):
            flush()
            inside = False
        elif line.strip() and not line[0].isspace() and not line.startswith(":"):
            if text:
                flush()
            terms.append(line.strip())
        elif line.strip():
            text.append(line.strip())
    flush()
    return entries


def lesson_index_words(entries: list[GlossaryEntry], label_docs: dict[str, str]) -> dict[str, list[str]]:
    """docname → the words (terms, English names, synonyms) whose teaching lesson it is.

    ``label_docs`` maps a reference label (``lesson-connectors``) to its docname.
    """
    out: dict[str, list[str]] = {}
    for entry in entries:
        doc = label_docs.get(entry.lesson or "")
        if doc:
            out.setdefault(doc, []).extend(w for w in entry.search_words if w not in out.get(doc, []))
    return out


def add_lesson_index_entries(app: Sphinx, doctree, docname: str) -> None:
    """``doctree-resolved``: give the lesson the index entries of the terms it teaches.

    Only the search index reads these (``genindex`` is built from the read phase).
    """
    words = getattr(app, "_shequn_lesson_words", None)  # once per build, not pickled
    if words is None:
        labels = {name: doc for name, (doc, _id, _title) in app.env.get_domain("std").labels.items()}
        words = lesson_index_words(glossary_entries(Path(app.srcdir) / GLOSSARY_DOC), labels)
        app._shequn_lesson_words = words
    if docname in words:
        doctree += addnodes.index(entries=[("single", w, "", "main", None) for w in words[docname]])


def write_scorer(path: Path, glossary_docname: str) -> Path:
    """A ``html_search_scorer`` file: Sphinx's default weights, glossary one point lower."""
    js = f"""// Generated by shequn.site.search: Sphinx's default search weights, and the glossary
// ranked just below a lesson with the same match (the lesson teaches the term).
var Scorer = {{
  score: (result) =>
    result[0] === {json.dumps(glossary_docname)} ? result[4] - {GLOSSARY_DEMOTION} : result[4],
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: {{0: 15, 1: 5, 2: -5}},
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
}};
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != js:
        path.write_text(js, encoding="utf-8")
    return path
