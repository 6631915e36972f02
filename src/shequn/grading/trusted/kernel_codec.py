"""The learner-kernel half of the grading channel (see :mod:`shequn.grading.trusted.channel`).

The trusted grader never imports this module: it sends its *source* to the sandboxed kernel
(after the learner's cells have run), where it defines ``__shequn_serve__(n)``.  Each call
reads request ``n`` (JSON plus Arrow/``.npy`` files) from the read-only ``/shequn/in``, calls
the learner's function, and writes the result as data to ``/shequn/out``.  Nothing here is
trusted: learner code may replace any of it, and the grader checks every result it reads.
Only the standard library, numpy, pandas and pyarrow are used, imported on first use.
"""

import json
import os

IN, OUT = "/shequn/in", "/shequn/out"


def _np():
    import numpy

    return numpy


def _pd():
    import pandas

    return pandas


_DECODED = {}  # input file -> decoded object: the grader sends the same table to many calls


def _read_arrow(path):
    import pyarrow as pa

    if path not in _DECODED:
        if len(_DECODED) >= 8:
            _DECODED.pop(next(iter(_DECODED)))
        with pa.memory_map(path) as src:
            _DECODED[path] = pa.ipc.open_file(src).read_all().to_pandas()
    return _DECODED[path].copy()  # a fresh copy per call: a learner's in-place change stays in that call


def _write_arrow(frame, path):
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=True)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def decode(v):
    """A grader-encoded argument as a Python object."""
    if not isinstance(v, dict):
        return v
    t = v["t"]
    if t == "ref":
        return _HANDLES[v["id"]]
    if t == "list":
        return [decode(x) for x in v["v"]]
    if t == "tuple":
        return tuple(decode(x) for x in v["v"])
    if t == "dict":
        return {k: decode(x) for k, x in v["v"].items()}
    if t == "npy":
        return _np().load(os.path.join(IN, v["f"]), allow_pickle=False)
    if t == "df":
        return _read_arrow(os.path.join(IN, v["f"]))
    if t == "series":
        s = _read_arrow(os.path.join(IN, v["f"])).iloc[:, 0]
        s.name = decode(v["name"])
        return s
    if t in ("ts", "date"):
        ts = _pd().Timestamp(v["v"])
        return ts.date() if t == "date" else ts
    if t == "path":
        from pathlib import Path

        return Path(v["v"])
    if t == "rng":
        np = _np()
        bits = getattr(np.random, v["state"]["bit_generator"])()
        bits.state = v["state"]
        return np.random.Generator(bits)
    if t == "applicants":
        from shequn.models import thresholds as th

        cols = _read_arrow(os.path.join(IN, v["f"]))
        fit = cols["fit"].to_numpy() if "fit" in cols else _np().zeros(len(cols))
        pool = th.Applicants(
            cols["interest"].to_numpy(),
            fit,
            cols["willingness_to_pay"].to_numpy(),
            cols["network_size"].to_numpy(),
            cols["generation"].to_numpy(),
            th.ApplicantParams(**v["params"]),
        )
        return pool.hide_fit() if v["hidden"] else pool
    if t == "policy":
        from shequn.models import thresholds as th

        cls = getattr(th, v["cls"])
        obj = cls.__new__(cls)
        obj.__dict__.update({k: decode(x) for k, x in v["state"].items()})
        return obj
    if t == "dataset":
        from shequn.data import Dataset

        return Dataset(**{k: decode(x) for k, x in v["v"].items()})
    raise TypeError(f"unknown argument type {t!r}")


class Refused(Exception):
    """An answer too big or too deep to send as data (the grader is told why)."""


_BUDGET = {"items": 0, "depth": 0}
MAX_ITEMS, MAX_DEPTH, MAX_BYTES = 2_000_000, 30, 64 * 2**20


def encode(value, n, files):
    """A learner value as data; files (Arrow, .npy) go to OUT and are listed in *files*.

    Refused (a clear reason, not a crash) past MAX_ITEMS values, MAX_DEPTH levels of nesting
    (a list that contains itself) or MAX_BYTES of array or table."""
    _BUDGET["items"] += 1
    if _BUDGET["items"] > MAX_ITEMS:
        raise Refused(f"more than {MAX_ITEMS} values")
    if _BUDGET["depth"] >= MAX_DEPTH:
        raise Refused(f"nested more than {MAX_DEPTH} levels deep (a structure that contains itself?)")
    _BUDGET["depth"] += 1
    try:
        return _encode(value, n, files)
    finally:
        _BUDGET["depth"] -= 1


