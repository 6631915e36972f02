"""Sphinx extension that makes the course site self-contained and Chinese-first.

Loaded from ``_config.yml`` (``sphinx.extra_extensions``).  It

* stages the vendored front-end assets (require.js, the Jupyter widgets HTML manager, MathJax)
  from ``vendor/node_modules`` into the site's ``_static/offline/``, so no page loads anything
  from a CDN (:mod:`shequn.site.vendor_assets`);
* gives every page its own small subset of the Noto Sans SC web font, with exactly the
  page's Chinese characters, and one subset shared by all pages for text that is not on the
  page: search results, what a learner types (:mod:`shequn.site.font_subset`);
* builds the jieba user dictionary for Chinese full-text search from the
  terms of the glossary page, and hands it to Sphinx's ``zh`` search;
* adds the site's CSS (web font, explorer layout);
* puts a download link for the lesson notebook under each lesson's title and, when
  ``shequn_hub_url`` is set in ``_config.yml``, links that open the lesson (or the
  assignments) on the course's JupyterHub (:mod:`shequn.site.hub`);
* packs the learner wheel (:mod:`shequn.site.learner_wheel`) into ``_static/wheels/`` and offers
  it on the 「在自己电脑上运行」 page;
* ranks the lesson that teaches a term above its glossary entry (:mod:`shequn.site.search`), and
  cuts a Chinese query into the index's words in the browser (``static/shequn-search-segment.js``);
* makes the visible sidebar toggles work (``static/shequn-navigation.js``) and puts the theme's
  words in Simplified Chinese (:mod:`shequn.site.theme_language`);
* loads only the assets a page uses, with no console errors (:mod:`shequn.site.assets`);
* loads no script in a way that blocks the first paint (:mod:`shequn.site.script_loading`);
* renders the import page's format table from the package (:mod:`shequn.site.import_formats`);
* shows each page's last-updated date from git and, when ``shequn_repository_url`` is set,
  links to the repository and its issue tracker (:mod:`shequn.site.meta`).

A missing asset is a build error that says which command installs it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError, SphinxError
from sphinx.util import logging

from shequn.site import STATIC_DIR
from shequn.site.assets import fontawesome_subset, theme_templates_without_fontawesome, trim_page_assets
from shequn.site.font_subset import SOURCE_FONT, FontSubsetError, subset_pages
from shequn.site.learner_wheel import WheelBuildError, start_learner_wheel
from shequn.site.parallel_execution import collect_executed, execute_pages, stop_executions, write_executed
from shequn.site.script_loading import defer_page_scripts, theme_templates_with_deferred_search
from shequn.site.search import GLOSSARY_DOC, add_lesson_index_entries, glossary_entries, write_scorer
from shequn.site.theme_language import override_theme_translations, theme_templates_in_chinese
from shequn.site.vendor_assets import stage_vendor_assets

__all__ = ["setup", "glossary_terms", "stage_vendor_assets"]


def glossary_terms(glossary_md: Path) -> list[str]:
    """Terms of the ``{glossary}`` directive in a MyST page, in page order.

    A term is a non-indented, non-empty line inside the directive's fence.
    """
    terms: list[str] = []
    inside = False
    for line in glossary_md.read_text(encoding="utf-8").splitlines():
        if re.match(r"^(`{3,}|:{3,})\{glossary\}", line):
            inside = True
            continue
        if inside and re.match(r"^(`{3,}|:{3,})\s*$", line):
            inside = False
            continue
        if inside and line.strip() and not line[0].isspace() and not line.startswith(":"):
            terms.append(line.strip())
    return terms


def write_jieba_dict(terms: list[str], path: Path) -> Path:
    """Write a jieba user dictionary: one term per line with a high frequency."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{t} 100000 n\n" for t in terms if " " not in t)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def _on_config_inited(app: Sphinx, config: Config) -> None:
    root = Path(app.srcdir)
    build_dir = Path(app.outdir).parent
    staging = stage_vendor_assets(root / "vendor" / "node_modules", build_dir / "vendor-static")
    config.html_static_path = [*config.html_static_path, str(staging), str(STATIC_DIR)]

    glossary = root / GLOSSARY_DOC
    if not glossary.exists():
        raise ConfigError(f"glossary page {glossary} not found: the search dictionary is built from it")
    terms = glossary_terms(glossary)
    if not terms:
        raise ConfigError(f"no terms found in the {{glossary}} directive of {glossary}")
    synonyms = [w for entry in glossary_entries(glossary) for w in entry.synonyms]
    dict_path = write_jieba_dict([*terms, *synonyms], build_dir / "jieba_userdict.txt")
    options = dict(config.html_search_options or {})
    options["dict"] = str(dict_path)
    _jieba_cache_in(build_dir)
    config.html_search_options = options
    # Lessons rank above the glossary (shequn.site.search); icons without fontawesome.js
    # (shequn.site.assets); the learner wheel for 「在自己电脑上运行」 (shequn.site.learner_wheel).
    config.html_search_scorer = str(
        write_scorer(build_dir / "search_scorer.js", GLOSSARY_DOC.with_suffix("").as_posix())
    )
    # Search scripts deferred, or not loaded where nothing uses them (shequn.site.script_loading).
    templates = theme_templates_with_deferred_search(
        theme_templates_without_fontawesome(build_dir / "templates")
    )
    templates = theme_templates_in_chinese(templates)  # theme text in Chinese (shequn.site.theme_language)
    config.templates_path = [str(templates), *config.templates_path]
    if not config.html_favicon:  # else the browser asks for /favicon.ico: a 404 in the console
        config.html_favicon = str(STATIC_DIR / "shequn-favicon.svg")
    app._shequn_wheel = app._shequn_wheel_build = None
    if not (root / "pyproject.toml").is_file():  # a book outside the project (tests' mini books)
        return
    try:  # pip runs while the notebooks do; collected by _learner_wheel
        app._shequn_wheel_build = start_learner_wheel(root, build_dir / "learner-wheel")
    except WheelBuildError as exc:
        raise ConfigError(str(exc)) from None
    wheel_static = build_dir / "learner-static"
    if wheel_static.exists():
        shutil.rmtree(wheel_static)
    (wheel_static / WHEELS_DIR).mkdir(parents=True)
    config.html_static_path = [*config.html_static_path, str(wheel_static)]


