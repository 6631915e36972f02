"""Every notebook a learner downloads from the site runs in a clean environment with the site's wheel.

A fresh virtual environment gets only the wheel offered on 「在自己电脑上运行」 (with its
dependencies from the package registry; pip's cache may serve them) and ``ipykernel`` for a
kernel -- JupyterLab, which the page tells learners to install, brings the same kernel.
Then every lesson notebook and every assignment's student version, fetched over HTTP from
the built site exactly as a learner downloads them, runs top to bottom with nbclient in that
environment's kernel, in a folder outside the repository (so the repository's fonts and
data cannot help).  One environment serves all notebooks.  In that environment (no extras
installed) ``import shequn, shequn.models, shequn.data, shequn.metrics, shequn.widgets, shequn.checks``
must work: the learner layer (the local check included) needs neither the site tooling's nor the
grader's dependencies.

Slow (minutes: it creates a virtual environment), so it is marked ``integration`` (see the
markers in pyproject.toml); ``make test`` runs it, ``make test-fast`` leaves it out.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import pytest
import requests
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LESSONS = [
    "book/00_intro/what_is_community.html",
    "book/01_connectors/connectors.html",
    "book/02_community_vs_fans/community_vs_fans.html",
    "book/03_user_economy/user_economy.html",
    "book/04_content_community_product/content_community_product.html",
    "book/05_thresholds/thresholds.html",
]
KERNEL = "shequn-learner"

pytestmark = pytest.mark.integration


def _hrefs(page_url: str, pattern: str) -> list[str]:
    html = requests.get(page_url, timeout=30).text
    return [
        urljoin(page_url, h)
        for h in dict.fromkeys(re.findall(r'href="([^"]+)"', html))
        if re.search(pattern, h)
    ]


def _download(url: str, folder: Path) -> Path:
    response = requests.get(url, timeout=60)
    response.raise_for_status()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / url.rsplit("/", 1)[-1]
    path.write_bytes(response.content)
    return path


@pytest.fixture(scope="module")
def learner_env(site_url, tmp_path_factory):
    """A fresh venv with the site's wheel, and a Jupyter kernel spec pointing at it."""
    base = tmp_path_factory.mktemp("learner")
    wheel_links = _hrefs(f"{site_url}/book/run_locally.html", r"\.whl$")
    assert len(wheel_links) == 1, wheel_links
    wheel = _download(wheel_links[0], base / "Downloads")
    venv = base / "shequn-env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheel),
            "ipykernel",
        ],
        capture_output=True,
        text=True,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    # ipykernel stages the spec in a mkdtemp folder it never removes: keep that inside *base*
    (base / "temp").mkdir()
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--prefix", str(venv), "--name", KERNEL],
        check=True,
        capture_output=True,
        env={**os.environ, "TMPDIR": str(base / "temp")},
    )
    # What 「在自己电脑上运行」 tells learners to run to check the install.
    check = subprocess.run([str(venv / "bin" / "shequn"), "font"], capture_output=True, text=True, cwd=base)
    assert check.returncode == 0 and "Noto Sans SC" in check.stdout, check.stdout + check.stderr
    where = subprocess.run(
        [str(python), "-c", "import shequn; print(shequn.__file__)"],
        capture_output=True,
        text=True,
        cwd=base,
        check=True,
    ).stdout
    assert str(venv) in where  # the wheel's copy, not the repository's
    return {"base": base, "venv": venv, "kernels": venv / "share" / "jupyter"}


def _run(nb_path: Path, env: dict, monkeypatch, allow_errors: bool = False):
    monkeypatch.setenv("JUPYTER_PATH", str(env["kernels"]))
    monkeypatch.delenv("SHEQUN_CJK_FONT", raising=False)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("MPLCONFIGDIR", str(env["base"] / "mpl"))
    nb = nbformat.read(nb_path, as_version=4)
    NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=600,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(nb_path.parent)}},
    ).execute()
    return nb


def _errors(nb) -> list[tuple[int, str, str]]:
    return [
        (i, out.get("ename", ""), out.get("evalue", "")[:200])
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]


