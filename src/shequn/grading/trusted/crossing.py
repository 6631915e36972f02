"""What crosses the channel besides an answer, and what the grader supplies in its place.

* :func:`replay_output`: what the learner's code printed during a request, into the test's own
  ``sys.stdout``/``sys.stderr`` where the test captures it (``redirect_stdout``), without control
  characters; into the cell's outputs only the fact of a write to stderr (nbgrader scores that 0),
  never the text, which could carry hidden inputs into feedback;
* :func:`replay_stub_calls`: calls that a test's data ``Mock`` received in the kernel, made again
  on that Mock, so ``assert_called_with`` works (no code runs: a data Mock only records calls);
* :func:`grader_module`: a test relying on the learner's ``import numpy as np`` gets the grader's
  own copy of that library, never anything from the kernel.
"""

from __future__ import annotations

from typing import Any

__all__ = ["grader_module", "replay_output", "replay_stub_calls"]


_IMPORTABLE = (
    "numpy",
    "pandas",
    "matplotlib",
    "scipy",
    "math",
    "statistics",
    "collections",
    "itertools",
    "functools",
    "random",
    "re",
    "json",
    "datetime",
    "string",
    "operator",
    "networkx",
    "shequn",
)


def grader_module(name: Any):
    """The grader's own module of this name (a test relying on the learner's ``import numpy as np``);
    only one already imported here or an allow-listed library: the name is the learner's to choose."""
    import importlib
    import sys

    if not isinstance(name, str) or len(name) > 100 or not all(p.isidentifier() for p in name.split(".")):
        return None
    if name in sys.modules:
        return sys.modules[name]
    if name.split(".")[0] in _IMPORTABLE:
        try:
            return importlib.import_module(name)
        except Exception:  # noqa: BLE001
            return None
    return None


def replay_output(res: dict) -> None:
    """What the learner's code printed during the request, into the test's stdout/stderr
    (as plain nbgrader shows it; stderr there costs the cell its points).  Control
    characters are removed: no terminal escape crosses."""
    import sys

    from shequn.grading.nbgrader_plugins.sanitize import strip_controls
    from shequn.grading.trusted.test_cells import RunnerBuffer

    for key, stream in (("stdout", sys.stdout), ("stderr", sys.stderr)):
        text = res.get(key)
        if not isinstance(text, str) or not text:
            continue
        if not isinstance(stream, RunnerBuffer):  # the test captures it (redirect_stdout): as is
            stream.write(strip_controls(text[:200_000]))
        elif key == "stderr":  # into the cell's outputs: only that it happened
            stream.write("[learner code wrote to stderr]\n")


def replay_stub_calls(channel, res: dict, files: list) -> None:
    """Calls a test's Mock received in the kernel, made again on that Mock (no code runs: a
    data Mock only records them)."""
    calls = res.get("stub_calls")
    if not channel.stubs or type(calls) is not list:
        return
    for call in calls[:1000]:
        if type(call) is list and len(call) == 3 and call[0] in channel.stubs:
            args, kwargs = channel.decode(call[1], files), channel.decode(call[2], files)
            if (
                isinstance(args, list)
                and isinstance(kwargs, dict)
                and all(isinstance(k, str) for k in kwargs)
            ):
                channel.stubs[call[0]](*args, **kwargs)
