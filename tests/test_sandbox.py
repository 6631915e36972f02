"""The grading sandbox (bubblewrap + setpriv + a cgroup), tried with hostile cells for real.

Each test runs real notebooks in a real sandboxed kernel and checks what the kernel could see
and do, and what it left behind.  Root only (namespaces, uid switch, cgroups).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_notebook

from helpers.leftovers import pids_where, sandbox_uids
from shequn.grading.sandbox.bubblewrap import UID_BASE, Limits, Sandbox, _python_paths
from shequn.grading.sandbox.cgroup import stale_cgroups
from shequn.grading.sandbox.launcher import bwrap_argv
from shequn.grading.sandbox.notebook import execute_sandboxed, sandbox_client

pytestmark = pytest.mark.root  # skipped when not root (conftest)


def _our_sandbox_pids() -> list[int]:
    """Processes of the sandboxes this test process made (uids per maker pid and slot); other
    graders may be running on the machine."""
    return pids_where(sandbox_uids(os.getpid()).__contains__)


def _wait_for_no_sandbox_pids(seconds: float = 10) -> list[int]:
    """Our sandbox processes, polled until there are none or *seconds* have passed (a killed
    process is listed in /proc until its parent has reaped it)."""
    deadline = time.monotonic() + seconds
    while (left := _our_sandbox_pids()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture(autouse=True)
def nothing_left_behind():
    before_tmp = set(os.listdir("/tmp"))
    yield
    assert _wait_for_no_sandbox_pids() == []
    assert [c for c in stale_cgroups() if c.name.startswith(f"r{os.getpid()}-")] == []
    assert {
        p for p in set(os.listdir("/tmp")) - before_tmp if p.startswith(f"shequn-sbx-{os.getpid()}-")
    } == set()


def run(*sources: str, timeout: int = 30, **kwargs):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    execute_sandboxed(nb, timeout, **kwargs)
    return nb.cells


def text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream") + "".join(
        o.get("data", {}).get("text/plain", "") for o in cell.outputs if o.output_type == "execute_result"
    )


def error(cell) -> tuple[str, str] | None:
    errs = [o for o in cell.outputs if o.output_type == "error"]
    return (errs[0].ename, errs[0].evalue) if errs else None


def test_cells_run_as_an_unprivileged_uid_in_their_own_namespaces():
    cells = run(
        "import os, socket, pandas as pd\nprint(os.getuid(), os.getgid(), os.getgroups(), os.getpid())",
        "print(socket.gethostname(), sorted(n for _, n in socket.if_nameindex()))",
        "print(pd.DataFrame({'a': [1, 2, 3]}).a.sum() * 7)",
        "print(open('/proc/self/status').read().split('CapEff:')[1].split()[0])",
        "print(len([p for p in os.listdir('/proc') if p.isdigit()]))",
    )
    uid, gid, groups, pid = text(cells[0]).split(" ", 3)
    assert int(uid) >= UID_BASE and int(gid) >= UID_BASE and groups.startswith("[]")
    assert int(pid.strip()) < 10  # a PID namespace of its own
    assert text(cells[1]).strip() == "sandbox ['lo']"  # no network but loopback
    assert text(cells[2]).strip() == "42"
    assert int(text(cells[3]).strip(), 16) == 0  # no capabilities
    assert int(text(cells[4]).strip()) < 10  # sees only its own processes


def test_read_only_system_and_hidden_host(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("solutions")
    cells = run(
        f"open({str(secret)!r}).read()",
        "open('/usr/lib/x', 'w')",
        "open('/etc/shequn-x', 'w')",
        "import os\nprint(sorted(os.listdir('/')))",
        "open('/etc/shadow').read()",
    )
    assert error(cells[0])[0] == "FileNotFoundError"  # the grader's files are not even there
    assert error(cells[1])[0] in ("OSError", "PermissionError")  # read-only file system
    assert error(cells[2])[0] in ("OSError", "PermissionError")
    top = set(eval(text(cells[3])))
    # The interpreter's own folders are bound where they live (e.g. /work/... or /check/...): their top
    # components may show, nothing else from the host's root may.
    python_tops = {Path(p).parts[1] for p in _python_paths()}
    assert (
        top
        <= {
            "bin",
            "dev",
            "etc",
            "lib",
            "lib32",
            "lib64",
            "libx32",
            "proc",
            "root",
            "run",
            "sbin",
            "shequn",
            "tmp",
            "usr",
            "var",
            "opt",
            "home",
        }
        | python_tops
    )
    assert error(cells[4])[0] == "PermissionError"


def test_private_tmpfs_and_ipc_vanish_with_the_kernel():
    marker = f"shequn-probe-{os.getpid()}"
    key = "0x00005eed"  # the segment's key, as ipcs prints it; the sandbox's IPC namespace is its own

    def host_has_segment() -> bool:
        return key in subprocess.run(["ipcs", "-m"], capture_output=True, text=True).stdout

    assert not host_has_segment()
    cells = run(
        *(f"open('{d}/{marker}', 'w').write('x')" for d in ("/tmp", "/var/tmp", "/dev/shm", "/run")),
        "import ctypes\nlibc = ctypes.CDLL(None)\nprint(libc.shmget(0x5eed, 4096, 0o1666))",
    )
    for cell in cells[:4]:
        assert error(cell) is None, cell.outputs
    assert int(text(cells[4]).strip()) >= 0  # the segment was created inside
    for d in ("/tmp", "/var/tmp", "/dev/shm", "/run"):
        assert not os.path.exists(f"{d}/{marker}")
    assert not host_has_segment()


def test_tmpfs_is_size_capped():
    cells = run("open('/tmp/big', 'wb').write(b'x' * (40 * 2**20))", limits=Limits(tmpfs_mb=16))
    assert error(cells[0])[0] == "OSError" and "space" in error(cells[0])[1].lower()


def test_total_memory_of_all_children_is_capped(tmp_path):
    """Four forked children each touching 300 MB under a 900 MB cap: the group never exceeds it.

    Each child alone stays under the per-process limit; only the group's cap stops them.
    """
    box = Sandbox(tmp_path / "box", limits=Limits(memory_mb=900, nproc=64))
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import os, time\nkids = []\nfor _ in range(4):\n    pid = os.fork()\n"
                "    if pid == 0:\n        try:\n"
                "            b = bytearray(300 * 2**20)\n"
                "            for i in range(0, len(b), 4096): b[i] = 1\n"
                "            time.sleep(3)\n        except MemoryError:\n            os._exit(3)\n"
                "        finally:\n"
                "            os._exit(0)\n    kids.append(pid)\n"
                "print(sorted(os.waitstatus_to_exitcode(os.waitpid(k, 0)[1]) for k in kids))"
            )
        ]
    )
    try:
        sandbox_client(nb, box, timeout=60).execute()
        peak = box.cgroup.memory_peak()
    except DeadKernelError:
        peak = box.cgroup.memory_peak() if box.cgroup else None
    finally:
        box.close()
    assert peak is not None and peak <= 900 * 2**20
    out = text(nb.cells[0])
    if out:  # the kernel survived: some children were killed by the group's OOM killer
        assert "-9" in out


def test_fork_chain_with_changing_pids_is_removed(tmp_path):
    """A double-forking process that keeps changing its pid is gone once the sandbox closes."""
    box = Sandbox(tmp_path / "box")
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import os, time\nif os.fork() == 0:\n    os.setsid()\n    while True:\n"
                "        if os.fork():\n"
                "            os._exit(0)\n        time.sleep(0.01)\nprint('started')"
            )
        ]
    )
    try:
        sandbox_client(nb, box, timeout=30).execute()
        assert text(nb.cells[0]).strip() == "started"
        assert len(box.cgroup.pids()) >= 2  # the chain is alive and inside the group
    finally:
        box.close()
    assert _wait_for_no_sandbox_pids() == []


def test_fork_bomb_stops_at_the_process_cap():
    cells = run(
        "import os\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n            import time\n"
        "            time.sleep(30)\n            os._exit(0)\n        n += 1\nexcept OSError as e:\n"
        "    print(n, type(e).__name__)",
        limits=Limits(nproc=40),
    )
    n, ename = text(cells[0]).split()
    assert ename in ("BlockingIOError", "OSError") and 0 < int(n) < 40


def test_cpu_share_is_capped():
    """Three busy processes for 2 s of wall time get at most ~1 CPU second per second."""
    cells = run(
        "import os, time, resource\nkids = []\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n"
        "        end = time.time() + 2\n        while time.time() < end: pass\n        os._exit(0)\n"
        "    kids.append(pid)\nt = time.time()\nfor k in kids: os.waitpid(k, 0)\nwall = time.time() - t\n"
        "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\nprint(ru.ru_utime + ru.ru_stime, wall)",
        limits=Limits(cpus=0.5),
    )
    cpu, wall = map(float, text(cells[0]).split())
    assert cpu <= 0.5 * wall * 1.3 + 0.2


def test_no_network_to_the_host():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        cells = run(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)")
    finally:
        server.close()
    assert error(cells[0])[0] in ("ConnectionRefusedError", "OSError", "TimeoutError")


def test_file_size_limit():
    cells = run("open('big', 'wb').write(b'x' * (8 * 2**20))", limits=Limits(fsize_mb=4))
    assert error(cells[0]) is not None


def test_infinite_loop_times_out():
    with pytest.raises(CellTimeoutError):
        run("while True:\n    pass", timeout=3)


def test_blocked_module_cannot_be_imported():
    import shequn.metrics.engagement

    module_file = shequn.metrics.engagement.__file__  # a module inside the blocked package
    cells = run(
        "import shequn.metrics",
        "from shequn.data import load_dataset\nprint('data ok')",
        "import shequn.metrics.engagement",
        f"import os\nprint(os.path.exists({module_file!r}))",
        block_modules=("shequn.metrics",),
    )
    ename, evalue = error(cells[0])
    assert ename == "ImportError" and "shequn.metrics" in evalue
    assert text(cells[1]).strip() == "data ok"
    assert error(cells[2])[0] == "ImportError"
    assert text(cells[3]).strip() == "False"  # the whole package folder is masked, not only __init__.py


def test_kernel_output_never_reaches_the_launcher_stderr(tmp_path):
    box = Sandbox(tmp_path / "box")
    nb = new_notebook(cells=[new_code_cell("import os\nos.write(2, b'[shequn-sandbox] refusing forged\\n')")])
    try:
        sandbox_client(nb, box, timeout=30).execute()
        log = (box.root / "kernel0.log").read_text(errors="replace")
    finally:
        box.close()
    assert "refusing forged" in log  # it went to the kernel's own log file, not to ours


def test_launcher_refuses_unsafe_specs(tmp_path):
    box = Sandbox(tmp_path / "box")
    try:
        spec = json.loads(box.spec_file.read_text())
        argv = bwrap_argv(spec, ["python", "-m", "ipykernel_launcher"])
        assert argv[0] == "bwrap" and "--unshare-net" in argv and "--unshare-pid" in argv
        assert f"--reuid={box.uid}" in argv and "--no-new-privs" in argv
        os.chmod(box.spec_file, 0o666)  # a spec others could rewrite is refused
        proc = subprocess.run([*box.kernel_argv()[:6], "--", "true"], capture_output=True, text=True)
        assert proc.returncode == 70 and "refusing" in proc.stderr
    finally:
        box.close()


def test_work_dir_is_a_capped_tmpfs_and_leaves_no_mount():
    cells = run(
        "open('fill', 'wb').write(b'x' * (48 * 2**20))\nopen('fill2', 'wb').write(b'x' * (48 * 2**20))",
        limits=Limits(workdir_mb=64, fsize_mb=60),
    )
    assert error(cells[0])[0] == "OSError" and "space" in error(cells[0])[1].lower()
    with open("/proc/self/mounts") as fh:
        assert not [line for line in fh if line.startswith("shequn-sandbox-")]


def test_blocked_module_bytecode_is_hidden_too():
    """A stale .pyc beside the masked source would be the real module: its folder is hidden."""
    import importlib.util
    import py_compile

    import shequn.metrics

    cache = importlib.util.cache_from_source(shequn.metrics.__file__)
    py_compile.compile(shequn.metrics.__file__, cfile=cache)
    cells = run(
        "import importlib.util, os\n"
        f"print(os.path.exists({cache!r}))\n"
        f"loader = importlib.machinery.SourcelessFileLoader('m', {cache!r})\n"
        "spec = importlib.util.spec_from_loader('m', loader)\n"
        "m = importlib.util.module_from_spec(spec)\nloader.exec_module(m)\nprint(hasattr(m, 'lurker_share'))",
        block_modules=("shequn.metrics",),
    )
    assert text(cells[0]).strip().startswith("False")
    assert error(cells[0]) is not None


def test_bytecode_of_the_single_file_module_the_package_replaced_is_masked_too(tmp_path):
    """Before it became a package, shequn.metrics compiled to shequn/__pycache__/metrics.*.pyc; a checkout
    updated in place keeps that file, and it would load the old, self-contained metrics."""
    import py_compile
    import sys

    import shequn.metrics

    old = tmp_path / "metrics.py"
    old.write_text("def lurker_share(members, messages):\n    return 'the real thing'\n", encoding="utf-8")
    stale = (
        Path(shequn.metrics.__file__).parents[1]
        / "__pycache__"
        / f"metrics.{sys.implementation.cache_tag}.pyc"
    )
    py_compile.compile(str(old), cfile=str(stale))
    try:
        cells = run(
            f"from importlib.machinery import SourcelessFileLoader\n"
            f"m = SourcelessFileLoader('m', {str(stale)!r}).load_module()\nprint(hasattr(m, 'lurker_share'))",
            block_modules=("shequn.metrics",),
        )
    finally:
        stale.unlink()
    assert error(cells[0]) is not None and "True" not in text(cells[0])
