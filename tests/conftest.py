"""Shared fixtures: the built site, a loopback server and headless Chromium; leftover checks."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def site_html() -> Path:
    """Build the book exactly as `make site` does; the build must succeed."""
    from shequn.site.build import build

    return build(ROOT)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="session")
def site_url(site_html):
    handler = functools.partial(_QuietHandler, directory=str(site_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        yield b
        b.close()


class OfflinePage:
    """A page whose every non-loopback request is blocked and recorded."""

    def __init__(self, browser, base_url: str):
        self.base = urlparse(base_url)
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.external: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"))
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def _route(self, route):
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or (url.hostname == self.base.hostname and url.port == self.base.port):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(browser, site_url):
    pages = []

    def make():
        p = OfflinePage(browser, site_url)
        pages.append(p)
        return p

    yield make
    for p in pages:
        p.close()


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind_by_the_suite():
    """At the end of the run: no sandbox process, cgroup or grading folder is left on the machine."""
    import os
    import tempfile
    import time

    before = set(os.listdir(tempfile.gettempdir()))
    yield
    from helpers.leftovers import sandbox_leftovers

    deadline = time.monotonic() + 15
    while sandbox_leftovers(before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sandbox_leftovers(before) == [], "the test run left sandbox processes, cgroups or files behind"
