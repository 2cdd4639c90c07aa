"""The code base is ruff clean (the same rules CI and contributors use)."""

from __future__ import annotations

import subprocess

from tests.conftest import ROOT


def test_ruff_clean():
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "ruff"), "check", "."], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
