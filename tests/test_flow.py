"""The real Prefect flow, run the way users run it: `gongkai build`, ephemeral, no server."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd

from tests.conftest import ROOT, SAMPLES, run_scorer

GONGKAI = ROOT / ".venv" / "bin" / "gongkai"


def test_gongkai_build_runs_the_flow_quietly_and_scores(tmp_path: Path, shared_tools):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    out = tmp_path / "dataset"
    result = subprocess.run([str(GONGKAI), "build", str(SAMPLES), "--out", str(out)],
                            capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("built 5 documents (ok 5; parsed 5, from cache 0)")
    assert "INFO" not in result.stdout + result.stderr  # quiet unless --verbose
    assert (tmp_path / "prefect-home").exists()  # Prefect really ran, in ephemeral mode
    gold, _ = shared_tools
    assert run_scorer(out, gold).returncode == 0
    assert len(pd.read_parquet(out / "reports")) == 5


def test_cli_reports_missing_input(tmp_path: Path):
    result = subprocess.run([str(GONGKAI), "build", str(tmp_path / "nope"), "--out",
                             str(tmp_path / "o")], capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 2
    assert "input not found" in result.stderr


def test_describe_prints_the_dictionary():
    result = subprocess.run([str(GONGKAI), "describe", "applications"], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert "`denied.safety_stability`" in result.stdout and "危及" in result.stdout
