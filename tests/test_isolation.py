"""Per-document time and memory limits: a document that hangs the parser or needs too
much memory fails alone, recorded, and the build goes on."""

from __future__ import annotations

import io
import os
import shutil
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from tests.bad_inputs import slow_pdf
from tests.conftest import GOLD, run_scorer, seed_paths
from transform.build import build_dataset
from transform.isolation import Limits, ParserProcess
from transform.plan import DocumentRef

AT = datetime(2024, 1, 1, tzinfo=UTC)


def heavy_scan_tiff() -> bytes:
    """A small TIFF of four blank 9000 x 9000 pages: each under the per-frame size that
    is refused unread, together gigabytes once decoded and prepared for OCR."""
    from PIL import Image

    buffer = io.BytesIO()
    pages = [Image.new("L", (9000, 9000), 255) for _ in range(4)]
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:],
                  compression="tiff_deflate")
    return buffer.getvalue()


def hanging_pdf(tmp_path: Path) -> bytes:
    return slow_pdf(tmp_path / "slow.pdf").read_bytes()


@pytest.fixture
def parser() -> ParserProcess:
    process = ParserProcess(Limits(timeout=3, memory_mb=600))
    yield process
    process.stop()


def read_one(parser: ParserProcess, folder: Path, name: str,
             data: bytes) -> tuple[dict, list[str], list[dict]]:
    """One document read as a batch of one: its report row, problem codes and problems."""
    path = folder / name
    path.write_bytes(data)
    output = parser.run_batch([DocumentRef(uri=name, path=str(path), ingested_at=AT)],
                              "cut", None, frozenset())
    (report,) = output.tables["reports"].to_pylist()
    problems = output.tables["problems"].to_pylist()
    return report, [p["code"] for p in problems], problems


def test_a_document_that_hangs_the_parser_is_stopped_and_the_next_is_read(parser,
                                                                         tmp_path: Path):
    seed = seed_paths()[0].read_bytes()
    first, _, _ = read_one(parser, tmp_path, "seed.txt", seed)
    stuck = parser.process
    assert first["parse_status"] == "ok" and stuck is not None
    hung, codes, _ = read_one(parser, tmp_path, "grid.pdf", hanging_pdf(tmp_path))
    assert hung["parse_status"] == "failed" and codes == ["timeout"]
    assert hung["n_warnings"] == 1 and hung["source_format"] == "pdf"
    assert stuck.poll() is not None  # killed, not left running
    after, _, _ = read_one(parser, tmp_path, "again.txt", seed + b"\n")
    assert after["parse_status"] == "ok" and parser.started == 2


def test_a_document_that_needs_too_much_memory_is_stopped(parser, tmp_path: Path):
    report, codes, problems = read_one(parser, tmp_path, "scan.tif", heavy_scan_tiff())
    assert report["parse_status"] == "failed" and codes == ["memory_limit"]
    assert "600 MB" in problems[0]["message"]


def test_a_parser_that_died_is_replaced(parser, tmp_path: Path):
    seed = seed_paths()[1].read_bytes()
    assert read_one(parser, tmp_path, "a.txt", seed)[0]["parse_status"] == "ok"
    assert parser.process is not None
    os.kill(parser.process.pid, signal.SIGKILL)
    parser.process.wait(10)
    assert read_one(parser, tmp_path, "b.txt", seed + b"\n")[0]["parse_status"] == "ok"
    assert parser.started == 2


