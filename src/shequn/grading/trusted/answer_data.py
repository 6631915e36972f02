"""What the learner's kernel sends back, checked before the grader uses it: the guards the channel reads with.

:class:`~shequn.grading.trusted.channel.Channel` decodes every answer with these:

* the errors a call ends in: :class:`RemoteError` (the learner's code raised, timed out, or the
  kernel is gone), :class:`ChannelViolation` (not allowed data: flagged) and
  :class:`AnswerRefused` (too big, too deep, endless);
* :func:`remote_exception`: what the kernel says a learner's code raised, as an exception the
  tests can catch.  No learner-chosen class name crosses: only built-in exception types and the
  kit's ``DataError``, with the message capped and stripped of control characters (tests check
  messages);
* :func:`ipc_compressed`: compressed Arrow IPC files are refused before pyarrow inflates them
  (the kernel half, :mod:`shequn.grading.trusted.kernel_codec`, never compresses; see the
  function for why, and why this reads the flatbuffer metadata by hand);
* :func:`read_array` and :func:`read_table`: ``.npy`` without pickles and Arrow tables, of
  allowed types and at most ``max_cells`` cells.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "AnswerReader",
    "RemoteError",
    "ChannelViolation",
    "AnswerRefused",
    "remote_exception",
    "library_type",
    "ipc_compressed",
    "read_array",
    "read_table",
]

_LIBRARY_TYPE = re.compile(r"^(builtins|numpy|pandas|datetime|collections|decimal|fractions)(\.\w+){1,4}$")


class RemoteError(Exception):
    """The learner's function raised, timed out, or its kernel is gone (message: no details)."""


class ChannelViolation(RemoteError):
    """The kernel answered with something that is not allowed data (flagged)."""


class AnswerRefused(RemoteError):
    """The answer is too big, too deep or never ends: refused with the kernel's stated reason."""

    def __init__(self, why: str):
        from shequn.grading.nbgrader_plugins.sanitize import strip_controls

        super().__init__(f"答案被拒绝 / answer refused: {strip_controls(why[:200])}")


def library_type(qualname: str) -> bool:
    """True if *qualname* names a real class of an already imported library (numpy, pandas, builtins...)."""
    from shequn.grading.trusted.stand_ins import imported_class

    return bool(_LIBRARY_TYPE.match(qualname)) and imported_class(qualname) is not None


def remote_exception(raised: dict) -> BaseException:
    """An exception the learner's code raised, as one the tests can catch; no message crosses."""
    import builtins

    from shequn.data import DataError

    allowed: dict[str, type] = {f"{DataError.__module__}.{DataError.__qualname__}": DataError}
    mro = [m for m in raised.get("mro", []) if isinstance(m, str)][:20]
    for qual in mro:
        cls = allowed.get(qual)
        if cls is None and qual.startswith("builtins."):
            cand = getattr(builtins, qual[len("builtins.") :], None)
            if isinstance(cand, type) and issubclass(cand, Exception) and cand is not Exception:
                cls = cand
        if cls is not None:
            exc = cls.__new__(cls)
            exc.args = _message(raised, cls)
            attrs = raised.get("attrs") if isinstance(raised.get("attrs"), dict) else {}
            if cls is DataError:
                for k in ("file", "line", "column"):
                    v = attrs.get(k)
                    if v is None or type(v) in (str, int):
                        setattr(exc, k, v if not isinstance(v, str) else v[:500])
            return exc
    # no learner-chosen class name (see _LIBRARY_TYPE)
    return RemoteError("运行出错 / raised an error")


def _message(raised: dict, cls: type) -> tuple:
    """The learner's exception message, as tests check it (``str(e)``, ``pytest.raises(match=)``):
    capped and without control characters.  Only a built-in exception's message crosses: a
    learner-named class is not shown (its name and text are theirs to choose)."""
    from shequn.grading.nbgrader_plugins.sanitize import strip_controls

    text = raised.get("message")
    if not isinstance(text, str) or not text:
        return ()
    text = strip_controls(text[:4000])
    if cls is KeyError and len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # str(KeyError('k')) is "'k'": give the key back, so str() matches again
    return (text,)


def _fb_field(buf: bytes, table: int, index: int) -> int | None:
    """Position of field *index* of the flatbuffer table at *table* (None: absent)."""
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    if 4 + 2 * index + 2 > struct.unpack_from("<H", buf, vtable)[0]:
        return None
    offset = struct.unpack_from("<H", buf, vtable + 4 + 2 * index)[0]
    return table + offset if offset else None


