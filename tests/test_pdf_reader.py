"""The PDF reader on real PDFs printed by LibreOffice from Word files made in the tests.

The seeds are rendered as Word files (with a running header and page-number footers, as
published reports have) and printed to PDF; the PDFs must build and score exactly like
the text exports. Further PDFs cover what only PDFs have: tables and rows cut by page
breaks, unruled tables, side-by-side text blocks, encryption, truncation, scanned pages.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pandas as pd
import pdfplumber
import pypdfium2 as pdfium
import pytest
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph as WordParagraph

from extract.convert import convert, soffice
from extract.document import Document, Paragraph, Table, UnreadableDocument
from extract.docx_reader import read_docx
from extract.pdf_reader import PAGE_NUMBER, read_pdf
from extract.sniff import sniff_format
from extract.text_export import read_text_export
from tests.conftest import run_scorer, seed_paths
from tests.render_docx import render_docx
from transform.build import build_dataset
from transform.locate import locate_tables, primary
from transform.template_map import load_template_map

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is needed to make PDFs")

HEADER_TEXT = "青山县政务公开办公室编印"
TWO_LINE_TITLE = ("青山县人民政府", "2021年政府信息公开工作年度报告")
WRAPPED_TITLE = ("青山县人民政府关于二〇二一年度政府信息公开工作情况及"
                 "政务公开重点工作落实情况的综合报告（征求意见稿）")
FILLER = ("为检验跨页表格的读取，此处加入一段说明文字，内容与报告数据无关，"
          "只用于把后面的表格推到页面下部。")


# --------------------------------------------------------------------------- making PDFs


def _field(paragraph: WordParagraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the word processor fills in when printing."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def with_page_furniture(data: bytes) -> bytes:
    """The Word file with a running header and two footer lines: '第 N 页 共 M 页' and
    '- N -', the page numbers reports print."""
    word = docx.Document(io.BytesIO(data))
    section = word.sections[0]
    section.header.paragraphs[0].text = HEADER_TEXT
    footer = section.footer.paragraphs[0]
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")
    second = section.footer.add_paragraph("- ")
    _field(second, "PAGE")
    second.add_run(" -")
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def seed_pdf(doc: Document) -> bytes:
    return convert(with_page_furniture(render_docx(doc)), "docx", "pdf")


def export_pdf(data: bytes, options: dict[str, tuple[str, str]]) -> bytes:
    """Print a Word file to PDF with LibreOffice's PDF export options (encryption)."""
    flt = "pdf:writer_pdf_Export:" + json.dumps(
        {name: {"type": kind, "value": value} for name, (kind, value) in options.items()})
    with tempfile.TemporaryDirectory(prefix="gongkai-test-") as tmp:
        work = Path(tmp)
        (work / "in.docx").write_bytes(data)
        subprocess.run(
            [str(soffice()), f"-env:UserInstallation={(work / 'profile').as_uri()}",
             "--headless", "--norestore", "--convert-to", flt, "--outdir", str(work / "out"),
             str(work / "in.docx")],
            env={**os.environ, "HOME": str(work)}, capture_output=True, timeout=180, check=True)
        return (work / "out" / "in.pdf").read_bytes()


def page_texts(data: bytes) -> list[str]:
    """Each page's text as pdfplumber sees it, whitespace removed: what is really printed."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [re.sub(r"\s+", "", page.extract_text() or "") for page in pdf.pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def seed_doc(stem: str) -> Document:
    path = next(p for p in seed_paths() if p.stem == stem)
    return read_text_export(path.read_bytes())


def only_gold(stem: str, folder: Path, shared_tools: tuple[Path, Path]) -> Path:
    """An answer-key folder holding just one seed's key."""
    gold, _ = shared_tools
    folder.mkdir()
    shutil.copy(gold / f"{stem}.json", folder)
    return folder


def assert_scores_perfectly(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout
    assert re.search(r"cells (\d+)/\1 \(100\.00%\)", result.stdout), result.stdout
    assert "missing 0" in result.stdout


@pytest.fixture(scope="session")
def seed_pdfs() -> dict[str, bytes]:
    """The five seeds as PDFs with page headers and footers, printed once per session."""
    seeds = seed_paths()
    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(lambda p: seed_pdf(read_text_export(p.read_bytes())), seeds))
    return {p.stem: data for p, data in zip(seeds, pdfs, strict=True)}


# --------------------------------------------------------------------------- the seeds


