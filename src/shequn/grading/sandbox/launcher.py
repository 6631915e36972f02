"""The sandbox launcher: the root half that turns a sandbox's spec into a kernel.

:class:`~shequn.grading.sandbox.bubblewrap.Sandbox` writes the spec.

A sandbox's kernelspec ``argv`` runs ``python -P -m shequn.grading.sandbox.launcher --spec FILE
-- KERNEL`` as root (``-P``: the course folder, the cwd, is not on ``sys.path``).  It checks that
the spec belongs to root and is writable by no one else, joins the sandbox's cgroup, copies the
kernel's connection file into the work dir for the sandbox uid, sets rlimits, sends the kernel's
own output to its log file and ``exec``s bubblewrap (:func:`bwrap_argv`).  Not root, or anything
wrong with the spec: it refuses with ``[shequn-sandbox] refusing ...`` and exit code 70, and
the kernel is not started.

It starts once per graded notebook: it imports nothing beyond the standard library and
:mod:`shequn.grading.sandbox.bubblewrap` (no pandas, no numpy).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import stat
import sys
from pathlib import Path

from shequn.grading.sandbox.bubblewrap import IN_DIR, IPC_BASENAME, OUT_DIR, SandboxError

__all__ = ["bwrap_argv", "apply_limits", "main"]

CONNECTION_COPY = ".sandbox-connection.json"


def _copy_connection_file(src: str, spec: dict) -> str:
    with open(src) as fh:
        info = json.load(fh)
    if info.get("transport") != "ipc":
        raise SandboxError("the kernel has no network: set KernelManager.transport = 'ipc'")
    work = os.path.realpath(spec["workdir"])
    ip_dir = os.path.realpath(os.path.dirname(info["ip"]))
    if ip_dir != work:
        raise SandboxError(
            f"ipc sockets must live in the work dir {work}; set KernelManager.ip = "
            f"'{os.path.join(work, IPC_BASENAME)}'"
        )
    info["ip"] = os.path.basename(info["ip"])  # relative to the kernel's cwd (the work dir)
    dst = os.path.join(work, CONNECTION_COPY)
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(info, fh)
    os.chown(dst, spec["uid"], spec["gid"])
    return dst


def _ancestors(path: str) -> list[str]:
    parts = Path(path).parts
    return [os.path.join(*parts[:i]) for i in range(2, len(parts))]


def bwrap_argv(spec: dict, kernel: list[str]) -> list[str]:
    """The bubblewrap + setpriv command line for *spec* (see :mod:`shequn.grading.sandbox.bubblewrap`)."""
    lim = spec["limits"]
    argv = [
        "bwrap",
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for top in ("/bin", "/lib", "/lib64", "/sbin", "/lib32", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    argv += ["--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev"]
    size = str(lim["tmpfs_mb"] * 2**20)
    for tmp in ("/tmp", "/var/tmp", "/dev/shm", "/run"):
        argv += ["--perms", "1777", "--size", size, "--tmpfs", tmp]
    made: set[str] = {"/tmp", "/var", "/run", "/dev", "/usr", "/etc"}
    targets = [dst for _, dst in spec["ro_binds"]] + [spec["workdir"], IN_DIR, OUT_DIR]
    for dst in targets:
        for anc in _ancestors(dst):
            if anc not in made:
                made.add(anc)
                argv += ["--perms", "0755", "--dir", anc]
    workdir = spec["workdir"]
    argv += ["--bind", workdir, workdir]
    for src, dst in spec["ro_binds"]:
        argv += ["--ro-bind", src, dst]
    argv += ["--ro-bind", spec["in_dir"], IN_DIR, "--bind", spec["out_dir"], OUT_DIR]
    for src, dst in spec["masks"]:
        argv += ["--ro-bind", src, dst]
    for folder in spec.get("hidden_dirs", []):
        argv += ["--perms", "0755", "--size", str(2**20), "--tmpfs", folder]
    argv += ["--chdir", workdir, "--clearenv"]
    for key, value in spec["env"].items():
        argv += ["--setenv", key, value]
    argv += [
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",
        "--",
        "setpriv",
        f"--reuid={spec['uid']}",
        f"--regid={spec['gid']}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
        *kernel,
    ]
    return argv


def apply_limits(limits: dict) -> None:
    """rlimits (soft = hard, so the kernel cannot raise them): the per-process second line.

    The address-space limit is twice the group's memory cap: virtual reservations (numpy, Arrow)
    exceed resident memory, and the real cap on what the processes hold together is the cgroup's.
    """
    values = {
        resource.RLIMIT_AS: 2 * limits["memory_mb"] * 2**20,
        resource.RLIMIT_NPROC: limits["nproc"],
        resource.RLIMIT_FSIZE: limits["fsize_mb"] * 2**20,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in values.items():
        resource.setrlimit(which, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))


def main(argv: list[str] | None = None) -> None:
    """Launcher entry point; on success it never returns (bubblewrap replaces it)."""
    parser = argparse.ArgumentParser(prog="python -m shequn.grading.sandbox.launcher")
    parser.add_argument("--spec", required=True)
    parser.add_argument("kernel", nargs=argparse.REMAINDER)
    ns = parser.parse_args(sys.argv[1:] if argv is None else argv)
    kernel = ns.kernel[1:] if ns.kernel[:1] == ["--"] else ns.kernel
    try:
        if os.geteuid() != 0:
            raise SandboxError("沙箱需要 root 权限 (the sandbox launcher must run as root)")
        st = os.stat(ns.spec)
        if st.st_uid != 0 or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise SandboxError(f"spec {ns.spec} must belong to root and not be writable by others")
        with open(ns.spec) as fh:
            spec = json.load(fh)
        for d in spec["cgroup_dirs"]:  # everything from here on is in the cgroup
            with open(os.path.join(d, "cgroup.procs"), "w") as fh:
                fh.write(str(os.getpid()))
        for i, arg in enumerate(kernel[:-1]):
            if arg in ("-f", "--f", "--connection-file"):
                kernel[i + 1] = _copy_connection_file(kernel[i + 1], spec)
        apply_limits(spec["limits"])
        argv = bwrap_argv(spec, kernel)
        # the kernel's own stdout/stderr never reach the grader's log (learner text could forge it)
        log = os.open(spec["kernel_log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    except (SandboxError, OSError, KeyError, ValueError) as exc:
        print(f"[shequn-sandbox] refusing to start the kernel: {exc}", file=sys.stderr, flush=True)
        sys.exit(70)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
