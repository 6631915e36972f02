"""The site extension: glossary terms → search dictionary, vendored assets, rebuild on a package change."""

from pathlib import Path

import jieba
import pytest
from sphinx.errors import ConfigError

from shequn.site import sphinxext

ROOT = Path(__file__).resolve().parents[1]


def test_glossary_terms_are_read_from_the_directive(tmp_path):
    page = tmp_path / "g.md"
    page.write_text(
        "# 术语表\n\n```{glossary}\n连接器\n  英文：connector。\n\n"
        "粉丝经济\n  英文：fan economy。\n```\n\n连接器 outside\n",
        encoding="utf-8",
    )
    assert sphinxext.glossary_terms(page) == ["连接器", "粉丝经济"]


def test_course_glossary_has_the_search_terms():
    terms = sphinxext.glossary_terms(ROOT / sphinxext.GLOSSARY_DOC)
    for term in ("连接器", "社群", "粉丝经济", "门槛", "留存率"):
        assert term in terms


def test_user_dictionary_makes_jieba_keep_terms_whole(tmp_path):
    path = sphinxext.write_jieba_dict(["留存率", "内容应用连接器"], tmp_path / "d.txt")
    # a tokenizer of its own, caching its dictionary in tmp_path: jieba's default one would
    # leave jieba.cache in the system temp folder (and keep this user dictionary for later tests)
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(tmp_path)
    tokenizer.load_userdict(str(path))
    assert "内容应用连接器" in list(tokenizer.cut_for_search("社群是一种内容应用连接器"))
    assert "留存率" in list(tokenizer.cut_for_search("第八周的留存率很低"))


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
        "libembed-amd-base.js",
        "libembed-amd-controls.js",
        "libembed-amd-html-manager.js",
    ]
    for name in ("base", "controls", "html-manager"):
        js = (split / f"libembed-amd-{name}.js").read_text(encoding="utf-8")
        assert js.count('define("') == 1 and f'define("@jupyter-widgets/{name}",' in js
        assert "{version:3,sources:[" not in js


def test_widget_bundle_split_keeps_the_needed_modules_without_css_source_maps(tmp_path):
    from shequn.site.explorers import split_widget_bundle

    mods = ["base", "controls", "base7", "controls7", "html-manager", "html-manager/dist/libembed-amd"]
    body = {m: f'define("@jupyter-widgets/{m}",["module"],(e=>{{var n="{m}";}}));\n' for m in mods}
    # A css-loader entry whose source map holds brackets and quotes inside strings.
    body["controls"] = (
        'define("@jupyter-widgets/controls",["module"],(e=>{o.push([e.id,".a{b:c}","",'
        '{version:3,sources:["x.css"],names:[],mappings:"A}]B",sourcesContent:["\\"}{[\'"]}])}));\n'
    )
    bundle = tmp_path / "libembed-amd.js"
    bundle.write_text(
        "/*! For license information please see base.js.LICENSE.txt */\n" + "".join(body.values()),
        encoding="utf-8",
    )
    out = split_widget_bundle(bundle, tmp_path / "split")
    assert [p.name for p in out] == [
        "libembed-amd-base.js",
        "libembed-amd-controls.js",
        "libembed-amd-html-manager.js",
    ]
    assert (tmp_path / "split" / "libembed-amd-controls.js").read_text(encoding="utf-8") == (
        'define("@jupyter-widgets/controls",["module"],(e=>{o.push([e.id,".a{b:c}","",""])}));\n'
    )
    assert (tmp_path / "split" / "libembed-amd-html-manager.js").read_text(encoding="utf-8") == body[
        "html-manager"
    ]
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
