"""Output limits for autograding: a submission cannot flood the gradebook or the feedback.

nbgrader's ``LimitOutput`` caps the number of lines; a single line of 100 MB
passes it.  :class:`LimitOutputChars` runs right after it and truncates any
text output (streams, ``text/*`` data) longer than ``max_chars`` characters,
saying so in the output.  Execute results of test cells (the points) are
short and never touched.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer

__all__ = ["LimitOutputChars"]


class LimitOutputChars(Preprocessor):
    enabled = Bool(True).tag(config=True)
    max_chars = Integer(100_000, help="characters kept per output").tag(config=True)

    def _cut(self, text: str) -> str:
        if len(text) <= self.max_chars:
            return text
        dropped = len(text) - self.max_chars
        return (text[: self.max_chars]
                + f"\n…[输出过长，已截去 {dropped:,} 个字符 / output truncated: {dropped:,} characters dropped]\n")

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
