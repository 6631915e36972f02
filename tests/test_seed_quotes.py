"""Every sentence a lesson puts in 「」 and attributes to a seed is in that seed.

The seeds (the five source articles) live outside the repository, in
``shared/seeds/`` beside the clone (``../shared`` in CI, read-only).  A missing
seed folder fails the test loudly: without the seeds nothing can be checked.

What counts as *attributed*: a quotation 「…」 whose clause (the text since the
last ，；。！？, line break or opening parenthesis before it, a trailing colon
allowed) names a seed, either by one of its titles in 《》 (the course page's
seed table gives the short and full titles) or by a word that refers to the
seed's author or text (作者、文中、文章、原话、笔记、原文、种子材料).  A clause that
names another work in 《》 or a Latin-script author is about that source, not a
seed.  Quotes shorter than five letters or digits are terms, not sentences, and
are not checked.  A quote naming a seed must be in that seed; one attributed by
a generic word must be in some seed.

Comparison ignores punctuation, whitespace and full/half-width differences
(NFKC, then letters and digits only): the seeds use ASCII commas where the
lessons use Chinese ones.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ABOUT = ROOT / "book" / "about_materials.md"
SEED_FILES = ROOT / "docs" / "seed_sources.md"
GENERIC = re.compile(r"作者|文中|文章|原话|笔记|原文|种子材料")
TITLE = re.compile(r"《((?:[^《》「」]|「[^「」]*」)*)》")
QUOTE = re.compile(r"「((?:[^「」]|「[^「」]*」)*)」")
MIN_LETTERS = 5


def seed_dir(root: Path = ROOT) -> Path:
    """The seed folder: ``$SHEQUN_SEEDS``, else ``shared/seeds`` beside the clone or its parent."""
    candidates = [Path(os.environ["SHEQUN_SEEDS"])] if os.environ.get("SHEQUN_SEEDS") else []
    candidates += [root.parent / "shared" / "seeds", root.parent.parent / "shared" / "seeds"]
    for folder in candidates:
        if sorted(folder.glob("00[0-4]_*.md")):
            return folder
    raise AssertionError(
        "找不到种子材料（shared/seeds/000_….md 等），无法核对引文。"
        f" (seed texts not found; looked in {', '.join(map(str, candidates))}; set SHEQUN_SEEDS)"
    )


def normalise(text: str) -> str:
    """Letters and digits only, after NFKC (full-width → half-width)."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def seed_texts(folder: Path | None = None) -> dict[str, str]:
    """File name → normalised text of each seed."""
    folder = seed_dir() if folder is None else folder
    return {p.name: normalise(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("00[0-4]_*.md"))}


def _table_rows(text: str):
    for line in text.splitlines():
        if line.strip().startswith("|"):
            yield [c.strip() for c in line.strip().strip("|").split("|")]


def seed_titles(about: Path = ABOUT, files: Path = SEED_FILES) -> dict[str, str]:
    """Title as written in 《》 (short and full, from the course page's seed table) → seed file name.

    The learner-facing table (``book/about_materials.md``) names no files; the maintainers'
    map (``docs/seed_sources.md``) joins each short title to its seed file."""
    short_to_file = {}
    for cells in _table_rows(files.read_text(encoding="utf-8")):
        if len(cells) == 2 and cells[1].startswith("`00") and (title := TITLE.search(cells[0])):
            short_to_file[title.group(1)] = cells[1].strip("`")
    table = about.read_text(encoding="utf-8").split("(seed-titles)=", 1)[1]
    titles = {}
    for cells in _table_rows(table):
        short = TITLE.search(cells[0]) if len(cells) == 4 else None
        if short and short.group(1) in short_to_file:
            name = short_to_file[short.group(1)]
            for found in TITLE.finditer(cells[0] + cells[1]):
                titles[found.group(1)] = name
                titles[found.group(1).split("（")[0]] = name  # full title without its bracketed tail
    return titles


