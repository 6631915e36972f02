"""One list of formats: `shequn data import --format list` and the import page's table come from it."""

from __future__ import annotations

import subprocess
import sys

from helpers.imports import ROOT, cli
from shequn.data.importers import _PARSERS
from shequn.data.importers.formats import CARRIES, FORMATS

EXPECTED = {
    "qq-text",
    "qq-json",
    "qq-jsonl",
    "qq-chat-exporter-txt",
    "wechat-csv",
    "memotrace-csv",
    "telegram",
    "discord",
    "discord-csv",
    "chatlab",
}


def test_every_format_has_a_parser_and_a_complete_entry():
    assert set(FORMATS) == set(_PARSERS) == EXPECTED
    for f in FORMATS.values():
        assert set(f.carries) == set(CARRIES) and set(f.carries.values()) <= {"yes", "partly", "no"}
        assert f.exporter and f.tested and f.how and f.lacks


def test_format_list_prints_every_format_with_what_it_carries():
    proc = cli("data", "import", "--format", "list")
    assert proc.returncode == 0
    for f in FORMATS.values():
        assert f.name in proc.stdout and f.exporter in proc.stdout and f.tested in proc.stdout
    assert proc.stdout.count("含有 (carries)") == len(FORMATS)


def test_import_page_uses_the_generated_table():
    page = (ROOT / "book" / "reference" / "import_your_group.md").read_text(encoding="utf-8")
    assert "```{import-formats}" in page


def test_directive_renders_the_table_in_a_real_sphinx_build(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        'extensions = ["myst_parser", "shequn.site.import_formats"]\n', encoding="utf-8"
    )
    (src / "index.md").write_text("# 格式\n\n```{import-formats}\n```\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert html.count("<tr") == len(FORMATS) + 1  # header + one row per format
    for f in FORMATS.values():
        assert f'<code class="docutils literal notranslate"><span class="pre">{f.name}</span></code>' in html
