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
  (no ``shequn`` import at module level but its own modules), so ``shequn font`` needs the
  learner package only.

No import cycles, anywhere: the same imports (function-level ones and those under
``if TYPE_CHECKING:`` included) make a graph of the modules under ``src/shequn`` (an import of a
name counts as an edge to the module that holds it), and networkx finds any cycle in it.  Inside
the learner layer imports go one way too, from the bottom up (:data:`LEARNER_ORDER`): plotting,
metrics, data, models, widgets, the local check; models never import widgets.

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
# the learner layer, bottom up: a module imports its own part or one below it, never one above
# (metrics work on plain tables and import no shequn.data; data's calibration measures with metrics)
LEARNER_ORDER = (
    "shequn.plotting",
    "shequn.metrics",
    "shequn.data",
    "shequn.models",
    "shequn.widgets",
    "shequn.checks",
)


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
            elif mine == "cli" and at_top and theirs != "cli":  # its own modules are no layer
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


def import_graph(modules: dict[str, tuple[str, bool]]):
    """The modules as a networkx DiGraph, an edge per import (to the longest known module that the
    imported name starts with: ``from shequn.data import Dataset`` is an edge to ``shequn.data``)."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, (source, is_package) in modules.items():
        for name, line, _ in imports(source, module, is_package):
            parts = name.split(".")
            target = next(
                (".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in modules),
                None,
            )
            if target is not None and target != module:  # import_module(f"{own package}.{x}") is no cycle
                graph.add_edge(module, target, line=line)
    return graph


def import_cycles(modules: dict[str, tuple[str, bool]], limit: int = 20) -> list[list[str]]:
    """Up to *limit* import cycles, each as ``[a, b, ..., a]`` with the line of each import."""
    import itertools

    import networkx as nx

    graph = import_graph(modules)
    found = []
    for cycle in itertools.islice(nx.simple_cycles(graph), limit):
        found.append(
            [f"{a}:{graph.edges[a, b]['line']}" for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True)]
            + [cycle[0]]
        )
    return found


def learner_rank(module: str) -> int | None:
    """A learner module's place in :data:`LEARNER_ORDER` (None: outside it, e.g. the package root)."""
    return next((i for i, part in enumerate(LEARNER_ORDER) if _within(module, part)), None)


def upward_imports(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Every learner import of a part above the importer's own (models importing widgets...)."""
    bad = []
    for module, (source, is_package) in sorted(modules.items()):
        mine = learner_rank(module) if layer(module) == "learner" else None
        if mine is None:
            continue
        for name, line, _ in imports(source, module, is_package):
            theirs = learner_rank(name)
            if theirs is not None and theirs > mine:
                bad.append(
                    f"{module}:{line} imports {name}: {LEARNER_ORDER[mine]} is below {LEARNER_ORDER[theirs]}"
                )
    return bad


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
CLEAN = """
import importlib
import numpy as np
from shequn import metrics, plotting
from . import networks
from ..data import load_dataset


def widget(name):
    return importlib.import_module(f"shequn.widgets.{name}")
"""


def test_the_detector_flags_each_kind_of_offending_import():
    found = violations({"shequn.models.fake": (OFFENDING, False)})
    by_line = {int(v.split(":")[1].split()[0]): v.split(" imports ")[1].split(":")[0] for v in found}
    assert by_line == {
        4: "shequn.grading.running.local_pool",
        5: "shequn.cli",
        9: "shequn.site.build.build",
        10: "shequn.grading",
        11: "shequn.site.hub",
        12: "shequn.grading",
    }, found


def test_the_detector_passes_a_clean_learner_module():
    assert violations({"shequn.models.fake": (CLEAN, False)}) == []
    # the relative imports resolve as Python does: shequn.models.networks, shequn.data.load_dataset
    names = {n for n, _, _ in imports(CLEAN, "shequn.models.fake")}
    assert {"shequn.models.networks", "shequn.data.load_dataset", "shequn.widgets", "shequn.metrics"} <= names


def test_the_detector_flags_site_and_grading_importing_each_other_and_the_cli_at_module_level():
    site = "from shequn.grading.results.export import export_grades\n"
    grading = "def f():\n    from shequn.site import hub\n"
    cli = (
        "import argparse\nfrom shequn.models import connectors\n\n"
        "def cmd():\n    from shequn.site.build import build\n"
    )
    check = "from shequn.grading.trusted.channel import RemoteError\n"  # the local check is learner layer
    found = violations(
        {
            "shequn.site.fake": (site, False),
            "shequn.grading.fake": (grading, False),
            "shequn.cli": (cli, False),
            "shequn.checks": (check, False),
        }
    )
    assert [v.split(":")[0] for v in found] == [
        "shequn.checks",
        "shequn.cli",
        "shequn.grading.fake",
        "shequn.site.fake",
    ], found
    assert "shequn.cli:2 " in found[1]  # the module-level import only, not the one inside cmd()


CYCLE = {  # a -> b (inside a function) -> c (type-only) -> a; d imports a, outside the cycle
    "shequn.grading.a": ("from shequn.grading import b\n", False),
    "shequn.grading.b": ("def f():\n    from shequn.grading.c import C\n", False),
    "shequn.grading.c": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import shequn.grading.a\n",
        False,
    ),
    "shequn.grading.d": ("import shequn.grading.a\n", False),
    "shequn.grading": ("", True),
}


