"""A real JupyterHub course, end to end (deploy/jupyterhub).

The hub is installed the way its README says (``hubctl.py install``: its own environment from
this checkout, configurable-http-proxy from npm), started on loopback, and used by throw-away
Unix users: an instructor and two learners.  Everything goes through the hub: its REST API,
PAM login, each user's own Jupyter server (running as that Unix user) and nbgrader's exchange
handlers in it, and formgrader in the instructor's server.  Grading is ``shequn grade`` run by
the instructor through the sudo rule the install writes.

Root only (it creates Unix users); CI runs as root.  Users, groups, the sudo rule, the prefix
and every process are removed at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from pathlib import Path

import nbformat
import pytest

from helpers.course import fill_answers
from helpers.hub import (
    HUBCTL,
    PROBE,
    RUNUSER,
    SYSTEM_PYTHON,
    Hub,
    as_user,
    free_ports,
    hubctl,
    ok_json,
    remove_hub,
    server_env,
)
from helpers.serving import wait_until_serving
from helpers.students import THRESHOLD_STUDENTS
from shequn.grading.authoring.release import ASSIGNMENTS

ROOT = Path(__file__).resolve().parents[1]

requests = pytest.importorskip("requests")

pytestmark = [
    pytest.mark.hub,
    pytest.mark.root,
    pytest.mark.integration,
    pytest.mark.skipif(
        os.geteuid() != 0, reason="creates Unix users and runs JupyterHub as root (CI runs as root)"
    ),
]
NAME = "threshold_design"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    tag = "sq" + secrets.token_hex(3)
    prefix = Path(f"/tmp/{tag}-hub")
    teacher, alice, bob = f"{tag}t", f"{tag}a", f"{tag}b"
    port = free_ports(3)
    log_path = tmp_path_factory.mktemp("hub") / "jupyterhub.log"
    proc = None
    try:
        hubctl(
            prefix, "install", "--name", tag, "--course-id", tag, "--port", str(port), "--source", str(ROOT)
        )
        hubctl(prefix, "add-user", "--instructor", teacher)
        password = secrets.token_urlsafe(12)
        hubctl(prefix, "add-user", alice, bob, f"--password={password}")  # a token may start with "-"
        log = open(log_path, "wb")
        proc = subprocess.Popen(
            [SYSTEM_PYTHON, str(HUBCTL), "--prefix", str(prefix), "start"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{url}/hub/api/", proc, log_path)
        h = Hub(url, (prefix / "state" / "service-token").read_text().strip())
        yield {
            "hub": h,
            "prefix": prefix,
            "tag": tag,
            "teacher": teacher,
            "alice": alice,
            "bob": bob,
            "password": password,
            "log": log_path,
            "sessions": {},
        }
    finally:
        remove_hub(prefix, tag, (teacher, alice, bob), proc)


def test_pam_login_and_course_groups(hub):
    h: Hub = hub["hub"]
    s = requests.Session()
    s.get(f"{h.url}/hub/login", timeout=30)
    bad = s.post(
        f"{h.url}/hub/login",
        data={"username": hub["alice"], "password": "wrong", "_xsrf": s.cookies.get("_xsrf")},
        allow_redirects=False,
    )
    assert bad.status_code == 403
    good = s.post(
        f"{h.url}/hub/login",
        data={"username": hub["alice"], "password": hub["password"], "_xsrf": s.cookies.get("_xsrf")},
        allow_redirects=False,
    )
    assert good.status_code == 302, good.text[:300]
    assert (
        s.get(f"{h.url}/hub/api/user", timeout=30, headers={"X-XSRFToken": s.cookies.get("_xsrf")}).json()[
            "name"
        ]
        == hub["alice"]
    )
    hub["browser_session"] = s
    names = {u["name"] for u in h.api("GET", "/users")}
    # users appear in the hub as they log in or are used; none but the course's are allowed
    assert hub["alice"] in names


def test_servers_run_as_the_users_with_the_course_installed(hub):
    h: Hub = hub["hub"]
    for user in (hub["teacher"], hub["alice"], hub["bob"]):
        h.start_server(user)
        hub["sessions"][user] = s = h.session(user)
        # the lesson notebooks were put in the learner's home, and the server runs as the user
        r = ok_json(s.get(f"{s.user_url}/api/contents/shequn/book/01_connectors"))
        assert any(c["name"].endswith(".ipynb") for c in r["content"])
        pids = subprocess.run(
            ["pgrep", "-u", user, "-f", "jupyterhub-singleuser"], capture_output=True, text=True
        ).stdout.split()
        assert pids, f"no jupyterhub-singleuser process owned by {user}"
    # formgrader only in the instructor's server
    teacher = hub["sessions"][hub["teacher"]]
    assert ok_json(teacher.get(f"{teacher.user_url}/formgrader/api/status"))["status"]
    alice = hub["sessions"][hub["alice"]]
    assert alice.get(f"{alice.user_url}/formgrader/api/status").status_code == 404


def test_formgrader_maths_comes_from_the_course(hub):
    """formgrader's maths on the hub: the instructor's server serves the hub's own MathJax (npm, no
    CDN) at the route formgrader's pages load it from (shequn.grading.nbgrader_plugins.formgrader_csp)."""
    from shequn.grading.nbgrader_plugins.formgrader_csp import MATHJAX_ROUTE

    h: Hub = hub["hub"]
    known = h.admin.get(f"{h.url}/hub/api/users/{hub['teacher']}", timeout=60)  # 404: not yet a hub user
    if known.status_code != 200 or not known.json()["servers"].get("", {}).get("ready"):
        h.start_server(hub["teacher"])  # an earlier test of the module may have started it
    teacher = hub["sessions"].get(hub["teacher"]) or h.session(hub["teacher"])
    r = teacher.get(f"{teacher.user_url}/{MATHJAX_ROUTE}tex-chtml-full.js")
    assert r.status_code == 200, r.status_code
    npm_copy = hub["prefix"] / "npm" / "node_modules" / "mathjax" / "es5" / "tex-chtml-full.js"
    assert r.content == npm_copy.read_bytes()
    assert teacher.get(f"{teacher.user_url}/{MATHJAX_ROUTE}formgrader-mathjax.js").status_code == 200


