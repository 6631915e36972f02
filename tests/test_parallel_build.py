"""The site build executes its notebooks at the same time, one per core (shequn.site.parallel_execution)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from shequn.site.build import build

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def _meeting_lesson(title: str, mine: Path, other: Path) -> str:
    """A lesson that leaves *mine* and waits for *other*: it can only finish if the other
    lesson runs at the same time (one after the other, the first gives up and fails the build)."""
    code = (
        f"import pathlib, time\npathlib.Path({str(mine)!r}).touch()\n"
        f"deadline = time.monotonic() + 45\n"
        f"while not pathlib.Path({str(other)!r}).exists():\n"
        f"    assert time.monotonic() < deadline, 'the other lesson did not run at the same time'\n"
        f"    time.sleep(0.1)\n"
        f"print('两课同时运行')"
    )
    return HEADER + f"# {title}\n\n```{{code-cell}} ipython3\n{code}\n```\n"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores to run two notebooks at once")
def test_two_lessons_that_wait_for_each_other_both_execute(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    book, meet = tmp_path / "book_root", tmp_path / "meet"
    meet.mkdir()
    book.mkdir()
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n  - file: book/a/a\n  - file: book/b/b\n"
        "  - file: book/reference/glossary\n",
        encoding="utf-8",
    )
    for name, mine, other in (("a", "a", "b"), ("b", "b", "a")):
        (book / "book" / name).mkdir(parents=True)
        (book / "book" / name / f"{name}.md").write_text(
            _meeting_lesson(f"第{name}课", meet / mine, meet / other), encoding="utf-8"
        )
    (book / "book" / "reference").mkdir()
    (book / "book/reference/glossary.md").write_text(
        "# 术语表\n\n```{glossary}\n连接器\n  英文：connector。\n```\n", encoding="utf-8"
    )
    (book / "book" / "index.md").write_text("# 首页\n\n测试。\n", encoding="utf-8")
    (book / "vendor").mkdir()
    (book / "vendor" / "node_modules").symlink_to(ROOT / "vendor" / "node_modules")

    html = build(book)

    for name in ("a", "b"):
        assert "两课同时运行" in (html / "book" / name / f"{name}.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "temp").iterdir()) == []
