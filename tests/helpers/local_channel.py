"""A channel whose "kernel" is a plain namespace in this process: unit tests of what crosses.

The kernel half (:mod:`shequn.grading.trusted.kernel_bridge`) is executed from its source, as the
trusted grader sends it, with its folders pointed at temporary ones.  No sandbox: for testing
the protocol (handles, refusals, messages), never for grading learner code.
"""

from __future__ import annotations

from pathlib import Path

from shequn.grading.trusted.channel import Channel

__all__ = ["local_channel"]


def local_channel(tmp: Path, user_ns: dict, **kw) -> Channel:
    import shequn.grading.trusted.kernel_bridge as bridge

    in_dir, out_dir = tmp / "in", tmp / "out"
    in_dir.mkdir()
    out_dir.mkdir()
    ns: dict = {}
    exec(compile(Path(bridge.__file__).read_text(encoding="utf-8"), "<shequn-bridge>", "exec"), ns)  # noqa: S102
    ns["IN"], ns["OUT"] = str(in_dir), str(out_dir)

    def run(code: str, timeout: float) -> str:
        n = int(code.split("(")[1].rstrip(")"))
        ns["serve"](n, user_ns)
        return "ok"

    return Channel(in_dir, out_dir, run, **kw)
