"""Building datasets: bad input, determinism, atomic publication, readers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest

from tests.conftest import SAMPLES, run_scorer
from transform import write
from transform.build import build_dataset
from transform.schema import TABLES


def parquet_bytes(out: Path) -> dict[str, bytes]:
    current = (out / "current").resolve()
    return {str(p.relative_to(current)): p.read_bytes() for p in sorted(current.rglob("*.parquet"))}


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES, folder / "seeds")
    return folder


def test_seeds_score_perfectly(seed_dataset: Path, shared_tools):
    gold, _ = shared_tools
    result = run_scorer(seed_dataset, gold)
    assert result.returncode == 0, result.stdout
    assert "(100.00%)" in result.stdout and "missing 0" in result.stdout


def test_bad_inputs_leave_failed_or_unknown_rows_and_the_rest_builds(inputs: Path, shared_tools):
    bad = inputs / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "random.docx").write_bytes(os.urandom(4096))
    (bad / "notice.txt").write_text("关于召开安全生产会议的通知\n各村委会：定于下周一召开会议。\n",
                                    encoding="utf-8")
    (bad / "fake.html").write_bytes(b"<html><body><p>\xff\xfe\xfa broken</p></body></html>")
    out = inputs.parent / "out"
    build_dataset([inputs], out)
    reports = pd.read_parquet(out / "reports")
    problems = pd.read_parquet(out / "problems")
    by_name = {Path(u).name: r for u, r in zip(reports.source_uri, reports.itertuples(),
                                                strict=True)}
    assert len(reports) == 9
    assert by_name["empty.txt"].parse_status == "failed"
    assert by_name["random.docx"].parse_status == "failed"
    assert by_name["notice.txt"].template == "unknown"
    for name in ("empty.txt", "random.docx", "notice.txt", "fake.html"):
        rid = by_name[name].report_id
        assert (problems.report_id == rid).any(), name
        assert by_name[name].n_warnings == (problems.report_id == rid).sum()
    assert str(by_name["empty.txt"].report_year) == "0"
    codes = set(problems[problems.report_id == by_name["empty.txt"].report_id].code)
    assert codes == {"empty_file"}
    gold, _ = shared_tools
    assert run_scorer(out, gold).returncode == 0


def test_two_builds_are_byte_identical(inputs: Path):
    first, second = inputs.parent / "a", inputs.parent / "b"
    build_dataset([inputs], first)
    build_dataset([inputs], second)
    a, b = parquet_bytes(first), parquet_bytes(second)
    assert set(a) == {f"{name}/{p}" for name in TABLES
                      for p in [q.split("/", 1)[1] for q in a if q.startswith(name + "/")]}
    assert a == b and len(a) >= len(TABLES)


def test_rebuild_switches_release_atomically_and_keeps_old_on_failure(inputs: Path, monkeypatch):
    out = inputs.parent / "out"
    build_dataset([inputs], out)
    before = parquet_bytes(out)
    release = (out / "current").resolve()
    (inputs / "seeds" / "000_70fa6f47cc259a0c.txt").unlink()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(write.pq, "ParquetWriter", explode)
    with pytest.raises(OSError):
        build_dataset([inputs], out)
    assert (out / "current").resolve() == release
    assert parquet_bytes(out) == before
    assert not list((out / "releases").glob("*.partial"))
    monkeypatch.undo()
    build_dataset([inputs], out)
    assert len(pd.read_parquet(out / "reports")) == 4
    assert (out / "current").resolve() != release


def test_tables_read_with_pandas_pyarrow_and_duckdb(seed_dataset: Path):
    for name, spec in TABLES.items():
        frame = pd.read_parquet(seed_dataset / name)
        assert set(spec.column_names) <= set(frame.columns), name
        dataset = ds.dataset(seed_dataset / name, format="parquet", partitioning="hive")
        assert dataset.count_rows() == len(frame)
    con = duckdb.connect()
    path = str(seed_dataset / "applications" / "**" / "*.parquet")
    n, years = con.execute(
        f"select count(*), count(distinct report_year) from read_parquet('{path}', "
        "hive_partitioning = true)").fetchone()
    assert n == len(pd.read_parquet(seed_dataset / "applications")) and years == 3


def test_identical_files_are_one_report(tmp_path: Path):
    seed = next(SAMPLES.glob("*.txt"))
    (tmp_path / "in").mkdir()
    shutil.copy(seed, tmp_path / "in" / "a.txt")
    shutil.copy(seed, tmp_path / "in" / "b.txt")
    build_dataset([tmp_path / "in"], tmp_path / "out")
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    problems = pd.read_parquet(tmp_path / "out" / "problems")
    assert len(reports) == 1
    assert "identical_source" in set(problems.code)


def test_tables_are_read_back_in_chunks_of_whole_reports(tmp_path: Path):
    """The corpus phases read the terms and sections back in chunks of about a given
    size, never splitting a report, even out of one large record batch of a file."""
    import pyarrow as pa

    from transform.plan import BuildPlan
    from transform.release import ReleaseBuilder

    rows = {"report_id": [], "section": [], "term": [], "count": [], "pos": [],
            "report_year": []}
    for i in range(300):  # 300 reports of 1 to 40 rows, two years
        for j in range(1 + (i * 7) % 40):
            rows["report_id"].append(f"r{i:04d}")
            rows["section"].append("overview")
            rows["term"].append(f"t{j}")
            rows["count"].append(1)
            rows["pos"].append(None)
            rows["report_year"].append(2020 + i % 2)
    table = pa.table(rows)
    builder = ReleaseBuilder(BuildPlan(refs=(), terms="cut", digest=""), tmp_path)
    builder.writers["terms"].append(table)
    builder.close_documents()
    whole = pa.concat_tables(builder.chunks("terms", 10**9, ["report_id", "term"]))
    chunks = list(builder.chunks("terms", 500, ["report_id", "term"]))
    assert len(chunks) >= table.num_rows // 540
    assert pa.concat_tables(chunks).equals(whole) and whole.num_rows == table.num_rows
    seen: set[str] = set()
    for chunk in chunks:
        ids = set(chunk.column("report_id").to_pylist())
        assert not ids & seen  # no report in two chunks
        seen |= ids
    assert all(500 <= c.num_rows < 540 for c in chunks[:-1])
