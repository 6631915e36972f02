"""JupyterHub for one 社群运营 course on one machine.

Copied to ``PREFIX/jupyterhub_config.py`` by ``hubctl.py install``; settings come from
``PREFIX/hub.json`` beside it.  JupyterHub runs as root, learners log in with their Unix
password (PAM) and each gets a Jupyter server running as their own Unix user
(``LocalProcessSpawner``), in their own home (mode 0700).  configurable-http-proxy comes from
npm (``PREFIX/npm``), with the Noto Sans SC font the lessons' plots use and the MathJax formgrader shows
maths with.  The nbgrader exchange is ``PREFIX/exchange``.
"""

import json
import os
import pwd
import shutil
from pathlib import Path

from shequn.site.hub import LESSONS_FOLDER  # where the site's "Launch on the hub" links point

c = get_config()  # noqa: F821

PREFIX = Path(__file__).resolve().parent
S = json.loads((PREFIX / "hub.json").read_text())
VENV = PREFIX / "venv"
STATE = PREFIX / "state"

# --- network: the hub's public address, the proxy from npm -------------------------------
c.JupyterHub.bind_url = f"http://{S['ip']}:{S['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(S.get("hub_port", S["port"] + 1))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(S.get('proxy_api_port', S['port'] + 2))}"
NODE_MODULES = PREFIX / "npm" / "node_modules"
c.ConfigurableHTTPProxy.command = [str(NODE_MODULES / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the learners' servers

# --- state ---------------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")

# --- who may log in: Unix users in the course's groups --------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_groups = {S["learners"], S["instructors"]}  # LocalAuthenticator: Unix groups
c.LocalAuthenticator.create_system_users = False  # hubctl.py add-user creates them

# A service for automation (pre-starting servers, the integration test): it may manage users,
# servers and tokens, nothing else.  Its token is in PREFIX/state (root only).
c.JupyterHub.services = [{"name": "course-admin",
                          "api_token": (STATE / "service-token").read_text().strip()}]
c.JupyterHub.load_roles = [{
    "name": "course-admin",
    "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"],
    "services": ["course-admin"],
}]

# --- each learner's server: their Unix user, their home, the course environment --------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# JupyterLab's text in the bundled Chinese web font: ~/.jupyter/custom/custom.css (see copy_lessons)
c.Spawner.args = ["--LabApp.custom_css=True"]
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": f"{VENV / 'bin'}:/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    # the lessons' plots need a CJK font (shequn.plotting); a server may have none installed
    "SHEQUN_CJK_FONT": str(NODE_MODULES / "@expo-google-fonts" / "noto-sans-sc" / "400Regular"
                           / "NotoSansSC_400Regular.ttf"),
    # formgrader's maths (shequn.grading.nbgrader_plugins.formgrader_csp serves it under its CSP): the hub's own npm
    # copy of MathJax, never a CDN
    "SHEQUN_MATHJAX_DIR": str(NODE_MODULES / "mathjax" / "es5"),
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
# LocalProcessSpawner enforces no memory or CPU limit: see README.md (SystemdSpawner, or
# Kubernetes with Zero to JupyterHub) for a hub where one learner must not starve the others.


def copy_lessons(spawner):
    """Put the lesson notebooks in ~/shequn/ (only files that are missing: never overwrite work)."""
    user = pwd.getpwnam(spawner.user.name)
    src = PREFIX / "lessons"
    dst = Path(user.pw_dir) / LESSONS_FOLDER
    if not src.is_dir() or not Path(user.pw_dir).is_dir():
        return
    for path in sorted(src.rglob("*")):
        target = dst / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        else:
            continue
        os.chown(target, user.pw_uid, user.pw_gid)
    os.chown(dst, user.pw_uid, user.pw_gid)
    # ~/.jupyter/custom -> PREFIX/lab-custom (JupyterLab serves custom.css only from the user's
    # config dir); a learner's own custom folder is left alone
    jupyter_dir = Path(user.pw_dir) / ".jupyter"
    if not jupyter_dir.exists():
        jupyter_dir.mkdir(mode=0o755)
        os.chown(jupyter_dir, user.pw_uid, user.pw_gid)
    custom = jupyter_dir / "custom"
    if not custom.exists() and not custom.is_symlink() and (PREFIX / "lab-custom").is_dir():
        custom.symlink_to(PREFIX / "lab-custom")
        os.lchown(custom, user.pw_uid, user.pw_gid)
    # matplotlib's font list, built once by hubctl.py install (PREFIX/mpl-cache), into the folder
    # matplotlib caches it in (~/.cache/matplotlib), so a first kernel does not scan the fonts
    fonts = sorted((PREFIX / "mpl-cache").glob("fontlist-*.json"))
    cache = Path(user.pw_dir) / ".cache" / "matplotlib"
    if fonts and not cache.exists():
        for folder in (cache.parent, cache):
            folder.mkdir(mode=0o700, exist_ok=True)
            os.chown(folder, user.pw_uid, user.pw_gid)
        for font_list in fonts:
            shutil.copy2(font_list, cache / font_list.name)
            os.chown(cache / font_list.name, user.pw_uid, user.pw_gid)


c.Spawner.pre_spawn_hook = copy_lessons