def _encode(value, n, files):
    np, pd = _np(), _pd()
    if isinstance(value, (np.ndarray, pd.DataFrame, pd.Series)) and type(value) in (
        np.ndarray,
        pd.DataFrame,
        pd.Series,
    ):
        size = value.nbytes if type(value) is np.ndarray else int(np.sum(value.memory_usage(deep=False)))
        if size > MAX_BYTES:
            raise Refused(
                f"{type(value).__name__} of {size / 2**20:.0f} MB (at most {MAX_BYTES // 2**20} MB)"
            )
        if type(value) is np.ndarray and value.dtype.kind == "O":
            return handle(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, np.generic) and not isinstance(value, np.str_):
        return encode(value.item(), n, files)
    if isinstance(value, (list, tuple)) and type(value) in (list, tuple):
        return {"t": type(value).__name__, "v": [encode(x, n, files) for x in value]}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"t": "dict", "v": {k: encode(x, n, files) for k, x in value.items()}}
    if type(value) is np.ndarray:
        name = f"{n}-r{len(files)}.npy"
        np.save(os.path.join(OUT, name), value, allow_pickle=False)
        files.append(name)
        return {"t": "npy", "f": name}
    if isinstance(value, (pd.DataFrame, pd.Series)):
        name = f"{n}-r{len(files)}.arrow"
        frame = value.to_frame(name="__value__") if isinstance(value, pd.Series) else value
        _write_arrow(pd.DataFrame(frame), os.path.join(OUT, name))
        files.append(name)
        if isinstance(value, pd.Series):
            return {"t": "series", "f": name, "name": encode(value.name, n, files)}
        return {"t": "df", "f": name}
    if isinstance(value, pd.Timestamp):
        return {"t": "ts", "v": value.isoformat()}
    import datetime

    if type(value) is datetime.date:
        return {"t": "date", "v": value.isoformat()}
    if type(value) in (set, frozenset) and len(value) <= 100_000:
        return {"t": type(value).__name__, "v": [encode(x, n, files) for x in value]}
    if type(value) is complex:
        return {"t": "complex", "v": [value.real, value.imag]}
    if type(value) is dict and len(value) <= 100_000:  # keys that are not all strings
        return {"t": "pairs", "v": [[encode(k, n, files), encode(x, n, files)] for k, x in value.items()]}
    tables = ("groups", "members", "messages", "red_packets")
    if type(value).__name__ == "Dataset" and all(
        isinstance(getattr(value, k, None), pd.DataFrame) for k in tables
    ):
        return {"t": "dataset", "v": {k: encode(getattr(value, k), n, files) for k in tables}}
    data_types = (
        int,
        float,
        complex,
        str,
        bytes,
        list,
        tuple,
        dict,
        set,
        frozenset,
        np.ndarray,
        pd.DataFrame,
        pd.Series,
        np.generic,
    )
    if isinstance(value, data_types) and not type(value).__module__.startswith("matplotlib."):
        # a subclass of a data type (an int whose __eq__ lies, an ndarray with a lying len): refused
        return {"t": "unsupported", "type": f"{type(value).__module__}.{type(value).__qualname__}"[:200]}
    return handle(value)


class GraderOnly(BaseException):
    """Learner code touched a name a test set to a grader object (never sent here)."""


class _GraderObject:
    """Stands in the kernel for a grader object a test put in a learner's name: any use is reported."""

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def _used(self, *args, **kwargs):
        raise GraderOnly(object.__getattribute__(self, "_name"))

    __call__ = __getattr__ = __getitem__ = __iter__ = __len__ = __bool__ = __eq__ = __str__ = _used


_STUB_CALLS = []  # calls the test's stubs received, sent back with the next answer
_HANDLES = []  # handle id -> a learner object the grader holds by number only (shequn.grading.trusted.stand_ins)


def handle(obj):
    """A learner object the grader may ask about (attributes, calls, len...) but never receives."""
    _HANDLES.append(obj)
    cls = type(obj)
    kind = (
        "class"
        if isinstance(obj, type)
        else "module"
        if cls.__name__ == "module"
        else ("callable" if callable(obj) else "object")
    )
    return {
        "t": "handle",
        "id": len(_HANDLES) - 1,
        "kind": kind,
        "type": f"{cls.__module__}.{cls.__qualname__}"[:200],
        "mro": [f"{c.__module__}.{c.__qualname__}"[:200] for c in cls.__mro__][:20],
    }


def _target(ref, user_ns):
    if isinstance(ref, int):
        return _HANDLES[ref]
    return user_ns[ref]


def _scalar(x):
    return x if isinstance(x, (str, int, float, bool)) or x is None else str(x)[:500]


def describe(obj):
    if hasattr(obj, "admit") and hasattr(obj, "invitees") and not isinstance(obj, type):
        return {
            "kind": "policy",
            "name": _scalar(getattr(obj, "name", "")),
            "fee": _scalar(getattr(obj, "fee", 0.0)),
        }
    if type(obj).__name__ == "module":
        return {"kind": "module", "module": _scalar(getattr(obj, "__name__", ""))}
    if callable(obj):
        return {"kind": "callable"}
    return {"kind": "value"}