def test_seed_pdfs_build_and_score_perfectly(seed_pdfs, tmp_path: Path, shared_tools):
    folder = tmp_path / "in"
    folder.mkdir()
    for stem, data in seed_pdfs.items():
        (folder / f"{stem}.pdf").write_bytes(data)
        assert sniff_format(data) == "pdf"
    build_dataset([folder], tmp_path / "out")
    gold, _ = shared_tools
    result = run_scorer(tmp_path / "out", gold)
    assert result.returncode == 0, result.stdout
    assert "cells 999/999 (100.00%)" in result.stdout
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    assert set(reports.source_format) == {"pdf"}
    assert (reports.parse_status == "ok").all()
    assert set(reports.text_source) == {"native"}
    assert (reports.n_pages >= 2).all()


def test_narrative_comes_out_as_the_source_paragraphs(seed_pdfs):
    """Same paragraphs, same order, same text: no table text, no header, no page number,
    no spaces put between Chinese characters, no paragraph cut at a line or page end."""
    for stem, data in seed_pdfs.items():
        source = [re.sub(r"\s+", " ", p.text).strip() for p in seed_doc(stem).paragraphs]
        doc = read_pdf(data)
        read = [re.sub(r"\s+", " ", p.text).strip() for p in doc.paragraphs]
        assert read == [p for p in source if p], stem
        assert doc.warnings == [], stem


def test_headings_are_told_by_their_print_as_the_word_reader_tells_them(seed_pdfs):
    """Headings are printed larger (or bold); the styles match the Word file's."""
    headings = 0
    for stem, data in seed_pdfs.items():
        word = [p.style for p in read_docx(render_docx(seed_doc(stem))).paragraphs
                if p.text.strip()]
        styles = [p.style for p in read_pdf(data).paragraphs]
        assert styles == word, stem
        headings += styles.count("heading")
    assert headings >= 10


def test_page_furniture_is_printed_but_not_read(seed_pdfs):
    data = seed_pdfs["000_70fa6f47cc259a0c"]
    printed = page_texts(data)
    assert len(printed) >= 3
    assert all(HEADER_TEXT in text for text in printed)
    assert all(f"第{i}页共{len(printed)}页" in text for i, text in enumerate(printed, 1))
    assert all(f"-{i}-" in text for i, text in enumerate(printed, 1))
    doc = read_pdf(data)
    text = doc.plain_text()
    assert HEADER_TEXT not in text
    assert not re.search(r"第\s*\d+\s*页|^\s*-\s*\d+\s*-\s*$", text, re.MULTILINE)
    assert doc.n_pages == len(printed)


def test_sections_hold_no_page_furniture(seed_pdfs, tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "000_70fa6f47cc259a0c.pdf").write_bytes(seed_pdfs["000_70fa6f47cc259a0c"])
    build_dataset([folder], tmp_path / "out")
    sections = pd.read_parquet(tmp_path / "out" / "sections")
    assert len(sections) >= 3
    for text in sections.text:
        assert HEADER_TEXT not in text
        assert not re.search(r"第\s*\d+\s*页|-\s*\d+\s*-", text)


def test_title_keeps_chinese_and_digits_together(seed_pdfs):
    """Latin digits printed beside ideographs sit visibly apart; no space is invented."""
    first = read_pdf(seed_pdfs["000_70fa6f47cc259a0c"]).paragraphs[0]
    assert first.text == "市中区孟庄镇2020年度政府信息公开工作年度报告"
    assert first.page == 1


def test_tables_keep_the_spans_the_word_file_has(seed_pdfs):
    """A table printed whole on one page has exactly the Word file's grid, merges and
    all (tables cut by a page break are the next tests' business)."""
    def shape(table: Table) -> list[tuple[int, int, int, int, str]]:
        return [(c.row, c.col, c.rowspan, c.colspan, squash(c.text)) for c in table.cells()]

    compared, spans_seen = 0, set()
    for stem, data in seed_pdfs.items():
        word = read_docx(render_docx(seed_doc(stem)))
        pdf_tables = read_pdf(data).tables
        for table in word.tables:
            whole = [t for t in pdf_tables if t.n_rows == table.n_rows
                     and squash(t.rows[0][0].text) == squash(table.rows[0][0].text)]
            for candidate in whole:
                assert shape(candidate) == shape(table), stem
                compared += 1
                spans_seen |= {(c.rowspan > 1, c.colspan > 1) for c in candidate.cells()}
    assert compared >= 5
    assert (True, False) in spans_seen and (False, True) in spans_seen


def test_cells_carry_page_and_box(seed_pdfs):
    doc = read_pdf(seed_pdfs["001_d02d80bc81c3e6b4"])
    for table in doc.tables:
        for cell in table.cells():
            assert cell.page == table.page
            assert cell.bbox is not None
            x0, top, x1, bottom = cell.bbox
            assert 0 <= x0 < x1 <= 842 and 0 <= top < bottom <= 842
            assert cell.confidence is None