def _jieba_cache_in(build_dir: Path) -> None:
    """jieba (Sphinx's Chinese search splitter) caches its parsed dictionary in the system temp
    folder unless told otherwise: keep it in the build folder, which a build owns."""
    try:
        import jieba
    except ImportError:  # Sphinx then splits Chinese without it
        return
    jieba.dt.tmp_dir = str(build_dir)


def _learner_wheel(app: Sphinx) -> Path | None:
    """The learner wheel, once pip has finished, staged for ``_static/``."""
    if app._shequn_wheel is None and app._shequn_wheel_build is not None:
        try:
            wheel = app._shequn_wheel_build.result()
        except WheelBuildError as exc:
            raise SphinxError(str(exc)) from None
        shutil.copy2(wheel, Path(app.outdir).parent / "learner-static" / WHEELS_DIR / wheel.name)
        app._shequn_wheel = wheel
    return app._shequn_wheel


def _on_env_updated(app: Sphinx, env) -> None:
    """Collect the learner wheel after the notebooks have run, before any page is written."""
    _learner_wheel(app)


def package_fingerprint() -> str:
    """Hash of the installed ``shequn`` package's sources (models, widgets, site assets)."""
    package = Path(__file__).resolve().parent.parent  # shequn/, not shequn/site/
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".css", ".js", ".json"}:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _on_env_get_outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Re-read (and so re-execute) every page when the package has changed.

    Lesson cells only call ``shequn``; Sphinx and the execution cache know the
    notebooks' code but not the package's, so without this a rebuild after a
    model change would keep stale outputs.
    """
    fingerprint = package_fingerprint()
    if getattr(env, "shequn_package_fingerprint", None) == fingerprint:
        return []
    env.shequn_package_fingerprint = fingerprint
    return sorted(env.found_docs - set(added) - set(changed) - set(removed))


NOTEBOOKS_DIR = "_notebooks"  # lesson notebooks offered for download, under the site root
WHEELS_DIR = "wheels"  # the learner wheel, under _static/
RUN_LOCALLY_DOC = "book/run_locally"
logger = logging.getLogger(__name__)


def _check_hub_url(app: Sphinx, config: Config) -> None:
    from shequn.site.hub import HubURLError, normalise_hub_url

    try:
        config.shequn_hub_url = normalise_hub_url(config.shequn_hub_url)
    except HubURLError as exc:
        raise ConfigError(str(exc)) from None


def _check_repository_url(app: Sphinx, config: Config) -> None:
    from shequn.site.meta import RepositoryURLError, normalise_repository_url

    try:
        config.shequn_repository_url = normalise_repository_url(config.shequn_repository_url)
    except RepositoryURLError as exc:
        raise ConfigError(str(exc)) from None


def _on_page_meta(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Every page: last-updated date from git; repository and 「报告问题」 links when configured."""
    from shequn.site.meta import last_updated, repository_links_html

    if pagename in app.env.found_docs:
        context["last_updated"] = last_updated(Path(app.env.doc2path(pagename)))
    else:  # search, genindex: the newest page's date
        context["last_updated"] = max(
            (last_updated(Path(app.env.doc2path(d))) for d in app.env.found_docs), default=None
        )
    links = repository_links_html(
        app.config.shequn_repository_url, re.sub(r"<[^>]+>", "", context.get("title") or "")
    )
    if links:
        context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + links


def _wheel_box(app: Sphinx, pagename: str) -> str:
    """The download box of the run-locally page; warns if the page's commands name another file."""
    import html

    wheel = _learner_wheel(app)
    source = Path(app.env.doc2path(pagename)).read_text(encoding="utf-8")
    if wheel.name not in source:
        logger.warning(
            f"{RUN_LOCALLY_DOC}.md 的命令没有写出本次构建的软件包文件名 {wheel.name} "
            f"(the page's commands must name the wheel the build produced)",
            location=pagename,
        )
    href = "../" * pagename.count("/") + f"_static/{WHEELS_DIR}/{wheel.name}"
    size = wheel.stat().st_size / 1e6
    return (
        f'<div class="shequn-launch"><a class="shequn-wheel" href="{html.escape(href)}" download>'
        f"下载课程软件包 {html.escape(wheel.name)}（{size:.1f} MB）</a></div>"
    )