def _handle_op(req, user_ns):
    """An operation on a learner object the grader holds a handle of (or on a name)."""
    op = req["op"]
    if op == "del":
        handle(user_ns.get(req["name"]))  # kept alive: the test may put it back
        del user_ns[req["name"]]
        return None
    if op == "set":
        user_ns[req["name"]] = _target(req["ref"], user_ns) if "ref" in req else decode(req["value"])
        return None
    if op == "placeholder":
        user_ns[req["name"]] = _GraderObject(req["name"])
        return None
    if op == "stub":  # a test's Mock stands in for a learner name: data back, calls recorded
        value, name = req["value"], req["name"]

        def stub(*args, **kwargs):
            _STUB_CALLS.append([name, list(args), kwargs])
            return decode(value)

        user_ns[name] = stub
        return None
    if op == "seed":  # the test seeded the grader's global generator: the same seed here
        if req["module"] == "numpy":
            _np().random.seed(req["value"])
        else:
            import random

            random.seed(req["value"])
        return None
    obj = _target(req["ref"], user_ns)
    if op == "getattr":
        return getattr(obj, req["attr"])
    if op == "hasattr":
        return hasattr(obj, req["attr"])
    if op == "len":
        return len(obj)
    if op == "getitem":
        return obj[decode(req["key"])]
    if op == "contains":
        return decode(req["key"]) in obj
    if op == "list":
        import itertools

        items = list(itertools.islice(iter(obj), req["cap"] + 1))
        if len(items) > req["cap"]:
            raise Refused(f"more than {req['cap']} items (a generator that never ends?)")
        return items
    if op == "isinstance":
        return isinstance(obj, _target(req["cls"], user_ns))
    if op == "issubclass":
        return isinstance(obj, type) and issubclass(obj, _target(req["cls"], user_ns))
    if op in ("str", "repr"):
        return (str if op == "str" else repr)(obj)[:10_000]
    if op == "bool":
        return bool(obj)
    if op == "float":
        return float(obj)
    if op == "value":  # a handle's object as data, if it is data after all
        return obj
    raise ValueError(op)


def _encoded(value, n, files):
    """The answer as data; a failure here is the channel's, never reported as the learner's error."""
    try:
        return encode(value, n, files)
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001
        raise Refused(f"could not send the answer ({type(exc).__name__})") from None


def _captured(printed):
    """What the learner's code prints during a call: sent back for the test's own stdout/stderr."""
    import contextlib

    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(printed[0]))
    stack.enter_context(contextlib.redirect_stderr(printed[1]))
    return stack


def serve(n, user_ns):
    import io

    with open(os.path.join(IN, f"req-{n}.json"), encoding="utf-8") as fh:
        req = json.load(fh)
    files = []
    printed = (io.StringIO(), io.StringIO())
    _BUDGET.update(items=0, depth=0)
    try:
        if req["op"] == "describe":
            result = {
                name: (describe(user_ns[name]) if name in user_ns else {"kind": "missing"})
                for name in req["names"]
            }
            for name, info in result.items():
                if info["kind"] in ("value", "callable") and name not in req.get("peek", ()):
                    info["value"] = encode(user_ns[name], n, files)
            out = {"ok": result}
        elif req["op"] == "call":
            target = _target(req.get("ref", req.get("name")), user_ns)
            if req.get("method"):
                target = getattr(target, req["method"])
            args = [decode(a) for a in req["args"]]
            kwargs = {k: decode(a) for k, a in req["kwargs"].items()}
            with _captured(printed):
                value = target(*args, **kwargs)
            out = {"ok": _encoded(value, n, files)}
        else:
            with _captured(printed):
                value = _handle_op(req, user_ns)
            out = {"ok": _encoded(value, n, files)}
    except Refused as exc:
        out = {"refused": str(exc)}
    except GraderOnly as exc:
        out = {"grader_only": str(exc.args[0])[:200] if exc.args else ""}
    except BaseException as exc:  # noqa: BLE001 - reported to the grader as data
        attrs = (
            {
                k: _scalar(v)
                for k, v in list(vars(exc).items())[:10]
                if isinstance(k, str) and not k.startswith("_")
            }
            if hasattr(exc, "__dict__")
            else {}
        )
        try:
            message = str(exc)[:4000]
        except BaseException:  # noqa: BLE001
            message = ""
        out = {
            "raised": {
                "mro": [f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__][:20],
                "attrs": attrs,
                "message": message,
            }
        }
    if _STUB_CALLS:
        calls = list(_STUB_CALLS[:1000])
        del _STUB_CALLS[:]
        try:
            out["stub_calls"] = [[c[0], encode(c[1], n, files), encode(c[2], n, files)] for c in calls]
        except Refused:
            out["stub_calls"] = []
    out["files"] = files
    out["stdout"], out["stderr"] = printed[0].getvalue()[:200_000], printed[1].getvalue()[:200_000]
    tmp = os.path.join(OUT, f".res-{n}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(out, fh, allow_nan=True)
    os.replace(tmp, os.path.join(OUT, f"res-{n}.json"))
