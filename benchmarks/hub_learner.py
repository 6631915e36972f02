"""One learner's visit to the course hub, as their browser makes it (used by hub_load.py).

Log in through the hub's login form (PAM), start the server (REST API with the learner's cookie),
follow the spawn progress stream until the server is ready, open the lesson from the learner's
own copy, start a kernel for it (``/api/sessions``) and execute every code cell over the
kernel's websocket (the Jupyter messaging protocol, as JupyterLab does), failing on any error
output.  Hand-written with requests + websocket-client: twenty lines of protocol are easier to
audit than a load-testing framework's plugin.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path

import requests
import websocket

__all__ = ["LearnerError", "execute", "learner"]


class LearnerError(RuntimeError):
    """A learner's visit failed (a step of it, with its reason); counted as a failure, not raised further."""


def execute(ws: websocket.WebSocket, code: str, session: str, user: str, deadline: float) -> None:
    """Run *code* in the kernel behind *ws*; return when it replied and went idle, raise on error."""
    msg_id = uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "username": user,
                    "session": session,
                    "msg_type": "execute_request",
                    "version": "5.3",
                    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "buffers": [],
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    replied = idle = False
    error = None
    while not (replied and idle):
        left = deadline - time.monotonic()
        if left <= 0:
            raise LearnerError("step deadline while executing the lesson")
        ws.settimeout(left)
        frame = ws.recv()
        if isinstance(frame, bytes):  # messages with binary buffers (widget state): not ours to wait on
            continue
        msg = json.loads(frame)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "execute_reply":
            replied = True
            if content.get("status") != "ok":
                error = error or f"{content.get('ename')}: {content.get('evalue')}"
        elif kind == "error":
            error = f"{content.get('ename')}: {content.get('evalue')}"
        elif kind == "status" and content.get("execution_state") == "idle":
            idle = True
    if error:
        raise LearnerError(f"lesson cell failed: {error}")


def learner(
    url: str,
    name: str,
    password: str,
    lesson: str,
    start: threading.Event,
    deadline_box: list[float],
    out: dict,
) -> None:
    """One learner's visit; fills *out* with timings (seconds from the login) or an error."""
    start.wait()
    deadline = deadline_box[0]
    t0 = time.monotonic()
    left = lambda: max(1.0, deadline - time.monotonic())  # noqa: E731
    try:
        s = requests.Session()
        s.get(f"{url}/hub/login", timeout=left())
        r = s.post(
            f"{url}/hub/login",
            allow_redirects=False,
            timeout=left(),
            data={"username": name, "password": password, "_xsrf": s.cookies.get("_xsrf")},
        )
        if r.status_code != 302:
            raise LearnerError(f"login: HTTP {r.status_code}")
        out["login"] = time.monotonic() - t0
        s.headers["X-XSRFToken"] = s.cookies.get("_xsrf", "")
        r = s.post(f"{url}/hub/api/users/{name}/server", timeout=left())
        if r.status_code not in (201, 202):
            raise LearnerError(f"spawn: HTTP {r.status_code} {r.text[:200]}")
        with s.get(f"{url}/hub/api/users/{name}/server/progress", stream=True, timeout=left()) as prog:
            ready = False
            for line in prog.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    event = json.loads(line[5:])
                    if event.get("failed"):
                        raise LearnerError(f"spawn failed: {event.get('message')}")
                    if event.get("ready"):
                        ready = True
                        break
                if time.monotonic() > deadline:
                    break
            if not ready:
                raise LearnerError("server not ready before the step deadline")
        out["ready"] = time.monotonic() - t0
        token = s.post(
            f"{url}/hub/api/users/{name}/tokens",
            json={"note": "hub_load", "expires_in": 3600},
            timeout=left(),
        ).json()["token"]
        api = requests.Session()
        api.headers["Authorization"] = f"token {token}"
        user_url = f"{url}/user/{name}"
        r = api.get(f"{user_url}/api/contents/{lesson}", timeout=left())
        if r.status_code != 200:
            raise LearnerError(f"lesson not in the learner's copy: HTTP {r.status_code}")
        cells = [c["source"] for c in r.json()["content"]["cells"] if c["cell_type"] == "code"]
        r = api.post(
            f"{user_url}/api/sessions",
            timeout=left(),
            json={
                "path": lesson,
                "name": Path(lesson).name,
                "type": "notebook",
                "kernel": {"name": "python3"},
            },
        )
        if r.status_code != 201:
            raise LearnerError(f"kernel: HTTP {r.status_code} {r.text[:200]}")
        kernel = r.json()["kernel"]["id"]
        ws = websocket.create_connection(
            f"{url.replace('http', 'ws', 1)}/user/{name}/api/kernels/{kernel}/channels",
            header=[f"Authorization: token {token}"],
            suppress_origin=True,
            timeout=left(),
        )
        try:
            session = uuid.uuid4().hex
            for code in cells:
                execute(ws, code, session, name, deadline)
        finally:
            ws.close()
        out["lesson"] = time.monotonic() - t0
        out["cells"] = len(cells)
    except Exception as exc:  # noqa: BLE001 — every failure is a result here
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
