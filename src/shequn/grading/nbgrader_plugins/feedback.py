"""Feedback that shows learners which checks failed, and nothing of the hidden tests.

nbgrader's ``generate_feedback`` renders the autograded notebook, in which
every test cell carries its full source (hidden tests included) and any
traceback (with expected values).  :class:`HideTestDetails` runs before the
HTML export and replaces, in every autograder test cell,

* the source with a short placeholder;
* error outputs with one line: the learner-facing message of a
  :class:`~shequn.checks.CheckFailed`, or only the error's type;
* stream output with the check report (kept: it is written for learners),
  dropping anything that looks like a traceback.

Enable it in ``nbgrader_config.py`` (the course's config does).
"""

from __future__ import annotations

import nbformat
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["HideTestDetails", "PLACEHOLDER"]

PLACEHOLDER = "# 自动评分测试：内容不公开，结果见下方。 / Autograder tests: hidden; results below."


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and meta.get("grade", False) and not meta.get("solution", False)


def _stream(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


class HideTestDetails(Preprocessor):
    """Strip test sources and tracebacks from feedback."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if not _is_test_cell(cell):
            return cell, resources
        cell.source = PLACEHOLDER
        outputs = []
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                if out.get("ename") == "CheckFailed":
                    outputs.append(_stream(f"未通过 / failed: {out.get('evalue', '')}\n"))
                else:
                    outputs.append(
                        _stream(
                            f"测试运行出错（{out.get('ename', 'Error')}），本题不得分。"
                            f" / the test raised {out.get('ename', 'an error')}.\n"
                        )
                    )
            elif out.output_type == "stream":
                text = "".join(out.get("text", ""))
                if out.get("name") == "stdout" and "Traceback" not in text and 'File "' not in text:
                    outputs.append(_stream(text))
            elif out.output_type == "execute_result":
                plain = out.get("data", {}).get("text/plain", "")
                outputs.append(_stream(f"本题得分 / points: {plain}\n"))
        cell.outputs = outputs
        return cell, resources


class FeedbackCSP(Preprocessor):
    """A Content-Security-Policy for the feedback page: no script runs in it, inline or not.

    nbgrader's feedback template has no hook for ``<head>`` other than the inlined CSS list,
    so the policy's ``<meta>`` tag is added there (after ``CSSHTMLHeaderPreprocessor``), before
    any script tag in the page.  Learner content is also sanitised at autograde time
    (:mod:`shequn.grading.nbgrader_plugins.sanitize`); this is the second line.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from shequn.grading.nbgrader_plugins.sanitize import FEEDBACK_CSP

        css = resources.setdefault("inlining", {}).setdefault("css", [])
        css.insert(0, f'</style><meta http-equiv="Content-Security-Policy" content="{FEEDBACK_CSP}"><style>')
        return nb, resources
