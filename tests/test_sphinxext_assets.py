"""The site's page assets: theme templates, MathJax only where needed, icon subset, learner wheel, font."""

import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_theme_macros_lose_only_fontawesome_js(tmp_path):
    import pydata_sphinx_theme

    from shequn.site.assets import theme_templates_without_fontawesome

    folder = theme_templates_without_fontawesome(tmp_path)
    ours = (folder / "static" / "webpack-macros.html").read_text(encoding="utf-8")
    theirs = (
        Path(pydata_sphinx_theme.__file__).parent
        / "theme"
        / "pydata_sphinx_theme"
        / "static"
        / "webpack-macros.html"
    ).read_text(encoding="utf-8")
    assert "fontawesome.js" in theirs and "fontawesome.js" not in ours
    assert [line for line in theirs.splitlines() if "fontawesome.js" not in line] == ours.splitlines()


def test_theme_templates_are_not_rewritten_when_unchanged(tmp_path):
    """A template newer than the pages makes Sphinx rewrite every page: a rebuild with no change must
    leave every patched template as it was (same bytes, same mtime)."""
    import os

    from shequn.site.assets import theme_templates_without_fontawesome
    from shequn.site.script_loading import theme_templates_with_deferred_search
    from shequn.site.theme_language import theme_templates_in_chinese

    def write_all():
        return theme_templates_in_chinese(
            theme_templates_with_deferred_search(theme_templates_without_fontawesome(tmp_path))
        )

    write_all()
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) >= 4
    past = 1_000_000_000  # 2001: any rewrite would move the mtime to now
    for path in files:
        os.utime(path, (past, past))
    before = {p: p.read_bytes() for p in files}
    write_all()
    assert {p: p.read_bytes() for p in files} == before
    assert [p.name for p in files if p.stat().st_mtime != past] == []


def test_page_has_maths_looks_at_the_page_itself():
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    from shequn.site.assets import page_has_maths

    def doc(*children):
        d = new_document("x", get_default_settings(Parser))
        d += nodes.paragraph("", "", *children)
        return d

    assert page_has_maths(doc(nodes.math("", "a/(1-r)")))
    assert page_has_maths(doc(nodes.Text("x"), nodes.math_block("", "x^2")))
    assert not page_has_maths(doc(nodes.Text("没有公式")))
    assert not page_has_maths(None)


class _Asset:
    def __init__(self, filename, **attributes):
        self.filename, self.attributes, self.priority = filename, attributes, 500


def test_trim_page_assets_drops_thebe_and_mathjax_without_maths_and_adds_the_shim_with_it():
    from types import SimpleNamespace

    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    from shequn.site.assets import MATHJAX_SHIM, trim_page_assets

    added = []
    app = SimpleNamespace(
        config=SimpleNamespace(mathjax_path="offline/mathjax/tex-chtml.js"),
        builder=SimpleNamespace(add_js_file=lambda name, **kw: added.append(name)),
    )

    def scripts():
        return [
            _Asset("_static/doctools.js"),
            _Asset(None, body='const THEBE_JS_URL = "x"'),
            _Asset("_static/sphinx-thebe.js"),
            _Asset(None, body="window.MathJax = {}"),
            _Asset("_static/offline/mathjax/tex-chtml.js", defer="defer"),
        ]

    plain = new_document("x", get_default_settings(Parser))
    plain += nodes.paragraph("", "文字")
    ctx = {
        "script_files": scripts(),
        "css_files": [_Asset("_static/sphinx-thebe.css"), _Asset("_static/a.css")],
    }
    trim_page_assets(app, "book/index", "page.html", ctx, plain)
    assert [js.filename for js in ctx["script_files"]] == ["_static/doctools.js"]
    assert [c.filename for c in ctx["css_files"]] == ["_static/a.css"] and added == []

    maths = new_document("x", get_default_settings(Parser))
    maths += nodes.paragraph("", "", nodes.math("", "x"))
    ctx = {"script_files": scripts(), "pathto": lambda name, resource=False: "../" + name}
    trim_page_assets(app, "book/01", "page.html", ctx, maths)
    assert [js.filename for js in ctx["script_files"]] == ["_static/doctools.js", None, None]
    assert added == [MATHJAX_SHIM]
    # MathJax itself is added by an inline script once the page has loaded (it no longer holds `load` back).
    loader = ctx["script_files"][2].attributes["body"]
    assert loader.startswith("window.addEventListener('load',")
    assert 's.src="../_static/offline/mathjax/tex-chtml.js"' in loader


