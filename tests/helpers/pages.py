"""The built site's lesson pages, shared by the site tests."""

LESSON_PAGES = [
    "book/00_intro/what_is_community.html",
    "book/01_connectors/connectors.html",
    "book/02_community_vs_fans/community_vs_fans.html",
    "book/03_user_economy/user_economy.html",
    "book/04_content_community_product/content_community_product.html",
    "book/05_thresholds/thresholds.html",
]
