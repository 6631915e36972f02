"""The trusted grader's per-run cache of the course's data: made once, not once per submission.

The hidden tests draw their data from the term's seed (``generate(seed=grading_seed(8201))``)
and the instructor's cells load the sample data (``load_dataset(DATA)``).  Both are the same
for every submission of a run, and in the trusted design they run in the grader process, not
in the learner's kernel, so the grader can keep them: :func:`cached_data` replaces, for the
duration of one notebook's tests, the functions listed in :data:`CACHED` with versions that
keep each result in the run's private cache folder (made by ``shequn grade``, mode 0700, never
visible inside a sandbox) and hand every caller a fresh copy.  For assignment 2 (its questions share two
hidden data sets) this saves two data generations and one validated load (≈ 3 s of CPU) per
notebook.

Only calls whose arguments are plain values (numbers, strings, ``None``, paths to course data
that is keyed by its files' sizes and modification times) are cached; anything else calls
through.  The learner's code never reaches this process, so nothing a learner does can put a
value into the cache.  The results are pickled: they are written and read only by the grader
(root) in a folder only it can open; the channel to the kernel never uses pickle.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["CACHED", "cached_data"]

# module -> functions whose results depend only on their (plain) arguments
CACHED: dict[str, tuple[str, ...]] = {
    "shequn.data.generate": ("generate",),
    "shequn.data.load": ("load_dataset",),
    "shequn.data": ("load_dataset",),
}
_PLAIN = (int, float, str, bool, type(None))


def _key_part(value: Any) -> Any:
    """A stable description of one argument; ``None`` if it cannot be part of a key."""
    if type(value) in _PLAIN:
        return repr(value)
    if isinstance(value, Path):
        path = value.resolve()
        if not path.is_dir():
            return None
        files = sorted(
            (p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in path.iterdir() if p.is_file()
        )
        return ("path", str(path), tuple(files))
    if isinstance(value, tuple) and all(type(v) in _PLAIN for v in value):
        return repr(value)
    return None


def _fresh(value: Any) -> Any:
    """A copy the caller may change without changing the cache."""
    import dataclasses

    import pandas as pd

    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy()
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _fresh(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    return copy.deepcopy(value)


def _memoized(fn: Callable, folder: Path, memory: dict) -> Callable:
    name = f"{fn.__module__}.{fn.__qualname__}"

    def wrapper(*args, **kwargs):
        parts = [_key_part(a) for a in args] + [(k, _key_part(v)) for k, v in sorted(kwargs.items())]
        if any(p is None or (isinstance(p, tuple) and len(p) == 2 and p[1] is None) for p in parts):
            return fn(*args, **kwargs)
        key = hashlib.sha256(repr((name, parts)).encode("utf-8")).hexdigest()
        if key not in memory:
            path = folder / f"{key}.pickle"
            try:
                with open(path, "rb") as fh:
                    memory[key] = pickle.load(fh)  # noqa: S301 - written by this grader, 0700 folder
            except (OSError, EOFError, pickle.UnpicklingError):
                memory[key] = fn(*args, **kwargs)  # an exception is not cached: it propagates
                tmp = folder / f".{key}.{os.getpid()}.tmp"
                with open(tmp, "wb") as fh:
                    pickle.dump(memory[key], fh, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
        return _fresh(memory[key])

    wrapper.__wrapped__ = fn
    wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
    return wrapper


@contextlib.contextmanager
def cached_data(folder: str | Path | None):
    """Within the block, the functions in :data:`CACHED` keep their results in *folder* (a no-op if None)."""
    if not folder:
        yield
        return
    folder = Path(folder)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid != os.geteuid() or folder.stat().st_mode & 0o077:
        raise RuntimeError(
            f"缓存文件夹必须只属于评分程序 (the grader's cache folder must be private): {folder}"
        )
    memory: dict = {}
    wrapped: dict[Callable, Callable] = {}
    saved = []
    for module_name, names in CACHED.items():
        module = importlib.import_module(module_name)
        for attr in names:
            fn = getattr(module, attr)
            original = getattr(fn, "__wrapped__", fn)
            if original not in wrapped:
                wrapped[original] = _memoized(original, folder, memory)
            saved.append((module, attr, fn))
            setattr(module, attr, wrapped[original])
    try:
        yield
    finally:
        for module, attr, fn in saved:
            setattr(module, attr, fn)
