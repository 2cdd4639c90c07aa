"""OCR on pictures of the seed reports: tables 二/三/四 must come out cell for cell.

The seeds are rendered as Word files, printed to PDF by LibreOffice, rasterised at 200
dpi and wrapped into PDFs that hold nothing but those pictures, as scanned reports are
published. Each page is read by :func:`extract.ocr.ocr_page`, the pages are joined into
one document and interpreted like any other; the dataset must score at least 99% of the
cells, and any fact that still differs from the answer key must carry a confidence low
enough for the interpreter to flag it.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import img2pdf
import pandas as pd
import pdfplumber
import pytest
from PIL import Image, ImageDraw, ImageFont

from extract.convert import convert, soffice
from extract.document import Cell, Document, Paragraph, Table, UnreadableDocument
from extract.ocr import (
    DISPUTED_FACTOR,
    Box,
    Line,
    join_pages,
    ocr_page,
    read_image,
    settle_number,
)
from extract.readers import read_document
from extract.text_export import read_text_export
from tests.conftest import run_scorer, seed_paths
from tests.render_docx import render_docx
from transform.build import build_dataset, publish_results
from transform.labels import normalise_label
from transform.report import ReportRows, Source, interpret_document
from transform.template_map import load_template_map

pytestmark = pytest.mark.skipif(soffice() is None or shutil.which("pdftoppm") is None,
                                reason="LibreOffice and pdftoppm are needed to make scans")

DPI = 200
REVIEW_BELOW = 0.6
FACT_KEYS = {"active_disclosure": ("item", "metric"), "applications": ("row", "applicant"),
             "reviews_litigation": ("proceeding", "outcome")}


# ----------------------------------------------------------------------- making scans

def rasterise(pdf: bytes, dpi: int = DPI) -> list[bytes]:
    """Each page of a PDF as a PNG, by poppler (what a scanner would give)."""
    with tempfile.TemporaryDirectory(prefix="gongkai-ocr-") as tmp:
        (Path(tmp) / "in.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "in.pdf", "page"], cwd=tmp,
                       check=True, capture_output=True, timeout=120)
        pages = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        return [p.read_bytes() for p in pages]


def image_only_pdf(doc: Document) -> bytes:
    """The document printed, rasterised, and put back into a PDF without a text layer."""
    return img2pdf.convert(rasterise(convert(render_docx(doc), "docx", "pdf")))


@pytest.fixture(scope="session")
def scans() -> dict[str, bytes]:
    """The five seeds as image-only PDFs, made once per session."""
    seeds = seed_paths()
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(lambda p: image_only_pdf(read_text_export(p.read_bytes())),
                             seeds))
    return {p.stem: data for p, data in zip(seeds, pdfs, strict=True)}


def ocr_pdf(data: bytes) -> Document:
    """Every page of an image-only PDF through :func:`ocr_page`, joined into a document."""
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            picture = page.to_image(resolution=DPI).original
            pages.append(ocr_page(picture, number, 72 / DPI))
    return Document(blocks=join_pages(pages), source_format="pdf", n_pages=len(pages),
                    text_source="ocr")


@pytest.fixture(scope="session")
def read_scans(scans) -> dict[str, tuple[Document, float]]:
    """Each scan read by OCR, with the seconds it took."""
    out = {}
    for stem, data in scans.items():
        started = time.perf_counter()
        doc = ocr_pdf(data)
        out[stem] = (doc, time.perf_counter() - started)
    return out


@pytest.fixture(scope="session")
def interpreted(scans, read_scans) -> dict[str, ReportRows]:
    tmap = load_template_map()
    at = datetime(2024, 1, 1, tzinfo=UTC)
    return {stem: interpret_document(Source(f"{stem}.pdf", scans[stem], at), doc, tmap)
            for stem, (doc, _) in read_scans.items()}


def cell_score(stdout: str) -> float:
    match = re.search(r"cells (\d+)/(\d+)", stdout)
    assert match, stdout
    return int(match.group(1)) / int(match.group(2))


# ---------------------------------------------------------------------- the seed scans

def test_scans_hold_no_text_layer(scans):
    for data in scans.values():
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert all(not page.chars for page in pdf.pages)
            assert all(page.images for page in pdf.pages)


def test_scanned_seeds_score_at_least_99_percent(interpreted, tmp_path: Path, shared_tools):
    gold, _ = shared_tools
    publish_results(list(interpreted.values()), tmp_path / "out")
    result = run_scorer(tmp_path / "out", gold)
    assert cell_score(result.stdout) >= 0.99, result.stdout
    assert "missing 0" in result.stdout
    assert re.search(r"metadata (\d+)/\1 ", result.stdout), result.stdout


def test_every_misread_fact_is_flagged(interpreted, read_scans, shared_tools):
    """A fact that differs from the answer key must come from a cell whose confidence is
    below the review threshold; the fact carries the confidence of its cell."""
    gold_dir, _ = shared_tools
    checked = 0
    for stem, rows in interpreted.items():
        gold = json.loads((gold_dir / f"{stem}.json").read_text(encoding="utf-8"))
        tables = read_scans[stem][0].tables
        for name, (k1, k2) in FACT_KEYS.items():
            for fact in rows.tables[name]:
                if fact["derived"] or fact[k2] not in gold.get(name, {}).get(fact[k1], {}):
                    continue
                cell = _cell_at(tables[fact["table_index"]], fact["cell_row"],
                                fact["cell_col"])
                assert cell.confidence is not None
                assert fact["confidence"] == cell.confidence
                checked += 1
                want = gold[name][fact[k1]][fact[k2]]
                if not _same(want, fact["value"]):
                    assert cell.confidence < REVIEW_BELOW, (stem, name, fact)
    assert checked > 900


def _cell_at(table: Table, row: int, col: int) -> Cell:
    return next(c for c in table.rows[row] if c.col == col)


def _same(want: float | None, got: float | None) -> bool:
    if want is None or got is None:
        return want is None and got is None
    return abs(want - got) < 1e-9


def test_number_cells_are_read_by_both_engines(read_scans):
    """Nearly every number cell is confirmed by the second engine (high confidence), and
    empty cells are empty with full confidence."""
    numbers = confirmed = empty = 0
    for doc, _ in read_scans.values():
        for table in doc.tables:
            for cell in table.cells():
                if re.fullmatch(r"\d+", cell.text):
                    numbers += 1
                    confirmed += cell.confidence >= 0.9
                elif cell.text == "":
                    empty += 1
                    assert cell.confidence == 1.0
    assert numbers > 700 and empty > 0
    assert confirmed / numbers > 0.98


def test_merged_cells_come_out_with_their_spans(read_scans):
    doc, _ = read_scans["000_70fa6f47cc259a0c"]
    # cells found by their text as the interpreter reads it (OCR look-alikes folded)
    look_alikes = str.maketrans(load_template_map().ocr_confusables)
    cells = {normalise_label(c.text).translate(look_alikes): c
             for t in doc.tables for c in t.cells()}
    assert cells[normalise_label("申请人情况")].colspan >= 7
    results = next(c for key, c in cells.items() if key.endswith("本年度办理结果"))
    assert results.rowspan >= 10 and results.colspan == 1
    assert cells[normalise_label("（一）予以公开")].colspan == 2
    for table in doc.tables:
        for row in table.grid():
            assert None not in row  # the holes between the lines tile the whole grid


def test_a_row_cut_by_the_page_break_is_joined(read_scans):
    """Word breaks tall rows over pages; the label's two halves are one cell again."""
    doc, _ = read_scans["000_70fa6f47cc259a0c"]
    labels = [c for t in doc.tables for c in t.cells()
              if normalise_label(c.text).startswith(normalise_label("保护第三方"))]
    assert [normalise_label(c.text) for c in labels] == [normalise_label("保护第三方合法权益")]


