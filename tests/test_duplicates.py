"""One report posted as several files: one copy to use, the others point to it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from extract.document import Document
from extract.text_export import read_text_export
from tests.conftest import seed_paths
from tests.render_docx import render_docx
from tests.render_html import render_portal_page
from transform.build import build_dataset
from transform.duplicates import mark_duplicates, tables_match


@pytest.mark.parametrize(("read", "chunk"), [(20_000, 2000), (20_000, 1), (1, 1)],
                         ids=["one-read", "rows-per-group", "a-read-per-group"])
def test_html_docx_and_text_copies_of_each_seed(tmp_path: Path, read: int, chunk: int,
                                                 monkeypatch: pytest.MonkeyPatch):
    # the candidates' rows are read a few groups at a time; groups are never split
    monkeypatch.setattr("transform.release.DUPLICATE_READ_REPORTS", read)
    monkeypatch.setattr("transform.release.DUPLICATE_CHUNK_REPORTS", chunk)
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in seed_paths():
        doc = read_text_export(seed.read_bytes())
        (folder / f"{seed.stem}.txt").write_bytes(seed.read_bytes())
        (folder / f"{seed.stem}.html").write_bytes(render_portal_page(doc))
        (folder / f"{seed.stem}.docx").write_bytes(render_docx(doc))
    build_dataset([folder], tmp_path / "out")
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    reports["seed"] = reports["source_uri"].map(lambda u: Path(u).stem)
    assert len(reports) == 15
    for seed, group in reports.groupby("seed"):
        kept = group[group["duplicate_of"].isna()]
        assert len(kept) == 1, seed
        (kept_id,) = kept["report_id"]
        assert kept["source_format"].item() == "docx"  # the preferred format of a tie
        assert (group.loc[group["duplicate_of"].notna(), "duplicate_of"] == kept_id).all()
    # Copies of different seeds never point at each other.
    by_id = reports.set_index("report_id")["seed"]
    for rid, target in zip(reports["report_id"], reports["duplicate_of"], strict=True):
        if isinstance(target, str):
            assert by_id[rid] == by_id[target]


@pytest.mark.parametrize("read", [20_000, 1], ids=["one-read", "a-read-per-group"])
def test_copies_without_tables_are_told_by_their_text(tmp_path: Path, read: int,
                                                      monkeypatch: pytest.MonkeyPatch):
    """Reports whose tables were lost (only the narrative is left) are compared on their
    text; a copy that kept its tables is not the same as one that lost them."""
    monkeypatch.setattr("transform.release.DUPLICATE_READ_REPORTS", read)
    folder = tmp_path / "in"
    folder.mkdir()
    first, second = seed_paths()[:2]
    for seed in (first, second):
        doc = read_text_export(seed.read_bytes())
        narrative = Document(blocks=doc.paragraphs, source_format="txt")
        (folder / f"{seed.stem}-text.html").write_bytes(render_portal_page(narrative))
        (folder / f"{seed.stem}-text.docx").write_bytes(render_docx(narrative))
    (folder / f"{first.stem}-whole.txt").write_bytes(first.read_bytes())
    build_dataset([folder], tmp_path / "out")

    reports = pd.read_parquet(tmp_path / "out" / "reports").set_index("source_uri")
    name = {uri: Path(uri).name for uri in reports.index}
    marks = {name[uri]: None if pd.isna(target) else target
             for uri, target in reports["duplicate_of"].items()}
    ids = {name[uri]: rid for uri, rid in reports["report_id"].items()}
    for seed in (first, second):
        assert marks[f"{seed.stem}-text.docx"] is None
        assert marks[f"{seed.stem}-text.html"] == ids[f"{seed.stem}-text.docx"]
    assert marks[f"{first.stem}-whole.txt"] is None


def report(rid: str, year: int | None = 2020, org: str = "孟庄镇", status: str = "ok",
           fmt: str = "pdf") -> dict:
    return {"report_id": rid, "report_year": year, "org_name": org, "admin_code": None,
            "body_level": "township", "template": "2021", "parse_status": status,
            "source_format": fmt, "n_warnings": 0}


def facts(rid: str, values: list[float | None]) -> list[dict]:
    return [{"report_id": rid, "row": f"r{i}", "applicant": "total", "value": v,
             "derived": False} for i, v in enumerate(values)]


def test_copies_need_the_same_body_year_and_values():
    values = [float(i) for i in range(12)]
    tables = {
        "reports": [report("a"), report("b", fmt="html"), report("c", year=2021),
                    report("d", org="红椿镇"), report("e"), report("f", status="failed")],
        "applications": (facts("a", values) + facts("b", values) + facts("c", values)
                         + facts("d", values) + facts("e", [*values[:-1], 99.0])
                         + facts("f", values)),
    }
    assert mark_duplicates(tables) == 1
    marks = {r["report_id"]: r["duplicate_of"] for r in tables["reports"]}
    assert marks == {"a": None, "b": "a", "c": None, "d": None, "e": None, "f": None}


def test_a_blank_is_not_a_zero_and_few_shared_facts_are_not_enough():
    a = {("applications", f"r{i}", "total"): 0.0 for i in range(12)}
    b = dict(a)
    b[("applications", "r0", "total")] = None
    assert not tables_match(a, b)
    few = {k: v for k, v in list(a.items())[:5]}
    assert not tables_match(few, dict(few))
    assert tables_match(a, dict(a))
