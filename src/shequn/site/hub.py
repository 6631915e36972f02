"""Links from the course site to the course's JupyterHub (see ``deploy/jupyterhub``).

The hub copies the lesson notebooks into each learner's home as ``~/shequn/book/...`` when
their server starts, and nbgrader's *fetch* puts assignment ``A`` in ``~/A/A.ipynb``.  A link
through ``/hub/user-redirect/`` opens the page in whoever is logged in, so one link serves
every learner.  Set the hub's address in ``_config.yml``::

    sphinx:
      config:
        shequn_hub_url: https://hub.example.edu

With no address set, no hub link is drawn (download links always are).
"""

from __future__ import annotations

import html
from urllib.parse import quote, urlsplit

LESSONS_FOLDER = "shequn"  # in each learner's home; jupyterhub_config.py copies the lessons here


class HubURLError(ValueError):
    pass


def normalise_hub_url(url: str | None) -> str:
    """``""`` for no hub; otherwise the URL without a trailing slash.  Raises on a bad URL."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise HubURLError(
            f"shequn_hub_url 应是 http(s) 地址，例如 https://hub.example.edu，"
            f"而不是 {url!r} (must be an http(s) URL without query or fragment)"
        )
    return url.rstrip("/")


def lesson_url(hub_url: str, notebook: str) -> str:
    """Open a lesson notebook (its path in the repository, e.g. ``book/01_x/x.ipynb``) on the hub."""
    return f"{hub_url}/hub/user-redirect/lab/tree/{quote(LESSONS_FOLDER)}/{quote(notebook)}"


def assignment_list_url(hub_url: str) -> str:
    """JupyterLab on the hub; the Assignments list (菜单 Nbgrader) fetches and submits."""
    return f"{hub_url}/hub/user-redirect/lab"


def fetched_assignment_url(hub_url: str, assignment: str) -> str:
    """Where nbgrader's fetch puts an assignment's notebook in the learner's home."""
    return f"{hub_url}/hub/user-redirect/lab/tree/{quote(assignment)}/{quote(assignment)}.ipynb"


def _a(href: str, cls: str, text: str, *, download: bool = False) -> str:
    extra = " download" if download else ""
    return f'<a class="{cls}" href="{html.escape(href, quote=True)}"{extra}>{text}</a>'


def lesson_links_html(hub_url: str, notebook: str, download_href: str, help_href: str = "") -> str:
    """The box under a lesson's title: download the notebook (and how to run it); open it on the hub."""
    links = [_a(download_href, "shequn-download", "下载本课笔记本（Download .ipynb）", download=True)]
    if help_href:
        links.append(_a(help_href, "shequn-run-locally", "怎样在自己电脑上运行"))
    if hub_url:
        links.append(
            _a(lesson_url(hub_url, notebook), "shequn-hub", "在课程 Hub 上打开（Launch on the hub）")
        )
    return f'<div class="shequn-launch">{"".join(links)}</div>'


def assignment_links_html(hub_url: str, assignments: list[str]) -> str:
    """The box under the assignments page's title (only with a hub: downloads are in its table)."""
    if not hub_url:
        return ""
    links = [
        _a(assignment_list_url(hub_url), "shequn-hub", "在课程 Hub 上领取和提交作业（Launch on the hub）")
    ]
    links += [
        _a(
            fetched_assignment_url(hub_url, name),
            "shequn-hub-assignment",
            f"打开已领取的 {html.escape(name)}",
        )
        for name in assignments
    ]
    note = (
        '<span class="shequn-launch-note">在 Hub 的菜单 Nbgrader → Assignment List 中'
        "领取（Fetch）作业，完成后提交（Submit）。</span>"
    )
    return f'<div class="shequn-launch">{"".join(links)}{note}</div>'