def test_cells_carry_page_box_and_confidence(read_scans):
    doc, _ = read_scans["001_d02d80bc81c3e6b4"]
    for table in doc.tables:
        for cell in table.cells():
            assert cell.page is not None and 1 <= cell.page <= doc.n_pages
            x0, top, x1, bottom = cell.bbox
            assert 0 <= x0 < x1 <= 612 and 0 <= top < bottom <= 792  # US Letter, points
            assert 0.0 <= cell.confidence <= 1.0


def test_text_outside_tables_is_paragraphs_in_reading_order(read_scans):
    doc, _ = read_scans["000_70fa6f47cc259a0c"]
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert texts[0] == "市中区孟庄镇2020年度政府信息公开工作年度报告"
    first_table = next(i for i, b in enumerate(doc.blocks) if isinstance(b, Table))
    assert any("主动公开政府信息情况" in b.text for b in doc.blocks[:first_table]
               if isinstance(b, Paragraph))
    assert all(b.confidence is not None for b in doc.blocks if isinstance(b, Paragraph))


@pytest.mark.skipif(importlib.util.find_spec("extract.pdf_reader") is None,
                    reason="the PDF reader hands scanned pages to OCR")
def test_scans_build_through_the_pdf_reader(scans, tmp_path: Path, shared_tools):
    """The whole build on a folder of scans (one seed, to keep the suite quick)."""
    stem = "004_2dc4deb19782afd0"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / f"{stem}.pdf").write_bytes(scans[stem])
    build_dataset([tmp_path / "in"], tmp_path / "out")
    gold, _ = shared_tools
    (tmp_path / "gold").mkdir()
    shutil.copy(gold / f"{stem}.json", tmp_path / "gold")
    result = run_scorer(tmp_path / "out", tmp_path / "gold")
    assert cell_score(result.stdout) >= 0.99, result.stdout
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    assert list(reports.text_source) == ["ocr"]
    assert list(reports.source_format) == ["pdf"]


