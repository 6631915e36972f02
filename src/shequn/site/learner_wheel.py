"""The learner's ``shequn`` wheel, packed at site-build time and offered on the site.

Learners who download a lesson or assignment notebook need the ``shequn`` package; the
site's 「在自己电脑上运行」 page tells them to ``pip install`` this wheel.  It is the
package with its core dependencies only (no ``book``/``grading``/``hub`` extras) plus the
course's CJK font (Noto Sans SC, SIL OFL 1.1), so that plots with Chinese labels work on a
machine without a Chinese font (:func:`shequn.plotting.find_cjk_font` looks for it).

The wheel is built by ``pip wheel --no-deps --no-build-isolation`` from a temporary copy
of the project (the font is added to the copy, never to the repository), so the build
uses the site environment's setuptools and needs no network.  A wheel for unchanged
sources is reused.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["FONT_SOURCE", "PACKAGED_FONT_NAME", "WheelBuildError", "build_learner_wheel"]

FONT_SOURCE = Path("vendor/node_modules/@expo-google-fonts/noto-sans-sc")
_FONT_FILE = "400Regular/NotoSansSC_400Regular.ttf"
PACKAGED_FONT_NAME = "NotoSansSC-Regular.ttf"  # under shequn/fonts/ in the wheel


class WheelBuildError(RuntimeError):
    """The learner wheel could not be built; the message says why and what to run."""


def _sources(root: Path) -> list[Path]:
    package = root / "src" / "shequn"
    files = [root / "pyproject.toml", root / "README.md"]
    files += sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return files


def _key(root: Path, font: Path) -> str:
    digest = hashlib.sha256()
    for path in _sources(root):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    digest.update(f"{font.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def build_learner_wheel(root: Path, cache: Path) -> Path:
    """Build (or reuse) the learner wheel for the project at ``root``; return its path.

    ``cache`` is a folder the build may keep between runs (e.g. ``_build/learner-wheel``).
    """
    font_dir = root / FONT_SOURCE
    font = font_dir / _FONT_FILE
    if not font.is_file():
        raise WheelBuildError(f"找不到课程字体 {font} (course font missing): run `make vendor` first.")
    key = _key(root, font)
    done = cache / key
    wheels = sorted(done.glob("shequn-*.whl"))
    if wheels:
        return wheels[0]
    with tempfile.TemporaryDirectory(prefix="shequn-wheel-") as tmp:
        copy = Path(tmp) / "project"
        copy.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, copy / name)
        shutil.copytree(root / "src" / "shequn", copy / "src" / "shequn",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        fonts = copy / "src" / "shequn" / "fonts"
        fonts.mkdir()
        shutil.copyfile(font, fonts / PACKAGED_FONT_NAME)
        shutil.copyfile(font_dir / "LICENSE_FONT", fonts / "OFL.txt")
        # Package data beyond pyproject's list: the font and its licence (copy only).
        (copy / "MANIFEST.in").write_text("recursive-include src/shequn/fonts *\n", encoding="utf-8")
        out = Path(tmp) / "dist"
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
               "--wheel-dir", str(out), str(copy)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        built = sorted(out.glob("shequn-*.whl"))
        if proc.returncode != 0 or not built:
            raise WheelBuildError(
                "无法构建课程软件包 (could not build the learner wheel) with "
                f"`{' '.join(cmd[2:])}`; it needs setuptools>=77 in the site environment "
                f"(`make env`).\n{proc.stdout}\n{proc.stderr}")
        if done.parent.exists():
            shutil.rmtree(done.parent)  # keep one cached wheel
        done.mkdir(parents=True)
        return Path(shutil.copy2(built[0], done / built[0].name))
