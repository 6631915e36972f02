"""The grading sandbox kernel contains hostile learner code (real kernels, real limits).

Every test executes a tiny notebook with `execute_sandboxed` in a fresh work dir and checks
both the outcome inside the kernel and that nothing of the sandbox user survives afterwards.
Root-only parts (user switch, network namespace, file permissions, fork bomb) skip when not
run as root; CI runs as root.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest
from nbclient.exceptions import CellTimeoutError
from nbformat.v4 import new_code_cell, new_notebook

from shequn.grading import sandbox
from shequn.grading.sandbox import (SandboxError, ensure_user, execute_sandboxed,
                                    install_kernelspec, user_pids)

ROOT = os.geteuid() == 0
USER = "shequn-sbx-test"  # dedicated: clean-up kills every process of this user
LIMITS = {"memory_mb": 1024, "nproc": 32, "cpu_seconds": 60, "fsize_mb": 1}
needs_root = pytest.mark.skipif(not ROOT, reason="user switch / network namespace / file "
                                "permissions need root (CI runs as root)")


@pytest.fixture(scope="module")
def uid() -> int | None:
    return ensure_user(USER)[0] if ROOT else None


@pytest.fixture
def outside():
    """A root-owned 0755 dir in /tmp (searchable by the sandbox user); the work dir is inside."""
    path = Path(tempfile.mkdtemp(prefix="shequn-sbx-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_leftovers(uid):
    yield
    if uid is not None:
        assert user_pids(uid, zombies=True) == [], "sandbox processes survived the run"


def run(outside: Path, *sources: str, timeout: int = 30, **limits):
    nb = new_notebook(cells=[new_code_cell(src) for src in sources])
    lim = {**LIMITS, **limits}
    return execute_sandboxed(nb, outside / "work", timeout=timeout, user=USER, **lim)


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def error(cell) -> tuple[str, str] | None:
    errs = [(o.ename, o.evalue) for o in cell.outputs if o.output_type == "error"]
    return errs[0] if errs else None


PROBE = "import os, resource\nprint(os.getuid(), os.getpid(), resource.getrlimit(resource.RLIMIT_NPROC)[0])"


def probe(cell) -> tuple[int, int, int]:
    kernel_uid, pid, nproc = map(int, stdout(cell).split())
    return kernel_uid, pid, nproc


def test_normal_cells_work_and_output_comes_back(outside, uid):
    nb = run(outside, PROBE,
             "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})\nprint(df.a.sum() * 7)",
             "6 * 7")
    assert [error(c) for c in nb.cells] == [None, None, None]
    kernel_uid, _, nproc = probe(nb.cells[0])
    assert nproc == LIMITS["nproc"]
    if ROOT:
        assert kernel_uid == uid != 0
    assert stdout(nb.cells[1]).strip() == "42"
    assert nb.cells[2].outputs[0]["data"]["text/plain"] == "42"


@needs_root
def test_fork_bomb_is_contained(outside, uid):
    # guard inside the kernel too: the bomb only goes off as the unprivileged, limited user
    bomb = ("import os, resource\n"
            "assert os.getuid() != 0 and 0 < resource.getrlimit(resource.RLIMIT_NPROC)[0] <= 64\n"
            "while True:\n    os.fork()")
    nb = new_notebook(cells=[new_code_cell(PROBE), new_code_cell(bomb)])
    start = time.monotonic()
    try:
        execute_sandboxed(nb, outside / "work", timeout=15, user=USER, **LIMITS)
        raised = None
    except Exception as exc:  # noqa: BLE001 - which one is the point of the assertion below
        raised = exc
    kernel_uid, _, nproc = probe(nb.cells[0])
    assert kernel_uid == uid != 0 and nproc == LIMITS["nproc"]
    bomb_err = error(nb.cells[1])
    # the kernel either reports the failed fork or is cut off by the cell timeout
    print("fork bomb outcome:", repr(raised), bomb_err)
    assert isinstance(raised, CellTimeoutError) or bomb_err, raised
    if bomb_err:
        assert bomb_err[0] == "BlockingIOError", bomb_err
    assert time.monotonic() - start < 60
    # the machine (and the sandbox) survive: we can still fork and run a fresh kernel
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    assert stdout(run(outside, "print('alive')").cells[0]).strip() == "alive"


@needs_root
def test_fork_limit_stops_at_nproc(outside, uid):
    cell = ("import os, time\nkids = []\n"
            "try:\n"
            "    while len(kids) < 1000:\n"
            "        pid = os.fork()\n"
            "        if pid == 0:\n"
            "            time.sleep(120); os._exit(0)\n"
            "        kids.append(pid)\n"
            "except OSError as e:\n"
            "    print(len(kids), type(e).__name__)")
    nb = run(outside, PROBE, cell)
    assert probe(nb.cells[0])[0] == uid != 0
    forked, exc = stdout(nb.cells[1]).split()
    assert exc == "BlockingIOError"
    assert 0 < int(forked) < LIMITS["nproc"]  # sleeping children were killed on clean-up


def test_memory_bomb_raises_memoryerror_and_kernel_survives(outside):
    nb = run(outside, "x = bytearray(10**10)", "print('still here')")
    assert error(nb.cells[0])[0] == "MemoryError"
    assert stdout(nb.cells[1]).strip() == "still here"


def test_infinite_loop_times_out_and_kernel_is_killed(outside):
    nb = new_notebook(cells=[new_code_cell(PROBE), new_code_cell("while True:\n    pass")])
    start = time.monotonic()
    with pytest.raises(CellTimeoutError):
        execute_sandboxed(nb, outside / "work", timeout=3, user=USER, **LIMITS)
    assert time.monotonic() - start < 30
    _, pid, _ = probe(nb.cells[0])
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


@needs_root
def test_no_network_at_all(outside):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        nb = run(outside,
                 "import socket\nprint(sorted(n for _, n in socket.if_nameindex()))",
                 f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5)")
        with pytest.raises(socket.timeout):
            listener.accept()  # nothing ever reached the test's listener
    finally:
        listener.close()
    assert stdout(nb.cells[0]).strip() == "['lo']"  # own, empty network namespace
    ename, evalue = error(nb.cells[1])
    assert ename in {"OSError", "ConnectionRefusedError", "TimeoutError"}, (ename, evalue)
    assert "unreachable" in evalue or ename != "OSError"


@needs_root
def test_root_only_file_and_outside_writes_are_denied(outside):
    secret = outside / "secret.txt"
    secret.write_text("answer key")
    secret.chmod(0o600)
    nb = run(outside,
             f"open({str(secret)!r}).read()",
             f"open({str(outside / 'planted.txt')!r}, 'w').write('x')",
             "open('inside.txt', 'w').write('ok')")
    assert error(nb.cells[0])[0] == "PermissionError"
    assert error(nb.cells[1])[0] == "PermissionError"
    assert error(nb.cells[2]) is None
    assert not (outside / "planted.txt").exists()
    assert (outside / "work" / "inside.txt").read_text() == "ok"


def test_file_size_limit(outside):
    nb = run(outside, "with open('big.bin', 'wb') as fh:\n    fh.write(b'0' * (3 * 2**20))")
    ename, evalue = error(nb.cells[0])
    assert ename == "OSError" and "File too large" in evalue
    assert (outside / "work" / "big.bin").stat().st_size <= LIMITS["fsize_mb"] * 2**20


def test_kernelspec_and_launcher_refuse_unsafe_setups(tmp_path):
    kdir = install_kernelspec(tmp_path, memory_mb=512, nproc=16, cpu_seconds=5, fsize_mb=2)
    spec = json.loads((kdir / "kernel.json").read_text())
    assert kdir == tmp_path / "share" / "jupyter" / "kernels" / "shequn-sandbox"
    argv = spec["argv"]
    assert argv[1:3] == ["-m", "shequn.grading.sandbox"]
    assert argv[argv.index("--memory-mb") + 1] == "512" and argv[argv.index("--nproc") + 1] == "16"
    assert argv[argv.index("--") + 1:][-2:] == ["-f", "{connection_file}"]
    # tcp cannot work without network; ipc sockets outside the work dir are unreachable
    conn = tmp_path / "conn.json"
    conn.write_text(json.dumps({"transport": "tcp", "ip": "127.0.0.1"}))
    with pytest.raises(SandboxError, match="ipc"):
        sandbox._copy_connection_file(str(conn), str(tmp_path), None, netns=True)
    conn.write_text(json.dumps({"transport": "ipc", "ip": "/somewhere/else/kernel-ipc"}))
    with pytest.raises(SandboxError, match="inside the work dir"):
        sandbox._copy_connection_file(str(conn), str(tmp_path), None, netns=True)
    conn.write_text(json.dumps({"transport": "ipc", "ip": str(tmp_path / "kernel-ipc")}))
    copy = sandbox._copy_connection_file(str(conn), str(tmp_path), None, netns=True)
    assert json.loads(Path(copy).read_text())["ip"] == "kernel-ipc"


@needs_root
def test_concurrent_grading_runs_never_share_a_sandbox_user():
    from shequn.grading.grade import _sandbox_users

    users1, names1, locks1 = _sandbox_users(2, True)
    users2, names2, locks2 = _sandbox_users(1, True)  # a second run while the first holds its users
    try:
        assert len(set(names1)) == 2 and set(names1).isdisjoint(names2)
        assert {u[0] for u in users1}.isdisjoint({u[0] for u in users2})
    finally:
        for fd in locks1 + locks2:
            os.close(fd)
    _, names3, locks3 = _sandbox_users(1, True)  # released: the first name is free again
    for fd in locks3:
        os.close(fd)
    assert names3 == [sorted(names1 + names2)[0]]
