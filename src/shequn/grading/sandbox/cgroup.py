"""One control group per sandboxed kernel: total memory, process count and CPU share.

rlimits are per process (a forked child gets its own ``--memory``) or per user; a cgroup
caps everything the kernel starts, together, and lists it, so that removing a sandbox kills
every process it started, however fast its process ids change.

cgroup v2 is used where it is mounted with controllers (``/sys/fs/cgroup/cgroup.controllers``),
v1 otherwise (the ``memory``, ``pids`` and ``cpu`` hierarchies, each with a child of the grader's
own cgroup).  This is a thin layer over the kernel's cgroup files, not a library: the
maintained alternatives (``systemd-run --scope``, ``cgcreate``) need a running systemd or the
libcgroup tools, which grading containers usually lack.  Root only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cgroup", "CgroupError", "cgroup_version", "stale_cgroups", "remove_orphans"]

ROOT = Path("/sys/fs/cgroup")
PARENT = "shequn-grader"  # every sandbox's cgroup lives below this name
V1_CONTROLLERS = ("memory", "pids", "cpu")


class CgroupError(RuntimeError):
    """The cgroup could not be created or limited (the kernel is *not* started)."""


def cgroup_version() -> int:
    """2 if the unified hierarchy has controllers, 1 if the v1 memory and pids ones exist, else 0."""
    if (ROOT / "cgroup.controllers").is_file():
        wanted = {"memory", "pids"}
        if wanted <= set((ROOT / "cgroup.controllers").read_text().split()):
            return 2
    if (ROOT / "memory").is_dir() and (ROOT / "pids").is_dir():
        return 1
    return 0


def _own_path(controller: str) -> str:
    """This process's cgroup path in the v1 hierarchy of *controller* (or v2's, for ``""``)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if (controller == "" and names == "") or controller in names.split(","):
            return path.lstrip("/")
    return ""


def _write(path: Path, value: str) -> None:
    with open(path, "w") as fh:
        fh.write(value)


@dataclass
class Cgroup:
    """A created cgroup: one directory per hierarchy (v2: one)."""

    name: str
    dirs: list[Path]
    version: int

    @classmethod
    def create(cls, name: str, *, memory_mb: int, nproc: int, cpus: float) -> Cgroup:
        version = cgroup_version()
        if version == 0:
            raise CgroupError("找不到可用的 cgroup (no usable cgroup v1 memory/pids or v2 hierarchy)")
        try:
            if version == 2:
                parent = ROOT / PARENT
                parent.mkdir(exist_ok=True)
                for node in (ROOT, parent):  # enable the controllers for the children
                    with contextlib.suppress(OSError):
                        _write(node / "cgroup.subtree_control", "+memory +pids +cpu")
                d = parent / name
                d.mkdir()
                group = cls(name, [d], 2)
                _write(d / "memory.max", str(memory_mb * 2**20))
                with contextlib.suppress(OSError):
                    _write(d / "memory.swap.max", "0")
                _write(d / "pids.max", str(nproc))
                with contextlib.suppress(OSError):
                    _write(d / "cpu.max", f"{int(cpus * 100_000)} 100000")
                return group
            dirs = []
            group = cls(name, dirs, 1)
            for controller in V1_CONTROLLERS:
                base = ROOT / controller
                if not base.is_dir():
                    continue
                d = base / _own_path(controller) / PARENT / name
                d.mkdir(parents=True)
                dirs.append(d)
                if controller == "memory":
                    _write(d / "memory.limit_in_bytes", str(memory_mb * 2**20))
                    with contextlib.suppress(OSError):  # only with swap accounting
                        _write(d / "memory.memsw.limit_in_bytes", str(memory_mb * 2**20))
                    with contextlib.suppress(OSError):
                        _write(d / "memory.oom_control", "0")  # OOM kills inside the group
                elif controller == "pids":
                    _write(d / "pids.max", str(nproc))
                elif controller == "cpu":
                    _write(d / "cpu.cfs_period_us", "100000")
                    _write(d / "cpu.cfs_quota_us", str(int(cpus * 100_000)))
            return group
        except OSError as exc:
            with contextlib.suppress(Exception):
                group.remove()  # noqa: F821 - group exists once the first mkdir succeeded
            raise CgroupError(f"无法创建 cgroup {name} (cannot create the cgroup): {exc}") from exc

    def join(self, pid: int = 0) -> None:
        """Move *pid* (0: the calling process) into every hierarchy of this cgroup."""
        for d in self.dirs:
            _write(d / "cgroup.procs", str(pid or os.getpid()))

    def pids(self) -> set[int]:
        out: set[int] = set()
        for d in self.dirs:
            with contextlib.suppress(OSError):
                out |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
        return out

    def kill(self, wait: float = 10.0) -> bool:
        """SIGKILL everything in the cgroup until it is empty (beats fork races)."""
        if self.version == 2 and (self.dirs[0] / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                _write(self.dirs[0] / "cgroup.kill", "1")
        deadline = time.monotonic() + wait
        while True:
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def memory_peak(self) -> int | None:
        """Peak memory use in bytes (for the README's measurements), if the kernel reports it."""
        for d in self.dirs:
            for name in ("memory.max_usage_in_bytes", "memory.peak"):
                with contextlib.suppress(OSError, ValueError):
                    return int((d / name).read_text())
        return None

    def remove(self) -> None:
        """Kill what is left and remove the directories (and an empty parent)."""
        self.kill()
        for d in self.dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
            with contextlib.suppress(OSError):
                d.parent.rmdir()  # only succeeds once no other sandbox uses it


def stale_cgroups() -> list[Path]:
    """Every sandbox cgroup directory on this machine (a test checks none is left)."""
    found: list[Path] = []
    bases = [ROOT / PARENT] + [ROOT / c / _own_path(c) / PARENT for c in V1_CONTROLLERS]
    for base in bases:
        if base.is_dir():
            found += [p for p in base.iterdir() if p.is_dir()]
            found.append(base)
    return found


def remove_orphans() -> list[str]:
    """Remove the cgroups of grading runs that died without cleaning up (``kill -9``).

    Sandbox cgroups are named ``r<pid>-...`` after the process that made them; a cgroup whose
    maker is gone is killed and removed.  Returns the names removed.
    """
    import re

    by_name: dict[str, list[Path]] = {}
    for d in stale_cgroups():
        m = re.match(r"r(\d+)-", d.name)
        if m and not Path(f"/proc/{m.group(1)}").exists():
            by_name.setdefault(d.name, []).append(d)
    for name, dirs in by_name.items():
        Cgroup(name, dirs, 2 if cgroup_version() == 2 else 1).remove()
    return sorted(by_name)
