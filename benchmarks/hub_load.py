"""Load test of the course JupyterHub (deploy/jupyterhub) on loopback: N learners arrive at once.

    sudo .venv/bin/python benchmarks/hub_load.py [--steps 5,10,20,40] [--step-timeout 300]
                [--source head] [--json results.json] [--prefix DIR --keep-install]

``--source head`` installs the last commit (``git archive HEAD``) instead of a working tree that is
being edited; ``--prefix DIR --keep-install`` keeps (and on the next run reuses) the installed hub,
which saves the two-minute install; remove it with ``hubctl.py --prefix DIR uninstall``.
Ready and lesson times are over the learners that got that far (failures are counted apart).

Not part of `make test` or `make bench`: it installs a whole hub and creates Unix users, so it
runs as root and by hand.  What it does:

1. ``hubctl.py install`` the course hub, exactly as deployed (its own venv from this checkout,
   configurable-http-proxy from npm, the real ``jupyterhub_config.py``: PAM login,
   ``LocalProcessSpawner``, the lessons copied into each home), into ``/tmp/hl…-hub``, bound to
   127.0.0.1 on ports 18800-18999 (tests/test_hub.py takes ephemeral ports, so they never clash),
   without the grading sudo rule.  Then it starts the hub.
2. For each step N, N fresh throw-away Unix learners (``hubctl.py add-user``) all start at the same
   moment, one thread each, and do what a learner's browser does: log in through the hub's login
   form (PAM), start their server (REST API with their cookie), follow the spawn progress stream
   until the server is ready, open lesson 1 (``book/01_*``) from their own copy, start a kernel
   for it (``/api/sessions``) and execute every code cell over the kernel's websocket
   (the Jupyter messaging protocol, as JupyterLab does), failing on any error output.
3. With every learner's kernel still alive it reads, from /proc (psutil), the RSS and PSS of each
   learner's processes (server + kernel), the CPU seconds they used, the hub's and the proxy's CPU,
   the machine's busy CPU and the drop in MemAvailable; then it stops the servers.
4. It prints one row per step: p50/p95 seconds from "login" to a ready server and to an executed
   lesson (the same start), failures, memory and CPU per learner.

Bounded: each step has a deadline (``--step-timeout``); a learner not done by then is a failure;
the next step is skipped when the machine lacks memory for it (``--mb-per-learner``) or when a step
was already too slow (``--give-up`` seconds at p95) or half failed.  Everything it made — servers,
kernels, the hub and proxy, Unix users and homes, groups, the prefix — is removed at the end,
also on Ctrl-C or SIGTERM (a second Ctrl-C during cleanup is ignored).

Hand-written with requests + websocket-client + threads (all in the dev environment) rather than
a load-testing framework: the learner's path crosses PAM, the hub, the proxy, the server and the
kernel protocol, and twenty lines of protocol are easier to audit than a framework's plugin.
This file drives the hub and the steps; ``hub_learner.py`` (next to it) is one learner's visit,
``hub_stats.py`` the measurements and the results table.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import requests

from hub_learner import learner  # benchmarks/ is on sys.path: this runs as a script
from hub_stats import (
    cpu_busy_seconds,
    learner_processes,
    learner_usage,
    mem_available_mb,
    pct,
    proc_cpu,
    table,
)
from shequn.site.hub import LESSONS_FOLDER

ROOT = Path(__file__).resolve().parents[1]
HUBCTL = ROOT / "deploy" / "jupyterhub" / "hubctl.py"
SYSTEM_PYTHON = "/usr/bin/python3.11" if Path("/usr/bin/python3.11").exists() else sys.executable


def hubctl(prefix: Path, *args: str, timeout: float = 1800) -> str:
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(prefix), *args],
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"hubctl {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def free_port_base(lo: int = 18800, hi: int = 19000) -> int:
    """Three consecutive free loopback ports (hub, hub API, proxy API) in [lo, hi)."""
    for base in range(lo, hi - 3, 3):
        try:
            for p in range(base, base + 3):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no three free ports in {lo}-{hi}")


# ----------------------------------------------------------------------------- the hub


class LoadTest:
    def __init__(self, args):
        self.args = args
        self.prefix: Path = args.prefix or Path(f"/tmp/hl{secrets.token_hex(3)}-hub")
        self.reuse = args.keep_install and (self.prefix / "hub.json").exists()
        self.tag = self.prefix.name.removesuffix("-hub")
        self.users: list[str] = []
        self.hub: subprocess.Popen | None = None
        self.password = secrets.token_urlsafe(12)
        self.snapshot: Path | None = None

    def take_snapshot(self) -> None:
        """``--source head``: install the last commit (``git archive``), not a tree being edited."""
        global HUBCTL, ROOT
        self.snapshot = Path(f"/tmp/{self.tag}-src")
        self.snapshot.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(self.snapshot)], input=archive.stdout, check=True)
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        print(f"installing from commit {commit} (git archive HEAD)", flush=True)
        ROOT, HUBCTL = self.snapshot, self.snapshot / "deploy" / "jupyterhub" / "hubctl.py"

    # -- setup
    def install(self) -> None:
        if self.args.source == "head" and not self.reuse:
            self.take_snapshot()
        if self.reuse:
            settings = json.loads((self.prefix / "hub.json").read_text())
            self.tag, self.port = settings["name"], settings["port"]
            print(f"reusing the hub installed in {self.prefix}", flush=True)
        else:
            self.port = free_port_base()
            print(f"installing the course hub into {self.prefix} (pip + npm: minutes)…", flush=True)
            t = time.monotonic()
            hubctl(
                self.prefix,
                "install",
                "--name",
                self.tag,
                "--course-id",
                self.tag,
                "--port",
                str(self.port),
                "--ip",
                "127.0.0.1",
                "--no-sudo",
                "--source",
                str(ROOT),
            )
            print(f"  installed in {time.monotonic() - t:.0f} s", flush=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin = requests.Session()
        self.admin.headers["Authorization"] = (
            f"token {(self.prefix / 'state' / 'service-token').read_text().strip()}"
        )

    def start_hub(self) -> None:
        self.log = self.prefix / "state" / "hub_load.log"
        with open(self.log, "wb") as log:
            self.hub = subprocess.Popen(
                [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(self.prefix), "start"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=5).ok:
                    return
            except requests.ConnectionError:
                pass
            if self.hub.poll() is not None:
                break
            time.sleep(0.5)
        raise RuntimeError("the hub did not come up:\n" + self.log.read_text(errors="replace")[-3000:])

    def proxy_pid(self) -> int | None:
        try:
            return int((self.prefix / "state" / "proxy.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    # -- one step
    def step(self, n: int) -> dict:
        names = [f"{self.tag}s{n}u{i}" for i in range(n)]
        self.users += names
        hubctl(self.prefix, "add-user", *names, f"--password={self.password}")  # a token may start with "-"
        lesson = f"{LESSONS_FOLDER}/{sorted(ROOT.glob('book/01_*/*.ipynb'))[0].relative_to(ROOT)}"
        outs = [{"name": name} for name in names]
        go, deadline_box = threading.Event(), [0.0]
        threads = [
            threading.Thread(
                target=learner,
                daemon=True,
                args=(self.url, name, self.password, lesson, go, deadline_box, out),
            )
            for name, out in zip(names, outs, strict=True)
        ]
        for t in threads:
            t.start()
        mem0, busy0, wall0 = mem_available_mb(), cpu_busy_seconds(), time.monotonic()
        hub0, proxy0, load0 = proc_cpu(self.hub.pid), proc_cpu(self.proxy_pid()), os.getloadavg()[0]
        deadline_box[0] = wall0 + self.args.step_timeout
        go.set()
        for t in threads:
            t.join(max(0.1, deadline_box[0] + 30 - time.monotonic()))
        wall = time.monotonic() - wall0
        for out in outs:
            if "lesson" not in out and "error" not in out:
                out["error"] = "TimeoutError: not done at the step deadline"
        mem = learner_usage(names)
        row = {
            "n": n,
            "failures": sum("error" in o for o in outs),
            "wall_s": wall,
            "load1_before": load0,
            "ready_s": sorted(o["ready"] for o in outs if "ready" in o),
            "lesson_s": sorted(o["lesson"] for o in outs if "lesson" in o),
            "login_s": sorted(o["login"] for o in outs if "login" in o),
            "errors": sorted({o["error"] for o in outs if "error" in o}),
            "mem_available_drop_mb": mem0 - mem_available_mb(),
            "machine_busy_cpu_s": cpu_busy_seconds() - busy0,
            "hub_cpu_s": proc_cpu(self.hub.pid) - hub0,
            "proxy_cpu_s": proc_cpu(self.proxy_pid()) - proxy0,
            "hub_rss_mb": psutil.Process(self.hub.pid).memory_info().rss / 2**20,
            **mem,
        }
        self.stop_servers(names)
        return row

    def stop_servers(self, names: list[str]) -> None:
        for name in names:
            try:
                self.admin.delete(f"{self.url}/hub/api/users/{name}/server", timeout=60)
            except requests.RequestException:
                pass
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and any(learner_processes(n) for n in names):
            time.sleep(1)
        for name in names:  # servers the hub could not stop (our own throw-away users only)
            for proc in learner_processes(name):
                try:
                    proc.kill()
                except psutil.Error:
                    pass

    # -- cleanup
    def cleanup(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("cleaning up: hub, servers, users, prefix…", flush=True)
        if self.hub is not None and self.hub.poll() is None:
            os.killpg(self.hub.pid, signal.SIGTERM)  # the hub stops the servers and the proxy
            try:
                self.hub.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(self.hub.pid, signal.SIGKILL)
                self.hub.wait()
        pid = self.proxy_pid()
        if pid and psutil.pid_exists(pid) and "node" in " ".join(psutil.Process(pid).cmdline()):
            os.kill(pid, signal.SIGKILL)
        users = [u for u in self.users if _user_exists(u)]
        for i in range(0, len(users), 20):
            subprocess.run(
                [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(self.prefix), "remove-user", *users[i : i + 20]],
                capture_output=True,
            )
        if not self.args.keep_install and self.prefix.exists():
            subprocess.run(
                [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(self.prefix), "uninstall"], capture_output=True
            )
            shutil.rmtree(self.prefix, ignore_errors=True)
        if self.snapshot is not None:
            shutil.rmtree(self.snapshot, ignore_errors=True)
        left = [u for u in self.users if _user_exists(u)]
        print(
            "cleanup: "
            + (
                "complete"
                if not left and (self.args.keep_install or not self.prefix.exists())
                else f"LEFT OVER users={left} prefix={self.prefix.exists()}"
            ),
            flush=True,
        )


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", default="5,10,20,40", help="learners per step, comma-separated")
    p.add_argument("--step-timeout", type=float, default=300, help="seconds per step")
    p.add_argument("--give-up", type=float, default=120, help="skip bigger steps once p95 exceeds this")
    p.add_argument("--mb-per-learner", type=float, default=450, help="MemAvailable a step needs per learner")
    p.add_argument(
        "--source",
        choices=("worktree", "head"),
        default="worktree",
        help="install this checkout as it is, or its last commit (git archive HEAD)",
    )
    p.add_argument("--json", type=Path, help="write the raw results here")
    p.add_argument("--prefix", type=Path, help="install here (default /tmp/hlXXXXXX-hub)")
    p.add_argument("--keep-install", action="store_true", help="keep the prefix; reuse it if installed")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        p.error("run as root: the hub runs each learner's server as their own Unix user")
    steps = [int(x) for x in args.steps.split(",")]
    signal.signal(signal.SIGTERM, _interrupt)
    test, rows = LoadTest(args), []
    try:
        test.install()
        test.start_hub()
        for n in steps:
            if mem_available_mb() < n * args.mb_per_learner + 2048:
                rows.append({"n": n, "skipped": f"MemAvailable {mem_available_mb():.0f} MB too low"})
                continue
            print(f"step N={n}…", flush=True)
            row = test.step(n)
            rows.append(row)
            print(
                table([row]).splitlines()[-1]
                + ("  errors: " + "; ".join(row["errors"]) if row["errors"] else ""),
                flush=True,
            )
            if row["failures"] > n / 2 or pct(row["ready_s"], 95) > args.give_up:
                print(f"stopping: step N={n} failed or exceeded {args.give_up} s at p95", flush=True)
                break
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    finally:
        test.cleanup()
    print(
        f"\n{psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GB; "
        "times from the login POST; memory with every learner's kernel alive.\n"
    )
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0 if rows and all(r.get("failures", 1) == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
