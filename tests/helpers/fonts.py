"""Which characters the fonts a built page declares can draw, read from the page and its stylesheets
with fontTools (independently of the build's own subsetting code), and the characters a reader
without a Chinese system font needs them for."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from pathlib import Path

_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)
_LINK = re.compile(r"<link\b([^>]*)>", re.I)
_HREF = re.compile(r'href="([^"]+)"')
_FACE = re.compile(r"@font-face\s*\{(.*?)\}", re.S)
_FAMILY = re.compile(r"""font-family\s*:\s*["']?([^"';]+?)["']?\s*(?:;|$)""")
_SRC_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")
_RANGE = re.compile(r"unicode-range\s*:\s*([^;]+)")
_BASE_STACK = re.compile(r"--pst-font-family-base\s*:\s*([^;]+);")


def needs_chinese_font(char: str) -> bool:
    """Wide and full-width characters (Unicode's East Asian Width W/F: ideographs, CJK punctuation,
    full-width digits and letters): what a machine with only Latin fonts cannot draw."""
    return unicodedata.east_asian_width(char) in ("W", "F") and not char.isspace()


def _ranges(spec: str) -> list[tuple[int, int]]:
    out = []
    for part in spec.split(","):
        part = part.strip().upper().removeprefix("U+")
        if "?" in part:
            out.append((int(part.replace("?", "0"), 16), int(part.replace("?", "F"), 16)))
        else:
            lo, _, hi = part.partition("-")
            out.append((int(lo, 16), int(hi or lo, 16)))
    return out


@functools.cache
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path).getBestCmap())


def _local(base: Path, url: str) -> Path:
    return (base / html.unescape(url).split("?")[0].split("#")[0]).resolve()


def _stylesheets(html_dir: Path, page: str) -> list[tuple[Path, str]]:
    """(folder its urls are relative to, CSS text) in the page's order: linked files and <style> blocks."""
    path = html_dir / page
    text = path.read_text(encoding="utf-8")
    head = text[: text.find("</head>")]
    out = []
    for m in re.finditer(f"{_LINK.pattern}|{_STYLE.pattern}", head, re.S | re.I):
        if m.group(1) is not None:
            href = _HREF.search(m.group(1))
            if 'rel="stylesheet"' not in m.group(1) or not href:
                continue
            css = _local(path.parent, href[1])
            if css.is_file():
                out.append((css.parent, css.read_text(encoding="utf-8", errors="replace")))
        else:
            out.append((path.parent, m.group(2)))
    return out


def font_stack(html_dir: Path, page: str) -> list[str]:
    """The families of the page's text font stack (``--pst-font-family-base``, the last definition)."""
    stacks = [s for _, css in _stylesheets(html_dir, page) for s in _BASE_STACK.findall(css)]
    return [name.strip().strip("\"'") for name in stacks[-1].split(",")]


def declared_faces(html_dir: Path, page: str) -> list[tuple[str, Path, list[tuple[int, int]]]]:
    """(family, local font file, unicode ranges) of every @font-face the page's CSS declares."""
    out = []
    for base, css in _stylesheets(html_dir, page):
        for body in _FACE.findall(css):
            family, urls = _FAMILY.search(body), _SRC_URL.findall(body)
            if not family or not urls:
                continue
            rng = _RANGE.search(body)
            out.append(
                (family[1].strip(), _local(base, urls[0]), _ranges(rng[1]) if rng else [(0, 0x10FFFF)])
            )
    return out


def missing_glyphs(html_dir: Path, page: str, text: str) -> list[str]:
    """The characters of *text* that need a Chinese font and that no face the page declares for a
    family of its font stack can draw (its file's cmap, within its unicode-range)."""
    stack = set(font_stack(html_dir, page))
    faces = [(path, ranges) for family, path, ranges in declared_faces(html_dir, page) if family in stack]
    missing = []
    for char in sorted({c for c in text if needs_chinese_font(c)}):
        cp = ord(char)
        if not any(
            path.is_file() and cp in _cmap(path) and any(lo <= cp <= hi for lo, hi in ranges)
            for path, ranges in faces
        ):
            missing.append(char)
    return missing