def _fb_deref(buf: bytes, pos: int) -> int:
    return pos + struct.unpack_from("<I", buf, pos)[0]


def ipc_compressed(data: bytes) -> bool:
    """True if any record or dictionary batch of this Arrow IPC file has a compressed body.

    pyarrow decompresses while reading and has no cap on the result (an 8 KB zstd body can
    become gigabytes in the grader, which has no cgroup); the kernel half never compresses, so
    a compressed file is refused before it is read.  Hand-written because pyarrow exposes no
    compression flag: this reads the ``compression`` field (3) of each ``RecordBatch`` in the
    flatbuffer metadata (Arrow's Message.fbs: Message.header_type 1, header 2; DictionaryBatch
    holds its RecordBatch in field 1).  Malformed metadata raises (and is refused by the caller).
    """
    import pyarrow as pa

    for msg in pa.ipc.MessageReader.open_stream(pa.BufferReader(data[8:])):  # after "ARROW1\0\0"
        meta = msg.metadata.to_pybytes()
        root = _fb_deref(meta, 0)
        kind, header = _fb_field(meta, root, 1), _fb_field(meta, root, 2)
        if kind is None or header is None or meta[kind] not in (2, 3):  # 2 dictionary, 3 record batch
            continue
        batch = _fb_deref(meta, header)
        if meta[kind] == 2:
            inner = _fb_field(meta, batch, 1)
            if inner is None:
                continue
            batch = _fb_deref(meta, inner)
        if _fb_field(meta, batch, 3) is not None:
            return True
    return False


def read_array(data: bytes, max_cells: int):
    """An ``.npy`` array of plain data (no pickles, no objects), at most *max_cells*; else ValueError(why)."""
    import numpy as np

    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception:  # noqa: BLE001 - any parse error is the kernel's fault
        raise ValueError("数组格式不对 / malformed array") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biufcUSmM" or arr.size > max_cells:
        raise ValueError("数组类型或大小不允许 / array type or size not allowed")
    return arr


def read_table(data: bytes, max_cells: int):
    """An uncompressed Arrow IPC file of at most *max_cells* cells, as a DataFrame; else ValueError(why)."""
    import pyarrow as pa

    try:
        if ipc_compressed(data):  # a compressed body can inflate far past max_bytes in this process
            raise ValueError("compressed")
        table = pa.ipc.open_file(pa.BufferReader(data)).read_all()
        if table.num_rows * max(table.num_columns, 1) > max_cells:
            raise ValueError("too large")
        frame = table.to_pandas()
    except Exception:  # noqa: BLE001
        raise ValueError("表格格式不对或过大 / malformed or oversized table") from None
    if not isinstance(frame, pd.DataFrame):
        raise ValueError("表格格式不对 / malformed table")
    return frame


_FILE = re.compile(r"^\d+-r\d+\.(npy|arrow)$")
_HANDLE_KINDS = ("class", "module", "callable", "object")


