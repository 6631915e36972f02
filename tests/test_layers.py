"""The three layers import one way only (CONTRIBUTING.md, 「The code's three layers」).

Every module under ``src/shequn`` is parsed with :mod:`ast`; *every* import counts: at module
level and inside functions, ``import a.b``, ``from a import b``, relative imports (resolved
against the module's package) and ``importlib.import_module("...")`` / ``__import__("...")``
with a literal name (an f-string counts by its literal prefix).  The rules:

* the learner package (everything but ``shequn.site``, ``shequn.grading`` and ``shequn.cli``;
  this includes the local check ``shequn.checks``, which the assignments' test cells import on
  the learner's computer) imports none of ``shequn.site``, ``shequn.grading``, ``shequn.cli``;
* ``shequn.site`` and ``shequn.grading`` do not import each other (no edge is allowed today:
  ``ALLOWED`` is empty; an edge that must exist goes there with its reason);
* nothing imports ``shequn.cli``, and ``shequn.cli`` imports layers only inside its commands
  (no ``shequn`` import at module level), so ``shequn font`` needs the learner package only.

The last test imports the local check in a fresh interpreter in which grading, site tooling and
their extras' packages cannot be imported at all.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
# (importer prefix, imported prefix) -> why this cross-layer edge must exist.  Empty: none must.
ALLOWED: dict[tuple[str, str], str] = {}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer(module: str) -> str:
    if _within(module, "shequn.cli"):
        return "cli"
    if _within(module, "shequn.site"):
        return "site"
    if _within(module, "shequn.grading"):
        return "grading"
    return "learner"


def _literal_name(node: ast.expr) -> str | None:
    """The module name a dynamic import asks for, if it is written literally."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        prefix = str(node.values[0].value)  # f"shequn.widgets.{name}" -> shequn.widgets
        return prefix.rsplit(".", 1)[0] if "." in prefix else prefix or None
    return None


def _resolve(name: str, level: int, package: str) -> str:
    if level == 0:
        return name
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports(source: str, module: str, is_package: bool = False) -> list[tuple[str, int, bool]]:
    """``(imported name, line, at module level)`` for every import in ``source``.

    ``from a import b`` yields ``a.b`` (``b`` may be a submodule); relative names are resolved
    against the package of ``module``.
    """
    package = module if is_package else module.rpartition(".")[0]
    tree = ast.parse(source)
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, package)
            names = [f"{base}.{a.name}" if a.name != "*" else base for a in node.names]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__"):
                name = _literal_name(node.args[0])
                if name:
                    names = [_resolve(name.lstrip("."), len(name) - len(name.lstrip(".")), package)]
        found += [(n, node.lineno, id(node) in top) for n in names]
    return found


