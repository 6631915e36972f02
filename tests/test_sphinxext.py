"""The site extension: glossary terms → search dictionary, vendored assets."""

from pathlib import Path

import jieba
import pytest
from sphinx.errors import ConfigError

from shequn import sphinxext

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


def test_staging_copies_assets_and_keeps_only_shipped_font_formats(tmp_path):
    staged = sphinxext.stage_vendor_assets(ROOT / "vendor" / "node_modules", tmp_path)
    vendor = staged / "offline"
    assert (vendor / "requirejs" / "require.js").is_file()
    assert (vendor / "html-manager" / "embed-amd.js").is_file()
    assert (vendor / "mathjax" / "tex-chtml.js").is_file()
    css = (vendor / "noto-sans-sc" / "400.css").read_text(encoding="utf-8")
    assert ".woff)" not in css and ".woff2)" in css
    for ref in __import__("re").findall(r"url\(\./(files/[^)]+)\)", css):
        assert (vendor / "noto-sans-sc" / ref).is_file()


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


# ------------------------------------------------------------------ hub links (shequn.hub)

def test_hub_url_is_checked_and_normalised():
    from shequn.hub import HubURLError, normalise_hub_url

    assert normalise_hub_url("") == "" and normalise_hub_url(None) == "" and normalise_hub_url("  ") == ""
    assert normalise_hub_url("https://hub.example.edu/") == "https://hub.example.edu"
    assert normalise_hub_url("http://127.0.0.1:8000/prefix") == "http://127.0.0.1:8000/prefix"
    for bad in ("hub.example.edu", "ftp://hub", "javascript:alert(1)", "https://hub/?a=1", "https://"):
        with pytest.raises(HubURLError, match="shequn_hub_url"):
            normalise_hub_url(bad)


def test_lesson_links_draw_a_hub_link_only_with_a_hub():
    from shequn.hub import assignment_links_html, lesson_links_html

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
