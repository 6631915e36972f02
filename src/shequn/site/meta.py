"""Per-page facts on the course site: when a page last changed, and where to report a problem.

* **Last updated.**  Each page's footer shows the date of the last commit that touched its
  source (``git log -1 --format=%cs -- <source>``); the theme renders Sphinx's
  ``last_updated`` as 「最后更新于 …」.  Outside a git checkout (a source tarball) or for a
  file git does not know yet, the source file's modification date is used instead; pages
  without a source (search, index) show the date of the newest page.
* **Repository links.**  With ``shequn_repository_url`` set in ``_config.yml``, every page's
  footer links to the course repository and to 「报告问题」 (its issue tracker, with the
  page's title filled in); empty (the default) draws no link.
"""

from __future__ import annotations

import datetime as dt
import html
import subprocess
from pathlib import Path
from urllib.parse import quote, urlsplit

__all__ = ["RepositoryURLError", "normalise_repository_url", "repository_links_html", "last_updated"]


class RepositoryURLError(ValueError):
    pass


def normalise_repository_url(url: str | None) -> str:
    """``""`` for no repository; otherwise the https URL without a trailing slash or ``.git``."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RepositoryURLError(
            f"shequn_repository_url 应是仓库的 http(s) 地址，例如 https://github.com/org/shequn，"
            f"而不是 {url!r} (must be an http(s) URL without query or fragment)"
        )
    url = url.rstrip("/")
    return url[:-4] if url.endswith(".git") else url


def repository_links_html(repository_url: str, page_title: str = "") -> str:
    """The footer links: the repository, and a new issue titled after the page."""
    if not repository_url:
        return ""
    issue = f"{repository_url}/issues/new"
    if page_title:
        issue += "?title=" + quote(f"[{page_title}] ")
    return (
        '<p class="shequn-repository">'
        f'<a class="shequn-repo" href="{html.escape(repository_url, quote=True)}">'
        "课程源代码（Repository）</a>"
        f'<a class="shequn-issue" href="{html.escape(issue, quote=True)}">报告问题（Report a problem）</a>'
        "</p>"
    )


def _git_date(source: Path) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", source.name],
            cwd=source.parent,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    date = proc.stdout.strip()
    return date if proc.returncode == 0 and date else None


def last_updated(source: Path) -> str:
    """``YYYY-MM-DD`` of the last commit touching ``source``; its mtime when git cannot tell."""
    return _git_date(source) or dt.date.fromtimestamp(source.stat().st_mtime).isoformat()
