"""One small Chinese web font per page: the vendored Noto Sans SC cut to the page's characters.

A reader whose system has a Chinese font the stylesheets name (macOS/iOS, Windows, Linux with
Noto Sans CJK) never downloads a web font: the site's font stacks name those fonts first.  A reader
without one (a bare container, some Linux installs) used to download @fontsource's
unicode-range slices of Noto Sans SC, about 0.7 MB per lesson, because the slices group
characters by frequency, not by page.  At the end of the build, :func:`subset_pages`

* collects, for every written page, the Chinese characters (:func:`is_cjk`) of its HTML,
  of its explorers' widget state under ``_explorers/<page>/`` (labels and results that
  the widgets render at run time) and of the site scripts it loads (the explorers'
  messages, Sphinx's translated search strings);
* writes a WOFF2 subset of ``NotoSansSC_400Regular.ttf`` with exactly those characters to
  ``_static/shequn-fonts/<hash>.woff2`` (named by a hash of the font and the characters, so
  pages with the same characters share a file and a changed page gets a new name), from a
  cache so an unchanged page is not subset again; the missing subsets are made in parallel,
  one process per core (fontTools is pure Python, about 0.5 s a page), each from the source
  cut once to the characters of all its pages (:func:`write_subsets`);
* adds one ``@font-face`` for "Noto Sans SC" pointing at that file to the page's ``<head>``,
  between marker comments, so a rebuild replaces it.

No ``unicode-range``: the face holds only the page's characters, and a character it lacks
falls back to the next font in the stack.  Regular weight only; bold is synthesised.

Text that is not on the page -- search results (snippets of other pages), what a learner types
into the search box or a quiz (full-width digits and punctuation from a Chinese input method)
-- would show as empty boxes on a machine without a Chinese system font.  So the build also
writes one **shared** subset, ``shared-<hash>.woff2``: every character of every page (the
glossary and the lessons' vocabulary, their explorers, the site scripts), the full-width forms,
CJK punctuation, ASCII and the general punctuation Chinese text uses (:func:`shared_characters`).
Every page declares it as :data:`SHARED_FAMILY`, which the stylesheets name last, after the
generic families: a browser reaches it only for a character that neither the page's subset nor
any system font has, so a lesson's first visit does not download it, and once fetched (same URL
on every page) the browser's cache serves it everywhere.  Its ``unicode-range`` is the ranges it
covers, so a symbol outside them (an emoji) never makes the browser fetch it for nothing.

Hand-written because no maintained Sphinx extension subsets a CJK font per page:
sphinx-fonts downloads whole Fontsource files (from a CDN), and cn-font-split and Google
Fonts' slicing cut a font into fixed unicode-range chunks for every page alike.  The
subsetting itself is fontTools' (a matplotlib dependency); WOFF2 needs ``brotli``.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "FONT_FAMILY",
    "SHARED_FAMILY",
    "SHARED_PREFIX",
    "FONTS_DIR",
    "SOURCE_FONT",
    "is_cjk",
    "cjk_characters",
    "page_characters",
    "shared_characters",
    "write_subset",
    "write_subsets",
    "subset_pages",
    "FontSubsetError",
]

FONT_FAMILY = "Noto Sans SC"
SHARED_FAMILY = "Shequn CJK Shared"  # named last in static/shequn.css's font stacks
SHARED_PREFIX = "shared-"
FONTS_DIR = "shequn-fonts"  # under _static/
SOURCE_FONT = Path("vendor/node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf")
_VERSION = "1"  # bump when the subsetting options change: old cache entries are then unused
_BEGIN, _END = "<!-- shequn-font -->", "<!-- /shequn-font -->"
_BLOCK = re.compile(re.escape(_BEGIN) + r".*?" + re.escape(_END) + r"\n?", re.S)
_SCRIPT_SRC = re.compile(r'<script[^>]*\bsrc="([^"]+)"')
# CJK punctuation, kana-free ideographs and full-width forms: what a Chinese page needs from the
# Chinese font.  Latin letters, digits and ASCII punctuation come from the reader's Latin fonts.
_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。「」《》【】
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms: ，：；（）！？
    (0x20000, 0x2FA1F),  # supplementary ideographs
)
_CJK = re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _CJK_RANGES) + "]")
# Beyond the pages' own characters, the shared subset holds what a learner can type or paste:
# ASCII, the general punctuation of Chinese text (“”‘’—…·), CJK symbols and punctuation, and the
# full-width forms a Chinese input method types (０１２３, ＡＢＣ, ，。？！).
_TYPED_RANGES = (
    (0x0020, 0x007E),
    (0x00B7, 0x00B7),
    (0x2010, 0x2027),
    (0x2030, 0x205E),
    (0x3000, 0x303F),
    (0xFF01, 0xFF5E),
    (0xFFE0, 0xFFE6),
)
_SHARED_RANGE = ",".join(f"U+{lo:X}-{hi:X}" for lo, hi in sorted({*_TYPED_RANGES, *_CJK_RANGES}))


class FontSubsetError(RuntimeError):
    """The source font is missing or cannot be subset; the message says what to do."""


def is_cjk(char: str) -> bool:
    """True for a Chinese character or CJK / full-width punctuation mark."""
    return _CJK.fullmatch(char) is not None


def cjk_characters(text: str) -> set[str]:
    """The CJK characters of ``text``, with HTML character references resolved."""
    return set(_CJK.findall(html.unescape(text)))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def page_characters(page: Path, html_dir: Path) -> set[str]:
    """Every CJK character ``page`` can show: its HTML, its explorers' state, its site scripts."""
    text = _BLOCK.sub("", page.read_text(encoding="utf-8"))
    chars = cjk_characters(text)
    rel = page.relative_to(html_dir).with_suffix("")
    for state in sorted((html_dir / "_explorers" / rel).glob("*.json")):
        chars |= cjk_characters("".join(_strings(json.loads(state.read_text(encoding="utf-8")))))
    for src in _SCRIPT_SRC.findall(text):
        script = (page.parent / html.unescape(src).split("?")[0]).resolve()
        static = (html_dir / "_static").resolve()
        # The site's own scripts only: the vendored bundles are not read (big, and their
        # Chinese, if any, is never shown).
        if script.is_file() and script.parent == static and script.suffix == ".js":
            chars |= cjk_characters(script.read_text(encoding="utf-8", errors="replace"))
    return chars


