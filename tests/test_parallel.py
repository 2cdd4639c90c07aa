"""Parsing in worker processes: local parser processes, or an existing Dask cluster by
address, give the same dataset, byte for byte, as one process."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest
from distributed import LocalCluster

from gongkai.synth.reports import write_corpus
from tests.conftest import ROOT
from transform.build import (
    BATCH_SIZE,
    MIN_BATCH,
    DocumentRef,
    plan_batches,
    prefetch_map,
)

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


def test_prefetch_runs_ahead_in_order_and_stops_on_error():
    pulled: list[int] = []
    threads: set[int] = set()

    def units(n: int):
        for i in range(n):
            pulled.append(i)
            yield (i,)

    def work(i: int) -> int:
        threads.add(threading.get_ident())
        if i == 7:
            raise ValueError("unit 7")
        return i * i

    results = prefetch_map(work, units(6), ahead=2)
    assert next(results) == 0 and pulled == [0, 1]  # the next unit is under way already
    assert list(results) == [i * i for i in range(1, 6)]
    assert threads and threading.get_ident() not in threads
    pulled.clear()
    with pytest.raises(ValueError, match="unit 7"):
        list(prefetch_map(work, units(20), ahead=2))
    assert len(pulled) <= 9  # nothing handed out beyond the failure and one more


def test_threads_of_one_worker_share_one_parser(corpus: Path, tmp_path: Path):
    """Two task threads per worker, but only one parser process per worker: while one
    task's batch is read, the other does its Prefect bookkeeping and then waits."""
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect.testing.utilities import prefect_test_harness

    from flows.build import IN_FLIGHT_PER_WORKER, build_flow
    from transform import isolation
    from transform.build import DEFAULT_LIMITS

    isolation.stop_parsers()
    previous = os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    try:
        with prefect_test_harness(server_startup_timeout=300):
            runner = ThreadPoolTaskRunner(max_workers=IN_FLIGHT_PER_WORKER)
            summary = build_flow.with_options(task_runner=runner)(
                inputs=[str(corpus)], out=str(tmp_path / "out"), batch_size=5,
                parallel=True, workers=1, local=True, incremental=False)
        parsers = isolation._IDLE.get(DEFAULT_LIMITS, [])
        assert summary.n_parsed == summary.n_documents >= 40
        assert len(parsers) == 1 and parsers[0].started == 1
    finally:
        isolation.stop_parsers()
        if previous is None:
            os.environ.pop("PREFECT_SERVER_ANALYTICS_ENABLED", None)
        else:
            os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = previous
    expected = parquet_files(tmp_path / "out")
    assert expected
