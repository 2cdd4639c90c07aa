"""A build killed at any moment (SIGKILL, no cleanup) leaves the published dataset exactly
as it was, and the next build finishes, reusing what the killed ones had read."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from gongkai.synth.reports import write_corpus
from tests.conftest import ROOT, seed_paths
from transform.build import build_dataset, cache_dir
from transform.isolation import IN_PROCESS

KILLS = 6
BUILD = ("import sys; sys.path.insert(0, {root!r}); "
         "from transform.build import build_dataset; "
         "build_dataset([{inputs!r}], {out!r})")


def published_files(out: Path) -> dict[str, bytes]:
    """Every file researchers can reach through ``out``'s stable paths, with its bytes."""
    files = {}
    for entry in sorted(out.iterdir()):
        if entry.name in ("releases", ".cache", ".build.lock"):
            continue
        target = entry.resolve()
        paths = sorted(target.rglob("*")) if target.is_dir() else [target]
        for path in paths:
            if path.is_file():
                files[f"{entry.name}/{path.relative_to(target)}"] = path.read_bytes()
    return files


def n_cached(out: Path) -> int:
    return len(list(cache_dir(out).rglob("*.pickle")))


def start_build(inputs: Path, out: Path) -> subprocess.Popen[bytes]:
    code = BUILD.format(root=str(ROOT), inputs=str(inputs), out=str(out))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    return subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in seed_paths():
        shutil.copy(seed, folder / seed.name)
    return folder


def test_sigkill_at_random_moments_never_touches_the_published_dataset(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    out = tmp_path / "out"
    build_dataset([corpus], out, limits=IN_PROCESS)
    before = published_files(out)
    assert any(name.startswith("reports/") for name in before)

    write_corpus(300, tmp_path / "more", ("txt",), seed=3)
    shutil.copytree(tmp_path / "more" / "reports", corpus / "more")
    moments = random.Random(20261123)
    for run in range(KILLS):
        process = start_build(corpus, out)
        if run == 0:
            # while it starts: importing, planning, hashing the inputs
            time.sleep(moments.uniform(0.1, 1.0))
        else:
            # mid-parse, after a random number of further documents were read and cached
            target = n_cached(out) + moments.randint(5, 40)
            deadline = time.monotonic() + 120
            while n_cached(out) < target and time.monotonic() < deadline \
                    and process.poll() is None:
                time.sleep(0.01)
            time.sleep(moments.uniform(0, 0.05))
        finished = process.poll() is not None
        kill(process)
        assert not finished, f"run {run} finished before it was killed"
        assert published_files(out) == before, f"published files changed by kill {run}"
        assert len(pd.read_parquet(out / "reports")) == 5

    cached = n_cached(out)
    summary = build_dataset([corpus], out)
    assert cached >= 15
    assert summary.published and summary.n_documents == 305
    assert summary.n_cached == cached  # what the killed builds read is kept
    assert summary.n_parsed + summary.n_cached == 305
    assert len(pd.read_parquet(out / "reports")) == 305
    assert not list((out / "releases").glob("*.partial"))
