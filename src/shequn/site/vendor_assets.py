"""The vendored front-end assets, staged for the site: nothing on a page comes from a CDN.

require.js, the Jupyter widgets HTML manager (split into the modules the explorers use,
:func:`shequn.site.explorers.split_widget_bundle`) and MathJax are copied from
``vendor/node_modules`` (``make vendor``: npm, ``vendor/package.json``) into ``_static/offline/``
by :mod:`shequn.site.sphinxext`.  A missing asset is a build error that says which command
installs it.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from sphinx.errors import ConfigError

from shequn.site.explorers import split_widget_bundle

__all__ = ["VENDOR_FILES", "WIDGET_BUNDLE", "stage_vendor_assets"]

_SPLIT_VERSION = "2"  # bump when split_widget_bundle changes what it writes
# (source under vendor/node_modules, destination under _static/vendor, glob)
VENDOR_FILES: tuple[tuple[str, str, str], ...] = (
    ("requirejs", "requirejs", "require.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager", "*.js"),
    ("@jupyter-widgets/html-manager/dist", "html-manager", "*.woff2"),
    ("@jupyter-widgets/html-manager/dist", "html-manager", "*.woff"),
    ("@jupyter-widgets/html-manager/dist", "html-manager", "*.ttf"),
    ("@jupyter-widgets/html-manager/dist", "html-manager", "*.eot"),
    ("@jupyter-widgets/html-manager/dist", "html-manager", "*.svg"),
    ("@jupyter-widgets/html-manager/dist", "html-manager", "*.txt"),
    # MathJax: the TeX→CHTML component and what it may load at run time.
    ("mathjax/es5", "mathjax", "tex-chtml.js"),
    ("mathjax/es5", "mathjax", "output/chtml/**/*"),
    ("mathjax/es5", "mathjax", "input/tex/extensions/**/*"),
    ("mathjax/es5", "mathjax", "ui/**/*"),
    ("mathjax/es5", "mathjax", "a11y/**/*"),
    ("mathjax/es5", "mathjax", "sre/**/*"),
    ("mathjax/es5", "mathjax", "adaptors/**/*"),
)
# The Chinese web font is not staged whole: each page gets its own subset (shequn.site.font_subset).
WIDGET_BUNDLE = "html-manager/libembed-amd.js"  # split into html-manager/libembed-amd-<module>.js


def _fingerprint(node_modules: Path) -> str:
    lock = node_modules.parent / "package-lock.json"
    return hashlib.sha256(lock.read_bytes()).hexdigest() if lock.exists() else "no-lock"


def stage_vendor_assets(node_modules: Path, staging: Path) -> Path:
    """Copy the vendored files into ``staging/vendor``; reuse an up-to-date copy."""
    if not node_modules.is_dir():
        raise ConfigError(
            f"找不到前端资源目录 {node_modules} (vendored assets missing): run `make vendor` "
            "(npm ci in vendor/) before building the site."
        )
    target = staging / "offline"
    stamp = staging / ".fingerprint"
    fingerprint = (
        _fingerprint(node_modules)
        + hashlib.sha256(repr((VENDOR_FILES, WIDGET_BUNDLE, _SPLIT_VERSION)).encode()).hexdigest()
    )
    if stamp.exists() and stamp.read_text() == fingerprint and target.is_dir():
        return staging
    if target.exists():
        shutil.rmtree(target)
    for src, dest, pattern in VENDOR_FILES:
        src_dir = node_modules / src
        matched = [p for p in src_dir.glob(pattern) if p.is_file() and not p.name.endswith(".map")]
        if not matched:
            raise ConfigError(f"vendored asset missing: {src_dir}/{pattern}; run `make vendor`.")
        for p in matched:
            out = target / dest / p.relative_to(src_dir)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, out)
    bundle = target / WIDGET_BUNDLE
    try:
        split_widget_bundle(bundle, bundle.parent)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    stamp.write_text(fingerprint)
    return staging
