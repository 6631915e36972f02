"""The site extension: glossary terms → search dictionary, vendored assets."""

from pathlib import Path

import jieba
import pytest
from sphinx.errors import ConfigError

from shequn.site import sphinxext

ROOT = Path(__file__).resolve().parents[1]


def test_glossary_terms_are_read_from_the_directive(tmp_path):
    page = tmp_path / "g.md"
    page.write_text(
        "# 术语表\n\n```{glossary}\n连接器\n  英文：connector。\n\n粉丝经济\n  英文：fan economy。\n```\n\n连接器 outside\n",
        encoding="utf-8",
    )
    assert sphinxext.glossary_terms(page) == ["连接器", "粉丝经济"]


def test_course_glossary_has_the_search_terms():
    terms = sphinxext.glossary_terms(ROOT / sphinxext.GLOSSARY_DOC)
    for term in ("连接器", "社群", "粉丝经济", "门槛", "留存率"):
        assert term in terms


def test_user_dictionary_makes_jieba_keep_terms_whole(tmp_path):
    path = sphinxext.write_jieba_dict(["留存率", "内容应用连接器"], tmp_path / "d.txt")
    jieba.load_userdict(str(path))
    assert "内容应用连接器" in list(jieba.cut_for_search("社群是一种内容应用连接器"))
    assert "留存率" in list(jieba.cut_for_search("第八周的留存率很低"))


def test_missing_vendor_folder_says_how_to_fix(tmp_path):
    with pytest.raises(ConfigError, match="make vendor"):
        sphinxext.stage_vendor_assets(tmp_path / "node_modules", tmp_path / "stage")


def test_staging_copies_assets_and_splits_the_widget_manager(tmp_path):
    staged = sphinxext.stage_vendor_assets(ROOT / "vendor" / "node_modules", tmp_path)
    vendor = staged / "offline"
    assert (vendor / "requirejs" / "require.js").is_file()
    assert (vendor / "html-manager" / "embed-amd.js").is_file()
    assert (vendor / "mathjax" / "tex-chtml.js").is_file()
    assert not (vendor / "noto-sans-sc").exists()  # each page gets its own subset instead
    split = vendor / "html-manager"
    assert sorted(p.name for p in split.glob("libembed-amd-*")) == [
        "libembed-amd-base.js", "libembed-amd-controls.js", "libembed-amd-html-manager.js"]
    for name in ("base", "controls", "html-manager"):
        js = (split / f"libembed-amd-{name}.js").read_text(encoding="utf-8")
        assert js.count('define("') == 1 and f'define("@jupyter-widgets/{name}",' in js
        assert "{version:3,sources:[" not in js


def test_widget_bundle_split_keeps_the_needed_modules_without_css_source_maps(tmp_path):
    from shequn.site.explorers import split_widget_bundle

    mods = ["base", "controls", "base7", "controls7", "html-manager", "html-manager/dist/libembed-amd"]
    body = {m: f'define("@jupyter-widgets/{m}",["module"],(e=>{{var n="{m}";}}));\n' for m in mods}
    # A css-loader entry whose source map holds brackets and quotes inside strings.
    body["controls"] = ('define("@jupyter-widgets/controls",["module"],(e=>{o.push([e.id,".a{b:c}","",'
                        '{version:3,sources:["x.css"],names:[],mappings:"A}]B",sourcesContent:["\\"}{[\'"]}])}));\n')
    bundle = tmp_path / "libembed-amd.js"
    bundle.write_text("/*! For license information please see base.js.LICENSE.txt */\n" + "".join(body.values()),
                      encoding="utf-8")
    out = split_widget_bundle(bundle, tmp_path / "split")
    assert [p.name for p in out] == ["libembed-amd-base.js", "libembed-amd-controls.js", "libembed-amd-html-manager.js"]
    assert (tmp_path / "split" / "libembed-amd-controls.js").read_text(encoding="utf-8") == (
        'define("@jupyter-widgets/controls",["module"],(e=>{o.push([e.id,".a{b:c}","",""])}));\n')
    assert (tmp_path / "split" / "libembed-amd-html-manager.js").read_text(encoding="utf-8") == body["html-manager"]
    assert (tmp_path / "split" / "libembed-amd-base.js").read_text(encoding="utf-8").endswith(body["base"])
    bundle.write_text(body["base"], encoding="utf-8")
    with pytest.raises(ValueError, match="WIDGET_MODULES"):
        split_widget_bundle(bundle, tmp_path / "again")


