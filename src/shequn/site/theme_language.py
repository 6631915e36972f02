"""Every word of the theme a learner sees or hears is Simplified Chinese.

The site is ``language: zh_CN``, but the themes leave English and Traditional Chinese behind:

* strings the theme translates with an **empty** ``zh`` entry (pydata-sphinx-theme's
  「Color mode」, 「System Settings」…) or a Traditional one (sphinx-book-theme's zh_CN
  「列印成 PDF」): :func:`override_theme_translations` (``builder-inited``) puts a catalog of
  :data:`THEME_ZH` in front of every message catalog Sphinx has registered (the templates'
  ``_()``, the book theme's ``translation()``), falling back to the original catalog;
* strings a theme template writes **without** ``_()`` (sphinx-book-theme's sidebar toggles,
  ``title="Toggle primary sidebar"``; its navigation's ``aria-label="Main"``):
  :func:`theme_templates_in_chinese` copies those templates with the Chinese text, into the
  template folder searched first (the way :mod:`shequn.site.assets` patches templates; a
  theme that changed them fails the build with a message saying so);
* strings set by scripts (sphinx-togglebutton's ``aria-label="Toggle hidden content"``) are
  renamed by ``static/shequn-navigation.js``.

Hand-written: Sphinx reads a project's own ``locale_dirs`` *after* the extensions' catalogs, so a
project ``.po`` cannot override a theme's translation, and hard-coded template text has no
catalog at all.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from sphinx.application import Sphinx

from shequn.site.assets import write_patched_template

__all__ = ["THEME_ZH", "override_theme_translations", "theme_templates_in_chinese"]

# msgid -> Simplified Chinese, for the theme strings that the catalogs leave English or Traditional.
THEME_ZH = {
    "Color mode": "配色模式",
    "System Settings": "跟随系统",
    "Light": "浅色",
    "Dark": "深色",
    "Print to PDF": "打印成 PDF",
    "Download this page": "下载本页",
    "Download source file": "下载源文件",
    "Download notebook file": "下载笔记本（.ipynb）",
    "Fullscreen mode": "全屏模式",
    "Site navigation": "课程导航",
    "Section Navigation": "本节导航",
    "Skip to main content": "跳到正文",
    "Back to top": "回到顶部",
    "On this page": "本页目录",
    "Breadcrumb": "页面路径",
    "Announcement": "公告",
    "Version warning": "版本提示",
    "Search": "搜索",
    "Home": "首页",
    "© Copyright %(copyright)s.": "© %(copyright)s 版权所有。",
    "Copyright %(copyright)s": "%(copyright)s 版权所有",
    "Link to this heading": "链接到本标题",
    "Link to this definition": "链接到本定义",
    "Link to this table": "链接到本表格",
    "Link to this image": "链接到本图片",
    "Link to this code": "链接到本代码",
    "Link to this term": "链接到本术语",
    "Link to this equation": "链接到本公式",
    "Click to show": "点击显示",
    "Click to hide": "点击隐藏",
}


class _ChineseFirst(gettext.NullTranslations):
    """A catalog that answers from :data:`THEME_ZH` and asks the original catalog otherwise."""

    def __init__(self, original: gettext.NullTranslations):
        super().__init__()
        self.add_fallback(original)

    def gettext(self, message: str) -> str:
        return THEME_ZH.get(message) or super().gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return (THEME_ZH.get(singular if n == 1 else plural)) or super().ngettext(singular, plural, n)


def override_theme_translations(app: Sphinx) -> None:
    """``builder-inited``: :data:`THEME_ZH` before every registered catalog and in the templates."""
    from sphinx import locale

    if not (app.config.language or "").startswith("zh"):
        return
    for key, translator in list(locale.translators.items()):
        if not isinstance(translator, _ChineseFirst):
            locale.translators[key] = _ChineseFirst(translator)
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is not None and hasattr(environment, "install_gettext_translations"):
        environment.install_gettext_translations(locale.translators[("general", "sphinx")], newstyle=False)


# (theme, template, hard-coded English, Chinese, occurrences)
_HARD_CODED = (
    (
        "sphinx_book_theme",
        "components/toggle-primary-sidebar.html",
        'title="Toggle primary sidebar"',
        'title="课程目录" aria-label="课程目录"',
        1,
    ),
    (
        "sphinx_book_theme",
        "components/toggle-secondary-sidebar.html",
        'title="Toggle secondary sidebar"',
        'title="本页目录" aria-label="本页目录"',
        1,
    ),
    ("sphinx_book_theme", "components/sbt-sidebar-nav.html", 'aria-label="Main"', 'aria-label="课程目录"', 1),
    ("sphinx_book_theme", "layout.html", 'aria-label="Page"', 'aria-label="本页"', 1),
)


def _theme_file(theme: str, name: str) -> Path:
    import importlib

    package = Path(importlib.import_module(theme).__file__).parent
    return package / "theme" / theme / name


def theme_templates_in_chinese(folder: Path) -> Path:
    """Copy the theme templates that hard-code English under ``folder`` (first on ``templates_path``),
    with Chinese text.  A template that no longer has the text fails the build (bilingual)."""
    for theme, name, english, chinese, count in _HARD_CODED:
        # the book theme's layout.html goes to folder/layout.html: pages extend "layout.html", and
        # it extends "pydata_sphinx_theme/layout.html" (shequn.site.script_loading's copy)
        # components are included by their bare name (the themes put components/ on templates_path)
        target = folder / (Path(name).name if name.startswith("components/") else name)
        write_patched_template(
            _theme_file(theme, name),
            target,
            re.compile(re.escape(english)),
            chinese,
            count,
            (f"的英文「{english}」", f"the English {english}"),
            "shequn.site.theme_language",
        )
    return folder