def violations(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Every import that breaks a layer rule, for ``{module name: (source, is_package)}``."""
    bad = []
    for module, (source, is_package) in sorted(modules.items()):
        mine = layer(module)
        for name, line, at_top in imports(source, module, is_package):
            if not _within(name, "shequn"):
                continue
            theirs = layer(name)
            why = None
            if theirs == "cli" and mine != "cli":
                why = "nothing imports the command line"
            elif mine == "cli" and at_top:
                why = "the command line imports a layer only inside a command"
            elif mine == "learner" and theirs in ("site", "grading"):
                why = "the learner package imports no site tooling or grading"
            elif {mine, theirs} == {"site", "grading"}:
                edge = next((e for e in ALLOWED if _within(module, e[0]) and _within(name, e[1])), None)
                why = None if edge else "site tooling and grading do not import each other"
            if why:
                bad.append(f"{module}:{line} imports {name}: {why}")
    return bad


def package_modules(src: Path = SRC) -> dict[str, tuple[str, bool]]:
    out = {}
    for path in sorted((src / "shequn").rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        out[name] = (path.read_text(encoding="utf-8"), is_package)
    return out


# ----------------------------------------------------------------- the detector itself (synthetic)
OFFENDING = '''
"""A learner-layer model that reaches into the other layers in every way an import can be written."""
import importlib
import shequn.grading.running.local_pool as sched          # line 4
from shequn import cli                            # line 5


def helper():
    from ..site.build import build                # line 9: relative, inside a function
    from .. import grading                        # line 10: a layer as a name
    importlib.import_module("shequn.site.hub")    # line 11
    return __import__(f"shequn.grading.{'export'}")  # line 12: f-string prefix
'''
CLEAN = '''
import importlib
import numpy as np
from shequn import metrics, plotting
from . import networks
from ..data import load_dataset


def widget(name):
    return importlib.import_module(f"shequn.widgets.{name}")
'''


def test_the_detector_flags_each_kind_of_offending_import():
    found = violations({"shequn.models.fake": (OFFENDING, False)})
    by_line = {int(v.split(":")[1].split()[0]): v.split(" imports ")[1].split(":")[0] for v in found}
    assert by_line == {4: "shequn.grading.running.local_pool", 5: "shequn.cli", 9: "shequn.site.build.build",
                       10: "shequn.grading", 11: "shequn.site.hub", 12: "shequn.grading"}, found


def test_the_detector_passes_a_clean_learner_module():
    assert violations({"shequn.models.fake": (CLEAN, False)}) == []
    # the relative imports resolve as Python does: shequn.models.networks, shequn.data.load_dataset
    names = {n for n, _, _ in imports(CLEAN, "shequn.models.fake")}
    assert {"shequn.models.networks", "shequn.data.load_dataset", "shequn.widgets", "shequn.metrics"} <= names


def test_the_detector_flags_site_and_grading_importing_each_other_and_the_cli_at_module_level():
    site = "from shequn.grading.results.export import export_grades\n"
    grading = "def f():\n    from shequn.site import hub\n"
    cli = "import argparse\nfrom shequn.models import connectors\n\ndef cmd():\n    from shequn.site.build import build\n"
    check = "from shequn.grading.trusted.channel import RemoteError\n"  # the local check is learner layer
    found = violations({"shequn.site.fake": (site, False), "shequn.grading.fake": (grading, False),
                        "shequn.cli": (cli, False), "shequn.checks": (check, False)})
    assert [v.split(":")[0] for v in found] == ["shequn.checks", "shequn.cli", "shequn.grading.fake",
                                                "shequn.site.fake"], found
    assert "shequn.cli:2 " in found[1]  # the module-level import only, not the one inside cmd()


# ----------------------------------------------------------------- the real package
def test_the_package_keeps_its_layers():
    modules = package_modules()
    assert violations(modules) == []


def test_the_scan_sees_the_real_import_graph():
    # Guards against a vacuous pass: the scan reads every layer and finds known edges.
    modules = package_modules()
    assert {layer(m) for m in modules} == {"learner", "site", "grading", "cli"}
    assert layer("shequn.checks") == "learner" and "shequn.checks" in modules
    assert not any(_within(m, "shequn.grading.checks") for m in modules)  # one copy of the check API
    edges = {(m, n) for m, (src, pkg) in modules.items() for n, _, _ in imports(src, m, pkg)}
    assert ("shequn.widgets.traffic", "shequn.models.traffic") in edges
    assert ("shequn.models.thresholds", "shequn.models.thresholds.applicants.Applicants") in edges  # relative
    assert ("shequn.widgets", "shequn.widgets") in edges  # import_module(f"shequn.widgets.{...}")
    assert ("shequn.site.sphinxext", "shequn.site.learner_wheel.start_learner_wheel") in edges


# ----------------------------------------------------------------- the local check, as a learner runs it
# sys.modules[name] = None makes every import of name (and of its submodules) raise ImportError.
_WITHOUT_GRADING = """
import sys
for name in ("shequn.grading", "shequn.site", "shequn.cli", "nbgrader", "jupytext", "sphinx", "jupyter_book",
             "nh3"):
    sys.modules[name] = None
from shequn.checks import (CheckFailed, Checks, answer_hash, check_hashed, expect, expect_close,
                           expect_frame_close, expect_type, forbid, grading_seed)

checks = Checks(points=2, name="q")
checks.case("passes", lambda: expect_close(0.1 + 0.2, 0.3, "sum"))
checks.case("fails", lambda: expect(False, "no"))
loaded = sorted(m for m, v in sys.modules.items() if v is not None and m.startswith(("shequn.grading", "shequn.site")))
print(checks.results[1][1], checks.score(), loaded)
"""


def test_the_check_api_imports_in_the_learner_layer_without_grading(tmp_path):
    proc = subprocess.run([sys.executable, "-c", _WITHOUT_GRADING], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # one of two cases passed, out of 2 points; no grading or site module was loaded
    assert proc.stdout.splitlines()[-1] == "False 1.0 []", proc.stdout
