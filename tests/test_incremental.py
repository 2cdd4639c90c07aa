"""Incremental builds: only documents this parser has not read are parsed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import transform.cache
from tests.conftest import SAMPLES, seed_paths
from transform.build import build_dataset, cache_dir
from transform.isolation import IN_PROCESS
from transform.parser_version import parser_version


def parquet_bytes(out: Path) -> dict[str, bytes]:
    current = (out / "current").resolve()
    return {str(p.relative_to(current)): p.read_bytes()
            for p in sorted(current.rglob("*.parquet"))}


def test_rebuild_reads_nothing_new_and_publishes_the_same_bytes(tmp_path: Path):
    out = tmp_path / "out"
    first = build_dataset([SAMPLES], out)
    assert (first.n_parsed, first.n_cached) == (5, 0)
    before = parquet_bytes(out)
    second = build_dataset([SAMPLES], out)
    assert second.unchanged and (second.n_parsed, second.n_cached) == (0, 0)
    assert second.release == first.release and parquet_bytes(out) == before
    third = build_dataset([SAMPLES], out, rebuild=True)
    assert not third.unchanged and (third.n_parsed, third.n_cached) == (0, 5)
    assert third.release != first.release and parquet_bytes(out) == before


def test_new_documents_only_and_a_broken_entry_is_read_again(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    first_two = seed_paths()[:2]
    for seed in first_two:
        shutil.copy(seed, folder / seed.name)
    out = tmp_path / "out"
    assert build_dataset([folder], out).n_parsed == 2
    for seed in seed_paths()[2:]:
        shutil.copy(seed, folder / seed.name)
    grown = build_dataset([folder], out)
    assert (grown.n_parsed, grown.n_cached) == (3, 2)
    entry = next(cache_dir(out).rglob("*.pickle"))
    entry.write_bytes(b"not a pickle")
    assert build_dataset([folder], out, rebuild=True).n_parsed == 1


def test_a_new_parser_reads_everything_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # parsed in this process (no limits), so that the patched fingerprint is the one used
    out = tmp_path / "out"
    build_dataset([SAMPLES], out, limits=IN_PROCESS)
    monkeypatch.setattr(transform.cache, "parser_fingerprint", lambda: "f" * 64)
    again = build_dataset([SAMPLES], out, rebuild=True, limits=IN_PROCESS)
    assert (again.n_parsed, again.n_cached) == (5, 0)


def test_full_build_ignores_the_cache(tmp_path: Path):
    out = tmp_path / "out"
    build_dataset([SAMPLES], out)
    assert build_dataset([SAMPLES], out, incremental=False).n_parsed == 5


def test_parser_version_names_release_and_fingerprint():
    version = parser_version()
    release, fingerprint = version.split("+")
    assert release.count(".") == 2 and len(fingerprint) == 12


def test_the_command_decides_before_loading_prefect(tmp_path: Path):
    """``gongkai build`` with nothing new never loads Prefect; with something new it
    has started its parser processes by the time it loads it (the two loads overlap)."""
    import subprocess
    import sys

    out = tmp_path / "out"
    build_dataset([SAMPLES], out)
    script = (
        "import sys\n"
        "import transform.isolation as iso\n"
        "import flows.launch as launch\n"
        "seen = []\n"
        "shape_run = launch.shape_run\n"
        "def watched(*a, **k):\n"
        "    shape = shape_run(*a, **k)\n"
        "    seen.append(('prefect' in sys.modules, sum(map(len, iso._IDLE.values()))))\n"
        "    return shape\n"
        "launch.shape_run = watched\n"
        "from gongkai.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print('RESULT', code, seen, 'prefect' in sys.modules)\n")
    run = [sys.executable, "-c", script, "build", str(SAMPLES), "--out", str(out)]
    done = subprocess.run(run, capture_output=True, text=True, check=True)
    assert "RESULT 0 [(False, 0)] False" in done.stdout  # up to date: nothing loaded
    (tmp_path / "extra.txt").write_bytes(seed_paths()[0].read_bytes() + b"\n")
    run[4:5] = [str(SAMPLES), str(tmp_path / "extra.txt"), "--workers", "1"]
    done = subprocess.run(run, capture_output=True, text=True, check=True)
    assert "RESULT 0 [(False, 1)] True" in done.stdout, done.stdout + done.stderr


def test_nothing_new_starts_no_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import flows.build

    out = tmp_path / "out"
    first = build_dataset([SAMPLES], out)

    class FlowStarted(Exception):
        pass

    def tripwire(**_: object) -> None:
        raise FlowStarted

    monkeypatch.setattr(flows.build, "build_flow", tripwire)
    again = flows.build.run_build([str(SAMPLES)], str(out), workers=1)
    assert again.unchanged and again.release == first.release
    assert again.n_documents == first.n_documents
    (tmp_path / "extra.txt").write_bytes(seed_paths()[0].read_bytes() + b"\n")
    with pytest.raises(FlowStarted):  # something new: the flow does run
        flows.build.run_build([str(SAMPLES), str(tmp_path / "extra.txt")], str(out),
                              workers=1)
    with pytest.raises(FlowStarted):  # and --rebuild always runs it
        flows.build.run_build([str(SAMPLES)], str(out), workers=1, rebuild=True)


def test_the_flow_builds_from_the_plan_made_to_shape_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The inputs are hashed once per run: the flow takes the plan ``shape_run`` made,
    and a plan not taken (the flow never started) is not kept."""
    import flows.build
    import flows.launch
    import transform.plan

    handed: list[object] = []

    class FlowStarted(Exception):
        pass

    def tripwire(**kwargs: object) -> None:
        handed.append(kwargs["plan_id"])
        raise FlowStarted

    monkeypatch.setattr(flows.build, "build_flow", tripwire)
    with pytest.raises(FlowStarted):
        flows.build.run_build([str(SAMPLES)], str(tmp_path / "a"), workers=1)
    assert isinstance(handed[0], str) and flows.launch.take_plan(handed[0]) is None
    monkeypatch.undo()

    plan = transform.plan.plan_build([str(SAMPLES)], None, "cut")
    plan_id = flows.launch.hand_over(plan)

    def no_second_plan(*_: object, **__: object) -> None:
        raise AssertionError("the flow planned again")

    monkeypatch.setattr(flows.build, "plan_build", no_second_plan)
    summary = flows.build.build_flow.fn(inputs=[str(SAMPLES)], out=str(tmp_path / "b"),
                                        plan_id=plan_id)
    assert summary.published and summary.n_documents == len(plan.refs) == 5
    assert flows.launch.take_plan(plan_id) is None  # taken once
    with pytest.raises(AssertionError, match="planned again"):  # none handed: it plans
        flows.build.build_flow.fn(inputs=[str(SAMPLES)], out=str(tmp_path / "c"))
