"""Exercises and worked solutions (``sphinx-exercise``) numbered per lesson, in Chinese.

``sphinx-exercise`` (loaded from ``_config.yml``) gives ``{exercise}`` / ``{solution}`` blocks; its
own zh_CN catalogue labels them 练习 / 解答, and ``:class: dropdown`` keeps a solution folded until
the learner opens it. Two things it leaves to the site, done here:

* Numbering. Sphinx numbers enumerable nodes per *section number*; the course's table of contents
  is not numbered (lessons carry their own 「第 N 课」 titles), so exercises would be counted across
  the whole book (the first exercise of lesson 5 would be 练习 8). After Sphinx assigns the numbers
  we renumber them 1, 2, 3 … within each page; a solution's title and every ``{ref}`` follow,
  because they read the same table.
* Contrast: links inside the light-blue exercise box get a darker blue (``static/shequn-exercises.css``,
  loaded only on pages with an exercise), so they pass axe's 4.5:1.
* The fold button's hint (``sphinx-togglebutton``, loaded by Jupyter Book) defaults to English
  "Click to show"; we set it to Chinese unless ``_config.yml`` already does.
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.config import Config

from shequn.site import STATIC_DIR

__all__ = ["setup", "renumber_per_page"]

FIGTYPE = "exercise"
CSS_FILE = "shequn-exercises.css"


def renumber_per_page(
    toc_fignumbers: dict[str, dict[str, dict[str, tuple[int, ...]]]], figtype: str = FIGTYPE
) -> None:
    """In place: number ``figtype`` items 1, 2, … within each page, keeping their order."""
    for numbers in toc_fignumbers.values():
        items = numbers.get(figtype)
        if not items:
            continue
        for new, key in enumerate(sorted(items, key=lambda k: items[k]), start=1):
            items[key] = (new,)


def _on_env_get_updated(app: Sphinx, env) -> list[str]:
    # Runs after Sphinx's TocTreeCollector (priority 500) has assigned the book-wide numbers.
    renumber_per_page(env.toc_fignumbers)
    return []


def _hints(app: Sphinx, config: Config) -> None:
    if config.values.get("togglebutton_hint") is None:
        return  # sphinx-togglebutton is not loaded
    if config.togglebutton_hint == "Click to show":
        config.togglebutton_hint = "点击显示"
    if config.togglebutton_hint_hide == "Click to hide":
        config.togglebutton_hint_hide = "点击隐藏"


def _add_static(app: Sphinx, config: Config) -> None:
    if str(STATIC_DIR) not in map(str, config.html_static_path):
        config.html_static_path = [*config.html_static_path, str(STATIC_DIR)]


def _page_css(app: Sphinx, pagename, templatename, context, doctree) -> None:
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

    if doctree is not None and any(
        True for _ in doctree.findall(lambda n: isinstance(n, (exercise_node, exercise_enumerable_node)))
    ):
        app.add_css_file(CSS_FILE)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    app.connect("env-get-updated", _on_env_get_updated, priority=900)
    app.connect("config-inited", _hints, priority=400)  # before togglebutton writes its JS (500)
    app.connect("config-inited", _add_static, priority=950)
    app.connect("html-page-context", _page_css)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
