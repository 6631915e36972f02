"""A lesson that fails or warns must fail the build, naming the notebook and cell."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from shequn.site.build import BookBuildError, build

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


@pytest.fixture(autouse=True)
def _temp_files_in_a_test_folder(tmp_path_factory, monkeypatch):
    """A failed build leaves Sphinx's crash log (sphinx-err-*.log) in the temp dir: the test's own."""
    monkeypatch.setenv("TMPDIR", str(tmp_path_factory.mktemp("temp")))


def _mini_book(tmp_path: Path, lesson_body: str) -> Path:
    """A copy of the course's config with one lesson whose body we choose."""
    for name in ("_config.yml",):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n  - file: book/bad_lesson/bad_lesson\n"
        "  - file: book/reference/glossary\n",
        encoding="utf-8",
    )
    (tmp_path / "book" / "bad_lesson").mkdir(parents=True)
    (tmp_path / "book" / "reference").mkdir()
    (tmp_path / "book/reference/glossary.md").write_text(
        "# 术语表\n\n```{glossary}\n连接器\n  英文：connector。\n```\n", encoding="utf-8"
    )
    (tmp_path / "book" / "index.md").write_text("# 首页\n\n测试。\n", encoding="utf-8")
    (tmp_path / "book" / "bad_lesson" / "bad_lesson.md").write_text(
        HEADER + "# 坏的一课\n\n" + lesson_body, encoding="utf-8"
    )
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "node_modules").symlink_to(ROOT / "vendor" / "node_modules")
    return tmp_path


def _cell(code: str) -> str:
    return f"```{{code-cell}} ipython3\n{code}\n```\n\n"


def test_failing_cell_fails_the_build_with_notebook_and_cell(tmp_path):
    book = _mini_book(tmp_path, _cell("x = 1") + _cell("raise RuntimeError('模型坏了 model broke')"))
    with pytest.raises(BookBuildError) as err:
        build(book)
    message = str(err.value)
    assert "bad_lesson" in message
    assert "raise RuntimeError('模型坏了 model broke')" in message  # the failing cell's source
    assert not (
        book / "_build" / "html" / "book" / "bad_lesson" / "bad_lesson.html"
    ).exists() or "模型坏了" not in (book / "_build/html/book/bad_lesson/bad_lesson.html").read_text(
        encoding="utf-8"
    )


def test_cell_warning_fails_the_build(tmp_path):
    book = _mini_book(tmp_path, _cell("import warnings\nwarnings.warn('小心 careful')"))
    with pytest.raises(BookBuildError) as err:
        build(book)
    assert re.search(
        r"bad_lesson\.md:\d+: ERROR: stderr was found in the cell outputs of cell \d", str(err.value)
    )
    # ... and says what the cell wrote
    assert re.search(
        r"bad_lesson\.md cell \d+ wrote to stderr.*\n.*UserWarning: 小心 careful", str(err.value)
    )
    # A second build must not "succeed" by skipping the page that warned.
    with pytest.raises(BookBuildError, match="stderr was found"):
        build(book)


def test_chinese_plot_without_the_font_fails_the_build(tmp_path):
    book = _mini_book(
        tmp_path,
        _cell(
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
            "ax.set_title('社群')\nfig.canvas.draw()"
        ),
    )
    with pytest.raises(BookBuildError) as err:
        build(book)
    assert re.search(
        r"bad_lesson\.md:\d+: ERROR: stderr was found in the cell outputs of cell \d", str(err.value)
    )
