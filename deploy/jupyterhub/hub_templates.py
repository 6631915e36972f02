"""The files ``hubctl.py install`` writes from templates: the global nbgrader config (the course's
exchange), JupyterLab's font rule, and ``shequn-grade``, the sudo wrapper that lets an instructor
grade their own course as root.  Standard library only, like ``hubctl.py``.
"""

NBGRADER_GLOBAL = '''\
# Written by hubctl.py install: the course's exchange, for every user of this environment.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
# submissions readable by the instructor's group only (see shequn.grading.authoring.exchange)
c.ExchangeFactory.submit = "shequn.grading.authoring.exchange.PrivateExchangeSubmit"
'''

LAB_FONT_CSS = """
/* hubctl.py install: JupyterLab in the course's Chinese font, then the system's.
   Doubled class: more specific than the theme's .jp-ThemedContainer, whatever the order. */
:root, .jp-ThemedContainer.jp-ThemedContainer {
  --jp-ui-font-family: "Noto Sans SC", system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
  --jp-content-font-family: "Noto Sans SC", system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
}
"""

GRADE_WRAPPER = '''\
#!{python} -I
"""`sudo {prefix}/bin/shequn-grade ASSIGNMENT [--workers N] [--timeout S] [--cell-timeout S] [--memory MB]`

Lets a course instructor run `shequn grade` as root (the sandbox needs root to run every
learner's kernel as an unprivileged user) on their own course folder and nothing else.
"""
import argparse, grp, hashlib, os, pwd, re, sys
from pathlib import Path

INSTRUCTORS = {instructors!r}
TRUSTED_CONFIG = {trusted_config!r}
COURSE_FOLDER = {course_folder!r}
SHEQUN = {shequn!r}

def die(msg):
    print("shequn-grade: " + msg, file=sys.stderr)
    sys.exit(2)

user = os.environ.get("SUDO_USER") or die("run me with sudo")
entry = pwd.getpwnam(user)
if user not in grp.getgrnam(INSTRUCTORS).gr_mem and entry.pw_gid != grp.getgrnam(INSTRUCTORS).gr_gid:
    die(f"{{user}} is not in the group {{INSTRUCTORS}}")
course = Path(entry.pw_dir) / COURSE_FOLDER
st = os.lstat(course) if os.path.lexists(course) else die(f"{{course}} does not exist")
if not os.path.isdir(course) or os.path.islink(course) or st.st_uid != entry.pw_uid:
    die(f"{{course}} must be a folder owned by {{user}}")
# nbgrader executes nbgrader_config.py: as root, only the installed one is acceptable
config = course / "nbgrader_config.py"
digest = lambda p: hashlib.sha256(Path(p).read_bytes()).hexdigest()
if not config.is_file() or config.is_symlink() or digest(config) != digest(TRUSTED_CONFIG):
    die(f"{{config}} differs from the installed {{TRUSTED_CONFIG}}; restore it to grade")
p = argparse.ArgumentParser(prog="shequn-grade")
p.add_argument("assignment")
p.add_argument("--workers", type=int)
p.add_argument("--timeout", type=float)
p.add_argument("--memory", type=int)
p.add_argument("--cell-timeout", type=int)
p.add_argument("--quiet", action="store_true")
a = p.parse_args()
if not re.fullmatch(r"[A-Za-z0-9_-]+", a.assignment):
    die("assignment names are letters, digits, _ and -")
argv = [SHEQUN, "grade", a.assignment, "--course", str(course)]
for flag in ("workers", "timeout", "cell_timeout", "memory"):
    if getattr(a, flag) is not None:
        argv += ["--" + flag.replace("_", "-"), str(getattr(a, flag))]
if a.quiet:
    argv.append("--quiet")
os.chdir("/")
os.execve(SHEQUN, argv, {{"PATH": os.path.dirname(SHEQUN) + ":/usr/sbin:/usr/bin:/sbin:/bin",
                         "LANG": "C.UTF-8", "HOME": "/root"}})
'''