# --------------------------------------------------------------------------- page breaks


def _pushed_down(doc: Document, filler: int) -> Document:
    """The document with ``filler`` paragraphs before the heading of table 三."""
    blocks = list(doc.blocks)
    table = next(i for i, b in enumerate(blocks) if isinstance(b, Table)
                 and any(c.text == "申请人情况" for c in b.cells()))
    heading = max(i for i, b in enumerate(blocks[:table]) if isinstance(b, Paragraph))
    blocks[heading:heading] = [Paragraph(FILLER) for _ in range(filler)]
    return Document(blocks=blocks)


def test_table_three_split_over_pages_scores_perfectly(tmp_path: Path, shared_tools):
    stem = "000_70fa6f47cc259a0c"
    data = seed_pdf(_pushed_down(seed_doc(stem), 9))
    doc = read_pdf(data)
    found = locate_tables(doc, load_template_map())
    table, _ = primary(found["applications"])
    assert table is not None
    assert len({row.page for row in table.rows}) >= 2, "table 三 is not split over pages"
    first, last = table.table_indexes[0], table.table_indexes[-1]
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    start, end = doc.blocks.index(tables[first]), doc.blocks.index(tables[last])
    assert not [b for b in doc.blocks[start:end] if isinstance(b, Paragraph)]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"{stem}.pdf").write_bytes(data)
    build_dataset([folder], tmp_path / "out")
    assert_scores_perfectly(
        run_scorer(tmp_path / "out", only_gold(stem, tmp_path / "gold", shared_tools)))


def _tall_rows_docx(labels: list[str]) -> bytes:
    word = docx.Document()
    word.add_paragraph("表格逐行说明")
    table = word.add_table(rows=len(labels), cols=2)
    table.style = "Table Grid"
    for i, label in enumerate(labels):
        table.rows[i].cells[0].text = label
        table.rows[i].cells[1].text = str(100 + i)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_a_row_cut_by_a_page_break_is_read_whole():
    """Word lets a row break across pages; its two halves must become one row again."""
    words = squash("".join(p.text for p in seed_doc("000_70fa6f47cc259a0c").paragraphs[2:]))
    labels = [f"第{i + 1}行{words[i * 170:(i + 1) * 170]}" for i in range(9)]
    data = convert(_tall_rows_docx(labels), "docx", "pdf")
    printed = page_texts(data)
    assert len(printed) >= 2
    cut = [label for label in labels if not any(label in text for text in printed)]
    assert cut, "no row of the test table is split over two pages"
    doc = read_pdf(data)
    rows = [[squash(c.text) for c in row] for table in doc.tables for row in table.rows]
    assert rows == [[label, str(100 + i)] for i, label in enumerate(labels)]
    assert len(doc.tables) >= 2  # one table per page; the interpreter joins them


# --------------------------------------------------------------------------- layout


def _layout_docx() -> bytes:
    """A page with a name block beside a date and a table with merges; a page with an
    unruled table of numbers under running text that mentions numbers."""
    word = docx.Document()
    for text in (*TWO_LINE_TITLE, WRAPPED_TITLE):
        title = word.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.add_run(text).font.size = Pt(16)
    block = word.add_table(rows=1, cols=2)  # no style: printed without lines
    left, right = block.rows[0].cells
    left.text = "青山县人民政府"
    left.add_paragraph("办公室")
    left.add_paragraph("信息公开科")
    right.text = "2021年1月20日"
    right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    word.add_paragraph("下表合并了单元格。")
    grid = word.add_table(rows=4, cols=4)
    grid.style = "Table Grid"
    cells = grid.rows
    cells[0].cells[0].merge(cells[1].cells[0]).text = "类别"
    cells[0].cells[1].merge(cells[0].cells[3]).text = "数量"
    for col, text in enumerate(("上年", "本年", "增减"), start=1):
        cells[1].cells[col].text = text
    cells[2].cells[0].text = "许可"
    cells[3].cells[0].text = "处罚"
    for r in (2, 3):
        for col in (1, 2, 3):
            cells[r].cells[col].text = str(r * 10 + col)
    word.add_page_break()
    word.add_paragraph("本年度共收到申请 12 件，办结 10 件，转入下年度 2 件，"
                       "较上年增加 3 件，答复期限内办结率为 100%。")
    plain = word.add_table(rows=4, cols=4)
    for r, row in enumerate([("项目", "上年", "本年", "合计"), ("甲类事项", "3", "5", "8"),
                             ("乙类事项", "10", "0", "10"), ("丙类事项", "7", "12", "19")]):
        for c, text in enumerate(row):
            plain.rows[r].cells[c].text = text
    word.add_paragraph("以上数据截至年底。")
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def layout_pdf() -> bytes:
    return convert(_layout_docx(), "docx", "pdf")


