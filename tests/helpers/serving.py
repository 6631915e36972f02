"""Waiting for a server a test started (formgrader, the hub)."""

from __future__ import annotations

from pathlib import Path


def wait_until_serving(url: str, proc, log_path: Path, timeout: float = 120, session=None) -> None:
    """Poll *url* until it answers 2xx; fail with the server's log if *proc* dies or time runs out."""
    import time

    import requests

    getter = session or requests
    deadline = time.monotonic() + timeout
    while True:
        try:
            if getter.get(url, timeout=5).ok:
                return
        except requests.ConnectionError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, Path(log_path).read_text(errors="replace")
        time.sleep(0.3)


def stop_process_group(proc, grace: float = 20) -> None:
    """SIGTERM the process group a test started (``start_new_session=True``); SIGKILL it after *grace* s."""
    import os
    import signal
    import subprocess

    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
