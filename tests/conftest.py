"""Shared fixtures: the seed reports, the answer keys and built datasets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold" / "seeds"
SCORER = SHARED / "tools" / "score.py"


def seed_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))


@pytest.fixture(scope="session")
def shared_tools() -> tuple[Path, Path]:
    """The answer keys and the scorer; the suite runs with ../shared beside the project."""
    if not (GOLD.is_dir() and SCORER.is_file()):
        pytest.fail(f"expected answer keys and scorer under {SHARED}")
    return GOLD, SCORER


def run_scorer(dataset: Path, gold: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCORER), "--dataset", str(dataset), "--gold", str(gold)],
        capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def seed_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled samples built once (plain functions, no Prefect)."""
    from transform.build import build_dataset

    out = tmp_path_factory.mktemp("seed-dataset") / "dataset"
    build_dataset([SAMPLES], out)
    return out
