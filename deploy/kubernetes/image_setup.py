#!/usr/bin/env python3
"""Build-time setup of the course image (run by the Dockerfile beside this file, as root).

It does, inside the image, what ``deploy/jupyterhub/hubctl.py install`` does on one machine,
reusing hubctl's own constants and copy rules so the two stay the same:

* the lessons (``book/**/*.ipynb`` + figures) and the sample data in ``/opt/shequn/lessons``,
  copied into each learner's ``~/shequn`` by the pod's postStart hook (missing files only);
* the nbgrader exchange (the shared volume's mount point) and course id for every server, with
  submissions private to the submitter and the instructors' group;
* formgrader and create-assignment disabled for everyone, and switched back on by the config
  folder ``/opt/shequn/instructor-config``, which the hub adds to instructors' servers only
  (``JUPYTER_CONFIG_PATH``, see values.yaml);
* no "Jupyter news" prompt (it would fetch from the internet);
* JupyterLab's text in the bundled Noto Sans SC web font (``/opt/shequn/lab-custom``) and the
  TTF the lessons' plots use (``SHEQUN_CJK_FONT``), both from the npm packages pinned in
  ``deploy/jupyterhub/package-lock.json``: nothing comes from a CDN at run time.

    python3 image_setup.py --repo /src --npm /npm/node_modules --prefix /usr/local --course-id shequn
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repo", type=Path, required=True, help="the repository (build context) copy")
    p.add_argument("--npm", type=Path, required=True, help="node_modules of deploy/jupyterhub/package.json")
    p.add_argument("--prefix", type=Path, default=Path(sys.prefix), help="the Python environment's prefix")
    p.add_argument("--opt", type=Path, default=Path("/opt/shequn"))
    p.add_argument("--exchange", default="/srv/nbgrader/exchange")
    p.add_argument("--course-id", default="shequn")
    a = p.parse_args(argv)
    sys.path.insert(0, str(a.repo / "deploy" / "jupyterhub"))
    import hubctl  # standard library only

    # lessons and data, readable by every uid
    lessons = a.opt / "lessons"
    shutil.rmtree(lessons, ignore_errors=True)
    hubctl._copy_public(a.repo / "book", lessons / "book", ("**/*.ipynb", "**/*.png", "**/*.svg"))
    hubctl._copy_public(a.repo / "datasets", lessons / "datasets", ("**/*",))

    # the exchange and course id for every server of this environment
    etc = a.prefix / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(
        hubctl.NBGRADER_GLOBAL.format(course_id=a.course_id, exchange=a.exchange))
    server = etc / "jupyter_server_config.d"
    server.mkdir(exist_ok=True)
    # what hubctl.py install disables: the instructors' extensions and those no learner uses
    (server / "shequn-no-formgrader.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {ext: False for ext in (*hubctl.INSTRUCTOR_SERVER_EXTENSIONS,
                                                                      *hubctl.LEARNER_UNUSED_SERVER_EXTENSIONS)}}},
        indent=2))
    page = etc / "labconfig" / "page_config.json"
    page.parent.mkdir(parents=True, exist_ok=True)
    disabled = {ext: True for ext in hubctl.INSTRUCTOR_LAB_EXTENSIONS}
    disabled["@jupyterlab/apputils-extension:announcements"] = True
    disabled.update({ext: True for ext in hubctl.LEARNER_UNUSED_LAB_EXTENSIONS})
    page.write_text(json.dumps({"disabledExtensions": disabled}, indent=2) + "\n")

    # instructors: formgrader back on (the hub puts this folder on JUPYTER_CONFIG_PATH for them)
    instructor = a.opt / "instructor-config"
    (instructor / "labconfig").mkdir(parents=True, exist_ok=True)
    (instructor / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {ext: True for ext in hubctl.INSTRUCTOR_SERVER_EXTENSIONS}}}, indent=2))
    (instructor / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {ext: False for ext in hubctl.INSTRUCTOR_LAB_EXTENSIONS}}, indent=2))

    # fonts: the TTF for plots, the web font + custom.css for JupyterLab (linked as ~/.jupyter/custom)
    fonts = a.opt / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    ttf = a.npm / "@expo-google-fonts" / "noto-sans-sc" / "400Regular" / "NotoSansSC_400Regular.ttf"
    shutil.copy2(ttf, fonts / ttf.name)
    custom = a.opt / "lab-custom"
    hubctl.stage_lab_fonts(a.npm, custom)
    # matplotlib's font list, built once in the image; values.yaml's postStart copies it into
    # ~/.cache/matplotlib (the home is the learner's volume, so it cannot be built there)
    mpl_cache = a.opt / hubctl.MPL_CACHE
    mpl_cache.mkdir(parents=True, exist_ok=True)
    hubctl.run([sys.executable, "-c", "import matplotlib.font_manager"],
               env={**os.environ, "MPLCONFIGDIR": str(mpl_cache)})
    for root in (a.opt, etc):
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    print(f"course image set up: {lessons}, {etc}, {instructor}, {custom}")


if __name__ == "__main__":
    main()
