"""The learner-kernel half of the grading channel, part 1: the data codec.

Runs in the sandboxed kernel, never imported by the grader: the grader sends this module's source
and then :mod:`shequn.grading.trusted.kernel_bridge`'s, executed as one, in one namespace
(:func:`shequn.grading.trusted.channel.kernel_source`).  Here: the grader's arguments decoded from
the read-only ``/shequn/in`` (:func:`decode`), the learner's values encoded as data into
``/shequn/out`` (:func:`encode`: JSON, Arrow tables, ``.npy`` arrays; anything else becomes a
:func:`handle`, a number the grader may ask about), within size and depth budgets.  Nothing here
is trusted: learner code may replace any of it, and the grader checks every result it reads.
Only the standard library, numpy, pandas and pyarrow are used, imported on first use.
"""

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


_HANDLES = []  # handle id -> a learner object the grader holds by number only (trusted.stand_ins)


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
