"""Execute the notebooks on every core while Sphinx reads their pages one by one.

myst-nb executes a notebook while Sphinx reads its page, so the lessons run one after
another on one core. In ``execute_notebooks: cache`` mode myst-nb first asks jupyter-cache
for the outputs of the same code. On ``env-before-read-docs`` (Sphinx knows which pages it is
about to read), :func:`execute_pages` reads each of those notebooks exactly as myst-nb will
(same reader, kernel aliases and per-notebook settings) and starts executing them, one per
core, with jupyter-cache's own ``single_nb_execution`` (what myst-nb calls). When Sphinx comes
to a notebook's page (``source-read``), :func:`collect_executed` waits for it and stores it in
the build's jupyter-cache (``_build/.jupyter_cache``) if it succeeded; myst-nb then reads its
outputs from there, and the page is the same as if it had executed it. Pages are read in
Sphinx's own order while the later notebooks still run.

What stays as it was:

* **every page Sphinx reads is executed afresh**, as in ``force`` mode: the cache is emptied
  before, so no output comes from an older ``shequn`` or data set (the cache is a hand-off
  between this step and myst-nb, not a store across builds);
* **a notebook that fails is not stored**: myst-nb executes it again while reading it and
  fails the strict build with its own message and traceback;
* **the executed notebook offered for download** (``_build/jupyter_execute``): myst-nb 1.4, when
  it takes outputs from the cache, writes the notebook *without* them (it writes the notebook it
  read, not the one merged with the cache), so :func:`write_executed` writes ours over it once
  the page has been read, as ``force`` mode would have.

Threads, not processes: each notebook's kernel is a process of its own, and the client side
(nbclient waiting on ZeroMQ) is light, so one thread per notebook fills the cores without
forking the multi-threaded Sphinx process. Hand-written because jupyter-cache's parallel
executor stages notebooks with its own readers (not myst-nb's text-notebook reader with this
build's settings) and forks.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import TypeVar

__all__ = [
    "execute_pages",
    "collect_executed",
    "write_executed",
    "stop_executions",
    "map_on_cores",
    "workers",
]

T = TypeVar("T")
R = TypeVar("R")


def workers(jobs: int) -> int:
    """One worker per core this process may use (at most one per job)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, jobs))


def map_on_cores(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, one thread per core; the first exception is raised."""
    items = list(items)
    if len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers(len(items)), thread_name_prefix="shequn-exec") as pool:
        return list(pool.map(fn, items))


def _notebook_as_myst_nb_reads_it(env, docname: str):
    """``(path, notebook, nb_config)`` as ``myst_nb.sphinx_.Parser.parse`` prepares them, or None
    for a page that is not a notebook or that myst-nb would not execute from the cache."""
    from myst_nb.core.nb_to_tokens import nb_node_to_dict
    from myst_nb.core.read import create_nb_reader

    path = Path(env.doc2path(docname))
    nb_config = env.mystnb_config
    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    kernel = notebook.metadata.get("kernelspec", {}).get("name", None)
    if kernel is not None:
        for rgx, alias in (nb_config.kernel_rgx_aliases or {}).items():
            if re.fullmatch(rgx, kernel):
                notebook.metadata["kernelspec"]["name"] = alias
                break
    if nb_config.metadata_key in notebook.metadata:
        overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
        overrides.pop("output_folder", None)
        try:
            nb_config = nb_config.copy(**overrides)
        except Exception:  # myst-nb warns about it while reading the page
            return None
    if nb_config.execution_mode != "cache":
        return None
    posix = PurePosixPath(path.as_posix())
    if any(posix.match(pattern) for pattern in nb_config.execution_excludepatterns or ()):
        return None
    return path, notebook, nb_config


def _execute(job):
    from jupyter_cache.executors.utils import single_nb_execution

    path, notebook, nb_config = job
    return single_nb_execution(
        notebook,
        cwd=str(path.parent.resolve()),
        allow_errors=nb_config.execution_allow_errors,
        timeout=nb_config.execution_timeout,
        meta_override=True,
    )


def execute_pages(app, env, docnames: list[str]) -> None:
    """``env-before-read-docs``: start executing the notebooks among *docnames*, one per core.

    Sphinx then reads the pages in its order; :func:`collect_executed` waits for each notebook
    when its page comes up, so the pages read while the later notebooks still run."""
    app._shequn_executed, app._shequn_pending = {}, {}
    if getattr(env.mystnb_config, "execution_mode", None) != "cache":
        return
    named = [(d, _notebook_as_myst_nb_reads_it(env, d)) for d in docnames]
    named = [(d, job) for d, job in named if job is not None]
    if not named:
        return
    from jupyter_cache import get_cache

    folder = Path(env.mystnb_config.execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")
    if folder.exists():  # every page read is executed afresh, as in force mode
        shutil.rmtree(folder)
    app._shequn_cache = get_cache(str(folder))
    app._shequn_pool = ThreadPoolExecutor(max_workers=workers(len(named)), thread_name_prefix="shequn-exec")
    for docname, job in named:
        app._shequn_pending[docname] = (job[0], app._shequn_pool.submit(_execute, job))


def collect_executed(app, docname: str, source: list[str]) -> None:
    """``source-read``: wait for this page's notebook and put it in the cache for myst-nb."""
    from jupyter_cache.base import CacheBundleIn

    pending = getattr(app, "_shequn_pending", {}).pop(docname, None)
    if pending is None:
        return
    path, future = pending
    try:
        result = future.result()
    except Exception:  # e.g. a kernel that died: myst-nb executes the page again and reports it
        return
    if result.err is None:  # a failing cell is left to myst-nb too
        app._shequn_cache.cache_notebook_bundle(
            CacheBundleIn(result.nb, str(path), data={"execution_seconds": result.time}),
            check_validity=False,
            overwrite=True,
        )
        app._shequn_executed[docname] = result.nb


def stop_executions(app, *_args) -> None:
    """``env-updated`` / ``build-finished``: no kernel outlives the reading (a failed build
    may stop before reading every page)."""
    pool = getattr(app, "_shequn_pool", None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
        app._shequn_pool = None


def write_executed(app, doctree) -> None:
    """``doctree-read``: the page's executed notebook into myst-nb's output folder (see above)."""
    import nbformat

    notebook = getattr(app, "_shequn_executed", {}).pop(app.env.docname, None)
    if notebook is None:
        return
    target = Path(app.env.mystnb_config.output_folder).joinpath(*f"{app.env.docname}.ipynb".split("/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(nbformat.writes(notebook).encode("utf-8"))
