"""Shared helpers of the import tests (not a test module)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

from shequn.data import load_dataset

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "exports"


def copy_fixture(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(FIXTURES / name, target)
    return target


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "shequn.cli", *args], capture_output=True, text=True, cwd=ROOT
    )


def per_day(ds) -> dict[str, int]:
    days = ds.messages["sent_at"].dt.strftime("%Y-%m-%d")
    return {d: int(n) for d, n in days.value_counts().sort_index().items()}


def lurkers(ds) -> int:
    return int((~ds.members["member_id"].isin(ds.messages["sender_id"])).sum())


def counts(ds) -> dict:
    """The counts every import test checks, computed from the loaded tables with plain pandas."""
    return {
        "members": len(ds.members),
        "types": {k: int(v) for k, v in ds.messages["type"].value_counts().items()},
        "lurkers": lurkers(ds),
        "left": int(ds.members["left_at"].notna().sum()),
        "red_packets": len(ds.red_packets),
    }


def load(out: Path):
    return load_dataset(out)


def events(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "events.csv", dtype=str, keep_default_na=False)
