"""Build tooling for the course book: strict site build and paired notebooks.

The ``.md`` file of each lesson (a MyST-NB text notebook) is its source; the
paired ``.ipynb`` holds outputs that nbval re-executes and compares.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "BUILD_ARGS",
    "BookBuildError",
    "project_root",
    "paired_notebooks",
    "build",
    "execute_notebook",
    "write_notebooks",
    "external_references",
]

# -W: warnings are errors; -n: nitpicky cross-references; --keep-going: report
# every problem before failing.
BUILD_ARGS = ("-W", "-n", "--keep-going", "--builder", "html")
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+["']""", re.I)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LOADING_TAG = re.compile(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*>", re.I)


class BookBuildError(RuntimeError):
    """The site build failed; the message holds the build's own report."""


def project_root(start: Path | None = None) -> Path:
    """The folder holding ``_config.yml`` and ``_toc.yml``, searching upwards."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").is_file() and (folder / "_toc.yml").is_file():
            return folder
    raise FileNotFoundError(f"no _config.yml/_toc.yml found above {here}")


def paired_notebooks(root: Path, folders: tuple[str, ...] = ("book", "solutions")) -> list[Path]:
    """Notebook sources: ``.md`` files with a jupytext header under ``book/`` (lessons)
    and ``solutions/`` (nbgrader assignment sources)."""
    out = []
    for md in sorted(p for folder in folders for p in (root / folder).rglob("*.md")):
        head = md.read_text(encoding="utf-8")[:400]
        if head.startswith("---") and "jupytext:" in head:
            out.append(md)
    return out


def build(root: Path, output: Path | None = None, extra: tuple[str, ...] = ()) -> Path:
    """Run ``jupyter-book build`` strictly; return the HTML folder.

    Raises :class:`BookBuildError` with the build log when the build fails
    (a failing cell, any warning, stderr output of a cell) or when a built page
    references an external URL in a tag that loads something.
    """
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(root), *BUILD_ARGS, *extra]
    if output is not None:
        cmd += ["--path-output", str(output)]
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace", env=env)
    log = _ANSI.sub("", proc.stdout + proc.stderr)
    build_dir = (output or root) / "_build"
    if proc.returncode != 0:
        # Sphinx pickles its environment even when -W fails the build, and a
        # rerun would then skip the documents that warned and "succeed".
        # Forget the environment so the next build reads every page again.
        shutil.rmtree(build_dir / ".doctrees", ignore_errors=True)
        raise BookBuildError(_summarise_failure(log) + _stderr_report(log, root, build_dir / "html"))
    html_dir = build_dir / "html"
    leaks = external_references(html_dir)
    if leaks:
        raise BookBuildError("pages load external resources (CDN):\n" + "\n".join(leaks[:50]))
    return html_dir


_STDERR_FOUND = re.compile(
    r"^(?P<src>\S+?\.(?:md|ipynb)):\d+: (?:ERROR|WARNING): "
    r"stderr was found in the cell outputs of cell (?P<cell>\d+)",
    re.M,
)
_STDERR_BLOCK = re.compile(r'<div class="output stderr[^"]*">(.*?)</pre>', re.S)


def _stderr_report(log: str, root: Path, html_dir: Path) -> str:
    """What each failing cell wrote to stderr (myst-nb names the cell, not the text).

    With ``--keep-going`` the page is still written, stderr output included: read it back.
    """
    import html

    lines = []
    for m in _STDERR_FOUND.finditer(log):
        src = Path(m["src"])
        try:
            rel = src.resolve().relative_to(Path(root).resolve())
        except ValueError:
            continue
        page = html_dir / rel.with_suffix(".html")
        texts = []
        if page.is_file():
            texts = [
                html.unescape(re.sub(r"<[^>]+>", "", block)).strip()
                for block in _STDERR_BLOCK.findall(page.read_text(encoding="utf-8", errors="replace"))
            ]
        shown = "\n".join(texts)[:2000] if texts else "(the page was not written; run the cell to see it)"
        lines.append(f"{rel} cell {m['cell']} wrote to stderr (cell 写入了 stderr):\n{shown}")
    return ("\n--- stderr ---\n" + "\n".join(dict.fromkeys(lines))) if lines else ""


def _summarise_failure(log: str) -> str:
    """Keep the lines that say what failed and where, then the log's tail."""
    keys = ("WARNING", "ERROR", "Error", "error:", "Cell In", "Executing notebook failed", "stderr", "Glyph")
    important = [line for line in log.splitlines() if any(k in line for k in keys)]
    tail = "\n".join(log.splitlines()[-60:])
    return "jupyter-book build failed:\n" + "\n".join(important[:80]) + "\n--- log tail ---\n" + tail


def external_references(html_dir: Path) -> list[str]:
    """``file: tag`` for every loading tag that points off-site in the built pages."""
    found = []
    for page in sorted(html_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for tag in _LOADING_TAG.findall(text):
            if (
                tag.lower().startswith("<link")
                and "stylesheet" not in tag.lower()
                and "preload" not in tag.lower()
            ):
                continue  # plain hyperlinks in <link rel=...> metadata load nothing
            if _EXTERNAL.search(tag):
                found.append(f"{page.relative_to(html_dir)}: {tag[:200]}")
    return found


def execute_notebook(md: Path, timeout: int = 180):
    """Read a paired ``.md`` with jupytext and execute it in a fresh kernel."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(md)
    # Stable cell ids (jupytext invents random ones for text notebooks) and no
    # timing metadata: re-executing an unchanged lesson rewrites the same bytes.
    for i, cell in enumerate(nb.cells):
        cell["id"] = hashlib.sha1(f"{md.stem}:{i}".encode()).hexdigest()[:8]
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(md.parent)}},
    )
    client.execute()
    return nb


def write_notebooks(root: Path, only: list[Path] | None = None) -> list[Path]:
    """Execute every paired lesson and assignment source (or those in ``only``), one per core,
    and write each one's ``.ipynb`` beside its ``.md``."""
    import jupytext

    from shequn.site.parallel_execution import map_on_cores
    from shequn.site.stored_notebooks import strip_notebook

    wanted = None if not only else {p.resolve() for p in only}
    sources = [md for md in paired_notebooks(root) if wanted is None or md.resolve() in wanted]
    written = []
    for md, nb in zip(sources, map_on_cores(execute_notebook, sources), strict=True):
        target = md.with_suffix(".ipynb")
        # Stored: sources and the outputs nbval checks; no widget state or images.
        jupytext.write(strip_notebook(nb), target, fmt="ipynb")
        written.append(target)
    return written