def test_learner_wheel_carries_the_package_and_the_font_and_is_reused(tmp_path):
    import zipfile

    from shequn.site.learner_wheel import PACKAGED_FONT_NAME, build_learner_wheel

    wheel = build_learner_wheel(ROOT, tmp_path / "cache")
    assert wheel.name == "shequn-0.1.0-py3-none-any.whl" or wheel.name.startswith("shequn-")
    names = set(zipfile.ZipFile(wheel).namelist())
    font = ROOT / "vendor/node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
    assert f"shequn/fonts/{PACKAGED_FONT_NAME}" in names and "shequn/fonts/OFL.txt" in names
    assert (
        zipfile.ZipFile(wheel).getinfo(f"shequn/fonts/{PACKAGED_FONT_NAME}").file_size == font.stat().st_size
    )
    assert "shequn/plotting.py" in names and "shequn/site/static/shequn.css" in names
    assert not [n for n in names if n.startswith(("tests/", "solutions/", "book/"))]
    metadata = (
        zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("dist-info/METADATA"))).decode()
    )
    assert "Requires-Dist: ipywidgets" in metadata
    mtime = wheel.stat().st_mtime_ns
    assert build_learner_wheel(ROOT, tmp_path / "cache") == wheel and wheel.stat().st_mtime_ns == mtime


def test_a_learner_wheel_build_stopped_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    """A site build that fails while pip is still packing the wheel stops pip and removes the
    temporary copy of the project; nothing half-built is cached, and asking for it says so."""
    from shequn.site.learner_wheel import WheelBuildError, start_learner_wheel

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    job = start_learner_wheel(ROOT, tmp_path / "cache")
    assert [p.name for p in (tmp_path / "tmp").iterdir()][0].startswith("shequn-wheel-")
    job.cancel()
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").rglob("*.whl"))
    with pytest.raises(WheelBuildError, match="failed"):
        job.result()


def test_packaged_font_is_found_when_nothing_else_is(monkeypatch, tmp_path):
    from shequn import plotting

    fake = tmp_path / "fonts" / "NotoSansSC-Regular.ttf"
    fake.parent.mkdir()
    fake.write_bytes(b"font")
    monkeypatch.delenv(plotting.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(plotting, "VENDORED_FONT", Path("no/such/font.ttf"))
    monkeypatch.setattr(plotting, "PACKAGED_FONT", fake)
    plotting.find_cjk_font.cache_clear()
    try:
        assert plotting.find_cjk_font() == fake
    finally:
        plotting.find_cjk_font.cache_clear()


def test_icon_font_subset_keeps_exactly_the_icons_the_pages_use(tmp_path):
    import shutil

    import pydata_sphinx_theme
    from fontTools.ttLib import TTFont

    from shequn.site.assets import ICON_SUBSET, fontawesome_subset

    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "scripts").mkdir()
    shutil.copy(theme / "styles" / "pydata-sphinx-theme.css", static / "styles")
    shutil.copytree(theme / "vendor", static / "vendor")
    (tmp_path / "page.html").write_text(
        '<i class="fa-solid fa-magnifying-glass fa-lg"></i><i class="fa-solid fa-bars">', encoding="utf-8"
    )
    out = fontawesome_subset(tmp_path)
    assert out == static / ICON_SUBSET
    # Font Awesome's published code points: magnifying-glass U+F002, bars U+F0C9 (used by the page),
    # circle-check U+F058 (the theme's stylesheet draws it for admonitions), rocket U+F135 (unused).
    kept = set(TTFont(out).getBestCmap())
    assert {0xF002, 0xF0C9, 0xF058} <= kept and 0xF135 not in kept
    assert out.stat().st_size < 10_000
