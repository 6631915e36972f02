"""A whole notebook run in a fresh sandbox with nbclient, without nbgrader: for tests and benchmarks.

:func:`sandbox_client` gives an nbclient ``NotebookClient`` whose kernel starts in a
:class:`~shequn.grading.sandbox.bubblewrap.Sandbox`; :func:`execute_sandboxed` runs a notebook
in a fresh one and removes it.  Grading never uses these: it runs nbgrader
(:mod:`shequn.grading.running.submission`).
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from shequn.grading.sandbox.bubblewrap import Limits, Sandbox

__all__ = ["sandbox_client", "execute_sandboxed"]


def sandbox_client(
    nb, sandbox: Sandbox, *, timeout: int = 30, startup_timeout: int = 60, allow_errors: bool = True
):
    """An nbclient ``NotebookClient`` running *nb* in *sandbox*'s kernel over ipc."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    kernels = sandbox.root / f"kernels{sandbox.slot}"
    sandbox.install_kernelspec(kernels, "shequn-sandbox")
    km = AsyncKernelManager(
        kernel_name="shequn-sandbox", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)])
    )
    km.transport, km.ip, km.connection_file = "ipc", sandbox.ipc_path, sandbox.connection_file
    return NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        startup_timeout=startup_timeout,
        allow_errors=allow_errors,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(sandbox.workdir)}},
    )


def execute_sandboxed(
    nb,
    timeout: int = 30,
    *,
    total_timeout: float | None = None,
    limits: Limits | None = None,
    datasets: Path | None = None,
    block_modules: tuple[str, ...] = (),
) -> Any:
    """Execute *nb* (in place) in a fresh sandbox and return it; never hangs, leaves nothing.

    Cell errors are recorded in the outputs; a cell running longer than *timeout* raises
    ``nbclient.exceptions.CellTimeoutError``; a watchdog kills the whole sandbox after
    *total_timeout* seconds (``DeadKernelError``).
    """
    sandbox = Sandbox(
        Path(tempfile.mkdtemp(prefix=f"shequn-sbx-{os.getpid()}-")),
        limits=limits or Limits(),
        datasets=datasets,
        block_modules=block_modules,
    )
    client = sandbox_client(nb, sandbox, timeout=timeout)
    if total_timeout is None:
        total_timeout = (
            client.startup_timeout + timeout * max(1, sum(c.cell_type == "code" for c in nb.cells)) + 30
        )
    done = threading.Event()
    thread = threading.Thread(target=lambda: done.wait(total_timeout) or sandbox.kill(), daemon=True)
    thread.start()
    try:
        return client.execute()
    finally:
        done.set()
        sandbox.close()
        atexit.unregister(client._cleanup_kernel)
