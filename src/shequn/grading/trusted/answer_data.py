"""Refuse compressed Arrow IPC files before pyarrow inflates them: the grading channel's guard.

:class:`~shequn.grading.channel.Channel` reads the learner kernel's tables as Arrow IPC files;
the kernel half (:mod:`shequn.grading.kernel_bridge`) never compresses, so a file with a
compressed body is refused before pyarrow reads it (see :func:`ipc_compressed` for why, and why
this reads the flatbuffer metadata by hand).
"""

from __future__ import annotations

import struct

__all__ = ["ipc_compressed"]


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
