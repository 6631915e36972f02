"""The grader's half of the grading channel: learner answers cross the sandbox as data.

The trusted grader (:mod:`shequn.grading.trusted.execute`) calls a learner's answer function by
writing a request to the sandbox's read-only ``in`` folder (JSON; DataFrames as Arrow IPC;
arrays as ``.npy``) and asking the kernel to serve it (:mod:`shequn.grading.trusted.kernel_bridge`, sent with
:mod:`shequn.grading.trusted.kernel_codec` as :func:`kernel_source`).
The result comes back through the sandbox's ``out`` folder and is read here with a type
check, a size cap and a per-call timeout: only JSON scalars, lists, dicts, Arrow tables,
``.npy`` arrays without pickles, timestamps and the kit's four-table ``Dataset`` are
accepted, never objects with behaviour.  Anything else is a :class:`ChannelViolation`: the
check that asked fails and the submission is flagged.

Where the model needs a learner callback (a threshold policy's ``admit``/``invitees``
inside ``simulate``), :class:`~shequn.grading.trusted.stand_ins.RemotePolicy` stands for the learner's
policy in the grader: the model runs here and each callback crosses the boundary with the
applicants it sees.  The stand-ins live in :mod:`shequn.grading.trusted.stand_ins`; the errors and the
checks on what the kernel sends (compressed Arrow bodies, pickled arrays) in
:mod:`shequn.grading.trusted.answer_data`.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shequn.grading.trusted.answer_data import (
    AnswerReader,
    AnswerRefused,
    ChannelViolation,
    RemoteError,
    remote_exception,
)
from shequn.grading.trusted.crossing import grader_module, replay_output, replay_stub_calls
from shequn.grading.trusted.stand_ins import RemoteFunction, RemotePolicy

__all__ = ["Channel", "RemoteError", "ChannelViolation", "AnswerRefused", "kernel_source"]

# the kernel's half of the channel, sent as source in this order and run in one namespace
_KERNEL_HALF = ("kernel_codec.py", "kernel_bridge.py")


def kernel_source() -> str:
    """The kernel's half of the channel as the grader sends it: the codec's source, then the bridge's."""
    here = Path(__file__).parent
    return "\n".join((here / name).read_text(encoding="utf-8") for name in _KERNEL_HALF)