def shared_characters(pages_characters: list[set[str]]) -> set[str]:
    """The shared subset's characters: those of every page, and what a learner can type (see the
    module docstring).  The source font's cmap decides which of them get a glyph."""
    typed = {chr(c) for lo, hi in _TYPED_RANGES for c in range(lo, hi + 1)}
    return set().union(typed, *pages_characters)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _options(flavor: str | None):
    from fontTools import subset

    options = subset.Options()
    options.flavor = flavor
    options.hinting = False  # browsers ignore TrueType hints on high-resolution screens
    options.name_IDs = ["*"]  # keep the font's names and licence
    options.notdef_outline = True
    return options


def _subset(source: Path | bytes, chars: set[str], flavor: str | None):
    from fontTools import subset
    from fontTools.ttLib import TTFont

    # recalcTimestamp=False: deterministic output, no build-time timestamp
    font = TTFont(io.BytesIO(source) if isinstance(source, bytes) else source, recalcTimestamp=False)
    subsetter = subset.Subsetter(_options(flavor))
    subsetter.populate(unicodes=sorted(ord(c) for c in chars))
    subsetter.subset(font)
    font.flavor = flavor
    return font


def write_subset(source: Path | bytes, chars: set[str], out: Path) -> Path:
    """Write a WOFF2 of ``source`` (a font file, or its bytes) holding exactly the glyphs of ``chars``
    (those it has)."""
    try:
        import brotli  # noqa: F401  (fontTools needs it for WOFF2)
    except ImportError:
        raise FontSubsetError(
            "缺少 brotli，无法写出 WOFF2 字体子集 (brotli is missing): pip install -e '.[site]'"
        ) from None
    font = _subset(source, chars, "woff2")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    font.save(tmp)
    tmp.replace(out)
    return out


def _write_subsets(source: Path, subsets: dict[str, set[str]], cache: Path) -> None:
    """Write ``cache/<name>`` for each ``{name: characters}``: split over one fresh interpreter per core.

    Fresh interpreters (``python -m shequn.site.font_subset``, the work as JSON on stdin) rather
    than a process pool: the build is a multi-threaded Sphinx process, which ``fork`` would copy
    with its locks held, and ``spawn`` re-imports the ``__main__`` of whatever script runs Sphinx.
    """
    jobs = sorted(subsets.items())
    workers = min(len(jobs), os.cpu_count() or 1)
    if workers <= 1:
        write_subsets(source, {cache / name: chars for name, chars in jobs})
        return
    package_parent = str(Path(__file__).resolve().parents[2])  # the workers import this very shequn
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])),
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "shequn.site.font_subset"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(workers)
    ]
    work = [{"source": str(source), "subsets": {}} for _ in range(workers)]
    load = [0] * workers
    for name, chars in sorted(
        jobs, key=lambda job: -len(job[1])
    ):  # biggest first, to the least-loaded worker
        i = load.index(min(load))
        work[i]["subsets"][str(cache / name)] = "".join(sorted(chars))
        load[i] += len(chars) + 300  # ~300 characters' worth of fixed cost per subset
    for child, part in zip(children, work, strict=True):  # all at work before any is waited for
        with contextlib.suppress(BrokenPipeError):  # a worker that died at start: its error is read below
            try:
                child.stdin.write(json.dumps(part))
            finally:
                child.stdin.close()
    failures = []
    for child in children:
        err = child.stderr.read()
        if child.wait():
            failures.append(err.strip()[-2000:])
    if failures:
        raise FontSubsetError("字体子集未能写出 (font subsetting failed):\n" + "\n".join(failures))