def _mask_titles(text: str) -> str:
    """Hide 「」 inside 《》 (《「社群+」落地》) so that they are not read as quotations."""
    return TITLE.sub(lambda m: m.group(0).replace("「", "〔").replace("」", "〕"), text)


def attributed_quotes(text: str, titles: dict[str, str]) -> list[tuple[int, str, str | None]]:
    """``(line, quote, seed file or None for "some seed")`` for each attributed quotation."""
    text = re.sub(r"```\{code-cell\}.*?\n```", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = _mask_titles(text)
    found = []
    for match in QUOTE.finditer(text):
        before = QUOTE.sub("", text[max(0, match.start() - 300) : match.start()])
        clause = re.split(r"[，,；;。！？!?\n（(]", before.rstrip("：: "))[-1]
        named = [t.group(1).replace("〔", "「").replace("〕", "」") for t in TITLE.finditer(clause)]
        if named:
            seeds = [titles[t] for t in named if t in titles]
            if not seeds:
                continue  # another work (a book, a law, a paper)
            seed = seeds[-1]
        elif GENERIC.search(clause) and not re.search(r"[A-Za-z]{3,}", clause):
            seed = None
        else:
            continue
        if len(normalise(match.group(1))) >= MIN_LETTERS:
            found.append((text.count("\n", 0, match.start()) + 1, match.group(1), seed))
    return found


def misquotes(page: Path, seeds: dict[str, str], titles: dict[str, str]) -> list[str]:
    """``file:line: 「quote」`` for every attributed quotation its seed does not contain."""
    bad = []
    for line, quote, seed in attributed_quotes(page.read_text(encoding="utf-8"), titles):
        wanted = normalise(quote)
        pool = [seeds[seed]] if seed else list(seeds.values())
        if not any(wanted in text for text in pool):
            where = seed or "任何一篇种子材料 (any seed)"
            bad.append(
                f"{page.relative_to(page.parents[2])}:{line}: 「{quote}」不在{where}中 (not in the seed)"
            )
    return bad


def pages() -> list[Path]:
    return sorted(p for p in (ROOT / "book").glob("**/*.md") if p.name != "glossary.md")


def test_the_seeds_are_found_and_every_seed_has_a_title():
    titles = seed_titles()
    assert set(titles.values()) == set(seed_texts())
    assert titles["社群经济要如何运营维护"] == "004_6dd75580a06fa525.md"
    assert titles["「社群+」落地"] == "003_bcab1432505eb57b.md"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_quotation_attributed_to_a_seed_is_in_it(page):
    found = misquotes(page, seed_texts(), seed_titles())
    assert not found, "\n".join(found)


def test_the_check_finds_a_planted_misquote(tmp_path):
    page = tmp_path / "book" / "09_x" / "lesson.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        "《社群经济要如何运营维护》的加油站故事说「每开一家都赚钱」。\n"  # planted misquote
        "作者说：「社群经济发展到一定程度，会自我运作，但粉丝经济不会」。\n"  # in 002: some seed
        "《社群经济要如何运营维护》写道「社群经济发展到一定程度,会自我运作」。\n"  # in 002, not in 004
        "《「社群+」落地》说「无门槛的社群，只是一味地拉人头追求数量」。\n"  # correct, title with 「」
        "我们把它叫作「一个没有出处的说法」。\n"  # not attributed
        "Nielsen的文章称之为「参与不平等的九十九」。\n"  # another author
        "```{code-cell} ipython3\n作者说「代码里不查的句子」\n```\n",
        encoding="utf-8",
    )
    found = misquotes(page, seed_texts(), seed_titles())
    assert [f.split(":")[1] for f in found] == ["1", "3"], found


def test_a_missing_seed_folder_fails_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("SHEQUN_SEEDS", str(tmp_path / "empty"))
    with pytest.raises(AssertionError, match="种子材料"):
        seed_dir(tmp_path / "a" / "clone")