class Channel(AnswerReader):
    """One sandboxed kernel's request/response channel, driven by *run* (execute code, wait)."""

    def __init__(
        self,
        in_dir: Path,
        out_dir: Path,
        run: Callable[[str, float], str],
        *,
        kernel_datasets: str | None = None,
        course_datasets: Path | None = None,
        timeout: float = 60,
        max_bytes: int = 64 * 2**20,
        max_cells: int = 20_000_000,
    ):
        self.in_dir, self.out_dir, self.run = Path(in_dir), Path(out_dir), run
        self.kernel_datasets, self.course_datasets = kernel_datasets, course_datasets
        self.timeout, self.max_bytes, self.max_cells = timeout, max_bytes, max_cells
        self.n = 0
        self.calls, self.seconds = 0, 0.0  # round trips into the kernel, and their time
        self.violations: list[str] = []
        self.refusals: list[str] = []  # answers refused as too big, deep or endless (flagged)
        self.stubs: dict[str, Any] = {}  # learner name -> the test's data Mock standing in for it
        self.dead = False
        self._cache: dict[int, tuple[Any, Any]] = {}  # id(obj) -> (obj, encoded), per channel

    # ------------------------------------------------------------------ grader -> kernel
    def _file(self, ext: str) -> str:
        self.n += 1
        return f"a{self.n}.{ext}"

    def _arrow(self, frame: pd.DataFrame) -> str:
        import pyarrow as pa

        name = self._file("arrow")
        table = pa.Table.from_pandas(frame, preserve_index=True)
        with pa.OSFile(str(self.in_dir / name), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table)
        return name

    def encode(self, v: Any) -> Any:
        """Trusted grader values (test inputs) as channel data."""
        from shequn.data import Dataset
        from shequn.grading.trusted.stand_ins import Handle
        from shequn.models import thresholds as th

        key = id(v)
        if key in self._cache and self._cache[key][0] is v:
            return self._cache[key][1]
        out = self._encode(v, th, Dataset)
        if type(v) is not Handle and isinstance(
            v, (pd.DataFrame, pd.Series, np.ndarray, th.Applicants, Dataset)
        ):
            self._cache[key] = (v, out)
        return out

    def _encode(self, v: Any, th, Dataset) -> Any:
        from shequn.grading.trusted.stand_ins import Handle

        if type(v) is Handle:  # a learner object back into the kernel: by its number
            return {"t": "ref", "id": object.__getattribute__(v, "_id")}
        if v is None or isinstance(v, (bool, str, int, float)) and type(v) in (bool, str, int, float):
            return v
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, (list, tuple)):
            return {"t": "tuple" if isinstance(v, tuple) else "list", "v": [self.encode(x) for x in v]}
        if isinstance(v, dict):
            return {"t": "dict", "v": {str(k): self.encode(x) for k, x in v.items()}}
        if isinstance(v, np.ndarray):
            name = self._file("npy")
            np.save(self.in_dir / name, v, allow_pickle=False)
            return {"t": "npy", "f": name}
        if isinstance(v, pd.DataFrame):
            return {"t": "df", "f": self._arrow(v)}
        if isinstance(v, pd.Series):
            return {
                "t": "series",
                "f": self._arrow(v.to_frame(name="__value__")),
                "name": self.encode(v.name),
            }
        if isinstance(v, pd.Timestamp):
            return {"t": "ts", "v": v.isoformat()}
        if isinstance(v, Path):
            return {"t": "path", "v": self._path(v)}
        if isinstance(v, np.random.Generator):
            return {"t": "rng", "state": v.bit_generator.state}
        if isinstance(v, (th.Applicants, th.OperatorView)):
            hidden = isinstance(v, th.OperatorView)
            cols = {
                k: object.__getattribute__(v, k)
                for k in ("interest", "willingness_to_pay", "network_size", "generation")
            }
            if not hidden:
                cols["fit"] = v.fit
            import dataclasses

            return {
                "t": "applicants",
                "f": self._arrow(pd.DataFrame(cols)),
                "hidden": hidden,
                "params": dataclasses.asdict(v.params),
            }
        if (
            isinstance(v, th.Policy)
            and type(v).__module__ == th.__name__
            and not isinstance(v, th.FunctionPolicy)
        ):
            return {
                "t": "policy",
                "cls": type(v).__name__,
                "state": {k: self.encode(x) for k, x in vars(v).items()},
            }
        if isinstance(v, Dataset):
            return {
                "t": "dataset",
                "v": {
                    k: self.encode(getattr(v, k)) for k in ("groups", "members", "messages", "red_packets")
                },
            }
        raise TypeError(f"cannot send {type(v).__name__} to the learner's kernel")

    def _path(self, p: Path) -> str:
        """A grader path as the kernel sees it: course data maps to its read-only copy, else a copy."""
        p = Path(p).resolve()
        if self.course_datasets is not None and self.kernel_datasets:
            base = self.course_datasets.resolve()
            if p == base or base in p.parents:
                return str(Path(self.kernel_datasets) / p.relative_to(base))
        self.n += 1
        dst = self.in_dir / f"p{self.n}" / p.name
        dst.parent.mkdir()
        if p.is_dir():
            shutil.copytree(p, dst)
        elif p.exists():
            shutil.copy2(p, dst)
        for q in [dst.parent, dst, *dst.rglob("*")] if dst.exists() else [dst.parent]:
            q.chmod(0o755 if q.is_dir() else 0o644)
        from shequn.grading.sandbox.bubblewrap import IN_DIR

        return f"{IN_DIR}/p{self.n}/{p.name}"

    # ------------------------------------------------------------------ requests
    def request(self, req: dict) -> dict:
        """Send *req*, wait for the kernel, return the checked response."""
        if self.dead:
            raise RemoteError("内核已停止 / the kernel is gone")
        self.n += 1
        n = self.n
        path = self.in_dir / f"req-{n}.json"
        path.write_text(json.dumps(req, allow_nan=True), encoding="utf-8")
        path.chmod(0o644)
        import time

        started = time.perf_counter()
        status = self.run(f"__shequn_serve__({n})", self.timeout)
        self.calls += 1
        self.seconds += time.perf_counter() - started
        if status != "ok":
            self.dead = self.dead or status == "dead"
            raise RemoteError("超时或内核停止 / timed out, or the kernel stopped")
        raw = self._read(f"res-{n}.json", 4 * 2**20)
        try:
            res = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested deeper than the stack
            raise self._violation(
                "结果不是 JSON 或嵌套过深 / the result is not JSON, or nested too deep"
            ) from None
        if not isinstance(res, dict) or not isinstance(res.get("files", []), list):
            raise self._violation("结果格式不对 / malformed result")
        return res

    def result(self, res: dict) -> Any:
        files = [f for f in res.get("files", []) if isinstance(f, str)]
        replay_output(res)
        replay_stub_calls(self, res, files)
        if "grader_only" in res:
            from shequn.grading.trusted.stand_ins import Unfaithful

            name = str(res["grader_only"])[:80]
            raise Unfaithful(
                f"学习者代码用到了测试替换的名字 {name} / learner code uses {name}, which a test set "
                "to a grader object",
                "grader objects and test code never enter the learner's kernel: graded by hand",
            )
        if isinstance(res.get("refused"), str):
            refused = AnswerRefused(res["refused"])
            self.refusals.append(str(refused)[:300])
            raise refused
        if "ok" in res:
            return self.decode(res["ok"], files)
        raised = res.get("raised")
        if isinstance(raised, dict):
            raise remote_exception(raised)
        raise self._violation("结果格式不对 / malformed result")

    # ------------------------------------------------------------------ high level
    def handle_op(self, req: dict) -> Any:
        """An operation on a learner object or name (:mod:`shequn.grading.trusted.stand_ins`); data back."""
        return self.result(self.request(req))

    def call_ref(self, ref: int, args: tuple, kwargs: dict) -> Any:
        req = {
            "op": "call",
            "ref": ref,
            "args": [self.encode(a) for a in args],
            "kwargs": {k: self.encode(v) for k, v in kwargs.items()},
        }
        return self.result(self.request(req))

    def describe(self, names: list[str]) -> dict[str, dict]:
        res = self.request({"op": "describe", "names": names})
        info = res.get("ok")
        if not isinstance(info, dict):
            raise self._violation("describe 结果格式不对 / malformed describe result")
        files = [f for f in res.get("files", []) if isinstance(f, str)]
        out = {}
        for name in names:
            d = info.get(name)
            if not isinstance(d, dict) or d.get("kind") not in (
                "missing",
                "policy",
                "callable",
                "value",
                "module",
            ):
                continue
            if d["kind"] in ("value", "callable") and "value" in d:
                try:
                    d = {"kind": "value", "value": self.decode(d.get("value"), files)}
                except RemoteError:
                    continue
            out[name] = d
        return out

    def call(self, name: str, args: tuple, kwargs: dict, method: str | None = None) -> Any:
        req = {
            "op": "call",
            "name": name,
            "method": method,
            "args": [self.encode(a) for a in args],
            "kwargs": {k: self.encode(v) for k, v in kwargs.items()},
        }
        return self.result(self.request(req))

    def learner_names(self, names: list[str]) -> set[str]:
        """Which of *names* the learner's namespace holds (not modules), without fetching them: a
        test cell that binds such a name is mirrored into the kernel."""
        res = self.request({"op": "describe", "names": names, "peek": names})
        info = res.get("ok")
        if not isinstance(info, dict):
            raise self._violation("describe 结果格式不对 / malformed describe result")
        return {
            n
            for n in names
            if isinstance(info.get(n), dict) and info[n].get("kind") in ("policy", "callable", "value")
        }

    def proxies(self, names: list[str]) -> dict[str, Any]:
        """Grader-side stand-ins for the learner's answers among *names*."""
        out: dict[str, Any] = {}
        for name, d in self.describe(names).items():
            if d["kind"] == "callable":
                out[name] = d["value"] if "value" in d else RemoteFunction(self, name)
            elif d["kind"] == "policy":
                name_ok = isinstance(d.get("name"), str) and len(d["name"]) <= 200
                fee = d.get("fee")
                fee_ok = type(fee) in (int, float) and math.isfinite(fee) and fee >= 0
                if name_ok and fee_ok:
                    out[name] = RemotePolicy(self, name, d["name"], float(fee))
                else:
                    self.violations.append(f"{name}: 门槛的名字或费用无效 / invalid policy name or fee")
            elif d["kind"] == "value":
                out[name] = d["value"]
            elif d["kind"] == "module":  # the learner imported it: the grader's own copy of that library
                module = grader_module(d.get("module"))
                if module is not None:
                    out[name] = module
        return out
