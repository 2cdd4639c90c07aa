"""Publishing to an object store: a real S3 API server on 127.0.0.1 (moto in server mode).

A release is uploaded whole under ``releases/<id>/`` and only then does the ``LATEST``
object name it; researchers load it with ``gongkai.load`` or query it with ``gongkai sql``
straight from the bucket.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, run_scorer

GONGKAI = ROOT / ".venv" / "bin" / "gongkai"
BUCKET = "gongkai-test"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    import s3fs

    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": s3_server}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem()
    if not fs.exists(BUCKET):
        fs.mkdir(BUCKET)
    yield fs
    fs.rm(f"{BUCKET}/*", recursive=True)
    s3fs.S3FileSystem.clear_instance_cache()


def test_build_publishes_to_s3_and_researchers_read_it(s3, tmp_path: Path, shared_tools,
                                                      monkeypatch: pytest.MonkeyPatch):
    import tempfile

    from gongkai.load import load, releases
    from gongkai.sql import connect
    from transform.build import build_dataset

    staging = tmp_path / "tmp"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    url = f"s3://{BUCKET}/dataset"
    first = build_dataset([SAMPLES], url, cache=tmp_path / "cache")
    assert first.published and first.n_parsed == 5
    name = s3.cat(f"{BUCKET}/dataset/LATEST").decode().strip()
    assert str(first.release).endswith(name)
    assert s3.exists(f"{BUCKET}/dataset/releases/{name}/MANIFEST.json")
    assert load("reports", url)["report_id"].nunique() == 5
    apps = load("applications", url)
    assert len(apps) > 500 and apps["org_name"].notna().all()
    assert connect(url).execute("select count(*) from reports").fetchone()[0] == 5

    # The bucket's release, downloaded, scores like a local build.
    local = tmp_path / "downloaded"
    s3.get(f"{BUCKET}/dataset/releases/{name}", str(local), recursive=True)
    gold, _ = shared_tools
    result = run_scorer(local, gold)
    assert "cells 999/999" in result.stdout and "missing 0" in result.stdout, result.stdout

    # Nothing new: nothing is written; a full rebuild is a second release, switched to
    # only once it is complete.
    again = build_dataset([SAMPLES], url, cache=tmp_path / "cache")
    assert again.unchanged and releases(url) == [name]
    full = build_dataset([SAMPLES], url, incremental=False)
    assert full.n_parsed == 5
    assert releases(url) == sorted([name, str(full.release).rsplit("/", 1)[-1]])
    assert s3.cat(f"{BUCKET}/dataset/LATEST").decode().strip() != name
    assert not list(staging.iterdir())  # local staging folders are gone


def test_cli_builds_onto_s3_through_the_flow(s3, s3_server: str, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "home"), AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_ENDPOINT_URL=s3_server, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    url = f"s3://{BUCKET}/cli"
    result = subprocess.run([str(GONGKAI), "build", str(SAMPLES), "--out", url],
                            capture_output=True, text=True, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "built 5 documents" in result.stdout
    name = s3.cat(f"{BUCKET}/cli/LATEST").decode().strip()
    assert s3.exists(f"{BUCKET}/cli/releases/{name}/reports")
    # Per-document results of a remote dataset are cached on this machine.
    assert list((tmp_path / "xdg" / "gongkai").rglob("*.pickle"))
