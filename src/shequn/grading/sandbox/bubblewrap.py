"""Run untrusted learner notebooks in a Jupyter kernel inside bubblewrap and a cgroup.

Built from standard parts; this module only assembles their command lines:

* **bubblewrap** (Debian's ``bubblewrap``; the Makefile installs it) gives the kernel its own
  PID, IPC, network, UTS, cgroup and mount namespaces.  The new root holds only a read-only
  system (``/usr``, ``/etc``), the Python installation, the course package and the kernel's
  work dir; ``/tmp``, ``/var/tmp``, ``/dev/shm`` and ``/run`` are private tmpfs with a size
  cap.  The network namespace has only a loopback device, so the kernel talks to the grader
  over unix sockets (``transport="ipc"``) in its work dir.  SysV IPC objects and the tmpfs
  die with the namespaces.
* **setpriv** (util-linux) drops to an unprivileged uid with no groups, capabilities or
  ``no_new_privs`` before the kernel starts.  The uid needs no passwd entry: nothing is
  created in ``/etc/passwd`` and nothing is left to remove.
* a **cgroup** (:mod:`shequn.grading.sandbox.cgroup`) caps the total memory, the number of processes
  and the CPU share of everything the kernel starts, and lists it, so that removing the
  sandbox kills all of it.  rlimits stay as a second line (file size, core dumps, CPU time).

The kernelspec's ``argv`` runs the launcher, ``python -P -m shequn.grading.sandbox.launcher
--spec FILE -- KERNEL`` (:mod:`shequn.grading.sandbox.launcher`), as root: it joins the cgroup,
copies the connection file into the work dir for the sandbox uid, sets rlimits and ``exec``s
bubblewrap.  Not root: refused (grading needs root).

:class:`Sandbox` owns one work dir, uid and cgroup;
:func:`~shequn.grading.sandbox.notebook.execute_sandboxed` runs a whole notebook in a fresh one
(tests, benchmarks).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from shequn.grading.sandbox.cgroup import Cgroup

__all__ = ["Limits", "Sandbox", "SandboxError", "sandbox_available", "IN_DIR", "OUT_DIR"]

IPC_BASENAME = "kernel-ipc"
IN_DIR, OUT_DIR = "/shequn/in", "/shequn/out"  # the grader's channel, as the kernel sees it
UID_BASE = 1_800_000_000  # sandbox uids: far above any real account, no passwd entry
_THREADS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)
_STUB = (
    'raise ImportError("评分环境不提供 {name}：本题要求用自己的代码实现，'
    "调用课程软件包里的现成实现不得分。 / "
    '{name} is not available while grading: the answer must be your own code.")\n'
)


class SandboxError(RuntimeError):
    """The sandbox could not be set up as requested (the kernel is *not* started)."""


@dataclass
class Limits:
    memory_mb: int = 2048  # whole cgroup: every process plus its tmpfs files
    nproc: int = 64  # processes and threads in the cgroup
    cpus: float = 1.0  # CPU share (cores) of the cgroup
    cpu_seconds: int = 600  # per process (rlimit)
    fsize_mb: int = 64  # largest file (rlimit)
    tmpfs_mb: int = 64  # each of /tmp, /var/tmp, /dev/shm, /run
    workdir_mb: int = 512  # the kernel's work dir (HOME, cwd): a tmpfs of its own on the host


def _run(argv: list[str], check: bool = True) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise SandboxError(f"{' '.join(argv)}: {proc.stderr.strip()}")


def remove_orphan_mounts() -> list[str]:
    """Unmount the sandbox folders of grading runs that died without cleaning up (``kill -9``)."""
    import re

    gone = []
    with open("/proc/self/mounts") as fh:
        points = [line.split()[1] for line in fh if line.startswith("shequn-sandbox-")]
    for point in sorted(points, key=len, reverse=True):
        m = re.search(r"/shequn-(?:grade|sbx)-(\d+)-", point)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            _run(["umount", "--lazy", point], check=False)
            gone.append(point)
    return gone


def sandbox_available() -> str:
    """'' if sandboxed grading can run here, else why not (bilingual)."""
    if os.geteuid() != 0:
        return "沙箱需要 root 权限 (the sandbox needs root)"
    for tool in ("bwrap", "setpriv", "mount"):
        if not shutil.which(tool):
            return (
                f"找不到 {tool}，请安装 bubblewrap / util-linux "
                f"({tool} not found: apt-get install bubblewrap)"
            )
    from shequn.grading.sandbox.cgroup import cgroup_version

    if not cgroup_version():
        return "找不到可用的 cgroup (no usable cgroup v1/v2 memory and pids controllers)"
    return ""


def _python_paths() -> list[str]:
    """What the kernel's interpreter needs: installation prefixes and package folders."""
    import shequn

    paths = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    paths.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    paths.add(os.path.realpath(Path(shequn.__file__).parent))  # editable installs live outside
    for p in sys.path:  # site dirs only: never the script's or the grader's own folder
        if p and os.path.isdir(p) and ("site-packages" in p or "dist-packages" in p):
            paths.add(os.path.realpath(p))
    paths = {p for p in paths if p not in ("/", "/usr") and not p.startswith("/usr/")}
    return sorted(p for p in paths if not any(p != q and p.startswith(q + os.sep) for q in paths))


