"""The built site's pages, shared by the site tests, and opening one in an offline browser page."""

LESSON_PAGES = [
    "book/00_intro/what_is_community.html",
    "book/01_connectors/connectors.html",
    "book/02_community_vs_fans/community_vs_fans.html",
    "book/03_user_economy/user_economy.html",
    "book/04_content_community_product/content_community_product.html",
    "book/05_thresholds/thresholds.html",
]
ALL_PAGES = [
    "book/index.html",
    *LESSON_PAGES,
    "book/assignments.html",
    "book/about_materials.html",
    "book/example_plan.html",
    "book/run_locally.html",
    "book/reference/glossary.html",
    "book/reference/import_your_group.html",
    "search.html",
    "genindex.html",
]
# Every lesson, the synthesis too, and every page a learner can reach (checked against the built site
# by tests/test_site_navigation.py, so a new page is not left out).
EVERY_LESSON = [*LESSON_PAGES, "book/06_synthesis/synthesis.html"]
EVERY_PAGE = [*ALL_PAGES, "book/06_synthesis/synthesis.html"]


# A phone as the browser tests emulate it (CSS pixels; 360 px wide is the narrowest they check).
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
NARROW_PHONE = {**PHONE, "viewport": {"width": 360, "height": 780}}


def open_page(offline_page, site_url, path, device: dict | None = None):
    """Open *path* of the site in a new page of the ``offline_page`` fixture (on *device*, else a
    desktop), once loaded and its fonts ready."""
    p = offline_page(device)
    p.page.goto(f"{site_url}/{path}", wait_until="networkidle")
    p.page.evaluate("document.fonts.ready")
    return p
