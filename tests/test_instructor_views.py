"""What graders and learners are shown: formgrader's Content-Security-Policy, and feedback that
says nothing about hidden tests.

One small course (assignment ``tiny``: one autograded function with a public and a hidden check,
one essay graded by hand) is graded with the real ``shequn grade``.  The learners:

* ``honest`` doubles the table; ``mallory`` too, but her essay holds ``<script>`` and ``onerror=``
  markup and her submission an ``evil.html`` and an ``evil.js``;
* four learners try to carry the hidden input (its values, its shape, its column name) into their
  own feedback: through an exception's class name and message, a wrong shape, a returned object
  of a class named after it, and a built-in exception's message.

formgrader runs in a real Jupyter server on loopback with the course config and
``shequn.grading.nbgrader_plugins.formgrader_csp``; headless Chromium loads the grading page.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.course import fill_answers
from helpers.serving import stop_process_group, wait_until_serving
from shequn.grading.authoring.release import run_nbgrader
from shequn.grading.nbgrader_plugins.formgrader_csp import FILES_CSP

ROOT = Path(__file__).resolve().parents[1]
NAME = "tiny"
pytestmark = [pytest.mark.integration, pytest.mark.root]

# the hidden input: 4111 rows, a value and a column name that appear nowhere else
HIDDEN_ROWS, HIDDEN_VALUE, HIDDEN_COLUMN = 4111, "7919.25", "zq_secret_col"
TESTS = f'''checks = Checks(points=2, name="double")
checks.case("示例数据", lambda: expect_frame_close(double(pd.DataFrame({{"a": [1.0, 2.0]}})),
                                                 pd.DataFrame({{"a": [2.0, 4.0]}}), "double(示例数据)"))
### BEGIN HIDDEN TESTS
_zq_hidden_input = pd.DataFrame({{"{HIDDEN_COLUMN}": [{HIDDEN_VALUE}] * {HIDDEN_ROWS}, "b": range({HIDDEN_ROWS}),
                                 "c": 0.5}})
checks.case("隐藏数据", lambda: expect_frame_close(double(_zq_hidden_input), _zq_hidden_input * 2,
                                                 "隐藏数据上的 double"))
### END HIDDEN TESTS
checks.score()
'''  # noqa: E501 (code run as a notebook cell)
HONEST = "def double(frame):\n    return frame * 2\n"
_DESCRIBE = (
    "    if len(frame) < 10:\n        return frame * 2\n"
    '    first = "_".join(str(v) for v in frame.iloc[0]).replace(".", "p")\n'
    "    tag = f\"LEAK_{frame.shape[0]}x{frame.shape[1]}_{'_'.join(frame.columns)}_{first}\"\n"
    "    print(tag)\n"
)
LEAKY = {
    "leak_raise": f"def double(frame):\n{_DESCRIBE}    raise type(tag, (Exception,), {{}})(tag)\n",
    "leak_shape": "def double(frame):\n    return frame.iloc[:, :1] * 2 if len(frame) > 9 else frame * 2\n",
    "leak_type": f"def double(frame):\n{_DESCRIBE}    return type(tag, (), {{}})()\n",
    "leak_valueerror": f"def double(frame):\n{_DESCRIBE}    raise ValueError(tag)\n",
}
ESSAY = "我的建议：先设门槛。MALLORY-ESSAY"
HOSTILE = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
EVIL_HTML = "<html><body><script>window.__pwned = 5</script>evil page</body></html>"
# what an instructor must see typeset in formgrader: one inline formula and one displayed
FORMULAS = r"留存率 $r_k = \frac{a_k}{n}$，平均提升：$$\bar{L} = \frac{1}{T}\sum_{t=0}^{T-1} L_t$$"


def _source_notebook():
    def meta(gid, **kw):
        return {
            "nbgrader": {
                "grade_id": gid,
                "schema_version": 3,
                "grade": False,
                "locked": False,
                "solution": False,
                "task": False,
                **kw,
            }
        }

    nb = new_notebook(
        cells=[
            new_markdown_cell("# 小作业 tiny", metadata=meta("intro", locked=True)),
            new_code_cell(
                "import pandas as pd\n\nfrom shequn.checks import Checks, expect_frame_close",
                metadata=meta("setup", locked=True),
            ),
            new_code_cell(
                "def double(frame):\n    ### BEGIN SOLUTION\n    return frame * 2\n    ### END SOLUTION",
                metadata=meta("q1_answer", solution=True),
            ),
            new_code_cell(TESTS, metadata=meta("q1_tests", grade=True, locked=True, points=2)),
            new_markdown_cell("## 建议（人工评分）\n\n" + FORMULAS, metadata=meta("q2_text", locked=True)),
            new_markdown_cell("示例答案。", metadata=meta("q2_answer", grade=True, solution=True, points=1)),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def graded():
    """The tiny course, graded by `shequn grade`, with feedback generated by nbgrader."""
    base = Path(tempfile.mkdtemp(prefix="siv", dir="/tmp"))  # short: the kernel's ipc socket lives below
    base.chmod(0o755)
    course = base / "course"
    (course / "solutions" / NAME).mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    nbformat.write(_source_notebook(), course / "solutions" / NAME / f"{NAME}.ipynb")
    run_nbgrader(["generate_assignment", NAME, "--force"], cwd=course)
    release = nbformat.read(course / "assignments" / NAME / f"{NAME}.ipynb", as_version=4)
    source = nbformat.read(course / "solutions" / NAME / f"{NAME}.ipynb", as_version=4)
    learners = {"honest": HONEST, "mallory": HONEST, **LEAKY}
    for student, code in learners.items():
        folder = course / "_grading" / "submitted" / student / NAME
        folder.mkdir(parents=True)
        essay = ESSAY + HOSTILE if student == "mallory" else ESSAY
        nbformat.write(
            fill_answers(release, source, {"q1_answer": code, "q2_answer": essay}), folder / f"{NAME}.ipynb"
        )
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
        if student == "mallory":
            (folder / "evil.html").write_text(EVIL_HTML)
            (folder / "evil.js").write_text("window.__pwned = 4;\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "shequn.cli",
            "grade",
            NAME,
            "--course",
            str(course),
            "--workers",
            "2",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_nbgrader(["generate_feedback", NAME, "--force"], cwd=course)
    yield course
    shutil.rmtree(base, ignore_errors=True)


def _auto_scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {
            s.student.id: {
                g.name: g.auto_score for g in gb.find_submission_notebook(NAME, NAME, s.student.id).grades
            }["q1_tests"]
            for s in gb.assignment_submissions(NAME)
        }


def test_failing_hidden_test_feedback_shows_nothing_of_the_hidden_input(graded):
    # hand-worked: the public case passes for everyone (2 points × 1/2); the hidden one only for
    # the learners who double correctly
    assert _auto_scores(graded) == {
        "honest": 2.0,
        "mallory": 2.0,
        "leak_raise": 1.0,
        "leak_shape": 1.0,
        "leak_type": 1.0,
        "leak_valueerror": 1.0,
    }
    for student in ("honest", *LEAKY):
        html = (graded / "_grading" / "feedback" / student / NAME / f"{NAME}.html").read_text(
            encoding="utf-8"
        )
        text = re.sub(r"<style.*?</style>", "", html, flags=re.S)
        # the case is reported, with its public label and pass/fail only
        assert re.search(("✓" if student == "honest" else "✗") + r" 隐藏数据", text), student
        for secret in (
            str(HIDDEN_ROWS),
            HIDDEN_VALUE,
            HIDDEN_VALUE.replace(".", "p"),
            HIDDEN_COLUMN,
            "_zq_hidden_input",
            "BEGIN HIDDEN",
            "range(",
        ):  # (the answer's own source says LEAK)
            assert secret not in text, (
                student,
                secret,
                text[max(0, text.find(secret) - 300) : text.find(secret) + 200],
            )
    shape = (graded / "_grading" / "feedback" / "leak_shape" / NAME / f"{NAME}.html").read_text(
        encoding="utf-8"
    )
    assert "形状（行数或列数）不对" in shape


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def formgrader(graded):
    """formgrader in a real Jupyter server, with the course config and the CSP extension."""
    import requests

    token, port = os.urandom(16).hex(), _free_port()
    log_path = graded.parent / "formgrader.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "server",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={graded}",
            f"--IdentityProvider.token={token}",
            "--ServerApp.jpserver_extensions=shequn.grading.nbgrader_plugins.formgrader_csp=True",
        ],
        cwd=graded,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    session = requests.Session()
    session.headers["Authorization"] = f"token {token}"
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/formgrader/api/status", proc, log_path, 90, session)
        subs = session.get(f"{base}/formgrader/api/submitted_notebooks/{NAME}/{NAME}").json()
        sid = {s["student"]: s["id"] for s in subs}["mallory"]
        yield base, session, token, sid
    finally:
        stop_process_group(proc)
        log.close()


def _script_src(policy: str) -> str:
    return next(d.strip() for d in policy.split(";") if d.strip().startswith("script-src"))


def test_formgrader_page_has_a_csp_and_the_essay_is_inert(formgrader):
    base, session, _, sid = formgrader
    page = session.get(f"{base}/formgrader/submissions/{sid}/")
    assert page.ok
    policy = page.headers["Content-Security-Policy"]
    scripts = _script_src(policy)
    assert "'nonce-" in scripts and "'unsafe-inline'" not in scripts and "'self'" not in scripts
    assert "'unsafe-eval'" not in scripts and "object-src 'none'" in policy and "base-uri 'none'" in policy
    html = page.text
    assert "MALLORY-ESSAY" in html  # the essay is shown ...
    assert "__pwned" not in html and "onerror" not in html.lower()  # ... without its script
    nonce = re.search(r"'nonce-([^']+)'", scripts).group(1)
    own = [m.group(0) for m in re.finditer(r"<script\b[^>]*>", html) if f'nonce="{nonce}"' in m.group(0)]
    # nonce'd: formgrader's own files, its inline blocks, and the course's MathJax (served by the extension)
    assert own and all(
        "/formgrader/static/" in tag
        or "src=" not in tag
        or re.fullmatch(r'<script nonce="[^"]+" src="/shequn/mathjax/[a-z-]+\.js">', tag)
        for tag in own
    )
    assert sum("/shequn/mathjax/" in tag for tag in own) == 2
    # a fresh nonce per response
    again = session.get(f"{base}/formgrader/submissions/{sid}/").headers["Content-Security-Policy"]
    assert again != policy
    # a learner's own files are served with no script at all, in an opaque origin
    evil = session.get(f"{base}/formgrader/submissions/{sid}/evil.html")
    assert evil.ok and "evil page" in evil.text
    assert evil.headers["Content-Security-Policy"] == FILES_CSP


@pytest.mark.browser
def test_formgrader_typesets_maths_with_the_course_mathjax_and_nothing_external(formgrader, browser):
    """Maths render under the CSP: MathJax from the course, every request to formgrader's own server."""
    from conftest import OfflinePage

    base, session, token, _ = formgrader
    subs = session.get(f"{base}/formgrader/api/submitted_notebooks/{NAME}/{NAME}").json()
    sid = {s["student"]: s["id"] for s in subs}["honest"]  # (mallory's essay asks for a missing image)
    offline = OfflinePage(
        browser,
        base,
        {
            "viewport": {"width": 1280, "height": 900},
            "extra_http_headers": {"Authorization": f"token {token}"},
        },
    )
    try:
        page = offline.page
        page.add_init_script(
            "window.__refused = []; document.addEventListener('securitypolicyviolation',"
            " e => window.__refused.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        loaded: list[str] = []
        page.on("requestfinished", lambda r: loaded.append(r.url))
        page.goto(f"{base}/formgrader/submissions/{sid}/", wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('mjx-container').length >= 2", timeout=60_000)
        # formgrader itself still starts (it calls MathJax 2's Hub when it does)
        page.wait_for_function(
            "() => window.formgrader && formgrader.grades && formgrader.grades.loaded", timeout=30_000
        )
        maths = page.evaluate("""() => [...document.querySelectorAll('mjx-container')].map(
            c => [c.getAttribute('display') === 'true', c.getBoundingClientRect().width > 0,
                  c.querySelectorAll('mjx-mfrac').length])""")
        assert [m[0] for m in maths] == [False, True] and all(m[1] and m[2] == 1 for m in maths), maths
        text = page.evaluate("() => document.querySelector('#notebook').innerText")
        assert "\\frac" not in text and "$$" not in text  # no TeX source left on screen
        assert any(url.startswith(f"{base}/shequn/mathjax/tex-chtml-full.js") for url in loaded)
        assert any(
            "/shequn/mathjax/output/chtml/fonts/" in url for url in loaded
        )  # its fonts, from the course
        assert offline.external == [] and offline.failed == []
        assert page.evaluate("() => window.__refused") == [] and offline.console_errors == []
    finally:
        offline.close()


@pytest.mark.browser
def test_csp_stops_learner_script_that_got_past_the_sanitiser(formgrader, graded, browser):
    """The second line: the essay's raw markup in the autograded notebook, as if nh3 had missed it."""
    base, session, token, sid = formgrader
    path = graded / "_grading" / "autograded" / "mallory" / NAME / f"{NAME}.ipynb"
    original = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    essay = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q2_answer")
    essay.source = (
        ESSAY + HOSTILE + '\n\n<script src="evil.js"></script>'
        f'<script src="/formgrader/submissions/{sid}/evil.js"></script>'
        '<script>\nvar base_url = "x";window.__pwned = 3;//";\n</script>'
    )
    nbformat.write(nb, path)
    context = browser.new_context(extra_http_headers={"Authorization": f"token {token}"})
    try:
        html = session.get(f"{base}/formgrader/submissions/{sid}/").text
        assert "window.__pwned = 1" in html and 'onerror="window.__pwned = 2"' in html  # really unsanitised
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/formgrader/submissions/{sid}/", wait_until="load")
        # formgrader's own scripts ran to the end: its grade and comment widgets are loaded
        page.wait_for_function(
            "() => window.formgrader && formgrader.keyboard_manager && formgrader.grades"
            " && formgrader.grades.loaded && formgrader.comments.loaded",
            timeout=30_000,
        )
        assert page.evaluate("() => typeof toggle_name") == "function"
        assert page.evaluate("() => document.querySelectorAll('input.score').length") == 2
        assert page.evaluate("() => window.__pwned") is None
        assert errors == []
        # the learner's HTML file, opened directly
        page.goto(f"{base}/formgrader/submissions/{sid}/evil.html", wait_until="load")
        assert "evil page" in page.content()
        assert page.evaluate("() => window.__pwned") is None
    finally:
        context.close()
        path.write_bytes(original)
