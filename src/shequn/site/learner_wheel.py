"""The learner's ``shequn`` wheel, packed at site-build time and offered on the site.

Learners who download a lesson or assignment notebook need the ``shequn`` package; the
site's 「在自己电脑上运行」 page tells them to ``pip install`` this wheel.  It is the
package with its core dependencies only (no ``book``/``grading``/``hub`` extras) plus the
course's CJK font (Noto Sans SC, SIL OFL 1.1), so that plots with Chinese labels work on a
machine without a Chinese font (:func:`shequn.plotting.find_cjk_font` looks for it).

The wheel is built by ``pip wheel --no-deps --no-build-isolation`` from a temporary copy
of the project (the font is added to the copy, never to the repository), so the build
uses the site environment's setuptools and needs no network.  A wheel for unchanged
sources is reused.  The site build starts pip in the background (:func:`start_learner_wheel`)
and collects the wheel once the notebooks have run.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "FONT_SOURCE",
    "PACKAGED_FONT_NAME",
    "WheelBuild",
    "WheelBuildError",
    "build_learner_wheel",
    "start_learner_wheel",
]

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


class WheelBuild:
    """A learner wheel: already built, or being built by ``pip wheel`` in the background."""

    def __init__(
        self,
        done: Path,
        wheel: Path | None = None,
        proc: subprocess.Popen | None = None,
        tmp: tempfile.TemporaryDirectory | None = None,
        cmd: list[str] | None = None,
    ):
        self._done, self._wheel, self._proc, self._tmp, self._cmd = done, wheel, proc, tmp, cmd

    def result(self) -> Path:
        """The wheel (waiting for pip if it is still building); raises :class:`WheelBuildError`."""
        if self._wheel is not None:
            return self._wheel
        if self._proc is None:
            raise WheelBuildError("课程软件包的构建已失败 (the learner wheel build already failed)")
        proc, self._proc = self._proc, None
        try:
            stdout, stderr = proc.communicate()
            built = sorted((Path(self._tmp.name) / "dist").glob("shequn-*.whl"))
            if proc.returncode != 0 or not built:
                raise WheelBuildError(
                    "无法构建课程软件包 (could not build the learner wheel) with "
                    f"`{' '.join(self._cmd[2:])}`; it needs setuptools>=77 in the site environment "
                    f"(`make env`).\n{stdout}\n{stderr}"
                )
            if self._done.parent.exists():
                shutil.rmtree(self._done.parent)  # keep one cached wheel
            self._done.mkdir(parents=True)
            self._wheel = Path(shutil.copy2(built[0], self._done / built[0].name))
            return self._wheel
        finally:
            self._tmp.cleanup()

    def cancel(self) -> None:
        """Stop a build still running (a failed site build) and remove its temporary copy."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None
            self._tmp.cleanup()


def start_learner_wheel(root: Path, cache: Path) -> WheelBuild:
    """Reuse the learner wheel for the project at ``root``, or start building it in the background.

    ``cache`` is a folder the build may keep between runs (e.g. ``_build/learner-wheel``).
    The site build starts it first and collects it (:meth:`WheelBuild.result`) after the
    notebooks have run, so pip works on the core the kernels leave free.
    """
    font_dir = root / FONT_SOURCE
    font = font_dir / _FONT_FILE
    if not font.is_file():
        raise WheelBuildError(f"找不到课程字体 {font} (course font missing): run `make vendor` first.")
    done = cache / _key(root, font)
    wheels = sorted(done.glob("shequn-*.whl"))
    if wheels:
        return WheelBuild(done, wheel=wheels[0])
    tmp = tempfile.TemporaryDirectory(prefix="shequn-wheel-")
    copy = Path(tmp.name) / "project"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(root / name, copy / name)
    shutil.copytree(
        root / "src" / "shequn",
        copy / "src" / "shequn",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    fonts = copy / "src" / "shequn" / "fonts"
    fonts.mkdir()
    shutil.copyfile(font, fonts / PACKAGED_FONT_NAME)
    shutil.copyfile(font_dir / "LICENSE_FONT", fonts / "OFL.txt")
    # Package data beyond pyproject's list: the font and its licence (copy only).
    (copy / "MANIFEST.in").write_text("recursive-include src/shequn/fonts *\n", encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--quiet",
        "--wheel-dir",
        str(Path(tmp.name) / "dist"),
        str(copy),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return WheelBuild(done, proc=proc, tmp=tmp, cmd=cmd)


def build_learner_wheel(root: Path, cache: Path) -> Path:
    """Build (or reuse) the learner wheel for the project at ``root``; return its path."""
    return start_learner_wheel(root, cache).result()
