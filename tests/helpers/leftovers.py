"""What grading may leave behind on a machine, for the suite's final check."""

from __future__ import annotations

import json
import os
import tempfile
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


def sandbox_leftovers(tmp_before: set[str] | None = None) -> list[str]:
    """Sandbox processes, cgroups and grader work folders that still exist."""
    from shequn.grading.sandbox.cgroup import stale_cgroups

    found = [f"process {p}" for p in sandbox_pids()]
    found += [f"cgroup {p}" for p in stale_cgroups()]
    with open("/proc/self/mounts") as fh:
        found += [f"mount {line.split()[1]}" for line in fh if line.startswith("shequn-sandbox-")]
    tmp = tempfile.gettempdir()
    new = set(os.listdir(tmp)) - (tmp_before or set())
    found += [f"{tmp}/{n}" for n in sorted(new) if n.startswith(("shequn-grade-", "shequn-sbx-"))]
    found += [f"{tmp}/{n}" for n in sorted(new) if n.endswith(".json") and _is_sandbox_connection_file(Path(tmp, n))]
    return found


def _is_sandbox_connection_file(path: Path) -> bool:
    """A sandbox kernel's connection file (jupyter_client's default place for it is the host's /tmp)."""
    try:
        info = json.loads(path.read_text(errors="replace"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and str(info.get("kernel_name", "")).startswith(("shequn-sandbox", "shequn-slot-"))