def test_a_lesson_runs_for_a_learner_with_the_hub_environment(hub):
    """Lesson 1 (plots with Chinese labels) executes as the learner, in their copy, with the
    environment their server has: the package and the bundled CJK font are there for them."""
    alice = hub["alice"]
    env = server_env(alice)
    font = env.get("SHEQUN_CJK_FONT", "")
    assert font.endswith(".ttf") and as_user(alice, PROBE % json.dumps([font]))[font] == "readable"
    home = Path(f"/home/{alice}")
    proc = subprocess.run(
        [
            RUNUSER,
            "-u",
            alice,
            "--",
            str(hub["prefix"] / "venv" / "bin" / "jupyter"),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=300",
            "--output-dir",
            str(home / ".cache" / "lesson-check"),
            "connectors.ipynb",
        ],
        cwd=home / "shequn" / "book" / "01_connectors",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = nbformat.read(home / ".cache" / "lesson-check" / "connectors.ipynb", as_version=4)
    images = [
        o
        for c in out.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert images, "the lesson's plots were drawn"
    assert not [
        o
        for c in out.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error" or o.get("name") == "stderr"
    ]


def test_instructor_releases_and_learners_submit(hub):
    teacher = hub["sessions"][hub["teacher"]]
    base = f"{teacher.user_url}/formgrader/api"
    ok_json(teacher.post(f"{base}/assignment/{NAME}/assign"))
    ok_json(teacher.post(f"{base}/assignment/{NAME}/release"))
    source = nbformat.read(ROOT / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    answers = {hub["alice"]: THRESHOLD_STUDENTS["correct"][0], hub["bob"]: THRESHOLD_STUDENTS["partial"][0]}
    for user, ans in answers.items():
        s = hub["sessions"][user]
        listed = ok_json(s.get(f"{s.user_url}/assignments", params={"course_id": hub["tag"]}))
        assert any(a["assignment_id"] == NAME and a["status"] == "released" for a in listed["value"])
        ok_json(
            s.post(f"{s.user_url}/assignments/fetch", data={"course_id": hub["tag"], "assignment_id": NAME})
        )
        path = f"{NAME}/{NAME}.ipynb"
        model = ok_json(s.get(f"{s.user_url}/api/contents/{path}"))
        nb = fill_answers(nbformat.from_dict(model["content"]), source, ans)
        ok_json(
            s.put(
                f"{s.user_url}/api/contents/{path}",
                json={"type": "notebook", "format": "json", "content": nb},
            )
        )
        ok_json(
            s.post(f"{s.user_url}/assignments/submit", data={"course_id": hub["tag"], "assignment_id": NAME})
        )
    # submissions in the exchange are private to the submitter and the instructor's group
    inbound = hub["prefix"] / "exchange" / hub["tag"] / "inbound"
    subs = sorted(inbound.iterdir())
    assert len(subs) == 2
    for sub in subs:
        assert sub.stat().st_mode & 0o007 == 0, oct(sub.stat().st_mode)
        assert all(p.stat().st_mode & 0o007 == 0 for p in sub.iterdir())
    hub["inbound"] = {sub.name.split("+")[0]: sub for sub in subs}


def test_instructor_collects_grades_with_shequn_grade_and_returns_feedback(hub):
    teacher_name = hub["teacher"]
    teacher = hub["sessions"][teacher_name]
    base = f"{teacher.user_url}/formgrader/api"
    ok_json(teacher.post(f"{base}/assignment/{NAME}/collect"))
    proc = subprocess.run(
        [
            RUNUSER,
            "-u",
            teacher_name,
            "--",
            "sudo",
            "-n",
            str(hub["prefix"] / "bin" / "shequn-grade"),
            NAME,
            "--workers",
            "2",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd="/",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "needs manual grading" in proc.stdout
    # the gradebook stays the instructor's (formgrader, running as them, must write it)
    course = Path(f"/home/{teacher_name}/shequn-course")
    assert (course / "gradebook.db").stat().st_uid == __import__("pwd").getpwnam(teacher_name).pw_uid
    subs = {s["student"]: s for s in ok_json(teacher.get(f"{base}/submissions/{NAME}"))}
    journal = {
        e["student"]: e["score"]
        for e in map(
            json.loads, (course / "_grading" / "shequn-grade" / f"{NAME}.jsonl").read_text().splitlines()
        )
    }
    # what formgrader shows (its gradebook) is what shequn grade wrote, and is exact
    expected = {hub["alice"]: THRESHOLD_STUDENTS["correct"][1], hub["bob"]: THRESHOLD_STUDENTS["partial"][1]}
    for user, want in expected.items():
        assert subs[user]["score"] == pytest.approx(want, abs=1e-3), (user, subs[user], proc.stdout)
        assert journal[user] == pytest.approx(want, abs=1e-3)
    ok_json(teacher.post(f"{base}/assignment/{NAME}/generate_feedback"))
    ok_json(teacher.post(f"{base}/assignment/{NAME}/release_feedback"))
    hub["scores"] = {u: subs[u]["score"] for u in (hub["alice"], hub["bob"])}


def test_each_learner_fetches_only_their_own_feedback(hub):
    for user, other in ((hub["alice"], hub["bob"]), (hub["bob"], hub["alice"])):
        s = hub["sessions"][user]
        listed = ok_json(
            s.post(
                f"{s.user_url}/assignments/fetch_feedback",
                data={"course_id": hub["tag"], "assignment_id": NAME},
            )
        )
        mine = [a for a in listed["value"] if a["assignment_id"] == NAME and a["status"] == "submitted"]
        assert mine and all(sub["has_local_feedback"] for sub in mine[0]["submissions"])
        folder = ok_json(s.get(f"{s.user_url}/api/contents/{NAME}/feedback"))["content"]
        assert len(folder) == 1  # one submission, one feedback
        fb = ok_json(s.get(f"{s.user_url}/api/contents/{folder[0]['path']}/{NAME}.html"))["content"]
        header = "{} (Score: {} / 18.0)"  # nbgrader's feedback template, scores rounded to 2 places
        assert header.format(NAME, round(hub["scores"][user], 2)) in fb, "own score in own feedback"
        assert header.format(NAME, round(hub["scores"][other], 2)) not in fb
        assert "BEGIN HIDDEN TESTS" not in fb and "### BEGIN SOLUTION" not in fb


def test_learners_cannot_reach_each_other_or_the_instructor(hub):
    prefix: Path = hub["prefix"]
    alice, bob, teacher = hub["alice"], hub["bob"], hub["teacher"]
    bob_home = Path(f"/home/{bob}")
    course = Path(f"/home/{teacher}/shequn-course")
    bob_submission = hub["inbound"][bob]
    exchange = prefix / "exchange" / hub["tag"]
    targets = [
        bob_home,
        bob_home / NAME / f"{NAME}.ipynb",
        bob_home / NAME / "feedback",
        exchange / "inbound",
        bob_submission,
        bob_submission / f"{NAME}.ipynb",
        exchange / "feedback",
        course,
        course / "solutions" / NAME / f"{NAME}.ipynb",
        course / "gradebook.db",
        course / "_grading" / "submitted" / bob / NAME / f"{NAME}.ipynb",
        course / "_grading" / "feedback" / bob / NAME / f"{NAME}.html",
        prefix / "instructor" / "solutions" / NAME / f"{NAME}.ipynb",
        prefix / "state" / "service-token",
    ]
    for t in targets:
        assert t.exists(), f"{t} should exist (else the probe proves nothing)"
    probe = PROBE % json.dumps([str(t) for t in targets])
    result = as_user(alice, probe)
    assert set(result.values()) == {"denied"}, {k: v for k, v in result.items() if v != "denied"}
    # ... and the released notebook and the lessons are readable
    ok = as_user(
        alice,
        PROBE
        % json.dumps([str(exchange / "outbound" / NAME / f"{NAME}.ipynb"), str(prefix / "lessons" / "book")]),
    )
    assert set(ok.values()) == {"readable"}, ok
    # through the hub: alice's token opens neither bob's server nor the instructor's formgrader
    s = hub["sessions"][alice]
    for url in (
        f"{hub['hub'].url}/user/{bob}/api/contents/{NAME}",
        f"{hub['hub'].url}/user/{teacher}/formgrader/api/assignments",
        f"{hub['hub'].url}/user/{teacher}/api/contents/shequn-course/solutions",
    ):
        r = s.get(url, allow_redirects=False, timeout=30)
        assert r.status_code in (302, 403, 404), f"{url}: {r.status_code}"
        assert "solutions" not in r.text or r.status_code != 200
    # the grading command is the instructor's only
    proc = subprocess.run(
        [RUNUSER, "-u", alice, "--", "sudo", "-n", str(prefix / "bin" / "shequn-grade"), NAME],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0


@pytest.fixture(scope="module")
def site_with_hub(hub, tmp_path_factory):
    """The course site built with `shequn_hub_url` set to this hub (notebooks not re-executed)."""
    import yaml

    from shequn.site.build import build

    cfg = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    cfg["sphinx"]["config"]["shequn_hub_url"] = hub["hub"].url + "/"
    cfg["execute"]["execute_notebooks"] = "off"  # only the page chrome matters here
    out = tmp_path_factory.mktemp("site-hub")
    (out / "_config.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return build(ROOT, output=out, extra=("--config", str(out / "_config.yml")))


def test_site_launch_links_open_the_lesson_on_the_hub(hub, site_with_hub):
    """Every lesson page's 「在课程 Hub 上打开」 opens that notebook in the logged-in learner's server."""
    s = hub["browser_session"]  # alice, logged in through PAM: cookies, as in a browser
    alice = hub["alice"]
    lessons = sorted(p for p in (site_with_hub / "book").glob("0*/*.html"))
    assert len(lessons) >= 6
    for page in lessons:
        html = page.read_text(encoding="utf-8")
        hrefs = re.findall(r'<a class="shequn-hub" href="([^"]+)"', html)
        assert len(hrefs) == 1, page
        download = re.findall(r'<a class="shequn-download" href="([^"]+)" download', html)
        assert len(download) == 1 and (page.parent / download[0]).resolve().is_file(), page
        r = s.get(hrefs[0], timeout=60)  # hub login cookie → user-redirect → alice's JupyterLab
        assert r.status_code == 200, (hrefs[0], r.status_code)
        rel = hrefs[0].split("/lab/tree/", 1)[1]
        assert r.url.startswith(f"{hub['hub'].url}/user/{alice}/lab/tree/{rel}"), r.url
        model = ok_json(
            hub["sessions"][alice].get(
                f"{hub['hub'].url}/user/{alice}/api/contents/{rel}", params={"content": 0}
            )
        )
        assert model["type"] == "notebook"
    assignments = (site_with_hub / "book" / "assignments.html").read_text(encoding="utf-8")
    fetched = re.findall(r'<a class="shequn-hub-assignment" href="([^"]+)"', assignments)
    assert {u.rsplit("/", 1)[1] for u in fetched} == {f"{a}.ipynb" for a in ASSIGNMENTS}
    # alice fetched assignment 1 above: its link opens her copy
    mine = next(u for u in fetched if NAME in u)
    r = s.get(mine, timeout=60)
    assert r.status_code == 200 and r.url.startswith(f"{hub['hub'].url}/user/{alice}/lab/tree/{NAME}/")
    assert re.findall(r'<a class="shequn-hub" href="([^"]+)"', assignments)


def test_launch_link_in_chromium_opens_the_lesson_in_jupyterlab(hub, site_with_hub, browser):
    """A learner logs in to the hub in Chromium, opens a lesson page of the site and clicks
    「在课程 Hub 上打开」: JupyterLab opens that notebook.  Nothing is fetched off the machine."""
    import functools
    import http.server
    import threading
    from urllib.parse import urlparse

    from conftest import _QuietHandler

    handler = functools.partial(_QuietHandler, directory=str(site_with_hub))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    external: list[str] = []

    def route(r):
        if urlparse(r.request.url).hostname in ("127.0.0.1", "localhost") or r.request.url.startswith(
            "data:"
        ):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route("**/*", route)
    page = context.new_page()
    custom_failed: list[str] = []
    page.on(
        "response",
        lambda r: "/custom/" in r.url and r.status >= 400 and custom_failed.append(f"{r.url} {r.status}"),
    )
    try:
        page.goto(f"{hub['hub'].url}/hub/login")
        page.fill("input[name=username]", hub["bob"])
        page.fill("input[name=password]", hub["password"])
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"**/user/{hub['bob']}/**", timeout=60_000)
        site = f"http://127.0.0.1:{server.server_address[1]}"
        page.goto(f"{site}/book/01_connectors/connectors.html")
        link = page.locator("main .shequn-launch a.shequn-hub")
        assert "在课程 Hub 上打开" in link.inner_text()
        link.click()
        page.wait_for_url(
            f"**/user/{hub['bob']}/lab/tree/shequn/book/01_connectors/connectors.ipynb", timeout=60_000
        )
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        # the lesson's own first heading is on screen, rendered by JupyterLab
        lesson = nbformat.read(ROOT / "book" / "01_connectors" / "connectors.ipynb", as_version=4)
        heading = next(
            line.lstrip("# ").strip()
            for c in lesson.cells
            if c.cell_type == "markdown"
            for line in c.source.splitlines()
            if line.startswith("# ")
        )
        page.wait_for_selector(f".jp-Notebook h1:has-text('{heading[:8]}')", timeout=30_000)
        # rendered as MyST (jupyterlab-myst), not as plain Markdown with the directives showing
        shown = page.locator(".jp-Notebook .jp-Cell").first.inner_text()
        assert "(lesson-connectors)=" not in shown and "{ref}" not in shown, shown[:500]
        assert page.get_by_text("official Jupyter news").count() == 0  # announcements are off
        # Chinese text in the hub's bundled web font (this machine has no CJK system font)
        family = page.evaluate("getComputedStyle(document.querySelector('.jp-Notebook h1')).fontFamily")
        assert "Noto Sans SC" in family and custom_failed == [], (family, custom_failed)
        page.wait_for_function(
            "document.fonts.check('16px \"Noto Sans SC\"', '连接器') && Array.from("
            "document.fonts).some(f => f.family.includes('Noto Sans SC') && "
            "f.status === 'loaded')",
            timeout=30_000,
        )
        shot_dir = ROOT / "_build" / "screenshots"
        shot_dir.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot_dir / "hub-launch-lesson1.png"))
        assert external == [], external
    finally:
        context.close()
        server.shutdown()
