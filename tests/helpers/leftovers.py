"""What grading may leave behind on a machine, for the suite's final check.

Every leftover names the grader process that made it: a sandbox uid is in its maker's block of
100 (``UID_BASE + pid % 100000 * 100 + slot``), a cgroup is ``r<pid>-…``, a work folder (and the
mounts in it) ``shequn-grade-<pid>-…`` or ``shequn-sbx-<pid>-…``.  The suite's final check counts
only what the run's own processes made (:class:`RunProcesses`), so a grading run elsewhere on the
machine, before or during the suite, does not fail it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from pathlib import Path


def pids_where(uid_matches) -> list[int]:
    """Processes whose real uid satisfies *uid_matches*."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as fh:
                    uid = int(next(line for line in fh if line.startswith("Uid:")).split()[1])
            except (OSError, StopIteration, ValueError):
                continue
            if uid_matches(uid):
                pids.append(int(entry))
    return pids


def sandbox_pids() -> list[int]:
    """Processes running as a sandbox uid."""
    from shequn.grading.sandbox.bubblewrap import UID_BASE

    return pids_where(lambda uid: uid >= UID_BASE)


def sandbox_uids(grader_pid: int) -> range:
    """The uids a grader process gives its sandboxes (shequn.grading.sandbox.bubblewrap: one block of 100
    per grader pid, one uid per slot), to tell its leftovers from other graders' on the machine."""
    from shequn.grading.sandbox.bubblewrap import UID_BASE

    first = UID_BASE + (grader_pid % 100_000) * 100
    return range(first, first + 100)


_MAKER_IN_NAME = re.compile(r"(?:^|/)(?:r|shequn-grade-|shequn-sbx-)(\d+)-")


def sandbox_leftovers(tmp_before: set[str] | None = None, makers: set[int] | None = None) -> list[str]:
    """Sandbox processes, cgroups and grader work folders that still exist.

    *makers*: only what these grader pids made (a cgroup folder holding only sandboxes of other
    graders is theirs too); without it, everything on the machine.  A connection file does not
    name its maker: it counts when it is new since *tmp_before*.
    """
    from shequn.grading.sandbox.bubblewrap import UID_BASE
    from shequn.grading.sandbox.cgroup import stale_cgroups

    def made_here(name: str) -> bool:
        m = _MAKER_IN_NAME.search(name)
        return makers is None or (m is not None and int(m.group(1)) in makers)

    blocks = None if makers is None else {p % 100_000 for p in makers}
    found = [
        f"process {p}"
        for p in pids_where(
            lambda uid: uid >= UID_BASE and (blocks is None or (uid - UID_BASE) // 100 in blocks)
        )
    ]
    cgroups = stale_cgroups()
    ours = [c for c in cgroups if c.name.startswith("r") and made_here(c.name)]
    found += [
        f"cgroup {c}"
        for c in cgroups
        if c in ours or (not c.name.startswith("r") and (makers is None or any(o.parent == c for o in ours)))
    ]
    with open("/proc/self/mounts") as fh:
        points = [line.split()[1] for line in fh if line.startswith("shequn-sandbox-")]
    found += [f"mount {point}" for point in points if made_here(point)]
    tmp = tempfile.gettempdir()
    new = sorted(set(os.listdir(tmp)) - (tmp_before or set()))
    found += [f"{tmp}/{n}" for n in new if n.startswith(("shequn-grade-", "shequn-sbx-")) and made_here(n)]
    found += [f"{tmp}/{n}" for n in new if n.endswith(".json") and _is_sandbox_connection_file(Path(tmp, n))]
    return found


def _parent(pid: int) -> int | None:
    """The parent pid of *pid* (None once it has ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return int(fh.read().rsplit(b")", 1)[1].split()[1])  # the name in (…) may hold spaces
    except (OSError, IndexError, ValueError):
        return None


class RunProcesses:
    """Every process of this test run, recorded while it runs: the starting process and all its
    descendants (xdist workers, ``shequn grade`` and its worker processes, Dask workers, ``sudo``'s
    children).

    A grader has ended by the end of the run, so a thread lists /proc every *interval* seconds and
    classifies each pid that was not there at the previous listing: ours if its parent is ours.
    Only new pids are looked at, so a pid number the kernel hands out again (pid_max may be 32768)
    is classified afresh.  A grader lives for seconds (its kernels' start-up alone), far longer than
    the interval.  Hand-written: psutil (not a dependency of the suite) lists only the processes
    alive now, and the kernel's process-event connector needs a netlink socket and root.
    """

    def __init__(self, root_pid: int, interval: float = 0.1):
        self.pids: set[int] = {root_pid}  # every pid number that was ours at some time
        self._alive: dict[int, bool] = {root_pid: True}  # pids of the last listing: ours?
        self._interval = interval
        self._stop = threading.Event()
        self.scan()
        self._thread = threading.Thread(target=self._run, name="run-processes", daemon=True)
        self._thread.start()

    def scan(self) -> None:
        listed = {int(e) for e in os.listdir("/proc") if e.isdigit()}
        known = {pid: ours for pid, ours in self._alive.items() if pid in listed}
        new = listed - known.keys()

        def ours(pid: int, depth: int = 0) -> bool:
            if pid in known:
                return known[pid]
            parent = _parent(pid) if depth < 64 else None  # None: it has ended
            known[pid] = parent in listed and ours(parent, depth + 1)
            return known[pid]

        for pid in sorted(new):
            ours(pid)
        self._alive = known
        self.pids |= {pid for pid, mine in known.items() if mine}

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.scan()

    def stop(self) -> set[int]:
        """Stop recording; every pid number that was ours."""
        self._stop.set()
        self._thread.join()
        self.scan()
        return set(self.pids)


def _is_sandbox_connection_file(path: Path) -> bool:
    """A sandbox kernel's connection file (jupyter_client's default place for it is the host's /tmp)."""
    try:
        info = json.loads(path.read_text(errors="replace"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and str(info.get("kernel_name", "")).startswith(
        ("shequn-sandbox", "shequn-slot-")
    )