def test_pages_are_reread_when_the_package_changes(monkeypatch):
    class Env:
        found_docs = {"book/index", "book/01_connectors/connectors", "book/reference/glossary"}

    env = Env()
    first = sphinxext._on_env_get_outdated(None, env, set(), {"book/index"}, set())
    assert first == ["book/01_connectors/connectors", "book/reference/glossary"]
    assert sphinxext._on_env_get_outdated(None, env, set(), set(), set()) == []  # unchanged package
    monkeypatch.setattr(sphinxext, "package_fingerprint", lambda: "changed")
    assert len(sphinxext._on_env_get_outdated(None, env, set(), set(), set())) == 3


def test_package_fingerprint_covers_models_and_site_assets():
    fp = sphinxext.package_fingerprint()
    assert len(fp) == 64 and fp == sphinxext.package_fingerprint()


# ------------------------------------------------------------------ hub links (shequn.site.hub)

def test_hub_url_is_checked_and_normalised():
    from shequn.site.hub import HubURLError, normalise_hub_url

    assert normalise_hub_url("") == "" and normalise_hub_url(None) == "" and normalise_hub_url("  ") == ""
    assert normalise_hub_url("https://hub.example.edu/") == "https://hub.example.edu"
    assert normalise_hub_url("http://127.0.0.1:8000/prefix") == "http://127.0.0.1:8000/prefix"
    for bad in ("hub.example.edu", "ftp://hub", "javascript:alert(1)", "https://hub/?a=1", "https://"):
        with pytest.raises(HubURLError, match="shequn_hub_url"):
            normalise_hub_url(bad)


def test_lesson_links_draw_a_hub_link_only_with_a_hub():
    from shequn.site.hub import assignment_links_html, lesson_links_html

    nb = "book/01_connectors/connectors.ipynb"
    without = lesson_links_html("", nb, "../../_notebooks/" + nb)
    assert 'class="shequn-download"' in without and "shequn-hub" not in without
    assert assignment_links_html("", ["threshold_design"]) == ""
    with_hub = lesson_links_html("https://hub.example.edu", nb, "../../_notebooks/" + nb)
    assert ('href="https://hub.example.edu/hub/user-redirect/lab/tree/shequn/book/01_connectors/'
            'connectors.ipynb"') in with_hub
    page = assignment_links_html("https://hub.example.edu", ["threshold_design"])
    assert 'href="https://hub.example.edu/hub/user-redirect/lab/tree/threshold_design/threshold_design.ipynb"' in page
    # quoting: a hostile name cannot break out of the attribute
    assert '"><script>' not in lesson_links_html("https://h.edu", 'a"><script>.ipynb', "x")
    helped = lesson_links_html("", nb, "../../_notebooks/" + nb, help_href="../../book/run_locally.html")
    assert 'class="shequn-run-locally" href="../../book/run_locally.html"' in helped


# ------------------------------------------------------------------ issue 14: search, assets, meta, wheel

GLOSSARY_SAMPLE = """# 术语表

```{glossary}
连接器
  英文：connector。企业组织用户的手段（见{ref}`lesson-intro`）。见{ref}`lesson-connectors`、{ref}`lesson-intro`。

第一批成员
  英文：first members、seed users。最早的一批人。又称：种子用户、首批用户（其他说法）。见{ref}`lesson-thresholds`。

稳态
  英文：steady state。只在术语表里。
```

```{table} 不是术语
| a | b |
```
"""


def test_glossary_entries_read_english_synonyms_and_teaching_lesson(tmp_path):
    from shequn.site.search import glossary_entries

    page = tmp_path / "g.md"
    page.write_text(GLOSSARY_SAMPLE, encoding="utf-8")
    entries = glossary_entries(page)
    assert [e.terms for e in entries] == [["连接器"], ["第一批成员"], ["稳态"]]
    assert entries[0].english == ["connector"] and entries[0].synonyms == []
    # The sentence that starts with 见 names the teaching lesson, not the bracketed aside.
    assert entries[0].lesson == "lesson-connectors"
    assert entries[1].english == ["first members", "seed users"]
    assert entries[1].synonyms == ["种子用户", "首批用户"]
    assert entries[1].lesson == "lesson-thresholds"
    assert entries[2].lesson is None


