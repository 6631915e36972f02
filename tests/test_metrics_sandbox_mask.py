"""The grading sandbox's mask over the metrics package.

nbgrader_config.py blocks ``shequn.metrics`` for group_analysis: the sandbox binds a stub over it.
"""

from __future__ import annotations

import py_compile
from pathlib import Path
from types import SimpleNamespace

import pytest

from shequn import metrics as M


def test_the_sandbox_mask_covers_the_whole_metrics_package(tmp_path):
    from shequn.grading.sandbox.bubblewrap import Sandbox

    (stub, target), *stale = Sandbox._masks(
        SimpleNamespace(block_modules=("shequn.metrics",), stub_dir=tmp_path / "stubs")
    )
    package = Path(M.__file__).parent
    assert Path(target) == package  # the folder (its modules and its __pycache__), not only __init__.py
    for name in M.__all__:  # every metric is defined in a module inside that folder
        assert Path(getattr(M, name).__code__.co_filename).parent == package, name
    assert sorted(p.name for p in Path(stub).iterdir()) == ["__init__.py", "stub.py"]
    with pytest.raises(ImportError, match="shequn.metrics"):
        exec((Path(stub) / "__init__.py").read_text(encoding="utf-8"), {})
    assert all(Path(dst).parent == package.parent / "__pycache__" for _, dst in stale)


def test_the_sandbox_also_masks_bytecode_left_by_a_module_the_package_replaced(tmp_path, monkeypatch):
    """Before the split, ``metrics.py`` compiled to ``shequn/__pycache__/metrics.*.pyc``: masked too."""
    from shequn.grading.sandbox.bubblewrap import Sandbox

    site = tmp_path / "site"
    (site / "oldmod_probe").mkdir(parents=True)
    (site / "oldmod_probe" / "__init__.py").write_text("X = 1\n", encoding="utf-8")
    (site / "old.py").write_text("def lurker_share():\n    return 1\n", encoding="utf-8")
    stale = site / "__pycache__" / "oldmod_probe.cpython-311.pyc"
    py_compile.compile(str(site / "old.py"), cfile=str(stale))
    (site / "__pycache__" / "other.cpython-311.pyc").write_bytes(b"")
    monkeypatch.syspath_prepend(str(site))
    masks = Sandbox._masks(SimpleNamespace(block_modules=("oldmod_probe",), stub_dir=tmp_path / "stubs"))
    stub = tmp_path / "stubs" / "oldmod_probe"
    assert masks == [[str(stub), str(site / "oldmod_probe")], [str(stub / "stub.py"), str(stale)]]
