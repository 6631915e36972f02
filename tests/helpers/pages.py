"""The built site's pages, shared by the site tests, and opening one in an offline browser page."""

LESSON_PAGES = [
    "book/00_intro/what_is_community.html",
    "book/01_connectors/connectors.html",
    "book/02_community_vs_fans/community_vs_fans.html",
    "book/03_user_economy/user_economy.html",
    "book/04_content_community_product/content_community_product.html",
    "book/05_thresholds/thresholds.html",
]
ALL_PAGES = ["book/index.html", *LESSON_PAGES, "book/assignments.html", "book/run_locally.html",
             "book/reference/glossary.html", "search.html", "genindex.html"]


def open_page(offline_page, site_url, path):
    """Open *path* of the site in a new page of the ``offline_page`` fixture, once loaded and its fonts ready."""
    p = offline_page()
    p.page.goto(f"{site_url}/{path}", wait_until="networkidle")
    p.page.evaluate("document.fonts.ready")
    return p
