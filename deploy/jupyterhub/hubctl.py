#!/usr/bin/env python3
"""Set up and run the course's JupyterHub on one machine.  Run as root.

    python3 deploy/jupyterhub/hubctl.py install [--prefix /opt/shequn-hub] [--port 8000]
    python3 deploy/jupyterhub/hubctl.py add-user --instructor teacher
    python3 deploy/jupyterhub/hubctl.py add-user alice bob
    python3 deploy/jupyterhub/hubctl.py start

Only the standard library is used here: this script runs before the hub's environment exists.
See README.md beside it for what each step does and why.
"""

from __future__ import annotations

import argparse
import grp
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_PREFIX = Path("/opt/shequn-hub")
COURSE_FOLDER = "shequn-course"  # the instructor's nbgrader course, in their home
INSTRUCTOR_LAB_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment")
# Server extensions only instructors use: disabled for the environment, enabled in their own config.
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")
# Server extensions no learner uses, so no learner's server imports them at start-up (benchmarks/
# hub_load.py counts CPU per learner): the language-server proxy (no language server is installed),
# Notebook 7's own pages and its shim (the course opens JupyterLab: /lab, shequn.site.hub's links).
LEARNER_UNUSED_SERVER_EXTENSIONS = ("jupyter_lsp", "notebook", "notebook_shim")
# ...and Notebook 7's JupyterLab buttons that would lead to its (disabled) pages
LEARNER_UNUSED_LAB_EXTENSIONS = ("@jupyter-notebook/lab-extension",)
# The kernels' matplotlib font list, built once here and copied into each new home by
# jupyterhub_config.py (matplotlib would otherwise scan the system's fonts in every learner's
# first kernel; its cache folder must be writable, so the learners cannot share one).
MPL_CACHE = "mpl-cache"
USER_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,30}$")


if str(HERE) not in sys.path:  # hub_templates.py, next to this file (also when imported)
    sys.path.insert(0, str(HERE))
from hub_templates import GRADE_WRAPPER, LAB_FONT_CSS, NBGRADER_GLOBAL  # noqa: E402


class HubError(RuntimeError):
    pass


