"""Per-page Chinese font subsets (shequn.site.font_subset) on a tiny hand-made site."""

import json
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from shequn.site import font_subset
from shequn.site.font_subset import FONTS_DIR, SHARED_FAMILY, SHARED_PREFIX, subset_pages

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / font_subset.SOURCE_FONT

PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><title>社群 - course</title>
<script src="../_static/shequn-explorers.js?v=3"></script>
<script src="../_static/offline/bundle.js"></script></head>
<body><p>连接器，A&amp;B 123 &#38376;</p></body></html>
"""
# By hand: 社群 (title), 连接器， (text), 门 (&#38376; = U+95E8), 门槛高低留存率： (explorer state),
# 暂不可用 (the site script the page loads).  Not 禁: it is only in a vendored bundle.
EXPECTED = set("社群连接器，门槛高低留存率：暂不可用")


def _site(tmp_path: Path) -> Path:
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "book" / "lesson.html").write_text(PAGE, encoding="utf-8")
    (html / "book" / "english.html").write_text(
        "<html><head></head><body>only ASCII</body></html>", encoding="utf-8"
    )
    state = {
        "version_major": 2,
        "state": {
            "m1": {
                "model_name": "SelectionSliderModel",
                "state": {"description": "门槛", "_options_labels": ["高", "低"]},
            },
            "m2": {"model_name": "HTMLModel", "state": {"value": "<b>留存率：</b> 12%"}},
        },
    }
    (html / "_explorers" / "book" / "lesson").mkdir(parents=True)
    (html / "_explorers" / "book" / "lesson" / "m1.json").write_text(json.dumps(state), encoding="utf-8")
    (html / "_static" / "offline").mkdir(parents=True)
    (html / "_static" / "shequn-explorers.js").write_text('var t = "暂不可用";', encoding="utf-8")
    (html / "_static" / "offline" / "bundle.js").write_text('var t = "禁";', encoding="utf-8")
    return html


def test_page_subset_holds_exactly_the_page_characters_with_their_outlines(tmp_path):
    html = _site(tmp_path)
    used = subset_pages(html, SOURCE, tmp_path / "cache")
    assert set(used) == {"book/lesson.html"}  # the ASCII page needs no Chinese font
    out = html / "_static" / FONTS_DIR / used["book/lesson.html"]
    subset = TTFont(out)
    assert subset.flavor == "woff2"
    assert set(subset.getBestCmap()) == {ord(c) for c in EXPECTED}
    # The glyphs are the source font's: same outline for 社 (contours and points).
    source = TTFont(SOURCE)
    src_glyph = source["glyf"][source.getBestCmap()[ord("社")]]
    out_glyph = subset["glyf"][subset.getBestCmap()[ord("社")]]
    assert out_glyph.numberOfContours == src_glyph.numberOfContours > 0
    assert len(out_glyph.getCoordinates(subset["glyf"])[0]) == len(
        src_glyph.getCoordinates(source["glyf"])[0]
    )
    page = (html / "book" / "lesson.html").read_text(encoding="utf-8")
    assert page.count('font-family:"Noto Sans SC"') == 1 and page.count("@font-face") == 2  # + the shared one
    assert f'url("../_static/{FONTS_DIR}/{out.name}")' in page
    assert page.index("@font-face") < page.index("</head>")
    assert "@font-face" not in (html / "book" / "english.html").read_text(encoding="utf-8")


def test_rebuild_reuses_the_cache_replaces_the_face_and_drops_stale_files(tmp_path, monkeypatch):
    html = _site(tmp_path)
    first = subset_pages(html, SOURCE, tmp_path / "cache")["book/lesson.html"]
    before = (html / "book" / "lesson.html").read_text(encoding="utf-8")

    def no_subsetting(*args):
        raise AssertionError("an unchanged page was subset again")

    monkeypatch.setattr(font_subset, "write_subset", no_subsetting)
    assert subset_pages(html, SOURCE, tmp_path / "cache")["book/lesson.html"] == first
    assert (html / "book" / "lesson.html").read_text(encoding="utf-8") == before  # one face, not two
    monkeypatch.undo()
    page = html / "book" / "lesson.html"
    page.write_text(page.read_text(encoding="utf-8").replace("连接器", "连接器与内容"), encoding="utf-8")
    second = subset_pages(html, SOURCE, tmp_path / "cache")["book/lesson.html"]
    assert second != first
    made = sorted(p.name for p in (html / "_static" / FONTS_DIR).iterdir())
    assert [n for n in made if not n.startswith(SHARED_PREFIX)] == [second] and len(made) == 2
    assert set(TTFont(html / "_static" / FONTS_DIR / second).getBestCmap()) == {
        ord(c) for c in EXPECTED | set("与内容")
    }
    assert page.read_text(encoding="utf-8").count("@font-face") == 2


def test_same_characters_give_the_same_bytes(tmp_path):
    a = font_subset.write_subset(SOURCE, set("社群，"), tmp_path / "a.woff2")
    b = font_subset.write_subset(SOURCE, set("，群社"), tmp_path / "b.woff2")
    assert a.read_bytes() == b.read_bytes()


def test_missing_source_font_says_how_to_fix(tmp_path):
    with pytest.raises(font_subset.FontSubsetError, match="make vendor"):
        subset_pages(_site(tmp_path), tmp_path / "no-such.ttf", tmp_path / "cache")


def test_only_chinese_characters_and_punctuation_count():
    assert font_subset.cjk_characters("社群 Community，（1）「门槛」&#x6EE1;") == set("社群，（）「门槛」满")


def _pages(html: Path, texts: dict[str, str]) -> None:
    for name, text in texts.items():
        (html / "book" / f"{name}.html").write_text(
            f"<html><head></head><body>{text}</body></html>", encoding="utf-8"
        )


def test_several_missing_subsets_are_made_in_worker_processes_with_the_same_bytes(tmp_path):
    """Three pages, three subsets, made by the fresh interpreters: each is byte for byte what
    write_subset makes here, and holds exactly its page's characters."""
    html = _site(tmp_path)
    texts = {"a": "社群运营", "b": "内容与产品，", "c": "门槛「免费」"}
    _pages(html, texts)
    used = subset_pages(html, SOURCE, tmp_path / "cache")
    for name, text in texts.items():
        made = html / "_static" / FONTS_DIR / used[f"book/{name}.html"]
        here = font_subset.write_subset(SOURCE, set(text), tmp_path / "here" / f"{name}.woff2")
        assert made.read_bytes() == here.read_bytes(), name
        assert set(TTFont(made).getBestCmap()) == {ord(c) for c in text}


