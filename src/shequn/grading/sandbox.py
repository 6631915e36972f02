"""Run untrusted learner notebooks in a Jupyter kernel with OS-level limits.

Two halves:

* **Launcher** (``python -m shequn.grading.sandbox [limits] -- <kernel argv>``), meant to be a
  kernelspec ``argv``.  Running as root it: copies the (root-only) connection file into the
  work dir for the sandbox user, unshares the network namespace (no network at all; the kernel
  must therefore use ``transport="ipc"``, with socket paths inside the work dir), hides
  non-traversable ancestors of the Python installation behind a tmpfs (in a private mount
  namespace) so the unprivileged user can still exec the interpreter, sets rlimits, drops to
  the sandbox user and ``exec``s the kernel.  Not running as root it only applies the rlimits.

* **Client** (:func:`sandbox_client`, :func:`execute_sandboxed`): an nbclient
  ``NotebookClient`` wired to that kernel over ipc, with a per-cell timeout, an overall
  watchdog and a hard kill of everything the kernel left behind.

Parallel graders should give every worker its own sandbox user: ``RLIMIT_NPROC`` is a per-user
budget, and clean-up kills every process of the sandbox user.
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import json
import os
import pwd
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

DEFAULT_USER = "shequn-sandbox"
DEFAULT_LIMITS: dict[str, int] = {"memory_mb": 2048, "nproc": 64, "cpu_seconds": 600, "fsize_mb": 64}
CONNECTION_COPY = ".sandbox-connection.json"
IPC_BASENAME = "kernel-ipc"

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND = 1, 2, 4, 32, 4096
MS_REC, MS_PRIVATE = 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
# environment passed through to the kernel; everything else (tokens, JUPYTER_* dirs) is dropped
_ENV_KEEP = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "PYTHONPATH", "PYTHONHASHSEED",
             "VIRTUAL_ENV", "SOURCE_DATE_EPOCH")
_ENV_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


class SandboxError(RuntimeError):
    """The sandbox could not be set up as requested (the kernel is *not* started)."""


# --------------------------------------------------------------------------- users


def ensure_user(name: str = DEFAULT_USER) -> tuple[int, int]:
    """Return ``(uid, gid)`` of *name*, creating a locked system user without home/login."""
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        if os.geteuid() != 0:
            raise SandboxError(f"user {name!r} does not exist and only root can create it") from None
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        proc = subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             "--user-group", name], capture_output=True, text=True)
        if proc.returncode not in (0, 9):  # 9: created concurrently by someone else
            raise SandboxError(f"useradd {name} failed: {proc.stderr.strip()}")
        pw = pwd.getpwnam(name)
    if pw.pw_uid == 0:
        raise SandboxError(f"sandbox user {name!r} is uid 0")
    return pw.pw_uid, pw.pw_gid


def user_pids(uid: int, *, zombies: bool = False) -> list[int]:
    """Processes whose real uid is *uid* (zombies only if asked for)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:
            continue
        if int(fields["Uid"].split()[0]) == uid and (
                zombies or not fields["State"].strip().startswith("Z")):
            pids.append(int(entry))
    return pids


def kill_user_processes(uid: int, wait: float = 10.0) -> bool:
    """SIGKILL every process of *uid* until none is left (beats fork races).

    Also waits (up to *wait* seconds) until the killed processes are reaped: zombies still
    count against the user's RLIMIT_NPROC, so a new kernel started too early would fail.
    Returns False if some process (or zombie) of *uid* is still there at the deadline.
    """
    if uid == 0:
        raise SandboxError("refusing to kill every root process")
    deadline = time.monotonic() + wait
    while True:
        if not user_pids(uid, zombies=True):
            return True
        for pid in user_pids(uid):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


# --------------------------------------------------------------------------- launcher helpers

_libc = None


def _libc_call(name: str, *args) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if getattr(_libc, name)(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{name}{args!r}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None):
    enc = (lambda s: None if s is None else os.fsencode(s))
    _libc_call("mount", enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data))


def _traversable(path: str, uid: int, gid: int) -> str | None:
    """First ancestor of *path* (inclusive) that *uid*/*gid* cannot search, else None."""
    parts = Path(path).parts
    for i in range(1, len(parts) + 1):
        p = os.path.join(*parts[:i])
        try:
            st = os.stat(p)
        except FileNotFoundError:
            return None
        if not stat.S_ISDIR(st.st_mode):
            continue
        bit = stat.S_IXUSR if st.st_uid == uid else stat.S_IXGRP if st.st_gid == gid else stat.S_IXOTH
        if not st.st_mode & bit:
            return p
    return None


