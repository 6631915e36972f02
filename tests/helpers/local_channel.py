"""A channel whose "kernel" is a plain namespace in this process: unit tests of what crosses.

The kernel half (:func:`shequn.grading.trusted.channel.kernel_source`) is executed from its source, as the
trusted grader sends it, with its folders pointed at temporary ones.  No sandbox: for testing
the protocol (handles, refusals, messages), never for grading learner code.
"""

from __future__ import annotations

from pathlib import Path

from shequn.grading.trusted.channel import Channel, kernel_source

__all__ = ["local_channel"]


def local_channel(tmp: Path, user_ns: dict, **kw) -> Channel:
    in_dir, out_dir = tmp / "in", tmp / "out"
    in_dir.mkdir()
    out_dir.mkdir()
    ns: dict = {}
    exec(compile(kernel_source(), "<shequn-bridge>", "exec"), ns)  # noqa: S102
    ns["IN"], ns["OUT"] = str(in_dir), str(out_dir)

    def run(code: str, timeout: float) -> str:
        n = int(code.split("(")[1].rstrip(")"))
        ns["serve"](n, user_ns)
        return "ok"

    return Channel(in_dir, out_dir, run, **kw)
