"""Docs that cannot drift from the package: a generated module index, and no dangling module names.

* ``CONTRIBUTING.md`` holds the index of every module under ``src/shequn``, one row each, made from
  the first paragraph of the module's docstring (:func:`module_index`).  The test fails when the
  block between the markers differs from what the package gives now; regenerate it with
  ``.venv/bin/python tests/test_module_index.py``.
* Every module has a docstring (the index is made of them).
* ``README.md``, ``CONTRIBUTING.md`` and the guides name only modules that exist: each
  ``src/shequn/...`` path is a file or folder, and each dotted ``shequn.x.y`` name is a module, or a
  name bound at the top level of one (``shequn.grading.trusted.execute.TrustedExecute``).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
BEGIN = (
    "<!-- module index: generated from the docstrings by tests/test_module_index.py; do not edit by hand -->"
)
END = "<!-- end of the module index -->"
DOCS = (
    "README.md",
    "CONTRIBUTING.md",
    "assignments/README.md",
    "datasets/README.md",
    "deploy/jupyterhub/README.md",
    "deploy/kubernetes/README.md",
    "docs/style_guide.md",
)


def modules(src: Path = SRC) -> dict[str, Path]:
    """``{dotted name: file}`` of every module and package under ``src/shequn``."""
    out = {}
    for path in sorted((src / "shequn").rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def summary(path: Path) -> str | None:
    """The first paragraph of the module's docstring, on one line (None: no docstring)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if not doc:
        return None
    return " ".join(doc.strip().split("\n\n")[0].split())


def module_index(src: Path = SRC) -> str:
    rows = ["| module | what it is (the first paragraph of its docstring) |", "|---|---|"]
    for name, path in modules(src).items():
        text = (summary(path) or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {text} |")
    return "\n".join(rows)


def _block(text: str) -> str | None:
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def write_index(path: Path = CONTRIBUTING) -> None:
    text = path.read_text(encoding="utf-8")
    assert _block(text) is not None, f"{path} has no module index markers"
    head, rest = text.split(BEGIN, 1)
    path.write_text(f"{head}{BEGIN}\n{module_index()}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def _top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def dangling_names(text: str, known: dict[str, Path]) -> list[str]:
    """Dotted ``shequn.…`` names and ``src/shequn/…`` paths in *text* that name nothing in the package."""
    bad = []
    for m in re.finditer(r"(?<![\w./-])shequn(?:\.[A-Za-z_]\w*)+(?![\w/])", text):
        parts = m.group(0).split(".")
        i = next(i for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in known or i == 1)
        prefix = ".".join(parts[:i])
        if prefix not in known:
            bad.append(m.group(0))
        elif i < len(parts) and parts[i] not in _top_level_names(known[prefix]):
            bad.append(m.group(0))
    for m in re.finditer(r"src/shequn(?:/[\w.*-]+)*/?", text):
        path = m.group(0).rstrip("/")
        if "*" not in path and not (ROOT / path).exists():
            bad.append(path)
    return bad


# ----------------------------------------------------------------- the checks on synthetic input
def test_the_dangling_name_check_finds_an_old_module_a_missing_attribute_and_a_missing_path():
    known = modules()
    text = (
        "`shequn.grading.scheduler` ran `shequn.grading.trusted.execute.TrustedExecute`; "
        "`shequn.grading.trusted.execute.NoSuchThing`, `src/shequn/grading/cluster.py`, "
        "`src/shequn/grading/running/` and `shequn.checks`."
    )
    assert dangling_names(text, known) == [
        "shequn.grading.scheduler",
        "shequn.grading.trusted.execute.NoSuchThing",
        "src/shequn/grading/cluster.py",
    ]


def test_the_index_has_one_row_per_module_in_path_order(tmp_path):
    pkg = tmp_path / "shequn"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""The package."""\n')
    (pkg / "sub" / "__init__.py").write_text('"""A sub | package,\nwrapped.\n\nMore."""\n')
    (pkg / "sub" / "mod.py").write_text("x = 1\n")
    assert module_index(tmp_path).splitlines()[2:] == [
        "| `shequn` | The package. |",
        "| `shequn.sub` | A sub \\| package, wrapped. |",
        "| `shequn.sub.mod` |  |",
    ]


# ----------------------------------------------------------------- the real docs
def test_every_module_has_a_docstring():
    assert [name for name, path in modules().items() if not summary(path)] == []


def test_the_module_index_in_contributing_is_the_generated_one():
    block = _block(CONTRIBUTING.read_text(encoding="utf-8"))
    assert block is not None, "CONTRIBUTING.md has lost its module index markers"
    assert block == module_index(), (
        "the module index is stale: run .venv/bin/python tests/test_module_index.py"
    )


def test_the_docs_name_only_modules_that_exist():
    known = modules()
    found = {
        doc: dangling_names((ROOT / doc).read_text(encoding="utf-8"), known)
        for doc in DOCS
        if (ROOT / doc).exists()
    }
    assert {doc: names for doc, names in found.items() if names} == {}


if __name__ == "__main__":
    write_index()
    print(f"module index rewritten in {CONTRIBUTING}", file=sys.stderr)