def write_subsets(source: Path, subsets: dict[Path, set[str]]) -> None:
    """:func:`write_subset` for each ``{out: characters}``, from the source cut once to all their characters.

    A page's subset of that smaller font is the same file, byte for byte (fontTools keeps the
    source's glyph order), and takes about a third less time: the 30,000-glyph source's
    layout tables and character map are read once, not once per page.
    """
    if len(subsets) > 1:
        buffer = io.BytesIO()
        _subset(source, set().union(*subsets.values()), None).save(buffer)
        source = buffer.getvalue()
    for out, chars in subsets.items():
        write_subset(source, chars, out)


def _main() -> None:
    """A worker of :func:`_write_subsets`: ``{"source": path, "subsets": {out: characters}}`` on stdin."""
    work = json.load(sys.stdin)
    write_subsets(Path(work["source"]), {Path(out): set(chars) for out, chars in work["subsets"].items()})


def _font_face(href: str, shared_href: str) -> str:
    return (
        f'{_BEGIN}<style>@font-face{{font-family:"{FONT_FAMILY}";font-style:normal;font-weight:400;'
        f'font-display:swap;src:url("{href}") format("woff2")}}'
        f'@font-face{{font-family:"{SHARED_FAMILY}";font-style:normal;font-weight:400;'
        f'font-display:swap;src:url("{shared_href}") format("woff2");unicode-range:{_SHARED_RANGE}}}'
        f"</style>{_END}\n"
    )


def _key(font_id: str, chars: set[str]) -> str:
    return hashlib.sha256(f"{_VERSION}\n{font_id}\n{''.join(sorted(chars))}".encode()).hexdigest()[:20]


def subset_pages(html_dir: Path, source: Path, cache: Path) -> dict[str, str]:
    """Give every page of the built site its own font subset (see the module docstring).

    Returns ``{page (relative to html_dir): font file name}``; pages without Chinese get none.
    Every page with Chinese also declares the shared subset (``shared-<hash>.woff2``).
    """
    if not source.is_file():
        raise FontSubsetError(
            f"找不到中文字体 {source} (font missing): run `make vendor` "
            "(npm ci in vendor/) before building the site."
        )
    fonts = html_dir / "_static" / FONTS_DIR
    fonts.mkdir(parents=True, exist_ok=True)
    font_id = _digest(source)
    pages = [
        p
        for p in sorted(html_dir.rglob("*.html"))
        if p.relative_to(html_dir).parts[0] not in ("_static", "_sources", "_images")
    ]
    names: dict[Path, str] = {}
    missing: dict[str, set[str]] = {}
    everything = []
    for page in pages:
        chars = page_characters(page, html_dir)
        if chars:
            everything.append(chars)
            names[page] = f"{_key(font_id, chars)}.woff2"
            if not (cache / names[page]).is_file():
                missing[names[page]] = chars
    shared_chars = shared_characters(everything)
    shared = f"{SHARED_PREFIX}{_key(font_id, shared_chars)}.woff2"
    if names and not (cache / shared).is_file():
        missing[shared] = shared_chars
    _write_subsets(source, missing, cache)
    if names and not (fonts / shared).is_file():
        shutil.copyfile(cache / shared, fonts / shared)
    used: dict[str, str] = {}
    for page in pages:
        rel = page.relative_to(html_dir)
        text = page.read_text(encoding="utf-8")
        bare = _BLOCK.sub("", text)
        new = bare
        if page in names:
            name = names[page]
            cached = cache / name
            if not (fonts / name).is_file():
                shutil.copyfile(cached, fonts / name)
            used[rel.as_posix()] = name
            up = "../" * (len(rel.parts) - 1) + f"_static/{FONTS_DIR}/"
            head = bare.find("</head>")
            if head < 0:
                raise FontSubsetError(f"{rel} 没有 </head> (page without a head): cannot add its font")
            new = bare[:head] + _font_face(up + name, up + shared) + bare[head:]
        if new != text:
            page.write_text(new, encoding="utf-8")
    keep = {*used.values(), shared}
    for stale in fonts.glob("*.woff2"):
        if stale.name not in keep:
            stale.unlink()
    return used


if __name__ == "__main__":
    _main()
