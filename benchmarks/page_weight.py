"""Page weight and first paint of the built site, as a learner on a 4G phone network sees it.

    python benchmarks/page_weight.py [--html _build/html] [--pages book/01_connectors/connectors.html ...]

Serves the built site the way a real static host does (gzip for text: HTML, JS, CSS, JSON,
SVG), opens every page in headless Chromium in a fresh browser context (a first visit: empty
cache) with the network throttled through the DevTools protocol
(``Network.emulateNetworkConditions``: 9 Mbit/s down, 85 ms round trip), and prints per page:

* compressed bytes on the wire and requests of the first visit: until the ``load`` event, MathJax
  (loaded after ``load``) has typeset, and the network is then quiet for 500 ms -- what the page
  fetches without the reader doing anything;
* first contentful paint (FCP);
* for pages with explorers, in a second first visit: the time from navigation until the first
  explorer *responds* (it is scrolled into view as soon as the page has loaded -- explorers load
  lazily near the viewport --, one of its controls is moved, and its result changes), and the
  bytes and requests of that whole visit (``MB w/ expl``: the page and the explorer's code and state).

Targets, printed next to the numbers: a lesson's first visit <= 1.2 MB compressed,
FCP <= 2 s, first explorer responding <= 5 s.  Nothing on the pages may come from off-site.

Two readers, two byte counts.  The Chinese web font (each page's Noto Sans SC subset,
``_static/shequn-fonts/``) is only downloaded where the reader's system has no Chinese font:
the site's font stacks name PingFang SC, Microsoft YaHei, Noto Sans CJK SC, ... first.  Chromium
here runs in a bare container with no Chinese font, so it downloads the subset: that is the
``MB`` column, and the byte target is checked against it -- the worst case, and the one a
learner on a bare Linux install or an old phone meets.  ``sys MB`` is the same visit minus the
Chinese web font: what a reader whose system Chinese font the stacks name (Windows, macOS, iOS,
Linux with Noto Sans CJK) downloads.  Android's Chrome does not match system fonts by name, so
there it is the ``MB`` figure.  The subset shared by every page (``shared-<hash>.woff2``: text not
on the page, such as search results) is fetched only when such text needs it, so it is not in a
lesson's first visit; ``--pages "search.html?q=诱导分享"`` measures a search with results.
``--detail`` adds each page's bytes by resource type.

Hand-written server: Python's http.server does not compress, and the point is to measure
what a compressing static host (nginx, GitHub Pages, OSS) sends.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import mimetypes
import shutil
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOWN_BPS = 9_000_000  # 9 Mbit/s
UP_BPS = 9_000_000 // 4
RTT_MS = 85
TARGET_LESSON_BYTES = 1_200_000
TARGET_FCP_S = 2.0
TARGET_EXPLORER_S = 5.0
_COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".txt", ".map", ".ipynb", ".xml")
_CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class GzipStaticHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; text types gzip-compressed when the client accepts it (level 6, like nginx)."""

    _cache: dict[str, bytes] = {}

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        gz = path.suffix in _COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", "")
        if gz:
            key = str(path)
            if key not in self._cache:
                self._cache[key] = gzip.compress(body, compresslevel=6, mtime=0)
            body = self._cache[key]
        self.send_response(200)
        self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith("text/") else ""))
        self.send_header("Content-Length", str(len(body)))
        if gz:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)