def test_lesson_index_words_go_to_the_teaching_lessons_page(tmp_path):
    from shequn.site.search import glossary_entries, lesson_index_words

    page = tmp_path / "g.md"
    page.write_text(GLOSSARY_SAMPLE, encoding="utf-8")
    words = lesson_index_words(glossary_entries(page), {"lesson-connectors": "book/01/c",
                                                        "lesson-thresholds": "book/05/t"})
    assert words == {"book/01/c": ["连接器", "connector"],
                     "book/05/t": ["第一批成员", "first members", "seed users", "种子用户", "首批用户"]}


def test_course_glossary_lists_synonyms_and_every_entry_names_its_lesson():
    from shequn.site.search import glossary_entries

    entries = glossary_entries(ROOT / sphinxext.GLOSSARY_DOC)
    by_term = {t: e for e in entries for t in e.terms}
    assert "种子用户" in by_term["第一批成员"].synonyms
    assert by_term["第一批成员"].lesson == "lesson-thresholds"
    assert by_term["连接器"].english == ["connector"] and by_term["连接器"].lesson == "lesson-connectors"
    labels = {line.strip()[1:-2] for md in (ROOT / "book").rglob("*.md")
              for line in md.read_text(encoding="utf-8").splitlines() if line.startswith("(lesson-")}
    missing = [e.terms[0] for e in entries if e.lesson and e.lesson.startswith("lesson-") and e.lesson not in labels]
    assert missing == []


def test_scorer_puts_the_glossary_one_point_below_the_lesson(tmp_path):
    """Evaluate the generated scorer in Node, the way the search page's JavaScript runs it."""
    import json
    import shutil
    import subprocess

    from shequn.site.search import write_scorer

    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "Node.js is needed (make vendor installs it)"
    js = write_scorer(tmp_path / "scorer.js", "book/reference/glossary").read_text(encoding="utf-8")
    probe = js + ("\nconsole.log(JSON.stringify([Scorer.score(['book/reference/glossary','t','#x',null,100,'f']),"
                  " Scorer.score(['book/05/t','t','',null,100,'f']), Scorer.title, Scorer.term]));")
    out = subprocess.run([node, "-e", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [99, 100, 15, 5]


def test_theme_macros_lose_only_fontawesome_js(tmp_path):
    import pydata_sphinx_theme

    from shequn.site.assets import theme_templates_without_fontawesome

    folder = theme_templates_without_fontawesome(tmp_path)
    ours = (folder / "static" / "webpack-macros.html").read_text(encoding="utf-8")
    theirs = (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
              / "webpack-macros.html").read_text(encoding="utf-8")
    assert "fontawesome.js" in theirs and "fontawesome.js" not in ours
    assert [line for line in theirs.splitlines() if "fontawesome.js" not in line] == ours.splitlines()


def test_page_has_maths_looks_at_the_page_itself():
    from docutils import nodes
    from docutils.utils import new_document
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser

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
    app = SimpleNamespace(config=SimpleNamespace(mathjax_path="offline/mathjax/tex-chtml.js"),
                          builder=SimpleNamespace(add_js_file=lambda name, **kw: added.append(name)))

    def scripts():
        return [_Asset("_static/doctools.js"), _Asset(None, body='const THEBE_JS_URL = "x"'),
                _Asset("_static/sphinx-thebe.js"), _Asset(None, body="window.MathJax = {}"),
                _Asset("_static/offline/mathjax/tex-chtml.js", defer="defer")]

    plain = new_document("x", get_default_settings(Parser))
    plain += nodes.paragraph("", "文字")
    ctx = {"script_files": scripts(), "css_files": [_Asset("_static/sphinx-thebe.css"), _Asset("_static/a.css")]}
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


def test_repository_url_is_checked_and_links_are_escaped():
    from shequn.site.meta import RepositoryURLError, normalise_repository_url, repository_links_html

    assert normalise_repository_url("") == "" and normalise_repository_url(None) == ""
    assert normalise_repository_url("https://github.com/org/shequn.git/") == "https://github.com/org/shequn"
    for bad in ("github.com/org/shequn", "ftp://x/y", "javascript:alert(1)", "https://h/x?a=1"):
        with pytest.raises(RepositoryURLError, match="shequn_repository_url"):
            normalise_repository_url(bad)
    assert repository_links_html("", "第 1 课") == ""
    links = repository_links_html("https://github.com/org/shequn", '第 1 课"><script>')
    assert 'href="https://github.com/org/shequn"' in links
    assert 'href="https://github.com/org/shequn/issues/new?title=' in links
    assert "<script>" not in links and "报告问题" in links


def test_last_updated_is_the_last_commit_date_or_the_file_date_outside_git(tmp_path):
    import datetime as dt
    import os
    import subprocess

    from shequn.site.meta import last_updated

    repo = tmp_path / "repo"
    repo.mkdir()
    page = repo / "page.md"
    page.write_text("a", encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_COMMITTER_DATE": "2024-03-05T12:00:00+00:00",
           "GIT_AUTHOR_DATE": "2024-03-05T12:00:00+00:00"}
    for cmd in (["git", "init", "-q"], ["git", "add", "page.md"], ["git", "commit", "-q", "-m", "x"]):
        subprocess.run(cmd, cwd=repo, env=env, check=True)
    assert last_updated(page) == "2024-03-05"
    loose = tmp_path / "loose.md"
    loose.write_text("b", encoding="utf-8")
    stamp = dt.datetime(2023, 7, 9, 12, 0).timestamp()
    os.utime(loose, (stamp, stamp))
    assert last_updated(loose) == "2023-07-09"


def test_learner_wheel_carries_the_package_and_the_font_and_is_reused(tmp_path):
    import zipfile

    from shequn.site.learner_wheel import PACKAGED_FONT_NAME, build_learner_wheel

    wheel = build_learner_wheel(ROOT, tmp_path / "cache")
    assert wheel.name == "shequn-0.1.0-py3-none-any.whl" or wheel.name.startswith("shequn-")
    names = set(zipfile.ZipFile(wheel).namelist())
    font = ROOT / "vendor/node_modules/@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf"
    assert f"shequn/fonts/{PACKAGED_FONT_NAME}" in names and "shequn/fonts/OFL.txt" in names
    assert zipfile.ZipFile(wheel).getinfo(f"shequn/fonts/{PACKAGED_FONT_NAME}").file_size == font.stat().st_size
    assert "shequn/plotting.py" in names and "shequn/site/static/shequn.css" in names
    assert not [n for n in names if n.startswith(("tests/", "solutions/", "book/"))]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("dist-info/METADATA"))).decode()
    assert "Requires-Dist: ipywidgets" in metadata
    mtime = wheel.stat().st_mtime_ns
    assert build_learner_wheel(ROOT, tmp_path / "cache") == wheel and wheel.stat().st_mtime_ns == mtime


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
    (tmp_path / "page.html").write_text('<i class="fa-solid fa-magnifying-glass fa-lg"></i><i class="fa-solid fa-bars">',
                                        encoding="utf-8")
    out = fontawesome_subset(tmp_path)
    assert out == static / ICON_SUBSET
    # Font Awesome's published code points: magnifying-glass U+F002, bars U+F0C9 (used by the page),
    # circle-check U+F058 (the theme's stylesheet draws it for admonitions), rocket U+F135 (unused).
    kept = set(TTFont(out).getBestCmap())
    assert {0xF002, 0xF0C9, 0xF058} <= kept and 0xF135 not in kept
    assert out.stat().st_size < 10_000