def test_a_parser_grown_past_the_recycle_size_is_replaced_after_its_unit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The pool keeps a parser while it is small and replaces it once a unit leaves it
    larger than ``RECYCLE_MB``: the next unit gets a fresh process."""
    from transform import isolation

    limits = Limits(timeout=30, memory_mb=700)
    path = tmp_path / "a.txt"
    path.write_bytes(seed_paths()[0].read_bytes())
    refs = [DocumentRef(uri="a.txt", path=str(path), ingested_at=AT)]

    def pid_after_a_unit() -> int | None:
        with isolation.borrowed(limits) as parser:
            output = parser.run_batch(refs, "cut", None, frozenset())
            assert output.tables["reports"].column("parse_status").to_pylist() == ["ok"]
            return parser.process.pid if parser.process else None

    try:
        monkeypatch.setattr(isolation, "RECYCLE_MB", 10_000)
        first = pid_after_a_unit()
        assert pid_after_a_unit() == first  # small enough: kept
        monkeypatch.setattr(isolation, "RECYCLE_MB", 1)
        pid_after_a_unit()
        (parser,) = isolation._IDLE[limits]
        assert parser.process is None  # stopped after the unit
        assert pid_after_a_unit() not in (None, first)
    finally:
        monkeypatch.setattr(isolation, "RECYCLE_MB", 10_000)
        isolation.stop_parsers()


def test_a_big_build_stops_its_parsers_between_phases_and_ends_without_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """With parsers stopped after each phase, the build gives the same tables as with
    them kept, and none is left running for the corpus tail (here the documents are
    the only phase in parser processes: the plain build computes the rest itself)."""
    from transform import build, isolation

    kept = build_dataset(seed_paths(), tmp_path / "kept", incremental=False)
    monkeypatch.setattr(build, "STOP_PARSERS_FROM", 1)
    starts: list[int] = []
    real_spawn = ParserProcess._spawn  # every start of a process, prestarted or not

    def counted(self: ParserProcess) -> None:
        starts.append(1)
        real_spawn(self)

    monkeypatch.setattr(ParserProcess, "_spawn", counted)
    isolation.stop_parsers()
    stopped = build_dataset(seed_paths(), tmp_path / "stopped", incremental=False)
    assert len(starts) == 1
    assert not isolation._IDLE  # stopped and let go: no parser left for the corpus tail
    for name in ("reports", "applications", "keywords", "text_reuse", "sections"):
        a = pd.read_parquet(Path(str(kept.release)) / name)
        b = pd.read_parquet(Path(str(stopped.release)) / name)
        pd.testing.assert_frame_equal(a, b)


def batch_of(tmp_path: Path) -> list[DocumentRef]:
    """A seed, the PDF that hangs pdfplumber, another seed."""
    first, second = seed_paths()[:2]
    pdf = slow_pdf(tmp_path / "grid.pdf")
    return [DocumentRef(uri=str(p), path=str(p), ingested_at=AT) for p in (first, pdf, second)]


def statuses(output) -> list[tuple[str, list[str]]]:
    """(parse_status, problem codes) of each report of a batch, in order."""
    reports = output.tables["reports"].to_pylist()
    problems = output.tables["problems"].to_pylist()
    return [(r["parse_status"], [p["code"] for p in problems
                                 if p["report_id"] == r["report_id"]]) for r in reports]


def test_a_batch_reads_around_the_document_that_hangs(parser, tmp_path: Path):
    output = parser.run_batch(batch_of(tmp_path), "cut", None, frozenset())
    assert statuses(output) == [("ok", []), ("failed", ["timeout"]), ("ok", [])]
    assert output.n_parsed == 3 and parser.started == 2  # the stuck child was replaced
    assert output.tables["terms"].num_rows > 0


def test_a_batch_survives_its_parser_being_killed_and_marks_a_repeat_offender(
        tmp_path: Path):
    """Killed once on a document: the batch is read again; killed twice on the same
    document: that document is ``worker_crashed`` and the rest are read."""
    parser = ParserProcess(Limits(timeout=600, memory_mb=None))
    result: list = []
    thread = threading.Thread(
        target=lambda: result.append(parser.run_batch(batch_of(tmp_path), "cut", None,
                                                      frozenset())))
    try:
        thread.start()
        for attempt in (1, 2):
            while parser.started < attempt or parser.process is None:
                time.sleep(0.05)
            time.sleep(6)  # the first seed is read; the child is stuck on the PDF
            os.kill(parser.process.pid, signal.SIGKILL)
            while parser.started == attempt:
                time.sleep(0.05)
        thread.join(120)
        assert not thread.is_alive()
    finally:
        parser.stop()
    (output,) = result
    assert statuses(output) == [("ok", []), ("failed", ["worker_crashed"]), ("ok", [])]
    assert parser.started == 3


def test_the_build_records_the_hung_document_and_publishes_the_rest(tmp_path: Path,
                                                                    shared_tools):
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in seed_paths():
        shutil.copy(seed, folder / seed.name)
    slow_pdf(folder / "ruled-grid.pdf")
    out = tmp_path / "out"
    summary = build_dataset([folder], out, limits=Limits(timeout=3, memory_mb=2048))
    assert summary.published and summary.status_counts == {"failed": 1, "ok": 5}
    reports = pd.read_parquet(out / "reports")
    problems = pd.read_parquet(out / "problems")
    (grid,) = reports.loc[reports["source_uri"].str.endswith("ruled-grid.pdf"), "report_id"]
    assert problems.loc[problems["report_id"] == grid, "code"].tolist() == ["timeout"]
    result = run_scorer(out, GOLD)
    assert "cells 999/999" in result.stdout and "missing 0" in result.stdout, result.stdout
    # A document stopped by a limit is not cached: a later build tries it again.
    assert len(list((out / ".cache").rglob("*.pickle"))) == 5


def test_prestarted_parsers_take_the_first_batches(tmp_path: Path):
    from transform.isolation import _IDLE, prestart, run_batch, stop_parsers

    limits = Limits(timeout=120, memory_mb=None)
    seed = seed_paths()[0]
    refs = [DocumentRef(uri=seed.name, path=str(seed), ingested_at=AT)]
    stop_parsers()
    try:
        prestart(limits, 2)
        parsers = list(_IDLE[limits])
        assert len(parsers) == 2
        assert all(p.process is not None and p.started == 1 and not p.ready for p in parsers)
        output = run_batch(refs, "cut", None, limits, frozenset())
        assert output.tables["reports"].column("parse_status").to_pylist() == ["ok"]
        # the batch went to a prestarted process: none was started for it
        assert len(_IDLE[limits]) == 2 and [p.started for p in _IDLE[limits]] == [1, 1]
        assert any(p.ready for p in _IDLE[limits])
        prestart(limits, 2)  # idle parsers count: nothing more starts
        assert len(_IDLE[limits]) == 2
        assert prestart(Limits(timeout=None, memory_mb=None), 2) is None
        assert Limits(timeout=None, memory_mb=None) not in _IDLE  # in-process: no child
    finally:
        stop_parsers()
