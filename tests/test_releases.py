"""Releases: every one described (datapackage.json, README.md, MANIFEST.json), published
only when its quality gates pass, and older ones still readable where they are."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import frictionless
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import ROOT, SAMPLES, seed_paths
from transform.build import build_dataset
from transform.datapackage import datapackage
from transform.schema import PARTITION, TABLES


def test_frictionless_validates_every_table(seed_dataset: Path):
    report = frictionless.validate(str(seed_dataset / "datapackage.json"))
    problems = [(t.name, [e.message for e in t.errors[:3]]) for t in report.tasks
                if not t.valid]
    assert report.valid, problems
    assert {t.name for t in report.tasks} == {n.replace("_", "-") for n in TABLES}


def test_frictionless_cli_agrees(seed_dataset: Path):
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "frictionless"), "validate",
                             "datapackage.json"], cwd=seed_dataset.resolve() / "latest",
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-2000:]


def test_every_column_in_the_data_is_described(seed_dataset: Path):
    package = json.loads((seed_dataset / "datapackage.json").read_text(encoding="utf-8"))
    described = {r["title"]: {f["name"]: f for f in r["schema"]["fields"]}
                 for r in package["resources"]}
    release = (seed_dataset / "latest").resolve()
    for name, spec in TABLES.items():
        files = sorted((release / name).rglob("*.parquet"))
        assert files, name
        in_data = set(pq.read_schema(files[0]).names)
        if spec.partitioned:
            in_data.add(PARTITION)
        assert in_data == set(described[name]), name
        for field in described[name].values():
            assert field["description"].strip(), (name, field["name"])


def test_dataset_readme_and_manifest(seed_dataset: Path):
    readme = (seed_dataset / "README.md").read_text(encoding="utf-8")
    assert "## `applications`" in readme and "Cross-template comparison" in readme
    manifest = json.loads((seed_dataset / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["parser_version"].startswith("0.")
    assert len(manifest["inputs"]) == 5 and all(len(i["sha256"]) == 64
                                                for i in manifest["inputs"])
    assert manifest["row_counts"]["reports"] == 5
    assert set(manifest["checks"]) >= {"applications.balance", "reviews_litigation.total"}
    assert all("share_failed" in c for c in manifest["checks"].values())


def test_a_column_outside_the_registry_cannot_be_written():
    from transform.write import arrow_table

    with pytest.raises(ValueError, match="not in the schema registry"):
        arrow_table("problems", [{"report_id": "x", "stage": "read", "code": "c",
                                  "message": "m", "surprise": 1}])


def test_two_releases_and_a_pinned_older_one(tmp_path: Path):
    out = tmp_path / "out"
    first = build_dataset([seed_paths()[0]], out)
    second = build_dataset([SAMPLES], out)
    assert first.published and second.published and first.release != second.release
    assert len(pd.read_parquet(out / "reports")) == 5  # <out>/<table> reads the newer
    pinned = out / "releases" / first.release.name / "reports"
    assert len(pd.read_parquet(pinned)) == 1  # a notebook pinned to the older one
    assert (out / "latest").resolve() == second.release.resolve()
    assert (out / "current").resolve() == second.release.resolve()


def test_a_regression_is_kept_but_not_published(tmp_path: Path):
    out = tmp_path / "out"
    good = build_dataset([SAMPLES], out)
    folder = tmp_path / "worse"
    shutil.copytree(SAMPLES, folder)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    worse = build_dataset([folder], out)
    assert not worse.published
    assert "share of reports parsed ok fell" in worse.gate_failures[0]
    failed = json.loads((worse.release / "FAILED.json").read_text(encoding="utf-8"))
    assert failed["reasons"] == list(worse.gate_failures)
    assert (out / "latest").resolve() == good.release.resolve()
    assert len(pd.read_parquet(out / "reports")) == 5  # still the good release
    assert worse.release.exists()  # kept for inspection
    forced = build_dataset([folder], out, force=True)
    assert forced.published and len(pd.read_parquet(out / "reports")) == 6


def test_an_unreadable_table_fails_the_gates(tmp_path: Path):
    from transform.gates import quality_gates

    out = tmp_path / "out"
    summary = build_dataset([seed_paths()[0]], out)
    broken = tmp_path / "broken"
    shutil.copytree(summary.release, broken)
    for part in (broken / "checks").rglob("*.parquet"):
        part.write_bytes(b"PAR1 garbage")
    reasons = quality_gates(broken, None)
    assert any(r.startswith("table checks is not readable") for r in reasons)


def test_descriptor_names_every_table_once():
    package = datapackage({"parser_version": "0.1.0+x", "built_at": "2026-01-01T00:00:00"})
    names = [r["title"] for r in package["resources"]]
    assert names == list(TABLES)