def test_merged_cells_get_their_spans(layout_pdf):
    doc = read_pdf(layout_pdf)
    grid = next(t for t in doc.tables if t.page == 1)
    shape = [[(c.row, c.col, c.rowspan, c.colspan, c.text) for c in row] for row in grid.rows]
    assert shape == [
        [(0, 0, 2, 1, "类别"), (0, 1, 1, 3, "数量")],
        [(1, 1, 1, 1, "上年"), (1, 2, 1, 1, "本年"), (1, 3, 1, 1, "增减")],
        [(2, 0, 1, 1, "许可"), (2, 1, 1, 1, "21"), (2, 2, 1, 1, "22"), (2, 3, 1, 1, "23")],
        [(3, 0, 1, 1, "处罚"), (3, 1, 1, 1, "31"), (3, 2, 1, 1, "32"), (3, 3, 1, 1, "33")],
    ]


def test_centred_title_lines_stay_apart_unless_wrapped(layout_pdf):
    """Two short centred lines are two paragraphs (their author broke them); a title
    too long for one line is one paragraph however it wrapped."""
    with pdfplumber.open(io.BytesIO(layout_pdf)) as pdf:
        lines = pdf.pages[0].extract_text_lines()
    assert sum(1 for line in lines if squash(line["text"]) in WRAPPED_TITLE) >= 2
    paragraphs = read_pdf(layout_pdf).paragraphs
    assert [(p.text, p.style) for p in paragraphs[:3]] == [
        (TWO_LINE_TITLE[0], "heading"), (TWO_LINE_TITLE[1], "heading"),
        (WRAPPED_TITLE, "heading")]


def test_side_by_side_blocks_do_not_interleave(layout_pdf):
    texts = [p.text for p in read_pdf(layout_pdf).paragraphs if p.page == 1]
    for expected in ("青山县人民政府", "办公室", "信息公开科", "2021年1月20日"):
        assert expected in texts, texts
    assert texts.index("青山县人民政府") < texts.index("办公室") < texts.index("信息公开科")


def test_an_unruled_table_of_numbers_is_read_as_a_table(layout_pdf):
    with pdfplumber.open(io.BytesIO(layout_pdf)) as pdf:
        page = pdf.pages[1]
        assert not page.lines and not page.rects, "the second page should have no ruling"
    doc = read_pdf(layout_pdf)
    tables = [t for t in doc.tables if t.page == 2]
    assert len(tables) == 1
    rows = [[c.text for c in row] for row in tables[0].rows]
    assert rows == [["项目", "上年", "本年", "合计"], ["甲类事项", "3", "5", "8"],
                    ["乙类事项", "10", "0", "10"], ["丙类事项", "7", "12", "19"]]
    assert [code for code, _ in doc.warnings] == ["pdf_unruled_table"]
    narrative = [p.text for p in doc.paragraphs if p.page == 2]
    assert narrative[0].startswith("本年度共收到申请 12 件，办结 10 件")
    assert narrative[-1] == "以上数据截至年底。"


def test_page_number_shapes():
    for text in ("3", "- 3 -", "—3—", "第 3 页", "第3页 共5页", "共5页 第3页", "3/5", "3 / 5",
                 "Page 3", "- 三 -"):
        assert PAGE_NUMBER.match(text), text
    for text in ("2021年", "3.属于国家秘密", "一、总体情况", "第三条", "附件3", "3件"):
        assert not PAGE_NUMBER.match(text), text


# --------------------------------------------------------------------------- failures


