"""Links and dates the site extension adds to pages: hub links, repository links, last-updated dates."""

import pytest

from shequn.site import sphinxext


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
    assert (
        'href="https://hub.example.edu/hub/user-redirect/lab/tree/shequn/book/01_connectors/connectors.ipynb"'
    ) in with_hub
    page = assignment_links_html("https://hub.example.edu", ["threshold_design"])
    assert (
        'href="https://hub.example.edu/hub/user-redirect/lab/tree/threshold_design/threshold_design.ipynb"'
        in page
    )
    # quoting: a hostile name cannot break out of the attribute
    assert '"><script>' not in lesson_links_html("https://h.edu", 'a"><script>.ipynb', "x")
    helped = lesson_links_html("", nb, "../../_notebooks/" + nb, help_href="../../book/run_locally.html")
    assert 'class="shequn-run-locally" href="../../book/run_locally.html"' in helped


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
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_COMMITTER_DATE": "2024-03-05T12:00:00+00:00",
        "GIT_AUTHOR_DATE": "2024-03-05T12:00:00+00:00",
    }
    for cmd in (["git", "init", "-q"], ["git", "add", "page.md"], ["git", "commit", "-q", "-m", "x"]):
        subprocess.run(cmd, cwd=repo, env=env, check=True)
    assert last_updated(page) == "2024-03-05"
    loose = tmp_path / "loose.md"
    loose.write_text("b", encoding="utf-8")
    stamp = dt.datetime(2023, 7, 9, 12, 0).timestamp()
    os.utime(loose, (stamp, stamp))
    assert last_updated(loose) == "2023-07-09"


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
        return SimpleNamespace(
            env=SimpleNamespace(found_docs=set(docs), doc2path=lambda d: str(docs[d])),
            config=SimpleNamespace(shequn_repository_url=url),
        )

    ctx = {"title": "第 1 课", "theme_extra_footer": ""}
    sphinxext._on_page_meta(app(""), "lesson", "page.html", ctx, None)
    assert ctx["last_updated"] == "2025-01-02" and ctx["theme_extra_footer"] == ""
    ctx = {"title": "搜索", "theme_extra_footer": "<p>x</p>"}
    sphinxext._on_page_meta(app("https://git.example.org/course/shequn"), "search", "search.html", ctx, None)
    assert ctx["last_updated"] == "2025-03-04"  # no source: the newest page's date
    footer = ctx["theme_extra_footer"]
    assert footer.startswith("<p>x</p>") and 'href="https://git.example.org/course/shequn"' in footer
    assert 'href="https://git.example.org/course/shequn/issues/new?title=' in footer and "报告问题" in footer
