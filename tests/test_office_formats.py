"""Formats read through LibreOffice: .doc (and .wps), .odt and .rtf, and their failures.

The fixtures are the seeds' Word renderings converted by LibreOffice itself
(``tests/render_office.py``, cached on disk), so the reader meets files an office suite
really wrote. A file LibreOffice cannot open, a password-protected one, and a conversion
that overruns its time limit each fail their own report and nothing else.
"""

from __future__ import annotations

import io
import random
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest

from extract.convert import ConversionError, convert
from extract.docx_reader import read_docx
from extract.sniff import sniff_format
from extract.text_export import read_text_export
from tests.conftest import run_scorer, seed_paths
from tests.render_office import (
    OLE_MAGIC,
    encrypted,
    seed_docx,
    split_table_docx,
    to_format,
)
from transform.build import build_dataset

#: Names that say nothing true about the bytes: the format must come from the bytes.
MISLEADING = (".docx", ".pdf", ".txt", ".html", ".odt")


def _name(fmt: str, i: int) -> str:
    """The extension seed ``i`` is saved under: rtf files all lie about their format,
    and one .doc is named .wps as WPS Writer names its (OLE Word) files."""
    if fmt == "rtf":
        return MISLEADING[i % len(MISLEADING)]
    if fmt == "doc" and i == 0:
        return ".wps"
    return f".{fmt}"


def _write_seeds(fmt: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    written = []
    for i, seed in enumerate(seed_paths()):
        path = folder / f"{seed.stem}{_name(fmt, i)}"
        path.write_bytes(to_format(seed_docx(seed), fmt))
        written.append(path)
    return written


def _reports(out: Path) -> pd.DataFrame:
    reports = pd.read_parquet(out / "reports")
    reports["name"] = reports.source_uri.map(lambda uri: Path(uri).name)
    return reports.set_index("name")


def _problem_codes(out: Path, report_id: str) -> list[str]:
    problems = pd.read_parquet(out / "problems")
    return list(problems[problems.report_id == report_id].code)


@pytest.mark.parametrize("fmt", ["doc", "odt", "rtf"])
def test_libreoffice_renderings_of_the_seeds_score_perfectly(fmt: str, tmp_path: Path,
                                                             shared_tools):
    """Every seed scores 100% (the .wps-named Word file included, the misnamed RTF files
    too), and the reports say which format the bytes were."""
    paths = _write_seeds(fmt, tmp_path / "in")
    assert {sniff_format(p.read_bytes()) for p in paths} == {fmt}

    build_dataset([tmp_path / "in"], tmp_path / "out")

    gold, _ = shared_tools
    result = run_scorer(tmp_path / "out", gold)
    assert result.returncode == 0, result.stdout
    assert "cells 999/999 (100.00%)" in result.stdout
    reports = _reports(tmp_path / "out")
    assert sorted(reports.index) == sorted(p.name for p in paths)
    assert set(reports.source_format) == {fmt}
    assert (reports.parse_status == "ok").all()


def test_unconvertible_and_encrypted_files_fail_alone(tmp_path: Path):
    seeds = seed_paths()
    good = to_format(seed_docx(seeds[0]), "doc")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{seeds[0].stem}.doc").write_bytes(good)
    (folder / "truncated.doc").write_bytes(good[:len(good) // 2])
    # LibreOffice would import these bytes as a plain text "document"
    (folder / "garbage.doc").write_bytes(OLE_MAGIC + random.Random(7).randbytes(8192))
    (folder / "locked.docx").write_bytes(encrypted(seed_docx(seeds[1])))
    (folder / "locked.doc").write_bytes(encrypted(seed_docx(seeds[2]), "doc"))
    (folder / "locked.odt").write_bytes(encrypted(seed_docx(seeds[3]), "odt"))

    build_dataset([folder], tmp_path / "out")

    reports = _reports(tmp_path / "out")
    assert reports.loc[f"{seeds[0].stem}.doc", "parse_status"] == "ok"
    for name, fmt, code in [("truncated.doc", "doc", "conversion_failed"),
                            ("garbage.doc", "doc", "conversion_failed"),
                            ("locked.docx", "doc", "encrypted"),  # an OLE container
                            ("locked.doc", "doc", "encrypted"),
                            ("locked.odt", "odt", "encrypted")]:
        report = reports.loc[name]
        assert report.parse_status == "failed"
        assert report.source_format == fmt
        assert _problem_codes(tmp_path / "out", report.report_id) == [code]


def _processes_naming(marker: str) -> list[str]:
    found = subprocess.run(["pgrep", "-af", marker], capture_output=True, text=True,
                           check=False)
    return found.stdout.splitlines()


def test_a_conversion_past_its_time_limit_is_stopped_with_its_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The profile and working folder of the conversion go under tmp_path, so the
    # processes of this conversion (and no one else's) are those naming tmp_path.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    odt = to_format(seed_docx(seed_paths()[0]), "odt")

    started = time.monotonic()
    with pytest.raises(ConversionError) as info:  # a conversion takes about a second here
        convert(odt, "odt", "docx", timeout=0.25)

    assert info.value.code == "conversion_timeout"
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 0.5  # SIGKILL is immediate; allow for process exit
    while _processes_naming(str(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_naming(str(tmp_path)) == []
    assert list(tmp_path.iterdir()) == []  # the private profile went with it


def test_two_conversions_at_the_same_time_both_succeed():
    seeds = seed_paths()[:2]
    odts = [to_format(seed_docx(seed), "odt") for seed in seeds]

    with ThreadPoolExecutor(max_workers=2) as pool:
        docs = list(pool.map(lambda odt: read_docx(convert(odt, "odt", "docx")), odts))

    for seed, doc in zip(seeds, docs, strict=True):
        source = read_text_export(seed.read_bytes())
        assert doc.paragraphs[0].text == source.paragraphs[0].text
        assert len(doc.tables) == 3


def _page_of(pages: list[str], text: str) -> int:
    return next(i for i, page in enumerate(pages) if text in page.replace(" ", ""))


@pytest.mark.parametrize("seed", seed_paths(), ids=lambda p: p.name[:3])
def test_split_table_fixture_breaks_table_three_across_two_pages(seed: Path):
    pdf = to_format(split_table_docx(seed), "pdf")

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = [page.extract_text() or "" for page in document.pages]

    first = _page_of(pages, "收到和处理政府信息公开申请情况")
    assert _page_of(pages, "本年新收政府信息公开申请数量") == first
    assert _page_of(pages, "结转下年度继续办理") == first + 1