# ------------------------------------------------------------------------ image files

SMALL_TABLE = Document(blocks=[
    Paragraph("青山县行政许可统计表"),
    Table(rows=[
        [Cell("事项", 0, 0), Cell("上一年项目数量", 0, 1), Cell("本年增/减", 0, 2)],
        [Cell("行政许可", 1, 0), Cell("1268", 1, 1), Cell("-35", 1, 2)],
        [Cell("行政处罚", 2, 0), Cell("907", 2, 1), Cell("", 2, 2)],
    ]),
])


@pytest.fixture(scope="module")
def small_table_png() -> bytes:
    """A page with a title and a small table, as a 200 dpi PNG."""
    return rasterise(convert(render_docx(SMALL_TABLE), "docx", "pdf"))[0]


def _only_table(doc: Document) -> Table:
    assert len(doc.tables) == 1, doc.blocks
    return doc.tables[0]


def _values(table: Table) -> list[list[str]]:
    return [[c.text for c in row] for row in table.rows]


def test_a_png_page_is_read_with_its_table(small_table_png):
    doc = read_document(small_table_png)
    assert doc.source_format == "image" and doc.text_source == "ocr" and doc.n_pages == 1
    assert any("青山县行政许可统计表" in p.text for p in doc.paragraphs)
    table = _only_table(doc)
    assert _values(table)[1:] == [["行政许可", "1268", "-35"], ["行政处罚", "907", ""]]
    assert normalise_label(table.rows[0][1].text) == normalise_label("上一年项目数量")
    for cell in table.cells():
        assert cell.confidence >= 0.9 and cell.page == 1
    # pixels → points: the table sits inside the page, left of its middle at the start
    assert 0 < table.rows[0][0].bbox[0] < 306 and table.rows[2][2].bbox[3] < 792


def _text_page(text: str, footer: str | None = None) -> Image.Image:
    """A white Letter page at 200 dpi with one line of Latin text (and a footer)."""
    page = Image.new("L", (1700, 2200), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=44)
    draw.text((250, 300), text, font=font, fill=0)
    if footer:
        draw.text((800, 2060), footer, font=font, fill=0)
    return page


def test_a_multi_page_tiff_gives_every_page(small_table_png):
    first = Image.open(io.BytesIO(small_table_png)).convert("L")
    tiff = io.BytesIO()
    first.save(tiff, format="TIFF", save_all=True, append_images=[_text_page("Annex")],
               compression="tiff_deflate", dpi=(DPI, DPI))
    doc = read_image(tiff.getvalue())
    assert doc.n_pages == 2
    assert [t.page for t in doc.tables] == [1]
    assert _values(doc.tables[0])[1] == ["行政许可", "1268", "-35"]
    assert [p.text for p in doc.paragraphs if p.page == 2] == ["Annex"]