def test_every_page_gets_its_date_and_with_a_repository_its_links(tmp_path):
    import datetime as dt
    import os
    from types import SimpleNamespace

    page = tmp_path / "lesson.md"
    page.write_text("x", encoding="utf-8")
    newer = tmp_path / "other.md"
    newer.write_text("y", encoding="utf-8")
    for path, day in ((page, dt.datetime(2025, 1, 2, 12)), (newer, dt.datetime(2025, 3, 4, 12))):
        os.utime(path, (day.timestamp(), day.timestamp()))
    docs = {"lesson": page, "other": newer}

    def app(url):
        return SimpleNamespace(env=SimpleNamespace(found_docs=set(docs), doc2path=lambda d: str(docs[d])),
                               config=SimpleNamespace(shequn_repository_url=url))

    ctx = {"title": "第 1 课", "theme_extra_footer": ""}
    sphinxext._on_page_meta(app(""), "lesson", "page.html", ctx, None)
    assert ctx["last_updated"] == "2025-01-02" and ctx["theme_extra_footer"] == ""
    ctx = {"title": "搜索", "theme_extra_footer": "<p>x</p>"}
    sphinxext._on_page_meta(app("https://git.example.org/course/shequn"), "search", "search.html", ctx, None)
    assert ctx["last_updated"] == "2025-03-04"  # no source: the newest page's date
    footer = ctx["theme_extra_footer"]
    assert footer.startswith("<p>x</p>") and 'href="https://git.example.org/course/shequn"' in footer
    assert 'href="https://git.example.org/course/shequn/issues/new?title=' in footer and "报告问题" in footer