def _module_target(name: str) -> tuple[str, bool] | None:
    """(path, is_package) of an importable module, for masking it in the sandbox."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin or not os.path.isfile(spec.origin):
        return None
    if spec.submodule_search_locations:
        return os.path.dirname(spec.origin), True
    return spec.origin, False


@dataclass
class Sandbox:
    """A work dir, an unprivileged uid and (per kernel) a cgroup; see the module docstring."""

    root: Path  # private folder of the grader (created, removed by us)
    slot: int = 0
    limits: Limits = field(default_factory=Limits)
    datasets: Path | None = None  # bound read-only at <workdir>/datasets
    block_modules: tuple[str, ...] = ()
    seed_dir: Path | None = None  # copied into the work dir (e.g. a matplotlib font cache)
    cgroup: Cgroup | None = None
    runs: int = 0

    def __post_init__(self) -> None:
        why = sandbox_available()
        if why:
            raise SandboxError(why)
        self.root = Path(self.root)
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o711)
        self.mounts: list[Path] = []
        self.uid = self.gid = UID_BASE + (os.getpid() % 100_000) * 100 + self.slot
        self.workdir = self.root / f"w{self.slot}"
        self.in_dir = self.root / f"in{self.slot}"
        self.out_dir = self.root / f"out{self.slot}"
        self.spec_file = self.root / f"spec{self.slot}.json"
        self.stub_dir = self.root / f"stubs{self.slot}"
        self.reset()

    # ----------------------------------------------------------------- lifecycle
    def reset(self) -> None:
        """A fresh, empty sandbox: new cgroup, empty work dir and channel, new spec."""
        self.kill()
        self._unmount()
        for d in (self.workdir, self.in_dir, self.out_dir):
            shutil.rmtree(d, ignore_errors=True)
        self.in_dir.mkdir(mode=0o755)
        # Everything the kernel can write is a fresh, size-capped tmpfs of its own: it can never
        # fill the disk, nor starve the grader's channel input of space.
        for folder, mb in ((self.workdir, self.limits.workdir_mb), (self.out_dir, 128)):
            folder.mkdir(mode=0o700)
            _run(
                [
                    "mount",
                    "-t",
                    "tmpfs",
                    "-o",
                    f"size={mb}m,mode=0700,nosuid,nodev,uid={self.uid},gid={self.gid}",
                    f"shequn-sandbox-{self.slot}",
                    str(folder),
                ]
            )
            self.mounts.append(folder)
        if self.seed_dir is not None and self.seed_dir.is_dir():
            shutil.copytree(self.seed_dir, self.workdir / ".config" / "matplotlib")
        if self.datasets is not None and self.datasets.is_dir():
            (self.workdir / "datasets").mkdir()
        for p in [self.workdir, self.out_dir, *self.workdir.rglob("*")]:
            os.lchown(p, self.uid, self.gid)
        self.runs += 1
        self.cgroup = Cgroup.create(
            f"r{os.getpid()}-s{self.slot}-{self.runs}",
            memory_mb=self.limits.memory_mb,
            nproc=self.limits.nproc,
            cpus=self.limits.cpus,
        )
        self._write_spec()

    def kill(self) -> None:
        """Kill everything the kernel started and remove its cgroup."""
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def _unmount(self) -> None:
        while self.mounts:
            _run(["umount", "--lazy", str(self.mounts.pop())], check=False)

    def close(self) -> None:
        self.kill()
        self._unmount()
        shutil.rmtree(self.root, ignore_errors=True)

    # ----------------------------------------------------------------- spec / kernelspec
    def _masks(self) -> list[list[str]]:
        masks = []
        for name in self.block_modules:
            target = _module_target(name)
            if target is None:
                continue
            path, is_pkg = target
            stub = self.stub_dir / name
            stub.mkdir(parents=True, exist_ok=True)
            (stub / "__init__.py").write_text(_STUB.format(name=name), encoding="utf-8")
            (stub / "stub.py").write_text(_STUB.format(name=name), encoding="utf-8")
            masks.append([str(stub) if is_pkg else str(stub / "stub.py"), path])
            if (
                is_pkg
            ):  # a package hides its own __pycache__; a single-file module it replaced may have left bytecode
                cache = Path(path).parent / "__pycache__"
                masks += [
                    [str(stub / "stub.py"), str(pyc)]
                    for pyc in sorted(cache.glob(f"{Path(path).name}.*.pyc"))
                ]
        return masks

    def _hidden_dirs(self) -> list[str]:
        """Bytecode folders beside masked modules: hidden, or a stale ``.pyc`` is the real module."""
        dirs = set()
        for name in self.block_modules:
            target = _module_target(name)
            if target is not None and not target[1]:
                cache = Path(target[0]).parent / "__pycache__"
                cache.mkdir(exist_ok=True)  # exists before the sandbox starts, so it can be covered
                dirs.add(str(cache))
        return sorted(dirs)

    def _write_spec(self) -> None:
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "TMPDIR": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": str(self.workdir / ".config" / "matplotlib"),
            "SHEQUN_SANDBOX": "1",
            "IPYTHONDIR": str(self.workdir / ".ipython"),
            **{k: "1" for k in _THREADS},
        }
        binds = [[p, p] for p in _python_paths()]
        with contextlib.suppress(Exception):
            from shequn.plotting import find_cjk_font

            font = find_cjk_font()
            if isinstance(font, Path):
                binds.append([str(font), str(font)])
                env["SHEQUN_CJK_FONT"] = str(font)
        if self.datasets is not None and self.datasets.is_dir():
            binds.append([str(self.datasets.resolve()), str(self.workdir / "datasets")])
        spec = {
            "uid": self.uid,
            "gid": self.gid,
            "workdir": str(self.workdir),
            "in_dir": str(self.in_dir),
            "out_dir": str(self.out_dir),
            "limits": asdict(self.limits),
            "kernel_log": str(self.root / f"kernel{self.slot}.log"),
            "cgroup_dirs": [str(d) for d in self.cgroup.dirs],
            "ro_binds": binds,
            "masks": self._masks(),
            "hidden_dirs": self._hidden_dirs(),
            "env": env,
        }
        fd = os.open(self.spec_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(spec, fh)

    def kernel_argv(self) -> list[str]:
        return [
            sys.executable,
            "-P",
            "-m",
            "shequn.grading.sandbox.launcher",
            "--spec",
            str(self.spec_file),
            "--",
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
        ]

    def install_kernelspec(self, kernels_dir: Path, name: str) -> Path:
        kdir = Path(kernels_dir) / name
        kdir.mkdir(parents=True, exist_ok=True)
        # "message": an interrupt is a control message the kernel handles itself; a signal to the
        # launcher's process group would reach bubblewrap, which dies of it and takes the kernel along
        spec = {
            "argv": self.kernel_argv(),
            "display_name": "Python 3 (shequn sandbox)",
            "language": "python",
            "interrupt_mode": "message",
            "metadata": {"shequn_sandbox": True},
        }
        (kdir / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n")
        return kdir

    @property
    def ipc_path(self) -> str:
        return str(self.workdir / IPC_BASENAME)

    @property
    def connection_file(self) -> str:
        """Where the grader's kernel manager writes the kernel's connection file: in the grader's
        private folder (removed with the sandbox), not jupyter_client's default ``mkstemp`` in the
        host's /tmp, where a kernel that dies or is killed mid-run would leave it behind."""
        return str(self.root / f"connection{self.slot}.json")


# --------------------------------------------------------------------------- whole notebooks
