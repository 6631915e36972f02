"""The hub tests' real JupyterHub: installing it with hubctl.py, its REST API, running code as its users."""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.leftovers import pids_where
from helpers.serving import stop_process_group

requests = pytest.importorskip("requests")

ROOT = Path(__file__).resolve().parents[2]
HUBCTL = ROOT / "deploy" / "jupyterhub" / "hubctl.py"
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
SYSTEM_PYTHON = "/usr/bin/python3.11" if Path("/usr/bin/python3.11").exists() else sys.executable


def free_ports(n: int) -> int:
    """A base port with n consecutive free ports after it (hub, hub API, proxy API)."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n >= 65535:
            continue
        ok = True
        for p in range(base, base + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free ports")


def hubctl(prefix: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run ``hubctl.py --prefix PREFIX ARGS`` with the system Python; it must succeed."""
    proc = subprocess.run(
        [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(prefix), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, f"hubctl {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


class Hub:
    """The running hub, driven through its REST API with the course's service token."""

    def __init__(self, url: str, service_token: str):
        self.url = url
        self.admin = requests.Session()
        self.admin.headers["Authorization"] = f"token {service_token}"

    def api(self, method: str, path: str, **kw):
        r = self.admin.request(method, f"{self.url}/hub/api{path}", timeout=60, **kw)
        assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def start_server(self, user: str) -> None:
        r = self.admin.post(f"{self.url}/hub/api/users/{user}", timeout=60)  # 409: logged in before
        assert r.status_code in (201, 409), r.text
        self.api("POST", f"/users/{user}/server")
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            server = self.api("GET", f"/users/{user}")["servers"].get("", {})
            if server.get("ready"):
                return
            time.sleep(0.5)
        raise AssertionError(f"{user}'s server did not start")

    def session(self, user: str) -> requests.Session:
        token = self.api(
            "POST", f"/users/{user}/tokens", json={"note": "integration test", "expires_in": 3600}
        )["token"]
        s = requests.Session()
        s.headers["Authorization"] = f"token {token}"
        s.user_url = f"{self.url}/user/{user}"  # type: ignore[attr-defined]
        return s


def ok_json(r):
    """The JSON of a successful response (nbgrader's handlers also report failure as ``success: false``)."""
    assert r.status_code < 400, f"{r.request.method} {r.url}: {r.status_code} {r.text[:500]}"
    data = r.json()
    if isinstance(data, dict) and data.get("success") is False:
        raise AssertionError(f"{r.url}: {data}")
    return data


def remove_hub(prefix: Path, tag: str, users: tuple[str, ...], proc) -> None:
    """Stop the hub (*proc*, if started) and uninstall it, then check nothing is left behind."""
    uids = []
    for user in users:
        try:
            uids.append(pwd.getpwnam(user).pw_uid)
        except KeyError:
            pass
    if proc is not None:
        stop_process_group(proc, grace=60)  # the hub stops the servers and the proxy
    pidfile = prefix / "state" / "proxy.pid"
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)
        except (ValueError, ProcessLookupError):
            pass
    if prefix.exists():
        subprocess.run(
            [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(prefix), "remove-user", *users], capture_output=True
        )
        subprocess.run(
            [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(prefix), "uninstall"], capture_output=True
        )
    shutil.rmtree(prefix, ignore_errors=True)
    # nothing is left behind: processes, users, groups, the sudo rule, the prefix
    left = {uid: pids_where(uid.__eq__) for uid in uids if pids_where(uid.__eq__)}
    assert not left, f"processes left: {left}"
    for user in users:
        with pytest.raises(KeyError):
            pwd.getpwnam(user)
    for group in (f"{tag}-learners", f"{tag}-instructors"):
        with pytest.raises(KeyError):
            grp.getgrnam(group)
    assert not Path(f"/etc/sudoers.d/{tag}-hub").exists() and not prefix.exists()


def as_user(user: str, code: str) -> dict:
    """Run *code* (which prints JSON) as the Unix *user*."""
    proc = subprocess.run(
        [RUNUSER, "-u", user, "--", SYSTEM_PYTHON, "-c", code],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


PROBE = """
import json, os, sys
out = {}
for path in json.loads(sys.argv[1] if len(sys.argv) > 1 else %r):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, 'rb').read(1)
        out[path] = 'readable'
    except PermissionError:
        out[path] = 'denied'
    except FileNotFoundError:
        out[path] = 'missing'
print(json.dumps(out))
"""


def server_env(user: str) -> dict[str, str]:
    """The environment the hub gave *user*'s running Jupyter server (read from /proc)."""
    pid = subprocess.run(
        ["pgrep", "-u", user, "-f", "jupyterhub-singleuser"], capture_output=True, text=True
    ).stdout.split()[0]
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)