def _expose_interpreter(kernel_exe: str, workdir: str, uid: int, gid: int) -> list[str]:
    """In a private mount namespace, make the Python installation reachable for *uid*.

    For every needed path (installation prefixes, sys.path entries) below a directory the user
    cannot search (e.g. ``/root`` for a pyenv Python), a tmpfs (mode 0755) is mounted over that
    directory and only the needed paths are bind-mounted back, read-only.  This also hides the
    rest of, e.g., ``/root`` from the kernel.  Must run after ``unshare(CLONE_NEWNS)``.
    """
    real_exe = os.path.realpath(shutil.which(kernel_exe) or kernel_exe)
    candidates = {os.path.dirname(os.path.dirname(real_exe)), os.path.realpath(sys.base_prefix),
                  os.path.realpath(sys.prefix), os.path.realpath(sys.exec_prefix)}
    candidates |= {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)}
    blocked: dict[str, set[str]] = {}
    for path in candidates:
        top = _traversable(path, uid, gid)
        if top is not None:
            blocked.setdefault(top, set()).add(path)
    if not blocked:
        return []
    real_work = os.path.realpath(workdir)
    for top in blocked:
        if real_work == top or real_work.startswith(top + os.sep):
            raise SandboxError(f"work dir {workdir} lies under {top}, which the sandbox user "
                               "cannot search; use a work dir elsewhere")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    exposed = []
    for top, paths in blocked.items():
        # keep only outermost paths, open them before the tmpfs hides them
        outer = sorted(p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths))
        fds = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in outer}
        _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k")
        for p, fd in fds.items():
            os.makedirs(p, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
            _mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
            os.close(fd)
            exposed.append(p)
    return exposed


def _copy_connection_file(src: str, workdir: str, owner: tuple[int, int] | None, netns: bool) -> str:
    """Copy the connection file into *workdir* for the sandbox user; ipc paths made relative."""
    with open(src) as fh:
        info = json.load(fh)
    transport = info.get("transport", "tcp")
    if transport == "ipc":
        ip = info["ip"]
        if not os.path.isabs(ip):
            raise SandboxError(f"ipc path {ip!r} must be absolute (client and kernel cwd differ)")
        real_work, real_dir = os.path.realpath(workdir), os.path.realpath(os.path.dirname(ip))
        if real_dir != real_work and not real_dir.startswith(real_work + os.sep):
            raise SandboxError(f"ipc sockets {ip}-* must live inside the work dir {workdir}; set "
                               f"KernelManager.ip = '{os.path.join(workdir, IPC_BASENAME)}'")
        # the kernel binds relative to its cwd (= work dir): no need to search the work dir's
        # ancestors, and short socket paths; the client connects to the absolute path
        info["ip"] = os.path.relpath(os.path.join(real_dir, os.path.basename(ip)), real_work)
    elif netns:
        raise SandboxError("the kernel gets no network, so it needs transport 'ipc' "
                           "(set KernelManager.transport = 'ipc'), not " + repr(transport))
    dst = os.path.join(workdir, CONNECTION_COPY)
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(info, fh, indent=1)
    if owner is not None:
        os.chown(dst, *owner)
    return dst


def apply_limits(memory_mb: int, nproc: int, cpu_seconds: int, fsize_mb: int) -> None:
    """Set soft = hard limits (the kernel cannot raise them again)."""
    limits = {
        resource.RLIMIT_AS: memory_mb * 2**20,
        resource.RLIMIT_NPROC: nproc,
        resource.RLIMIT_FSIZE: fsize_mb * 2**20,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))
    # SIGXCPU at the soft limit, SIGKILL one second later
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))


def _kernel_env(workdir: str, user: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k in _ENV_KEEP or k.startswith(("LC_", "JPY_"))}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    for key in _ENV_THREADS:  # native thread pools count against RLIMIT_NPROC
        env.setdefault(key, "1")
    env.update(HOME=workdir, TMPDIR=workdir, PYTHONDONTWRITEBYTECODE="1",
               MPLCONFIGDIR=os.path.join(workdir, ".config", "matplotlib"),
               SHEQUN_SANDBOX="1")
    if user:
        env.update(USER=user, LOGNAME=user)
    return env


