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
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def site_build_temp(tmp_path_factory) -> Path:
    """The system temp folder (TMPDIR) the site build sees: a folder of this session's own."""
    return tmp_path_factory.mktemp("site-build-temp")


@pytest.fixture(scope="session")
def site_html(site_build_temp) -> Path:
    """Build the book exactly as `make site` does; the build must succeed."""
    from shequn.site.build import build

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TMPDIR", str(site_build_temp))
        return build(ROOT)


@pytest.fixture(scope="session", autouse=True)
def jieba_cache_in_the_run(tmp_path_factory):
    """jieba (Sphinx's Chinese search splitter) caches its dictionary in the system temp folder
    unless told otherwise; the tests' own small Sphinx builds (language zh_CN, in this process,
    without the course's extension, which moves it into _build) would leave jieba.cache there."""
    try:
        import jieba
    except ImportError:  # Sphinx then splits Chinese without it
        return
    jieba.dt.tmp_dir = str(tmp_path_factory.mktemp("jieba"))


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

    def __init__(self, browser, base_url: str, device: dict | None = None):
        self.base = urlparse(base_url)
        self.context = browser.new_context(
            locale="zh-CN", **(device or {"viewport": {"width": 1280, "height": 900}})
        )
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
        if url.scheme in ("data", "blob") or (
            url.hostname == self.base.hostname and url.port == self.base.port
        ):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.fixture
def offline_page(browser, site_url):
    pages = []

    def make(device: dict | None = None):
        p = OfflinePage(browser, site_url, device)
        pages.append(p)
        return p

    yield make
    for p in pages:
        p.close()


# ------------------------------------------------------------ the suite on several workers
# `make test` runs the suite on pytest-xdist workers with `--dist loadgroup --no-loadscope-reorder`.
# Each group runs in order on one worker:
#   "machine": the tests that grade in the sandbox (marked root), one after another, so that two
#              of their grading runs (several sandboxes each, cell limits of seconds, CPU caps and
#              timings asserted) never compete for the two cores;
#   "hub":     the course JupyterHub (Unix users, its own servers, one grading run);
#   "site":    the tests of the built site, so that only one worker builds it;
#   every other test module, and every notebook nbval runs (its cells share one kernel).
# Two root modules are groups of their own (_BESIDE_THE_MACHINE): they grade one submission at a
# time, with cell limits of two minutes for cells that take well under a second, and assert scores,
# not timings; they run beside the machine group as the site build and nbval do, so that both
# workers grade.  The public checks' tests are independent and take minutes each: one group each.
# Gradings may overlap: each test checks for leftovers only among what its own graders made (their
# pids' sandbox uids, cgroups and folders), and the whole run's leftovers are checked once at the
# end, by the controller.  The long groups go first (_LONGEST_FIRST), so the short ones even out the end.
MACHINE_GROUP, HUB_GROUP, SITE_GROUP = "machine", "hub", "site"
_BESIDE_THE_MACHINE = ("tests/test_test_styles.py", "tests/test_assignment_check.py")
_GROUP_PER_TEST = ("tests/test_public_checks.py",)
_LONGEST_FIRST = (MACHINE_GROUP, SITE_GROUP, HUB_GROUP, *_BESIDE_THE_MACHINE, *_GROUP_PER_TEST)


def _group(item) -> str:
    module = item.path.relative_to(ROOT).as_posix()
    if item.get_closest_marker("hub"):
        return HUB_GROUP
    if module in _BESIDE_THE_MACHINE:
        return module
    if item.get_closest_marker("root"):
        return MACHINE_GROUP
    if "site_html" in getattr(item, "fixturenames", ()):
        return SITE_GROUP
    if module in _GROUP_PER_TEST:  # xdist reads a group name after the last "@", if no "]" follows it
        return f"{module}::{item.name}".replace("[", "(").replace("]", ")").replace("@", "_")
    return module


def _rank(group: str) -> int:
    """Where a group starts: the long ones first, in _LONGEST_FIRST's order; the others after them."""
    for i, long in enumerate(_LONGEST_FIRST):
        if group == long or group.startswith(f"{long}::"):
            return i
    return len(_LONGEST_FIRST)


ROOT_ONLY = (
    "root only: the grading sandbox (namespaces, cgroups, a uid switch) and Unix users need root; "
    "CI runs `make test` as root"
)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Skip root tests when not root; mark each test with its group before xdist reads the marks,
    and check that xdist used them."""
    import os

    for item in items:
        if "browser" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.browser)  # headless Chromium: not in make test-fast, marked or not
        if os.geteuid() != 0 and item.get_closest_marker("root"):
            item.add_marker(pytest.mark.skip(reason=ROOT_ONLY))
    grouping = getattr(config.option, "loadgroup", False)
    if grouping:
        group = {item.nodeid: _group(item) for item in items}
        for item in items:
            item.add_marker(pytest.mark.xdist_group(group[item.nodeid]))
        items.sort(key=lambda item: _rank(group[item.nodeid]))  # stable: the order within a group stays
    result = yield
    if grouping and items and "@" not in items[0].nodeid:
        # pytest-xdist marks a test's group in its node id; pytest 9.2 ignores that (pytest-xdist#1386)
        raise pytest.UsageError(
            "pytest-xdist did not group the tests (--dist loadgroup): grading tests and "
            "a module's tests would run on several workers at once. "
            "Use pytest < 9.2 (pyproject.toml pins it)."
        )
    return result


# ------------------------------------------------------------ nothing left behind
# Checked once for the whole run, by the process that started it (with xdist: the controller,
# after every worker has finished): what this run's own processes made (helpers.leftovers:
# RunProcesses records them while the run goes on), minus what was there before any test ran.
# A grading run elsewhere on the machine, before or during the suite, is not this run's leftover.
_TMP_BEFORE = pytest.StashKey[set]()
_LEFT_BEFORE = pytest.StashKey[set]()
_RUN_PROCESSES = pytest.StashKey[object]()


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    import os
    import tempfile

    if not _is_worker(session.config):
        from helpers.leftovers import RunProcesses, sandbox_leftovers

        session.config.stash[_TMP_BEFORE] = set(os.listdir(tempfile.gettempdir()))
        session.config.stash[_LEFT_BEFORE] = set(sandbox_leftovers())
        session.config.stash[_RUN_PROCESSES] = RunProcesses(os.getpid())


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """At the end of the run: no sandbox process, cgroup or grading folder this run made is left."""
    import time

    if _is_worker(session.config) or _RUN_PROCESSES not in session.config.stash:
        return
    from helpers.leftovers import sandbox_leftovers

    makers = session.config.stash[_RUN_PROCESSES].stop()
    before, left_before = session.config.stash[_TMP_BEFORE], session.config.stash[_LEFT_BEFORE]

    def left() -> list[str]:
        return [x for x in sandbox_leftovers(before, makers) if x not in left_before]

    deadline = time.monotonic() + 15
    while left() and time.monotonic() < deadline:
        time.sleep(0.2)
    if names := left():
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("")
            reporter.write_sep("=", "the test run left sandbox processes, cgroups or files behind", red=True)
            for name in names:
                reporter.write_line(f"  {name}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