def test_a_font_that_cannot_be_subset_fails_the_build_with_the_reason(tmp_path):
    html = _site(tmp_path)
    _pages(html, {"a": "社群", "b": "内容"})
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all")
    with pytest.raises(font_subset.FontSubsetError, match=r"字体子集未能写出 \(font subsetting failed\)"):
        subset_pages(html, broken, tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())


def test_workers_that_cannot_start_fail_the_build_instead_of_hanging(tmp_path, monkeypatch):
    html = _site(tmp_path)
    _pages(html, {"a": "社群", "b": "内容"})
    dead = tmp_path / "python"
    dead.write_text("#!/bin/sh\necho 'no interpreter here' >&2\nexit 3\n")
    dead.chmod(0o755)
    monkeypatch.setattr(font_subset.sys, "executable", str(dead))
    with pytest.raises(font_subset.FontSubsetError, match="no interpreter here"):
        subset_pages(html, SOURCE, tmp_path / "cache")


def _faces(page_text: str) -> dict[str, tuple[str, str]]:
    """family -> (url, unicode-range or '') of each @font-face in the page."""
    out = {}
    for body in re.findall(r"@font-face\{(.*?)\}", page_text):
        family = re.search(r'font-family:"([^"]+)"', body)[1]
        url = re.search(r'url\("([^"]+)"\)', body)[1]
        rng = re.search(r"unicode-range:([^;}]+)", body)
        out[family] = (url, rng[1] if rng else "")
    return out


def _in_range(ranges: str, char: str) -> bool:
    for part in ranges.split(","):
        lo, _, hi = part.strip()[2:].partition("-")
        if int(lo, 16) <= ord(char) <= int(hi or lo, 16):
            return True
    return False


def test_every_page_declares_one_shared_subset_with_all_pages_characters_and_typed_forms(tmp_path):
    """Text not on the page (search snippets of other pages, typed full-width digits) has glyphs: one
    shared file, the same URL on every page, holding every page's characters and the typed forms."""
    html = _site(tmp_path)
    texts = {"a": "社群运营", "b": "内容与产品，", "c": "门槛「免费」"}
    _pages(html, texts)
    subset_pages(html, SOURCE, tmp_path / "cache")
    fonts = html / "_static" / FONTS_DIR
    shared = [p for p in fonts.iterdir() if p.name.startswith(SHARED_PREFIX)]
    assert len(shared) == 1
    cmap = set(TTFont(shared[0]).getBestCmap())
    # By hand: every page's characters (lesson.html's EXPECTED and the three above), full-width
    # digits, letters and punctuation from an input method, ASCII, Chinese quotes and the ellipsis.
    typed = "０１２３４５６７８９ＡＺａｚ，。？！：；（）「」《》、“”‘’…—0123456789azAZ?!"
    wanted = EXPECTED | set("".join(texts.values())) | set(typed)
    assert {ord(c) for c in wanted} <= cmap
    assert ord("禁") not in cmap  # only in a vendored bundle, never shown
    for name in ("lesson", *texts):
        page = (html / "book" / f"{name}.html").read_text(encoding="utf-8")
        url, ranges = _faces(page)[SHARED_FAMILY]
        assert url == f"../_static/{FONTS_DIR}/{shared[0].name}"
        assert all(_in_range(ranges, c) for c in wanted), ranges
        assert not _in_range(ranges, "\U0001f600")  # an emoji never fetches it for nothing


def test_the_stylesheet_names_the_shared_family_last_in_every_chinese_stack():
    css = (ROOT / "src" / "shequn" / "site" / "static" / "shequn.css").read_text(encoding="utf-8")
    stacks = re.findall(r"--pst-font-family-(?:base|monospace):([^;]+);", css)
    assert len(stacks) == 2
    for stack in stacks:
        names = [n.strip().strip('"') for n in stack.split(",")]
        assert names[-1] == SHARED_FAMILY and "Noto Sans SC" in names, names