def _find_connection_arg(argv: list[str]) -> int | None:
    for i, arg in enumerate(argv):
        if arg in ("-f", "--f", "--connection-file", "--ConnectionFileMixin.connection_file") \
                and i + 1 < len(argv):
            return i + 1
    return None


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m shequn.grading.sandbox",
                                     description="exec a Jupyter kernel with OS limits")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_LIMITS["memory_mb"])
    parser.add_argument("--nproc", type=int, default=DEFAULT_LIMITS["nproc"])
    parser.add_argument("--cpu-seconds", type=int, default=DEFAULT_LIMITS["cpu_seconds"])
    parser.add_argument("--fsize-mb", type=int, default=DEFAULT_LIMITS["fsize_mb"])
    parser.add_argument("--user", default=DEFAULT_USER)
    parser.add_argument("--workdir", default=None, help="default: the current directory")
    parser.add_argument("kernel", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    if ns.kernel[:1] == ["--"]:
        ns.kernel = ns.kernel[1:]
    if not ns.kernel:
        parser.error("missing kernel command after --")
    return ns


def main(argv: list[str] | None = None) -> None:
    """Launcher entry point; on success this never returns (the kernel replaces us)."""
    ns = _parse(sys.argv[1:] if argv is None else argv)
    workdir = os.path.abspath(ns.workdir or os.getcwd())
    kernel = list(ns.kernel)
    root = os.geteuid() == 0
    say = (lambda msg: print(f"[shequn-sandbox] {msg}", file=sys.stderr, flush=True))
    try:
        os.makedirs(workdir, exist_ok=True)
        owner = ensure_user(ns.user) if root else None
        if owner:
            os.chown(workdir, *owner)
            os.chmod(workdir, 0o700)
        idx = _find_connection_arg(kernel)
        if idx is not None:
            kernel[idx] = _copy_connection_file(kernel[idx], workdir, owner, netns=root)
        if root:
            _libc_call("unshare", ctypes.c_int(CLONE_NEWNET | CLONE_NEWNS))
            _expose_interpreter(kernel[0], workdir, *owner)
        else:
            say("not running as root: rlimits only; no network isolation, no user switch "
                "(RLIMIT_NPROC counts all processes of the current user)")
        os.chdir(workdir)
        apply_limits(ns.memory_mb, ns.nproc, ns.cpu_seconds, ns.fsize_mb)
        if owner:
            os.setgroups([])
            os.setgid(owner[1])
            os.setuid(owner[0])
            if os.getuid() == 0 or os.geteuid() == 0:
                raise SandboxError("privilege drop failed")
        _libc_call("prctl", ctypes.c_int(PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1),
                   ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        env = _kernel_env(workdir, ns.user if owner else None)
    except (SandboxError, OSError) as exc:
        say(f"refusing to start the kernel: {exc}")
        sys.exit(70)
    os.execvpe(kernel[0], kernel, env)


# --------------------------------------------------------------------------- kernelspec


def kernel_argv(*, user: str = DEFAULT_USER, workdir: str | os.PathLike | None = None,
                python: str = sys.executable, **limits: int) -> list[str]:
    """The kernelspec ``argv`` (``{connection_file}`` left for jupyter_client to fill in)."""
    unknown = set(limits) - set(DEFAULT_LIMITS)
    if unknown:
        raise TypeError(f"unknown limits: {sorted(unknown)}")
    lim = {**DEFAULT_LIMITS, **limits}
    argv = [python, "-m", "shequn.grading.sandbox",
            "--memory-mb", str(lim["memory_mb"]), "--nproc", str(lim["nproc"]),
            "--cpu-seconds", str(lim["cpu_seconds"]), "--fsize-mb", str(lim["fsize_mb"]),
            "--user", user]
    if workdir is not None:
        argv += ["--workdir", str(workdir)]
    return argv + ["--", python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def install_kernelspec(prefix_or_dir: str | os.PathLike, name: str = "shequn-sandbox", *,
                       user: str = DEFAULT_USER, workdir: str | os.PathLike | None = None,
                       display_name: str = "Python 3 (shequn sandbox)", **limits: int) -> Path:
    """Write ``kernel.json`` and return the kernel's directory.

    *prefix_or_dir* is either a Jupyter data dir / prefix (the spec goes to
    ``<dir>/share/jupyter/kernels/<name>`` for a prefix, ``<dir>/kernels/<name>`` for a dir
    already named ``jupyter``) or a directory that ends in ``kernels``.  Without *workdir* the
    kernel works in the cwd jupyter_client starts it in (nbclient: the notebook's directory).
    """
    base = Path(prefix_or_dir)
    if base.name == "kernels":
        kdir = base / name
    elif base.name == "jupyter":
        kdir = base / "kernels" / name
    else:
        kdir = base / "share" / "jupyter" / "kernels" / name
    kdir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": kernel_argv(user=user, workdir=workdir, **limits),
            "display_name": display_name, "language": "python",
            "interrupt_mode": "signal", "metadata": {"shequn_sandbox": True}}
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
    return kdir


# --------------------------------------------------------------------------- client

def _client_class():
    from nbclient import NotebookClient

    class SandboxNotebookClient(NotebookClient):
        """NotebookClient that hard-kills the sandbox (process group + sandbox user) on exit."""

        sandbox_pid: int | None = None
        sandbox_uid: int | None = None
        sandbox_process: Any = None

        async def async_start_new_kernel(self, **kwargs: Any) -> None:
            await super().async_start_new_kernel(**kwargs)
            provisioner = getattr(self.km, "provisioner", None)
            self.sandbox_pid = getattr(provisioner, "pid", None)
            self.sandbox_process = getattr(provisioner, "process", None)  # a Popen

        async def _async_cleanup_kernel(self) -> None:
            try:
                if self.km is not None:
                    await super()._async_cleanup_kernel()
            finally:
                self.kill_sandbox()

        def kill_sandbox(self) -> None:
            if self.sandbox_pid:
                try:
                    os.killpg(self.sandbox_pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if self.sandbox_process is not None:
                try:  # reap the kernel (our child): a zombie still counts against RLIMIT_NPROC
                    self.sandbox_process.wait(timeout=10)
                except Exception:  # noqa: BLE001 - best effort; the uid sweep follows
                    pass
            if self.sandbox_uid:
                kill_user_processes(self.sandbox_uid)

    return SandboxNotebookClient


def sandbox_client(nb, *, workdir: str | os.PathLike, timeout: int = 30,
                   user: str = DEFAULT_USER, startup_timeout: int = 60, allow_errors: bool = True,
                   kill_user: bool = True, **limits: int):
    """A ``NotebookClient`` running *nb* in the sandbox kernel over ipc, in *workdir*.

    *timeout* is per cell (nbclient raises ``CellTimeoutError``); on exit the kernel's process
    group and — with *kill_user* — every process of the sandbox user are SIGKILLed.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    ipc = workdir / IPC_BASENAME
    if len(str(ipc)) + 4 > 100:
        raise SandboxError(f"work dir path too long for unix sockets: {workdir}")
    specdir = Path(tempfile.mkdtemp(prefix="shequn-kernelspec-"))
    install_kernelspec(specdir / "kernels", "shequn-sandbox", user=user, workdir=workdir, **limits)
    km = AsyncKernelManager(kernel_name="shequn-sandbox",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specdir / "kernels")]))
    km.transport = "ipc"
    km.ip = str(ipc)
    _ = km.kernel_spec  # load now, so the temporary spec dir can go
    shutil.rmtree(specdir, ignore_errors=True)
    client = _client_class()(nb, km=km, timeout=timeout, startup_timeout=startup_timeout,
                             allow_errors=allow_errors, shutdown_kernel="immediate",
                             resources={"metadata": {"path": str(workdir)}})
    if os.geteuid() == 0 and kill_user:
        client.sandbox_uid = ensure_user(user)[0]
    return client


def execute_sandboxed(nb, workdir: str | os.PathLike, timeout: int = 30, *,
                      total_timeout: float | None = None, **kwargs: Any):
    """Execute *nb* (in place) in the sandbox and return it.  Never hangs.

    Cell errors are recorded in the outputs (``allow_errors=True`` by default); a cell running
    longer than *timeout* raises ``nbclient.exceptions.CellTimeoutError``.  A watchdog kills the
    kernel after *total_timeout* seconds (default: startup + timeout per cell + 30 s), which
    surfaces as ``DeadKernelError``.  The kernel is always killed before returning.
    """
    client = sandbox_client(nb, workdir=workdir, timeout=timeout, **kwargs)
    if total_timeout is None:
        ncells = sum(c.cell_type == "code" for c in nb.cells)
        total_timeout = client.startup_timeout + timeout * max(ncells, 1) + 30
    done = threading.Event()

    def watchdog() -> None:
        if not done.wait(total_timeout):
            client.kill_sandbox()

    thread = threading.Thread(target=watchdog, name="sandbox-watchdog", daemon=True)
    thread.start()
    try:
        return client.execute()
    finally:
        done.set()
        client.kill_sandbox()
        atexit.unregister(client._cleanup_kernel)  # left registered if the kernel never started


if __name__ == "__main__":
    main()
