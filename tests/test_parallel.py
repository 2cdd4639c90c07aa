"""Parsing in worker processes: local parser processes, or an existing Dask cluster by
address, give the same dataset, byte for byte, as one process."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from distributed import LocalCluster

from gongkai.synth.reports import write_corpus
from tests.conftest import ROOT
from transform.build import BATCH_SIZE, MIN_BATCH, DocumentRef, plan_batches

GONGKAI = ROOT / ".venv" / "bin" / "gongkai"


def parquet_files(out: Path) -> dict[str, bytes]:
    release = (out / "latest").resolve()
    return {str(p.relative_to(release)): p.read_bytes() for p in sorted(release.rglob("*.parquet"))}


def build(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    env["SOURCE_DATE_EPOCH"] = "1700000000"
    return subprocess.run([str(GONGKAI), "build", *args], capture_output=True, text=True,
                          env=env, timeout=600, check=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parallel")
    write_corpus(40, folder / "synth", ("txt", "html"), seed=9)
    return folder / "synth" / "reports"


def test_local_workers_and_a_cluster_give_the_same_bytes(corpus: Path, tmp_path: Path):
    one = build([str(corpus), "--out", str(tmp_path / "one"), "--workers", "1"],
                tmp_path / "home")
    assert one.returncode == 0, one.stderr[-3000:]
    two = build([str(corpus), "--out", str(tmp_path / "two"), "--workers", "2"],
                tmp_path / "home")
    assert two.returncode == 0, two.stderr[-3000:]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        remote = build([str(corpus), "--out", str(tmp_path / "dask"), "--dask-address",
                        cluster.scheduler_address], tmp_path / "home")
        assert remote.returncode == 0, remote.stderr[-3000:]
        # The cluster's own two workers did the parsing.
        with cluster.get_client() as client:
            processed = client.run(lambda: __import__("sys").modules.get("transform.report")
                                   is not None)
        assert len(processed) == 2 and all(processed.values())
    expected = parquet_files(tmp_path / "one")
    assert expected and parquet_files(tmp_path / "two") == expected
    assert parquet_files(tmp_path / "dask") == expected
    assert "built 40 documents" in two.stdout


def test_batches_keep_every_worker_busy():
    refs = [DocumentRef(uri=str(i), path=str(i), ingested_at=None) for i in range(1000)]
    batches = plan_batches(refs, workers=2)
    assert [r for b in batches for r in b] == refs
    assert max(len(b) for b in batches) <= BATCH_SIZE and len(batches) >= 8
    many = plan_batches(refs * 10, workers=2)
    assert max(len(b) for b in many) == BATCH_SIZE
    # small corpora: still one batch per worker, but no batch smaller than MIN_BATCH
    few = plan_batches(refs[:10], workers=2)
    assert len(few) == 2 and [r for b in few for r in b] == refs[:10]
    some = plan_batches(refs[:100], workers=2)
    assert min(len(b) for b in some) >= MIN_BATCH and len(some) >= 2