class AnswerReader:
    """What the kernel wrote to the sandbox's ``out`` folder, read back as grader values.

    The base of :class:`~shequn.grading.trusted.channel.Channel`, which sets these attributes;
    anything that is not allowed data is a :class:`ChannelViolation`, recorded in ``violations``.
    """

    out_dir: Path
    max_bytes: int
    max_cells: int
    violations: list[str]

    def _violation(self, why: str, detail: str = "") -> ChannelViolation:
        """Recorded for the instructor with *detail* (kernel-chosen text); the exception, which a check's
        report and so the learner's feedback may show, carries only the fixed *why*."""
        self.violations.append(f"{why} ({detail})" if detail else why)
        return ChannelViolation(why)

    def _read(self, name: str, cap: int) -> bytes:
        """A file the kernel wrote: a regular file (no symlink), at most *cap* bytes."""
        if "/" in name or name.startswith("."):
            raise self._violation("非法文件名 / bad file name", repr(name)[:80])
        try:
            fd = os.open(self.out_dir / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            raise self._violation("缺少结果文件 / missing result file", repr(name)[:80]) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > cap:
                raise self._violation(
                    "结果文件过大或不是普通文件 / result file too large or not a file", name[:80]
                )
            with os.fdopen(fd, "rb", closefd=False) as fh:
                data = fh.read(cap + 1)
        finally:
            os.close(fd)
        if len(data) > cap:
            raise self._violation("结果文件过大 / result file too large", name[:80])
        return data

    # ------------------------------------------------------------------ kernel -> grader
    def decode(self, v: Any, files: list, depth: int = 0) -> Any:
        """Untrusted channel data as grader values; anything unexpected is a violation."""
        if depth > 32:
            raise self._violation("嵌套过深 / nested too deep")
        if v is None or type(v) in (bool, str, int):
            if type(v) is int and abs(v) > 2**63:
                raise self._violation("整数过大 / integer too large")
            return v
        if type(v) is float:
            return v
        if type(v) is not dict or not isinstance(v.get("t"), str):
            raise self._violation("未知的结果类型 / unknown result type")
        t = v["t"]
        if t in ("list", "tuple") and type(v.get("v")) is list:
            items = [self.decode(x, files, depth + 1) for x in v["v"]]
            return tuple(items) if t == "tuple" else items
        if t == "dict" and type(v.get("v")) is dict:
            return {k: self.decode(x, files, depth + 1) for k, x in v["v"].items()}
        if t in ("set", "frozenset", "pairs") and type(v.get("v")) is list:
            return self._collection(t, v["v"], files, depth)
        if (
            t == "complex"
            and type(v.get("v")) is list
            and len(v["v"]) == 2
            and all(type(x) in (int, float) for x in v["v"])
        ):
            return complex(*v["v"])
        if t == "handle":
            return self._handle(v)
        if t in ("npy", "df", "series") and v.get("f") in files and _FILE.match(str(v["f"])):
            data = self._read(v["f"], self.max_bytes)
            if t == "npy":
                return self._npy(data)
            frame = self._frame(data)
            if t == "series":
                if frame.shape[1] != 1:
                    raise self._violation("Series 结果格式不对 / malformed Series")
                s = frame.iloc[:, 0]
                s.name = self.decode(v.get("name"), files, depth + 1)
                return s
            return frame
        if t in ("ts", "date") and isinstance(v.get("v"), str) and len(v["v"]) < 64:
            try:
                ts = pd.Timestamp(v["v"])
            except ValueError:
                raise self._violation("时间格式不对 / bad timestamp") from None
            return ts.date() if t == "date" else ts
        if t == "dataset" and type(v.get("v")) is dict:
            from shequn.data import Dataset

            tables = {
                k: self.decode(v["v"].get(k), files, depth + 1)
                for k in ("groups", "members", "messages", "red_packets")
            }
            if not all(isinstance(x, pd.DataFrame) for x in tables.values()):
                raise self._violation("Dataset 结果格式不对 / malformed Dataset")
            return Dataset(**tables)
        if t == "unsupported":
            kind = str(v.get("type", "?"))[:80]
            # a library type's name helps the learner; a class of their own is not named (its name is
            # theirs to choose, and could carry a hidden input into the feedback)
            shown = f" {kind!r}" if library_type(kind) else ""
            raise RemoteError(f"返回了无法检查的类型{shown} / returned a type{shown} that cannot be checked")
        raise self._violation("未知的结果类型 / unknown result type", repr(t[:40]))

    def _collection(self, t: str, items: list, files: list, depth: int) -> Any:
        """A set, frozenset or non-string-keyed dict of data (its members hashed here, as data)."""
        try:
            if t == "pairs":
                if not all(type(x) is list and len(x) == 2 for x in items):
                    raise TypeError
                return {self.decode(k, files, depth + 1): self.decode(x, files, depth + 1) for k, x in items}
            out = {self.decode(x, files, depth + 1) for x in items}
        except TypeError:  # an unhashable member (a list inside a set): not something Python can build
            raise self._violation("集合或字典的键不可哈希 / unhashable set member or dict key") from None
        return frozenset(out) if t == "frozenset" else out

    def _handle(self, v: dict) -> Any:
        from shequn.grading.trusted.stand_ins import make_handle

        ok = (
            type(v.get("id")) is int
            and 0 <= v["id"] < 10**7
            and v.get("kind") in _HANDLE_KINDS
            and isinstance(v.get("type"), str)
            and len(v["type"]) <= 200
            and type(v.get("mro", [])) is list
            and len(v.get("mro", [])) <= 20
            and all(isinstance(m, str) and len(m) <= 200 for m in v["mro"])
        )
        if not ok:
            raise self._violation("对象句柄格式不对 / malformed object handle")
        return make_handle(self, v)

    def _npy(self, data: bytes) -> Any:
        try:
            return read_array(data, self.max_cells)
        except ValueError as exc:
            raise self._violation(str(exc)) from None

    def _frame(self, data: bytes) -> Any:
        try:
            return read_table(data, self.max_cells)
        except ValueError as exc:
            raise self._violation(str(exc)) from None