def test_the_cycle_finder_finds_a_cycle_through_function_level_and_type_only_imports():
    cycles = import_cycles(CYCLE)
    assert len(cycles) == 1, cycles
    cycle = cycles[0]
    start = cycle.index(next(c for c in cycle if c.startswith("shequn.grading.a:")))
    assert cycle[start:-1] + cycle[:start] == [
        "shequn.grading.a:1",
        "shequn.grading.b:2",
        "shequn.grading.c:3",
    ], cycle
    # without the type-only import there is none
    acyclic = {**CYCLE, "shequn.grading.c": ("X = 1\n", False)}
    assert import_cycles(acyclic) == []


def test_the_learner_order_flags_a_model_importing_a_widget():
    modules = {
        "shequn.models.fake": ("def f():\n    from shequn.widgets import traffic\n", False),
        "shequn.widgets.fake": ("from shequn.models import traffic\nimport shequn.plotting\n", False),
        "shequn.checks": ("from shequn.models import thresholds\n", False),
        "shequn.metrics.fake": ("import shequn.data.load\n", False),
    }
    found = upward_imports(modules)
    assert [v.split(" imports ")[0] for v in found] == ["shequn.metrics.fake:1", "shequn.models.fake:2"], (
        found
    )


# ----------------------------------------------------------------- the real package
def test_the_package_keeps_its_layers():
    modules = package_modules()
    assert violations(modules) == []


def test_no_module_is_part_of_an_import_cycle():
    assert import_cycles(package_modules()) == []


def test_the_learner_layer_imports_from_the_bottom_up():
    modules = package_modules()
    assert upward_imports(modules) == []
    # guards against a vacuous pass: every part of the order holds modules, and models use data
    assert all(any(_within(m, part) for m in modules) for part in LEARNER_ORDER)
    assert ("shequn.models.lifecycle", "shequn.metrics") in {
        (a, b[: len("shequn.metrics")]) for a, b in import_graph(modules).edges
    }


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
loaded = sorted(m for m, v in sys.modules.items()
                if v is not None and m.startswith(("shequn.grading", "shequn.site")))
print(checks.results[1][1], checks.score(), loaded)
"""  # noqa: E501 (code run in a fresh interpreter)


def test_the_check_api_imports_in_the_learner_layer_without_grading(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", _WITHOUT_GRADING], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    # one of two cases passed, out of 2 points; no grading or site module was loaded
    assert proc.stdout.splitlines()[-1] == "False 1.0 []", proc.stdout