def _insert_after_title(body: str, box: str) -> str:
    end = body.find("</h1>")
    return body[: end + 5] + box + body[end + 5 :] if end >= 0 else box + body


def _on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Download and hub links on lesson pages and the assignments page."""
    from shequn.site.hub import assignment_links_html, lesson_links_html

    if doctree is None or "body" not in context:
        return
    root = Path(app.srcdir)
    hub_url = app.config.shequn_hub_url
    up = "../" * pagename.count("/")
    # The download is the build's executed copy (myst-nb writes one per notebook page), with its
    # figures and widget state; the stored .ipynb beside the .md keeps only what nbval checks.
    notebook = Path(app.env.mystnb_config.output_folder) / f"{pagename}.ipynb"
    if pagename.startswith("book/") and notebook.is_file():
        target = Path(app.outdir) / NOTEBOOKS_DIR / f"{pagename}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(notebook, target)
        # the header's download menu offers it too (sphinx-book-theme links "_sources/<ipynb_source>")
        context["ipynb_source"] = f"../{NOTEBOOKS_DIR}/{pagename}.ipynb"
        box = lesson_links_html(
            hub_url,
            f"{pagename}.ipynb",
            f"{up}{NOTEBOOKS_DIR}/{pagename}.ipynb",
            help_href=f"{up}{RUN_LOCALLY_DOC}.html",
        )
        context["body"] = _insert_after_title(context["body"], box)
    elif pagename == RUN_LOCALLY_DOC:
        context["body"] = _insert_after_title(context["body"], _wheel_box(app, pagename))
    elif pagename == "book/assignments":
        names = sorted(p.name for p in (root / "assignments").glob("*") if (p / f"{p.name}.ipynb").is_file())
        box = assignment_links_html(hub_url, names)
        if box:
            context["body"] = _insert_after_title(context["body"], box)


def _on_lazy_explorers(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Explorers load lazily (after myst-nb added the page's widget state): shequn.site.explorers;
    figures get their alt text: shequn.site.figures."""
    from shequn.site.explorers import lazy_explorers
    from shequn.site.figures import figure_alt_text

    lazy_explorers(app, pagename, context)
    figure_alt_text(app, context)


def _on_search_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The search page cuts a Chinese query into the index's words (``static/shequn-search-segment.js``)."""
    if pagename == "search":
        app.add_js_file("shequn-search-segment.js", defer="defer")


def _on_build_finished(app: Sphinx, exception) -> None:
    """The font subsets need the written pages: icons (:func:`shequn.site.assets.fontawesome_subset`)
    and each page's Chinese characters (:func:`shequn.site.font_subset.subset_pages`).
    A learner wheel still building (the build failed before collecting it) is stopped."""
    if getattr(app, "_shequn_wheel_build", None) is not None:
        app._shequn_wheel_build.cancel()
    if exception is None and app.builder.format == "html":
        outdir = Path(app.outdir)
        fontawesome_subset(outdir)
        try:
            subset_pages(outdir, Path(app.srcdir) / SOURCE_FONT, outdir.parent / "font-subsets")
        except FontSubsetError as exc:
            raise SphinxError(str(exc)) from None


def setup(app: Sphinx) -> dict:
    app.setup_extension("shequn.site.import_formats")  # the {import-formats} table of the import page
    app.add_config_value("shequn_hub_url", "", "html", types=[str])
    app.add_config_value("shequn_repository_url", "", "html", types=[str])
    app.connect("config-inited", _check_hub_url)
    app.connect("config-inited", _check_repository_url)
    app.connect("html-page-context", _on_page_meta)
    app.connect("html-page-context", trim_page_assets, priority=900)  # after sphinx.ext.mathjax
    app.connect("doctree-resolved", add_lesson_index_entries)
    app.connect("html-page-context", _on_html_page_context)
    app.connect("html-page-context", _on_lazy_explorers, priority=600)
    app.connect("html-page-context", defer_page_scripts, priority=990)  # after every handler that adds one
    app.connect("config-inited", _on_config_inited, priority=900)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-before-read-docs", execute_pages)  # the notebooks on every core (execute: cache)
    app.connect("source-read", collect_executed)
    app.connect("doctree-read", write_executed)
    app.connect("env-updated", stop_executions)
    app.connect("build-finished", stop_executions)
    app.connect("env-updated", _on_env_updated)
    app.add_css_file("shequn.css")
    app.add_css_file("shequn-icons.css")
    app.add_js_file("shequn-navigation.js", defer="defer")  # the visible sidebar toggles work
    app.connect("html-page-context", _on_search_page)
    app.connect("builder-inited", override_theme_translations)
    app.connect("build-finished", _on_build_finished)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