def test_a_low_resolution_image_is_scaled_up_and_read(small_table_png):
    """A 100 dpi picture that says it is 72 dpi (as phones write): the resolution is
    told from the text size, the picture scaled up, and the numbers still read."""
    page = Image.open(io.BytesIO(small_table_png)).convert("L")
    small = page.resize((page.width // 2, page.height // 2), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="JPEG", quality=90, dpi=(72, 72))
    table = _only_table(read_image(out.getvalue()))
    assert [row[1:] for row in _values(table)[1:]] == [["1268", "-35"], ["907", ""]]


def test_page_numbers_in_the_margin_are_dropped():
    blocks = ocr_page(_text_page("Annual report 2020", footer="- 3 -"), 3, 72 / DPI)
    texts = [b.text for b in blocks if isinstance(b, Paragraph)]
    assert len(texts) == 1 and "report" in texts[0].lower(), texts
    assert blocks[0].page == 3


def test_an_undecodable_image_is_unreadable():
    for data in (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"\xff\xd8\xff\xe0broken"):
        with pytest.raises(UnreadableDocument) as caught:
            read_image(data)
        assert caught.value.code == "unreadable_image"


# -------------------------------------------------------------- deciding a number cell

def _line(text: str, score: float) -> Line:
    return Line(Box(0, 0, 10, 10), text, score)


def test_numbers_both_engines_agree_on_are_trusted():
    assert settle_number(_line("1268", 0.99), ("1268", 0.93)) == ("1268", 0.98)
    assert settle_number(_line("O", 0.9), ("0", 0.95)) == ("0", 0.98)  # look-alike letter
    assert settle_number(_line("905万", 0.97), ("905万", 0.9))[1] >= 0.8


def test_numbers_the_engines_dispute_are_flagged():
    text, conf = settle_number(_line("1268", 0.99), ("1288", 0.7))
    assert text == "1268" and conf < REVIEW_BELOW
    text, conf = settle_number(_line("1268", 0.6), ("1288", 0.93))
    assert text == "1288" and conf == pytest.approx(0.93 * DISPUTED_FACTOR)
    assert settle_number(_line("8", 0.95), ("", 0.0))[1] < REVIEW_BELOW
    assert settle_number(_line("", 0.0), ("3", 0.8)) == ("3", pytest.approx(0.4))
    assert settle_number(_line("7", 0.99), None)[1] < REVIEW_BELOW  # one engine only


def test_a_word_is_kept_unless_the_digit_reader_is_surer_of_a_number():
    assert settle_number(_line("无", 0.99), ("7", 0.9)) == ("无", 0.99)
    assert settle_number(_line("无", 0.99), None) == ("无", 0.99)
    text, conf = settle_number(_line("口", 0.7), ("0", 0.96))
    assert text == "0" and conf < REVIEW_BELOW
    assert settle_number(_line("1,268", 0.97), ("1268", 0.9)) == ("1,268", 0.98)


# ------------------------------------------------------------- tables across page breaks

def _cell(text: str, row: int, col: int, page: int, top: float, span: int = 1) -> Cell:
    left = 100.0 + 60 * col
    return Cell(text, row, col, rowspan=span, page=page,
                bbox=(left, top + 20 * row, left + 60, top + 20 * (row + span)),
                confidence=0.99)


def test_a_table_running_on_is_joined_and_its_cut_row_merged():
    upper = Table(rows=[[_cell("事项", 0, 0, 1, 600), _cell("数量", 0, 1, 1, 600)],
                        [_cell("4.保护第", 1, 0, 1, 600), _cell("3", 1, 1, 1, 600)]], page=1)
    lower = Table(rows=[[_cell("三方合法权益", 0, 0, 2, 80), _cell("", 0, 1, 2, 80)],
                        [_cell("5.其他", 1, 0, 2, 80), _cell("4", 1, 1, 2, 80)]], page=2)
    blocks = join_pages([[Paragraph("标题", page=1), upper], [lower, Paragraph("完", page=2)]])
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Table", "Paragraph"]
    joined = blocks[1]
    assert _values(joined) == [["事项", "数量"], ["4.保护第\n三方合法权益", "3"], ["5.其他", "4"]]
    assert [[c.row for c in row] for row in joined.rows] == [[0, 0], [1, 1], [2, 2]]


def test_a_table_starting_on_a_new_row_is_appended_whole():
    upper = Table(rows=[[_cell("规章", 0, 0, 1, 600), _cell("0", 0, 1, 1, 600)]], page=1)
    lower = Table(rows=[[_cell("规范性文件", 0, 0, 2, 80), _cell("2", 0, 1, 2, 80)]], page=2)
    (joined,) = join_pages([[upper], [lower]])
    assert _values(joined) == [["规章", "0"], ["规范性文件", "2"]]


def test_tables_of_different_widths_are_not_joined():
    upper = Table(rows=[[_cell("规章", 0, 0, 1, 600), _cell("0", 0, 1, 1, 600)]], page=1)
    narrow = Table(rows=[[_cell("附表", 0, 0, 2, 80)]], page=2)
    assert len(join_pages([[upper], [narrow]])) == 2
