"""A Content-Security-Policy for nbgrader's formgrader: learner markup never runs script there.

formgrader is served by the instructor's Jupyter server, on the server's own origin: a script
that ran in one of its pages could set the learner's own manual scores, or use the instructor's
Jupyter server.  Learner HTML is sanitised before formgrader can show it
(:class:`~shequn.grading.nbgrader_plugins.sanitize.SanitizeLearnerContent`); this is the second line, for the
day the sanitiser misses something.

formgrader's own pages need script: external files under ``formgrader/static/`` and a few
inline ``<script>`` blocks and ``onclick`` attributes in nbgrader's templates (which set
variables such as the submission id).  A policy with ``'unsafe-inline'`` would allow learner
script too, so this Jupyter server extension adds a tornado output transform that, for every
HTML page under ``BASE/formgrader/``:

* gives a fresh per-response nonce to the ``<script src>`` tags that load nbgrader's own files
  (``BASE/formgrader/static/...``, no ``..``, empty body) and to the inline scripts that match
  one of nbgrader's template scripts exactly, with every ``{{ value }}`` a plain quoted string
  (no quote, backslash, ``<`` or newline: a value reflected from the URL cannot add code); a tag
  qualifies only if its attributes are exactly those the templates write, so nothing a browser
  could read as another ``src`` gets the nonce;
* allows nbgrader's static ``onclick="..."`` handlers by hash (``'unsafe-hashes'``);
* sends ``script-src 'nonce-…' 'unsafe-hashes' 'sha256-…'`` and nothing that lets any other
  script run: no ``'unsafe-inline'``, no ``'self'`` (a learner's file under
  ``formgrader/submissions/`` is same-origin), no ``'unsafe-eval'``; ``object-src 'none'``,
  ``base-uri 'none'``, ``frame-ancestors 'self'`` (JupyterLab shows formgrader in a frame).

Files of a submission served by formgrader (``BASE/formgrader/submissions/ID/FILE``: a learner
may submit an ``.html`` or ``.svg`` file) get ``sandbox`` and ``default-src 'none'``: no script,
an opaque origin.  Styles stay ``'unsafe-inline'`` (the notebook's CSS is inlined; images and
fonts are same-origin or ``data:`` only, so CSS cannot send anything away).

**Maths.**  nbconvert's template loads MathJax 2 from a CDN; the course loads nothing from a
CDN.  The transform drops that tag and loads the course's own MathJax 3 instead, served by this
extension at ``BASE/shequn/mathjax/`` from the npm copy (``vendor/node_modules/mathjax/es5``,
``make vendor``; elsewhere point ``$SHEQUN_MATHJAX_DIR`` at an ``es5`` folder), with the page's
nonce: ``tex-chtml-full.js`` (every TeX extension in one file, so MathJax never adds a script of
its own, which the policy would refuse) after ``formgrader-mathjax.js`` (the configuration, and
the ``MathJax.Hub`` that ``formgrade.js`` calls when it starts).  Without a MathJax copy the
formulas stay TeX source, and a do-nothing stand-in lets ``formgrade.js`` finish starting.

Enable it where formgrader is enabled (``deploy/jupyterhub/hubctl.py`` does, for instructors)::

    jupyter server extension enable --sys-prefix shequn.grading.nbgrader_plugins.formgrader_csp

Hand-written because neither jupyter_server nor nbgrader can send a per-page policy: the
server's ``headers`` setting is one fixed header for every page, and nbgrader's templates need
inline script, so a fixed header would need ``'unsafe-inline'``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path

from tornado.web import OutputTransform

__all__ = [
    "FILES_CSP",
    "MATHJAX_ROUTE",
    "mathjax_dir",
    "page_policy",
    "protect_page",
    "load_jupyter_server_extension",
]

FILES_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
)
_PAGE_CSP = (
    "default-src 'none'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'self'"
)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_SRC = re.compile(r"""\ssrc\s*=\s*(["'])(.*?)\1""", re.S | re.I)
_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*"([^"]*)\"""", re.I)
_OWN_SRC_ATTRS = re.compile(r'(?: type="text/javascript")? src="([^"<>\s]*)"(?: type="text/javascript")?')
_INLINE_ATTRS = re.compile(r'(?: type="text/javascript")?')
_VALUE = r"""[^"'\\<>\r\n]*"""  # what a {{ value }} inside a template's quoted string may render as
_MATHJAX_STANDIN = (
    "window.MathJax = window.MathJax || {Hub: {Startup: {signal: {Interest: function () {}}}, "
    "Queue: function () {}, Config: function () {}}};"
)
_NAVIGATION = re.compile(r"(next|prev|next_incorrect|prev_incorrect)/?$")
MATHJAX_ROUTE = "shequn/mathjax/"  # under the server's base URL
_MATHJAX_FILES = ("formgrader-mathjax.js", "tex-chtml-full.js")  # the configuration first
_STATIC = Path(__file__).resolve().parent / "static"
# nbconvert's MathJax tag: a script from another origin whose URL names MathJax (never ours, never run)
# and its MathJax 2 configuration (a script type no browser runs, for a MathJax that never loads)
_CDN_MATHJAX = re.compile(
    r"""<script\b[^>]*\ssrc\s*=\s*["']?(?:[a-z]+:)?//[^"'\s>]*mathjax[^>]*>\s*</script\s*>"""
    r"""|<script type="text/x-mathjax-config">.*?</script\s*>""",
    re.I | re.S,
)


def mathjax_dir() -> Path | None:
    """The course's MathJax 3 (an npm ``mathjax/es5`` folder), or None when there is none.

    ``$SHEQUN_MATHJAX_DIR`` if set; else ``vendor/node_modules/mathjax/es5`` in the course folder
    the server runs in, or in the source tree this package is installed from (``make vendor``).
    """
    env = os.environ.get("SHEQUN_MATHJAX_DIR")
    starts = (
        [Path(env)]
        if env
        else [
            start / "vendor" / "node_modules" / "mathjax" / "es5"
            for start in (Path.cwd(), Path(__file__).resolve().parents[4])
        ]
    )
    return next((p for p in starts if (p / _MATHJAX_FILES[1]).is_file()), None)


def _template_dir() -> Path:
    from nbgrader.server_extensions.formgrader import handlers

    return Path(handlers.template_path)


@lru_cache(maxsize=1)
def _template_parts() -> tuple[tuple[re.Pattern, ...], tuple[str, ...]]:
    """nbgrader's inline scripts as exact patterns, and the hashes of its static event handlers."""
    scripts, handlers = [], set()
    for path in sorted(_template_dir().rglob("*")):
        if path.suffix not in (".tpl", ".j2"):
            continue
        text = path.read_text(encoding="utf-8")
        for attrs, body in _SCRIPT.findall(text):
            if _SRC.search(" " + attrs) or "{%" in body:
                continue
            pieces = re.split(r"\{\{.*?\}\}", body, flags=re.S)
            scripts.append(re.compile(_VALUE.join(re.escape(p) for p in pieces), re.S))
        for handler in _HANDLER.findall(text):
            if "{{" not in handler and "{%" not in handler:
                handlers.add(_sha256(handler))
    return tuple(scripts), tuple(sorted(handlers))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page_policy(nonce: str) -> str:
    """The policy of a formgrader page whose own scripts carry *nonce*."""
    _, handlers = _template_parts()
    return _PAGE_CSP.format(scripts=" ".join([f"'nonce-{nonce}'", "'unsafe-hashes'", *handlers]))


def _own_file(src: str, base_url: str) -> bool:
    """A script URL of nbgrader's own static files (no way out of formgrader/static/)."""
    prefix = base_url.rstrip("/") + "/formgrader/static/"
    rest = src[len(prefix) :] if src.startswith(prefix) else None
    return (
        bool(rest)
        and re.fullmatch(r"[A-Za-z0-9_.\-/]+\.js", rest) is not None
        and not any(part in ("", ".", "..") for part in rest.split("/"))
    )


def protect_page(html: str, base_url: str, mathjax: bool = False) -> tuple[str, str]:
    """*html* with nbgrader's own scripts given a fresh nonce, and the policy that allows only them.

    With *mathjax* (the server serves the course's MathJax), a page that wanted MathJax gets it.
    """
    nonce = secrets.token_urlsafe(18)
    patterns, _ = _template_parts()
    wants_maths = _CDN_MATHJAX.search(html) is not None
    html = _CDN_MATHJAX.sub("", html)  # a CDN: never loaded, not even to be refused

    def mark(m: re.Match) -> str:
        # only tags whose attributes are exactly those nbgrader's templates write: nothing else a
        # browser could read as a src (``data-x=" src=..."``, ``<script/src=...>``) or a second src
        attrs, body = m.group(1), m.group(2)
        external = _OWN_SRC_ATTRS.fullmatch(attrs)
        if external:
            trusted = _own_file(external.group(1), base_url) and not body.strip()
        else:
            trusted = _INLINE_ATTRS.fullmatch(attrs) is not None and any(p.fullmatch(body) for p in patterns)
        return f'<script nonce="{nonce}"{attrs}>{body}</script>' if trusted else m.group(0)

    html = _SCRIPT.sub(mark, html)
    starts_mathjax = "/formgrader/static/js/formgrade.js" in html
    if mathjax and (wants_maths or starts_mathjax) and "</head>" in html:
        prefix = base_url.rstrip("/") + "/" + MATHJAX_ROUTE
        tags = "".join(f'<script nonce="{nonce}" src="{prefix}{name}"></script>' for name in _MATHJAX_FILES)
        html = html.replace("</head>", tags + "</head>", 1)
    elif starts_mathjax and "</head>" in html:
        # formgrade.js calls MathJax 2 when it starts; without MathJax it would stop half-way
        # (keyboard shortcuts never set up).  A stand-in that does nothing lets it finish.
        html = html.replace("</head>", f'<script nonce="{nonce}">{_MATHJAX_STANDIN}</script></head>', 1)
    return html, page_policy(nonce)


def _transform(base_url: str, mathjax: bool = False) -> type[OutputTransform]:
    root = base_url.rstrip("/") + "/formgrader/"

    class FormgraderCSP(OutputTransform):
        def __init__(self, request):
            path = request.path
            self.kind = None
            if path.startswith(root) and not path.startswith(root + "static/"):
                rest = path[len(root) :]
                m = re.fullmatch(r"submissions/([^/]+)/(.+)", rest)
                if m and m.group(1) != "components" and not _NAVIGATION.fullmatch(m.group(2)):
                    self.kind = "file"
                elif not rest.startswith("api/"):
                    self.kind = "page"

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            if self.kind == "file":
                headers["Content-Security-Policy"] = FILES_CSP
            elif self.kind == "page" and headers.get("Content-Type", "").startswith("text/html"):
                if finishing:
                    html, policy = protect_page(chunk.decode("utf-8", errors="replace"), base_url, mathjax)
                    chunk = html.encode("utf-8")
                    if "Content-Length" in headers:
                        headers["Content-Length"] = str(len(chunk))
                else:  # a streamed page: no nonce was given, so none of its scripts runs
                    policy = page_policy(secrets.token_urlsafe(18))
                headers["Content-Security-Policy"] = policy
            return status_code, headers, chunk

    return FormgraderCSP


def _jupyter_server_extension_points():
    return [{"module": "shequn.grading.nbgrader_plugins.formgrader_csp"}]


def load_jupyter_server_extension(serverapp) -> None:
    """Put the transform first (before any compression), for this server's base URL; serve MathJax."""
    from jupyter_server.base.handlers import FileFindHandler
    from jupyter_server.utils import url_path_join

    _template_parts()  # fail at start-up, not on the first page, if nbgrader's templates are missing
    folder = mathjax_dir()
    if folder is not None:
        # public, read-only library files (as the server's own static files): no login needed
        route = url_path_join(serverapp.base_url, MATHJAX_ROUTE, "(.*)")
        serverapp.web_app.add_handlers(
            ".*$", [(route, FileFindHandler, {"path": [str(_STATIC), str(folder)]})]
        )
    else:
        serverapp.log.warning(
            "shequn: no MathJax copy (run `make vendor`, or set SHEQUN_MATHJAX_DIR): "
            "formgrader shows formulas as TeX source"
        )
    serverapp.web_app.transforms.insert(0, _transform(serverapp.base_url, folder is not None))
    serverapp.log.info("shequn: Content-Security-Policy for formgrader pages enabled")


_load_jupyter_server_extension = load_jupyter_server_extension
