"""Learner content is shown to instructors as text, never as live HTML or script.

:class:`SanitizeLearnerContent` runs in the autograde chain (so formgrader and feedback, which
both render the autograded notebook, only ever see the cleaned version):

* Markdown and raw cells' sources and ``text/html``/``text/markdown`` outputs are cleaned with
  nh3 (a maintained HTML sanitiser, Rust's ammonia): no ``<script>``, event handlers,
  ``javascript:`` URLs, ``<iframe>``, ``<style>`` or forms survive; Markdown that still holds a
  script URL in Markdown syntax (``[x](javascript:...)``, which is not HTML yet) is shown as a
  plain-text code block;
* ``application/javascript``, widget views and ``image/svg+xml`` outputs (SVG can carry script)
  are dropped, with a note in ``text/plain``.

:func:`escape_for_log` makes any learner text safe for the grader's log and summary: control
characters (ANSI escapes, carriage returns, NULs) are shown escaped, so learner output can
neither repaint the terminal nor forge a summary line.  :data:`FEEDBACK_CSP` is the
Content-Security-Policy of each feedback page (:class:`~shequn.grading.nbgrader_plugins.feedback.FeedbackCSP`
puts it there when ``nbgrader generate_feedback`` runs).

:class:`LimitOutputChars` keeps a submission from flooding the gradebook or the feedback:
nbgrader's ``LimitOutput`` caps the number of lines, but a single line of 100 MB passes it.
It runs right after it and truncates any text output (streams, ``text/*`` data) longer than
``max_chars`` characters, saying so in the output.  Execute results of test cells (the
points) are short and never touched.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer

__all__ = [
    "SanitizeLearnerContent",
    "LimitOutputChars",
    "clean_html",
    "clean_markdown",
    "escape_for_log",
    "strip_controls",
    "FEEDBACK_CSP",
]

FEEDBACK_CSP = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:"
)
_DROP = (
    "application/javascript",
    "text/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
    "image/svg+xml",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_html(text: str) -> str:
    import nh3

    return nh3.clean(text, url_schemes={"http", "https", "mailto", "data"}, link_rel="noopener noreferrer")


def strip_controls(text: str) -> str:
    """*text* without control characters (terminal escapes, bidi overrides); newlines and tabs stay."""
    return _CONTROL.sub("", text)


def escape_for_log(text: str, limit: int = 300) -> str:
    """One line, control characters escaped (``\\x1b``), at most *limit* characters."""
    text = str(text).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
    text = _CONTROL.sub(
        lambda m: f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 256 else f"\\u{ord(m.group(0)):04x}", text
    )
    return text if len(text) <= limit else text[:limit] + "…"


# what a browser would still run after an HTML sanitiser: script URLs written as *Markdown*
# ([x](javascript:...), <javascript:...>), which nh3 leaves alone because they are not HTML yet.
# Browsers ignore whitespace and control characters inside a scheme, and Markdown decodes entities.
_SCRIPT_URL = re.compile(r"(?:java|vb|live)script:", re.I)


def _script_url(text: str) -> bool:
    import html

    squeezed = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(html.unescape(text)))
    return bool(_SCRIPT_URL.search(squeezed))


def clean_markdown(text: str) -> str:
    """Markdown made safe to render: HTML cleaned by nh3; a cell that still holds a script URL
    is shown as a plain-text code block (a fence longer than any backtick run in it)."""
    text = clean_html(text)
    if not _script_url(text):
        return text
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    return f"{fence}text\n{text}\n{fence}"


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


class SanitizeLearnerContent(Preprocessor):
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "raw":  # nbconvert's HTML export copies text/html raw cells verbatim
            cell.source = clean_html(_joined(cell.source))
        if cell.cell_type == "markdown":
            cell.source = clean_markdown(_joined(cell.source))
            cell.pop("attachments", None) if any(
                k.endswith("svg+xml") for a in cell.get("attachments", {}).values() for k in a
            ) else None
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            dropped = [k for k in list(data) if k in _DROP]
            for k in dropped:
                del data[k]
            if "text/html" in data:
                data["text/html"] = clean_html(_joined(data["text/html"]))
            if "text/markdown" in data:
                data["text/markdown"] = clean_markdown(_joined(data["text/markdown"]))
            if dropped and "text/plain" not in data:
                data["text/plain"] = f"[已移除不安全的输出 / unsafe output removed: {', '.join(dropped)}]"
        return cell, resources


class LimitOutputChars(Preprocessor):
    enabled = Bool(True).tag(config=True)
    max_chars = Integer(100_000, help="characters kept per output").tag(config=True)

    def _cut(self, text: str) -> str:
        if len(text) <= self.max_chars:
            return text
        dropped = len(text) - self.max_chars
        return (
            text[: self.max_chars]
            + f"\n…[输出过长，已截去 {dropped:,} 个字符 / output truncated: {dropped:,} characters dropped]\n"
        )

    def preprocess_cell(self, cell, resources, index):
        for out in cell.get("outputs", []):
            if "text" in out:
                text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
                out["text"] = self._cut(text)
            for key, value in out.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, (str, list)):
                    text = "".join(value) if isinstance(value, list) else value
                    out["data"][key] = self._cut(text)
        return cell, resources