@pytest.fixture(scope="module")
def broken_pdfs(seed_pdfs) -> dict[str, bytes]:
    word = render_docx(seed_doc("000_70fa6f47cc259a0c"))
    locked = export_pdf(word, {"EncryptFile": ("boolean", "true"),
                               "DocumentOpenPassword": ("string", "secret")})
    good = seed_pdfs["000_70fa6f47cc259a0c"]
    return {"locked.pdf": locked, "cut.pdf": good[: len(good) // 2],
            "garbled.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 40}


def _code(data: bytes) -> tuple[str, str]:
    with pytest.raises(UnreadableDocument) as caught:
        read_pdf(data)
    return caught.value.code, caught.value.message


def test_password_protected_pdf_is_encrypted(broken_pdfs):
    data = broken_pdfs["locked.pdf"]
    assert b"/Encrypt" in data
    assert _code(data)[0] == "encrypted"


def test_pdf_encrypted_without_an_open_password_is_read():
    word = render_docx(seed_doc("000_70fa6f47cc259a0c"))
    data = export_pdf(word, {"RestrictPermissions": ("boolean", "true"),
                             "PermissionPassword": ("string", "owner")})
    assert b"/Encrypt" in data
    doc = read_pdf(data)
    assert doc.paragraphs[0].text == "市中区孟庄镇2020年度政府信息公开工作年度报告"
    assert len(doc.tables) >= 3


def test_truncated_and_corrupt_pdfs_are_unreadable(broken_pdfs):
    code, message = _code(broken_pdfs["cut.pdf"])
    assert code == "unreadable_pdf" and "truncated" in message
    code, message = _code(broken_pdfs["garbled.pdf"])
    assert code == "unreadable_pdf" and message


def test_too_many_pages_are_refused():
    pdf = pdfium.PdfDocument.new()
    for _ in range(501):
        pdf.new_page(595, 842)
    out = io.BytesIO()
    pdf.save(out)
    assert _code(out.getvalue())[0] == "too_many_pages"


def test_broken_pdfs_fail_alone_in_a_build(broken_pdfs, seed_pdfs, tmp_path: Path,
                                           shared_tools):
    folder = tmp_path / "in"
    folder.mkdir()
    stem = "001_d02d80bc81c3e6b4"
    (folder / f"{stem}.pdf").write_bytes(seed_pdfs[stem])
    for name, data in broken_pdfs.items():
        (folder / name).write_bytes(data)
    build_dataset([folder], tmp_path / "out")
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    problems = pd.read_parquet(tmp_path / "out" / "problems")
    by_name = {Path(u).name: r for u, r in zip(reports.source_uri, reports.itertuples(),
                                                strict=True)}
    expected = {"locked.pdf": "encrypted", "cut.pdf": "unreadable_pdf",
                "garbled.pdf": "unreadable_pdf"}
    for name, code in expected.items():
        report = by_name[name]
        assert report.parse_status == "failed"
        assert report.source_format == "pdf"
        assert set(problems[problems.report_id == report.report_id].code) == {code}
    assert by_name[f"{stem}.pdf"].parse_status == "ok"
    assert_scores_perfectly(
        run_scorer(tmp_path / "out", only_gold(stem, tmp_path / "gold", shared_tools)))


# --------------------------------------------------------------------------- scans


def _scan_of(data: bytes, index: int) -> bytes:
    """A one-page PDF holding only a 200 dpi picture of page ``index``."""
    picture = pdfium.PdfDocument(data)[index].render(scale=200 / 72).to_pil()
    scan = io.BytesIO()
    picture.save(scan, format="PDF", resolution=200)
    return scan.getvalue()


def _with_scanned_page(data: bytes) -> bytes:
    """The PDF with a picture of its first page appended, as a scanner would make it."""
    pdf = pdfium.PdfDocument(data)
    pdf.import_pages(pdfium.PdfDocument(_scan_of(data, 0)))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_a_scanned_page_goes_to_ocr(seed_pdfs):
    data = _with_scanned_page(seed_pdfs["003_aab5423710c0abba"])
    printed = page_texts(data)
    assert printed[-1] == "" and printed[0]
    if importlib.util.find_spec("extract.ocr") is None:
        assert _code(data)[0] == "no_text_layer"
        return
    doc = read_pdf(data)
    assert doc.text_source == "mixed"
    scanned = [b for b in doc.blocks if b.page == len(printed)]
    confidences = [b.confidence for b in scanned if isinstance(b, Paragraph)]
    confidences += [c.confidence for b in scanned if isinstance(b, Table) for c in b.cells()]
    assert confidences and all(c is not None for c in confidences)
    assert any("年度报告" in b.text for b in scanned if isinstance(b, Paragraph))


def test_a_wholly_scanned_pdf_is_read_by_ocr(seed_pdfs):
    data = seed_pdfs["004_2dc4deb19782afd0"]
    scan = _scan_of(data, len(page_texts(data)) - 1)
    assert page_texts(scan) == [""]
    if importlib.util.find_spec("extract.ocr") is None:
        assert _code(scan)[0] == "no_text_layer"
        return
    doc = read_pdf(scan)
    assert doc.text_source == "ocr" and doc.n_pages == 1
    assert doc.blocks and all(b.page == 1 for b in doc.blocks)