# The learner layer (CONTRIBUTING.md): what `pip install` of the wheel, with no extras, must import.
LEARNER_IMPORT = "import shequn, shequn.models, shequn.data, shequn.metrics, shequn.widgets, shequn.checks"
# Site tooling and instructor grading dependencies (the `site` and `grading` extras).
EXTRA_ONLY = ("sphinx", "jupyter_book", "jupytext", "nbgrader", "nh3")


def test_learner_layer_imports_with_only_the_learner_dependencies(learner_env):
    python = str(learner_env["venv"] / "bin" / "python")
    # The environment really is learner-only: no site or grading dependency came with the wheel,
    # so the import below cannot lean on one.
    present = subprocess.run(
        [
            python,
            "-c",
            "import importlib.util, sys; print([m for m in sys.argv[1:] if importlib.util.find_spec(m)])",
            *EXTRA_ONLY,
        ],
        capture_output=True,
        text=True,
        cwd=learner_env["base"],
        check=True,
    ).stdout.strip()
    assert present == "[]", f"the learner venv has extra-only packages: {present}"
    proc = subprocess.run(
        [python, "-c", LEARNER_IMPORT], capture_output=True, text=True, cwd=learner_env["base"]
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("page", LESSONS)
def test_downloaded_lesson_runs_top_to_bottom_with_the_sites_wheel(site_url, learner_env, page, monkeypatch):
    links = sorted(set(_hrefs(f"{site_url}/{page}", r"_notebooks/.*\.ipynb$")))  # page link and header menu
    assert len(links) == 1, links
    nb_path = _download(links[0], learner_env["base"] / "work" / Path(page).stem)
    nb = _run(nb_path, learner_env, monkeypatch)
    assert _errors(nb) == []
    assert sum(len(c.get("outputs", [])) for c in nb.cells if c.cell_type == "code") > 0


def _assignment_links(site_url: str) -> list[str]:
    return _hrefs(f"{site_url}/book/assignments.html", r"_downloads/.*\.ipynb$")


def _data_links(site_url: str) -> list[str]:
    return _hrefs(f"{site_url}/book/assignments.html", r"_downloads/.*\.csv$")


def _solved(student, solution_path: Path):
    """The student version with each answer cell replaced by the instructor's solution cell."""
    solution = nbformat.read(solution_path, as_version=4)
    answers = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in solution.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }
    for cell in student.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return student


def test_site_offers_the_assignments_and_their_data(site_url):
    assert len(_assignment_links(site_url)) >= 2
    assert {u.rsplit("/", 1)[-1] for u in _data_links(site_url)} >= {
        "groups.csv",
        "members.csv",
        "messages.csv",
        "red_packets.csv",
    }


def test_downloaded_assignments_run_with_the_sites_wheel(site_url, learner_env, monkeypatch):
    """Each student version runs top to bottom: as downloaded, only the unanswered answer cells
    (NotImplementedError) and their test cells fail; with answers filled in, nothing fails."""
    for url in _assignment_links(site_url):
        name = url.rsplit("/", 1)[-1].removesuffix(".ipynb")
        work = learner_env["base"] / "assignments" / name
        nb_path = _download(url, work)
        for data in _data_links(site_url):  # the data folder the assignments page describes
            _download(data, work / "datasets" / "group_chats")
        nb = _run(nb_path, learner_env, monkeypatch, allow_errors=True)
        for i, ename, evalue in _errors(nb):
            meta = nb.cells[i].metadata.get("nbgrader", {})
            assert meta.get("solution") or meta.get("grade"), f"{name} cell {i}: {ename}: {evalue}"
            if meta.get("solution"):
                assert ename == "NotImplementedError", f"{name} cell {i}: {ename}: {evalue}"
        solution = ROOT / "solutions" / name / f"{name}.ipynb"
        solved_path = work / f"{name}_solved.ipynb"
        nbformat.write(_solved(nbformat.read(nb_path, as_version=4), solution), solved_path)
        assert _errors(_run(solved_path, learner_env, monkeypatch)) == [], name
