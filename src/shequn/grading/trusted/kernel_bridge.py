"""The learner-kernel half of the grading channel, part 2: serving the grader's requests.

The trusted grader never imports this module: it sends its *source* to the sandboxed kernel
(before the first test cell), right after :mod:`shequn.grading.trusted.kernel_codec`'s, in
the same namespace (:func:`shequn.grading.trusted.channel.kernel_source`), where it defines
``serve(n)`` (bound as ``__shequn_serve__``).  Each call reads request ``n`` (JSON plus
Arrow/``.npy`` files) from the read-only ``/shequn/in``, calls the learner's function, and writes
the result as data to ``/shequn/out``.  Nothing here is trusted: learner code may replace any of
it, and the grader checks every result it reads.
"""

import json
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # in the kernel these are the codec's, run just before this source in one namespace
    from shequn.grading.trusted.kernel_codec import (
        _BUDGET,
        _HANDLES,
        IN,
        OUT,
        Refused,
        _np,
        decode,
        encode,
        handle,
    )


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


def _target(ref, user_ns):
    if isinstance(ref, int):
        return _HANDLES[ref]
    return user_ns[ref]


def _scalar(x):
    return x if isinstance(x, (str, int, float, bool)) or x is None else str(x)[:500]


def describe(obj):
    if type(obj) is _GraderObject:  # the grader's own placeholder: asking about it is no learner use
        return {"kind": "missing"}
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
