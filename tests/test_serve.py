"""The nightly crawl → build: its deployment and schedule, and one real run, through
Prefect's own API (a temporary Prefect server from Prefect's test harness)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness

from tests.conftest import ROOT
from tests.fake_portals import FakePortals

GONGKAI = ROOT / ".venv" / "bin" / "gongkai"


@pytest.fixture(scope="module")
def prefect_api():
    previous = os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED")
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    try:
        with prefect_test_harness(server_startup_timeout=300):
            yield PREFECT_API_URL.value()
    finally:
        if previous is None:
            os.environ.pop("PREFECT_SERVER_ANALYTICS_ENABLED", None)
        else:
            os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = previous


def read_deployment(name: str, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            try:
                return client.read_deployment_by_name(name)
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)


def test_serve_registers_the_nightly_deployment_on_its_cron(prefect_api: str, tmp_path: Path):
    sources = tmp_path / "sources.toml"
    sources.write_text((ROOT / "sources.example.toml").read_text(encoding="utf-8"),
                       encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=prefect_api, PREFECT_HOME=str(tmp_path / "prefect-home"))
    command = [str(GONGKAI), "serve", "--sources", str(sources), "--archive",
               str(tmp_path / "raw"), "--out", str(tmp_path / "dataset")]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as proc:
        try:
            deployment = read_deployment("gongkai-nightly/nightly")
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
    (schedule,) = deployment.schedules
    assert schedule.schedule.cron == "0 2 * * *"
    assert schedule.schedule.timezone == "Asia/Shanghai"
    assert deployment.parameters == {"sources": str(sources), "archive": str(tmp_path / "raw"),
                                     "out": str(tmp_path / "dataset")}


def test_serve_refuses_a_missing_sources_file(tmp_path: Path):
    result = subprocess.run([str(GONGKAI), "serve", "--sources", str(tmp_path / "none.toml")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and "sources.example.toml" in result.stderr


def test_nightly_flow_crawls_then_builds(prefect_api: str, tmp_path: Path):
    from flows.crawl import nightly_flow

    with FakePortals() as portals:
        sources = tmp_path / "sources.toml"
        sources.write_text(portals.sources_toml(rate=8.0, timeout=1.0, retries=2),
                           encoding="utf-8")
        summary = nightly_flow(sources=str(sources), archive=str(tmp_path / "raw"),
                               out=str(tmp_path / "dataset"))
    reports = pd.read_parquet(tmp_path / "dataset" / "reports")
    assert set(reports["source_uri"]) == set(portals.documents)
    assert summary.n_parsed == len(portals.documents)
    assert (tmp_path / "dataset" / "fetches").exists()
    response = httpx.post(f"{prefect_api}/flows/filter", json={"limit": 50}, timeout=30)
    response.raise_for_status()
    flows = {f["name"] for f in response.json()}
    # The nightly flow ran, with the crawl and the build as its subflows.
    assert {"gongkai-nightly", "gongkai-crawl", "gongkai-build"} <= flows


def test_the_nightly_build_reads_with_a_parser_per_worker(prefect_api: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch):
    """The nightly's build is laid out as ``gongkai build`` lays it out: with enough new
    documents, one parser process per worker, not one for the whole build."""
    from flows.crawl import nightly_flow
    from tests.conftest import seed_paths
    from transform import isolation
    from transform.isolation import ParserProcess

    local = tmp_path / "local"
    local.mkdir()
    seeds = seed_paths()
    for i in range(40):  # distinct bytes: 40 documents besides the crawled ones
        seed = seeds[i % len(seeds)]
        (local / f"{i:02d}{seed.suffix}").write_bytes(seed.read_bytes() + b"\n" * (1 + i))
    starts: list[int] = []
    real_spawn = ParserProcess._spawn

    def counted(self: ParserProcess) -> None:
        starts.append(1)
        real_spawn(self)

    isolation.stop_parsers()
    monkeypatch.setattr(ParserProcess, "_spawn", counted)
    with FakePortals() as portals:
        sources = tmp_path / "sources.toml"
        sources.write_text(portals.sources_toml(rate=8.0, timeout=1.0, retries=2),
                           encoding="utf-8")
        summary = nightly_flow(sources=str(sources), archive=str(tmp_path / "raw"),
                               out=str(tmp_path / "dataset"), inputs=[str(local)], workers=2)
    isolation.stop_parsers()
    assert summary.n_parsed == 40 + len(portals.documents)
    assert len(starts) == 2