def serve(html_dir: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(GzipStaticHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def site_pages(html_dir: Path) -> list[str]:
    """Every page of the site (not the theme's template fragments under _static)."""
    return sorted(
        p.relative_to(html_dir).as_posix()
        for p in html_dir.rglob("*.html")
        if not p.relative_to(html_dir).parts[0].startswith("_")
    )


_CHANGE_FIRST_CONTROL = """
async (timeoutMs) => {
  const t0 = performance.now();
  const deadline = t0 + timeoutMs;
  const sleep = (ms) => new Promise(r => setTimeout(r, ms));
  const first = () => document.querySelector('.shequn-lazy, .shequn-explorer');
  while (!first() && performance.now() < deadline) await sleep(20);
  if (!first()) return {error: 'no explorer on the page'};
  first().scrollIntoView({block: 'center'});
  let ex = null;
  while (performance.now() < deadline) {
    ex = document.querySelector('.shequn-explorer');
    if (ex && ex.querySelector('.shequn-output') &&
        ex.querySelector('.widget-toggle-buttons button, .widget-dropdown select, .noUi-handle')) break;
    await sleep(20);
  }
  if (!ex) return {error: 'the explorer never became interactive'};
  const out = () => Array.from(ex.querySelectorAll('.shequn-output')).map(o => o.innerText).join('|');
  const before = out();
  const toggle = ex.querySelector('.widget-toggle-buttons button:not(.mod-active):not([disabled])');
  const select = ex.querySelector('.widget-dropdown select:not([disabled])');
  const handle = ex.querySelector('.noUi-handle');
  if (toggle) toggle.click();
  else if (select) {
    select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
    select.dispatchEvent(new Event('change', {bubbles: true}));
  } else if (handle) {
    handle.focus();
    for (const key of ['ArrowRight', 'ArrowLeft']) {
      handle.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
      await sleep(50);
      if (out() !== before) break;
    }
  }
  while (out() === before && performance.now() < deadline) await sleep(10);
  if (out() === before) return {error: 'moving a control changed nothing'};
  return {responded_ms: performance.now()};
}
"""


class _Visit:
    """A fresh browser context (empty cache) with the network profile and a request log."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": RTT_MS,
                "downloadThroughput": DOWN_BPS / 8,
                "uploadThroughput": UP_BPS / 8,
            },
        )
        self.sizes: dict[str, int] = {}
        self.urls: dict[str, str] = {}
        self.types: dict[str, str] = {}
        cdp.on(
            "Network.responseReceived",
            lambda e: self.types.__setitem__(e["requestId"], e.get("type", "Other")),
        )
        cdp.on(
            "Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"])
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: self.sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
        )

    def settle(self, timeout_s: float, quiet_ms: int = 500) -> None:
        """Wait until MathJax (if any) has typeset and then ``quiet_ms`` pass with no new request."""
        self.page.evaluate("""async () => {
          const mj = window.MathJax;
          if (mj && mj.startup && mj.startup.promise) await mj.startup.promise;
          await document.fonts.ready;
        }""")
        deadline = time.monotonic() + timeout_s
        seen = -1
        while (len(self.urls), len(self.sizes)) != seen and time.monotonic() < deadline:
            seen = (len(self.urls), len(self.sizes))
            self.page.wait_for_timeout(quiet_ms)  # keeps the browser's events flowing meanwhile

    def total(self) -> int:
        return sum(self.sizes.values())

    def cjk_font_bytes(self) -> int:
        return sum(
            n
            for rid, n in self.sizes.items()
            if self.types.get(rid) == "Font" and _is_cjk_font(self.urls.get(rid, ""))
        )

    def font_bytes(self) -> int:
        return sum(n for rid, n in self.sizes.items() if self.types.get(rid) == "Font")


def measure_page(browser, base_url: str, page_path: str, timeout_s: float = 60) -> dict:
    """Two first visits to ``page_path`` under the network profile.

    The first counts what the page fetches by itself: until ``load`` and then until the network
    is quiet (500 ms without a request), so nothing a page defers past ``load`` (MathJax) escapes
    the byte count; it also gives FCP.  The second, in another empty-cache context, scrolls to
    the first explorer as soon as the page has loaded and times it until it responds.
    """
    url = f"{base_url}/{page_path}"
    visit = _Visit(browser)
    try:
        page = visit.page
        page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        page.wait_for_function(
            "performance.getEntriesByName('first-contentful-paint').length > 0", timeout=timeout_s * 1000
        )
        fcp_ms = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
        page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
        visit.settle(timeout_s)  # MathJax loads after `load` and fetches its fonts once it has typeset
        by_type: dict[str, int] = {}
        for rid, n in visit.sizes.items():
            by_type[visit.types.get(rid, "Other")] = by_type.get(visit.types.get(rid, "Other"), 0) + n
        result = {
            "page": page_path,
            "fcp_s": fcp_ms / 1000,
            "load_bytes": visit.total(),
            "font_bytes": visit.font_bytes(),
            "cjk_font_bytes": visit.cjk_font_bytes(),
            "by_type": by_type,
            "load_requests": len(visit.urls),
            "explorer_s": None,
            "explorer_bytes": None,
            "explorer_requests": None,
            "explorer_cjk_font_bytes": 0,
            "error": None,
        }
        has_explorer = page.evaluate("!!document.querySelector('.shequn-lazy, .shequn-explorer')")
        urls = set(visit.urls.values())
    finally:
        visit.context.close()
    if has_explorer:
        visit = _Visit(browser)
        try:
            visit.page.goto(url, wait_until="load", timeout=timeout_s * 1000)
            answer = visit.page.evaluate(_CHANGE_FIRST_CONTROL, timeout_s * 1000)
            if "error" in answer:
                result["error"] = answer["error"]
            else:
                result["explorer_s"] = answer["responded_ms"] / 1000
            # The whole visit with an explorer: what the page fetched by itself and the explorer's code
            # and state, once the network is quiet again.
            visit.page.wait_for_load_state("networkidle", timeout=timeout_s * 1000)
            visit.settle(timeout_s)
            result["explorer_bytes"], result["explorer_requests"] = visit.total(), len(visit.urls)
            result["explorer_cjk_font_bytes"] = visit.cjk_font_bytes()
            urls |= set(visit.urls.values())
        finally:
            visit.context.close()
    result["offsite"] = sorted(
        {u for u in urls if not u.startswith(base_url) and not u.startswith(("data:", "blob:"))}
    )
    return result


def _is_cjk_font(url: str) -> bool:
    """The Chinese web font: the per-page subsets (and, on older builds, @fontsource's slices)."""
    return "/shequn-fonts/" in url or "noto-sans-sc" in url


def _mb(n: int | None) -> str:
    return "      -" if n is None else f"{n / 1e6:6.2f}"


def report(results: list[dict], detail: bool = False) -> None:
    print(f"page weight: first visit, gzip, {DOWN_BPS / 1e6:.0f} Mbit/s down, {RTT_MS} ms RTT (Chromium)")
    print(
        f"  targets: lesson <= {TARGET_LESSON_BYTES / 1e6:.1f} MB compressed, FCP <= {TARGET_FCP_S:.0f} s, "
        f"first explorer responding <= {TARGET_EXPLORER_S:.0f} s"
    )
    print("  MB: bare container (no Chinese system font: the page's Chinese web font subset is downloaded;")
    print("  the byte target is checked on it); sys MB: the same visit for a reader with a Chinese system")
    print("  font (no Chinese web font); fonts: all web fonts in MB (Chinese subset, icons, MathJax)")
    print(
        f"  {'page':<52} {'MB':>6} {'sys MB':>6} {'fonts':>6} {'req':>4} {'FCP s':>6} {'expl s':>7} "
        f"{'MB w/expl':>9} {'sys':>6} {'req':>4}"
    )
    for r in results:
        lesson = r["page"].startswith("book/0")
        flags = []
        if lesson and r["load_bytes"] > TARGET_LESSON_BYTES:
            flags.append("bytes")
        if r["fcp_s"] > TARGET_FCP_S:
            flags.append("FCP")
        if r["explorer_s"] is not None and r["explorer_s"] > TARGET_EXPLORER_S:
            flags.append("explorer")
        if r["error"]:
            flags.append(r["error"])
        if r.get("offsite"):
            flags.append(f"off-site requests: {r['offsite'][:3]}")
        expl = "      -" if r["explorer_s"] is None else f"{r['explorer_s']:7.2f}"
        sys_expl = (
            None if r["explorer_bytes"] is None else r["explorer_bytes"] - r.get("explorer_cjk_font_bytes", 0)
        )
        print(
            f"  {r['page']:<52} {_mb(r['load_bytes'])} {_mb(r['load_bytes'] - r['cjk_font_bytes'])} "
            f"{_mb(r['font_bytes'])} {r['load_requests']:4d} {r['fcp_s']:6.2f} {expl} "
            f"{_mb(r['explorer_bytes']):>9} {_mb(sys_expl)} {r['explorer_requests'] or 0:4d}"
            + (f"  <-- {', '.join(flags)}" if flags else "")
        )
        if detail:
            parts = sorted(r["by_type"].items(), key=lambda kv: -kv[1])
            print("      by type (first visit): " + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in parts))


def _measure_or_report(browser, base_url: str, page_path: str) -> dict:
    """:func:`measure_page`, or a row that names the failure (a timeout on a loaded machine)."""
    try:
        return measure_page(browser, base_url, page_path)
    except Exception as exc:  # noqa: BLE001 -- one page's failure must not hide the others' numbers
        return {
            "page": page_path,
            "fcp_s": float("nan"),
            "load_bytes": 0,
            "font_bytes": 0,
            "cjk_font_bytes": 0,
            "by_type": {},
            "load_requests": 0,
            "explorer_s": None,
            "explorer_bytes": None,
            "explorer_requests": None,
            "explorer_cjk_font_bytes": 0,
            "offsite": [],
            "error": f"measurement failed: {type(exc).__name__}: {str(exc).splitlines()[0]}",
        }


def bench_page_weight(
    html_dir: Path | None = None, pages: list[str] | None = None, detail: bool = False
) -> list[dict]:
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir or ROOT / "_build" / "html")
    if not (html_dir / "index.html").is_file():
        raise SystemExit(f"没有找到构建好的网站 {html_dir} (no built site): run `make site` first.")
    server, base = serve(html_dir)
    try:
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=_CHROMIUM_FLAGS)
            try:
                results = [
                    _measure_or_report(browser, base, path) for path in (pages or site_pages(html_dir))
                ]
            finally:
                browser.close()
    finally:
        server.shutdown()
    report(results, detail)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--pages", nargs="*", help="pages relative to the site root (default: every page)")
    parser.add_argument("--detail", action="store_true", help="each page's bytes by resource type")
    args = parser.parse_args()
    bench_page_weight(args.html, args.pages, args.detail)


if __name__ == "__main__":
    main()