def _buildable_source(source: str, tmp: Path) -> str:
    """What pip installs: a checkout is copied first (package sources only), because pip builds a
    project in place and setuptools leaves ``build/`` in it, which two builds at once trip over."""
    src = Path(source)
    if not (src / "pyproject.toml").is_file():
        return source  # a requirement or a wheel: pip fetches it
    copy = tmp / "project"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(src / name, copy / name)
    shutil.copytree(src / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return str(copy)


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise HubError(f"`{' '.join(map(str, cmd))}` failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return proc


def load_settings(prefix: Path) -> dict:
    path = prefix / "hub.json"
    if not path.is_file():
        raise HubError(f"{path} not found: run `hubctl.py install --prefix {prefix}` first")
    return json.loads(path.read_text())


def groups(name: str) -> tuple[str, str]:
    return f"{name}-learners", f"{name}-instructors"


# --------------------------------------------------------------------------- install

def usable_by_others(python: str) -> bool:
    """Can an unprivileged user run this interpreter (and import its standard library)?"""
    if not Path(python).is_file():
        return False
    nobody = "nobody" if _user_exists("nobody") else None
    if nobody is None:
        return True
    proc = subprocess.run(["runuser", "-u", nobody, "--", python, "-c", "import venv, ensurepip"],
                          capture_output=True, cwd="/")
    return proc.returncode == 0


def pick_python(explicit: str | None) -> str:
    candidates = [explicit] if explicit else ["/usr/bin/python3.11", "/usr/local/bin/python3.11",
                                             shutil.which("python3.11") or ""]
    for python in filter(None, candidates):
        if usable_by_others(python):
            return python
    raise HubError("no Python 3.11 that every user can run (an interpreter under /root is not); "
                   "install one, e.g. `apt-get install python3.11-venv`, or pass --python")


def _exists(lookup, name: str) -> bool:
    try:
        lookup(name)
        return True
    except KeyError:
        return False


def _user_exists(user: str) -> bool:
    return _exists(pwd.getpwnam, user)


def _group_exists(group: str) -> bool:
    return _exists(grp.getgrnam, group)


def _copy_public(src: Path, dst: Path, patterns: tuple[str, ...]) -> None:
    """Copy files matching *patterns* below *src* to *dst*, readable by everyone."""
    for pattern in patterns:
        for path in sorted(src.glob(pattern)):
            if path.is_dir() or ".ipynb_checkpoints" in path.parts or "_build" in path.parts:
                continue
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    for p in [dst, *dst.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def _restrict_tree(root: Path, gid: int) -> None:
    for p in [root, *root.rglob("*")]:
        os.chown(p, 0, gid)
        p.chmod(0o750 if p.is_dir() else 0o640)


def stage_lab_fonts(node_modules: Path, custom: Path) -> None:
    """JupyterLab's custom.css with the vendored Noto Sans SC web font (regular and bold), in *custom*."""
    shutil.rmtree(custom, ignore_errors=True)
    (custom / "files").mkdir(parents=True)
    fontsource = node_modules / "@fontsource" / "noto-sans-sc"
    css = []
    for weight in ("400", "700"):
        # woff2 only: every browser JupyterLab supports reads it
        css.append(re.sub(r",\s*url\([^)]*\.woff\) format\('woff'\)", "",
                          (fontsource / f"{weight}.css").read_text(encoding="utf-8")))
        for font in (fontsource / "files").glob(f"noto-sans-sc-*-{weight}-normal.woff2"):
            shutil.copy2(font, custom / "files" / font.name)
    css.append(LAB_FONT_CSS)
    (custom / "custom.css").write_text("\n".join(css), encoding="utf-8")


def install(args) -> None:
    prefix: Path = args.prefix.resolve()
    python = pick_python(args.python)
    learners, instructors = groups(args.name)
    for group in (learners, instructors):
        if not _group_exists(group):
            run(["groupadd", "--system", group])
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    for d in (prefix, *prefix.parents):  # everyone must be able to reach the environment
        if d != Path("/") and not os.stat(d).st_mode & 0o001:
            raise HubError(f"{d} is not searchable by other users; choose another --prefix")

    print(f"[1/6] Python environment {prefix / 'venv'} (from {python})", flush=True)
    venv = prefix / "venv"
    if not (venv / "bin" / "python").exists():
        run([python, "-m", "venv", venv])
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    with tempfile.TemporaryDirectory(prefix="shequn-hub-source-") as tmp:
        run([*pip, f"{_buildable_source(args.source, Path(tmp))}[grading,hub]"])

    print("[2/6] configurable-http-proxy and the plots' CJK font (npm)", flush=True)
    npm_dir = prefix / "npm"
    npm_dir.mkdir(exist_ok=True)
    npm_dir.chmod(0o755)
    changed = False
    for name in ("package.json", "package-lock.json"):
        new_text = (HERE / name).read_bytes()
        changed |= not (npm_dir / name).exists() or (npm_dir / name).read_bytes() != new_text
        (npm_dir / name).write_bytes(new_text)
    if changed or not (npm_dir / "node_modules").is_dir():
        run(["npm", "ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=npm_dir)
    for p in [npm_dir, *npm_dir.rglob("*")]:  # readable by every learner's kernel (the font)
        if not p.is_symlink():
            p.chmod((p.stat().st_mode | 0o444 | (0o111 if p.is_dir() else 0)) & 0o7777)

    print("[3/6] lessons for learners, course source for instructors", flush=True)
    lessons = prefix / "lessons"
    shutil.rmtree(lessons, ignore_errors=True)
    _copy_public(REPO / "book", lessons / "book", ("**/*.ipynb", "**/*.png", "**/*.svg"))
    _copy_public(REPO / "datasets", lessons / "datasets", ("**/*",))
    instructor_src = prefix / "instructor"
    shutil.rmtree(instructor_src, ignore_errors=True)
    instructor_src.mkdir()
    course_config = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    course_config += ("\n# hubctl.py install: this hub's course id (its folder in the exchange)\n"
                      f"c.CourseDirectory.course_id = {args.course_id!r}\n")
    (instructor_src / "nbgrader_config.py").write_text(course_config, encoding="utf-8")
    for folder in ("solutions", "assignments", "datasets"):
        shutil.copytree(REPO / folder, instructor_src / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    _restrict_tree(instructor_src, grp.getgrnam(instructors).gr_gid)  # solutions: instructors only

    print("[4/6] nbgrader exchange and the environment's Jupyter config", flush=True)
    exchange = prefix / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)  # nbgrader wants 0777 (sticky: nobody removes another's course)
    etc = venv / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(
        NBGRADER_GLOBAL.format(course_id=args.course_id, exchange=str(exchange)))
    jupyter = venv / "bin" / "jupyter"
    # learners get the Assignments list only; instructors enable formgrader for themselves
    for ext in (*INSTRUCTOR_SERVER_EXTENSIONS, *LEARNER_UNUSED_SERVER_EXTENSIONS):
        run([jupyter, "server", "extension", "disable", "--sys-prefix", ext])
    # (written directly: `jupyter labextension disable` also *locks* the first one, and a locked
    # extension cannot be re-enabled for the instructors)
    page_config = etc / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(page_config.read_text()) if page_config.exists() else {}
    current.setdefault("disabledExtensions", {}).update({ext: True for ext in INSTRUCTOR_LAB_EXTENSIONS})
    # no "get Jupyter news?" prompt: the news come from the internet, which a campus hub may not reach
    current["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] = True
    current["disabledExtensions"].update({ext: True for ext in LEARNER_UNUSED_LAB_EXTENSIONS})
    for ext in INSTRUCTOR_LAB_EXTENSIONS:
        current.get("lockedExtensions", {}).pop(ext, None)
    page_config.write_text(json.dumps(current, indent=2) + "\n")

    # JupyterLab's own text in the bundled Noto Sans SC web font (a learner's machine may have no
    # CJK font): PREFIX/lab-custom/custom.css, linked as ~/.jupyter/custom by jupyterhub_config.py
    custom = prefix / "lab-custom"
    stage_lab_fonts(npm_dir / "node_modules", custom)
    for p in [custom, *custom.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)

    mpl_cache = prefix / MPL_CACHE
    shutil.rmtree(mpl_cache, ignore_errors=True)
    mpl_cache.mkdir()
    run([venv / "bin" / "python", "-c", "import matplotlib.font_manager"],
        env={**os.environ, "MPLCONFIGDIR": str(mpl_cache)})
    for p in [mpl_cache, *mpl_cache.iterdir()]:
        p.chmod(0o755 if p.is_dir() else 0o644)

    print("[5/6] hub state, config and the grading command", flush=True)
    state = prefix / "state"
    state.mkdir(exist_ok=True)
    state.chmod(0o700)
    token = state / "service-token"
    if not token.exists():
        token.write_text(secrets.token_hex(32))
    token.chmod(0o600)
    shutil.copy2(HERE / "jupyterhub_config.py", prefix / "jupyterhub_config.py")
    bindir = prefix / "bin"
    bindir.mkdir(exist_ok=True)
    bindir.chmod(0o755)
    wrapper = bindir / "shequn-grade"
    wrapper.write_text(GRADE_WRAPPER.format(
        python=venv / "bin" / "python", prefix=prefix, instructors=instructors,
        trusted_config=str(instructor_src / "nbgrader_config.py"), course_folder=COURSE_FOLDER,
        shequn=str(venv / "bin" / "shequn")))
    wrapper.chmod(0o755)
    settings = {"name": args.name, "ip": args.ip, "port": args.port,
                "learners": learners, "instructors": instructors}
    (prefix / "hub.json").write_text(json.dumps(settings, indent=2) + "\n")

    print("[6/6] sudo rule: instructors may run the grading command as root", flush=True)
    if not args.no_sudo:
        # sudo for the rule; bubblewrap for the grading sandbox (shequn.grading.sandbox.bubblewrap)
        missing = [pkg for tool, pkg in (("sudo", "sudo"), ("bwrap", "bubblewrap")) if not shutil.which(tool)]
        if missing:
            apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            apt = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
            if subprocess.run(apt, capture_output=True, env=apt_env).returncode != 0:
                run(["apt-get", "update"], env=apt_env)
                run(apt, env=apt_env)
        rule = Path("/etc/sudoers.d") / f"{args.name}-hub"
        text = f"%{instructors} ALL=(root) NOPASSWD: {wrapper}\n"
        tmp = rule.with_name(rule.name + ".new")
        tmp.write_text(text)
        tmp.chmod(0o440)
        run(["visudo", "-cf", tmp])
        tmp.replace(rule)
    print(f"installed in {prefix}; start with: python3 {Path(__file__)} --prefix {prefix} start")


# --------------------------------------------------------------------------- users

def add_user(args) -> None:
    prefix = args.prefix.resolve()
    s = load_settings(prefix)
    group = s["instructors"] if args.instructor else s["learners"]
    for user in args.users:
        if not USER_RE.match(user):
            raise HubError(f"not a valid user name: {user!r}")
        if not _user_exists(user):
            run(["useradd", "--create-home", "--shell", "/bin/bash", user])
        run(["usermod", "--append", "--groups", group, user])
        entry = pwd.getpwnam(user)
        home = Path(entry.pw_dir)
        home.chmod(0o700)  # Debian's useradd makes homes 0755: learners would read each other's work
        if args.instructor:
            course = home / COURSE_FOLDER
            if not course.exists():
                shutil.copytree(prefix / "instructor", course)
                for p in [course, *course.rglob("*")]:
                    os.chown(p, entry.pw_uid, entry.pw_gid)
                    p.chmod(0o700 if p.is_dir() else 0o600)
            # formgrader and create-assignment, disabled for the environment, back on for them.
            # (`jupyter server extension enable` refuses nbgrader's legacy-style extension.)
            # formgrader_csp: a Content-Security-Policy on formgrader's pages (no learner script runs)
            _write_user_file(entry, ".jupyter/jupyter_server_config.json", json.dumps(
                {"ServerApp": {"jpserver_extensions": {**{ext: True for ext in INSTRUCTOR_SERVER_EXTENSIONS},
                                                       "shequn.grading.nbgrader_plugins.formgrader_csp": True}}},
                indent=2))
            _write_user_file(entry, ".jupyter/labconfig/page_config.json", json.dumps(
                {"disabledExtensions": {ext: False for ext in INSTRUCTOR_LAB_EXTENSIONS}}, indent=2))
            _write_user_file(entry, ".jupyter/nbgrader_config.py", "c = get_config()  # noqa: F821\n"
                             f"c.CourseDirectory.root = {str(course)!r}\n")
        if args.password:
            subprocess.run(["chpasswd"], input=f"{user}:{args.password}\n", text=True, check=True)
        print(f"{user}: {'instructor' if args.instructor else 'learner'} ({group})")


def _write_user_file(entry: pwd.struct_passwd, relpath: str, text: str) -> None:
    """Write ``~user/relpath`` (as root), owned by the user, creating folders as needed."""
    home = Path(entry.pw_dir)
    path = home / relpath
    for folder in reversed([p for p in path.parents if p != home and home in p.parents]):
        if not folder.exists():
            folder.mkdir()
            os.chown(folder, entry.pw_uid, entry.pw_gid)
    path.write_text(text + ("" if text.endswith("\n") else "\n"))
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _kill_user(user: str, wait: float = 20.0) -> None:
    """SIGKILL every process of *user* until none is left (userdel refuses while any runs)."""
    deadline = time.monotonic() + wait
    while subprocess.run(["pgrep", "-u", user], capture_output=True).returncode == 0:
        if time.monotonic() > deadline:
            raise HubError(f"processes of {user} survive SIGKILL")
        subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
        time.sleep(0.1)


def remove_user(args) -> None:
    for user in args.users:
        if _user_exists(user):
            _kill_user(user)
            run(["userdel", "--remove", user])
            print(f"{user}: removed")


def uninstall(args) -> None:
    prefix = args.prefix.resolve()
    s = load_settings(prefix)
    (Path("/etc/sudoers.d") / f"{s['name']}-hub").unlink(missing_ok=True)
    for group in (s["learners"], s["instructors"]):
        subprocess.run(["groupdel", group], capture_output=True)
    shutil.rmtree(prefix, ignore_errors=True)
    print(f"removed {prefix}")


def start(args) -> None:
    prefix = args.prefix.resolve()
    load_settings(prefix)
    os.chdir(prefix / "state")
    exe = prefix / "venv" / "bin" / "jupyterhub"
    os.execv(exe, [str(exe), "-f", str(prefix / "jupyterhub_config.py")])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="hubctl.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--prefix", type=Path, default=DEFAULT_PREFIX, help="where the hub lives")
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("install", help="environment, proxy, course files, exchange, config")
    i.add_argument("--python", help="a Python 3.11 every user can run (default: the system's)")
    i.add_argument("--source", default=str(REPO), help="what to pip install (default: this checkout)")
    i.add_argument("--name", default="shequn", help="deployment name: Unix groups NAME-learners, "
                                                   "NAME-instructors")
    i.add_argument("--course-id", default="shequn")
    i.add_argument("--ip", default="127.0.0.1")
    i.add_argument("--port", type=int, default=8000)
    i.add_argument("--no-sudo", action="store_true", help="no sudo rule for grading")
    a = sub.add_parser("add-user", help="create (if needed) and enrol Unix users")
    a.add_argument("users", nargs="+")
    a.add_argument("--instructor", action="store_true")
    a.add_argument("--password", help="set this password (for PAM login)")
    r = sub.add_parser("remove-user", help="delete Unix users and their homes")
    r.add_argument("users", nargs="+")
    sub.add_parser("uninstall", help="remove the prefix, groups and sudo rule")
    sub.add_parser("start", help="run JupyterHub in the foreground")
    args = p.parse_args(argv)
    if os.geteuid() != 0:
        p.error("run as root: the hub spawns servers as the learners' Unix users")
    try:
        {"install": install, "add-user": add_user, "remove-user": remove_user,
         "uninstall": uninstall, "start": start}[args.cmd](args)
    except HubError as exc:
        print(f"hubctl: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
