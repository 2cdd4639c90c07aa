"""Table rows cut by page breaks, in PDFs printed the way Word prints by default.

The generator's Word files keep every row on one page (``cantSplit``) and table headers
with the row after them (``keepNext``); real reports mostly do not. Here synthetic
reports are printed without both, with a table pushed to the page break on purpose: a
page break just before it, then as many short and empty lines as put the break where
each test wants it. How many that is depends on LibreOffice's layout, so each test
looks for it around a first guess (conversions are cached, so a stable layout costs
one) and checks with pdfplumber alone that the page really breaks there before
reading anything.

The four misreads these guard against:

1. a value whose first line is blank ('\\u3000\\u3000\\n0') cut after that line, its figure
   the only text on the next page (the row was not joined, the figure lost);
2. a last row with blank values ('规章 | | |') followed on the next page by a new row
   (the two were read as one row, the blank row lost);
3. a label running on to the next page, which must still be joined;
4. table 三's header cut between the rows of its merged cells ('自然人' as '自然' and
   '人'): a spurious column_count_mismatch, the fragment's '总计' read as the 三(七) row.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pandas as pd
import pdfplumber
import pytest

from extract.convert import soffice
from extract.document import Table
from extract.pdf_reader import read_pdf
from gongkai.synth.render import Para, SynthDocument, TableBlock, TCell, render_docx
from gongkai.synth.reports import report_rng, synth_report
from tests.conftest import run_scorer
from tests.render_docx import without_timestamps
from tests.render_office import to_format
from transform.build import build_dataset

pytestmark = pytest.mark.skipif(soffice() is None, reason="LibreOffice is needed to make PDFs")

#: The short lines put between the page break and the table a test pushes down.
FILLER = "第{}行。"
#: How many amounts of filler are tried at most, around a test's first guess, before
#: it gives up on its layout (in all some twenty lines of text, two thirds of a page).
TRIES = 100
#: The corpus seed of the synthetic reports used.
SEED = 3

Row = list[str]
Edge = tuple[Row, Row]  # the last row on one page, the first row on the next


# --------------------------------------------------------------------------- making PDFs


def _default_rows(docx_bytes: bytes, page_break_at: str) -> bytes:
    """The Word file as Word writes it by default: rows may break across pages and no
    paragraph keeps with the next; a page break before the paragraph ``page_break_at``."""
    word = docx.Document(io.BytesIO(docx_bytes))
    for paragraph in word.paragraphs:
        if paragraph.text == page_break_at:
            paragraph.paragraph_format.page_break_before = True
    out = io.BytesIO()
    word.save(out)
    source, target = io.BytesIO(out.getvalue()), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:cantSplit/>", b"").replace(b"<w:keepNext/>", b"")
            zout.writestr(item, data)
    return without_timestamps(target.getvalue())


def _pushed(doc: SynthDocument, table: TableBlock, lines: int) -> SynthDocument:
    """``doc`` with a page break and some filler just before ``table``: ``lines // 5``
    lines of text and ``lines % 5`` empty lines, which are shorter, so that the table
    can be moved down in steps of a few points."""
    at = next(i for i, b in enumerate(doc.blocks) if b is table)
    filler = [Para(FILLER.format(i)) for i in range(lines // 5 + 1)]
    filler += [Para("", role="blank")] * (lines % 5)
    return replace(doc, blocks=[*doc.blocks[:at], *filler, *doc.blocks[at:]])


def _pdf(doc: SynthDocument) -> bytes:
    return to_format(_default_rows(render_docx(doc), FILLER.format(0)), "pdf")


def _page_edges(pdf: bytes) -> list[Edge]:
    """Where a ruled table runs over a page break (nothing printed below it on one page
    nor above it on the next): its last row on the one and its first row on the other
    (cell texts without whitespace), as pdfplumber reads them."""
    edges: list[Edge] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = [_tables(page) for page in document.pages]
    for above, below in itertools.pairwise(pages):
        if above and below and above[-1][1] and below[0][0]:
            edges.append((_texts(above[-1][2][-1]), _texts(below[0][2][0])))
    return edges


def _tables(page: Any) -> list[tuple[bool, bool, list[list[str | None]]]]:
    """A page's ruled tables top to bottom: whether nothing is printed above it, and
    below it, and its rows."""
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    return [(not any(c["bottom"] <= t.bbox[1] for c in page.chars),
             not any(c["top"] >= t.bbox[3] for c in page.chars), t.extract())
            for t in tables]


def _texts(row: Iterable[str | None]) -> Row:
    return [re.sub(r"\s+", "", cell or "") for cell in row]


def _is_figure(text: str) -> bool:
    return bool(re.fullmatch(r"[-+−－]?[\d,，.０-９]+", text.strip()))


def _break_where(make: Callable[[int], SynthDocument], first_guess: int,
                 wanted: Callable[[Edge], bool]) -> bytes:
    """The PDF of ``make(lines)`` for the amount of filler nearest ``first_guess`` at
    which some page break cuts a table as ``wanted``."""
    for step in range(TRIES):
        lines = first_guess + (step + 1) // 2 * (1 if step % 2 else -1)
        if lines < 0:
            continue
        pdf = _pdf(make(lines))
        if any(wanted(edge) for edge in _page_edges(pdf)):
            return pdf
    raise AssertionError("no amount of filler puts the page break where this test needs "
                         "it: LibreOffice's layout changed; find a new first guess")


# --------------------------------------------------------------------------- scoring


def _report(index: int) -> tuple[SynthDocument, dict, str]:
    made = synth_report(report_rng(SEED, index), index, fmt="pdf")
    return made.document, made.key, made.stem


def _table(doc: SynthDocument, marker: str) -> TableBlock:
    """The table of ``doc`` whose first rows hold the text ``marker``."""
    return next(b for b in doc.blocks if isinstance(b, TableBlock)
                and any(marker in c.text for row in b.rows[:3] for c in row))


def _build_and_score(tmp_path: Path, stem: str, pdf: bytes, key: dict) -> pd.DataFrame:
    """Build the PDF alone, score it against its key: every cell, field and check must
    match. Returns the build's problems."""
    folder, gold = tmp_path / "in", tmp_path / "gold"
    folder.mkdir()
    gold.mkdir()
    (folder / f"{stem}.pdf").write_bytes(pdf)
    (gold / f"{stem}.json").write_text(
        json.dumps({**key, "source": f"{stem}.pdf"}, ensure_ascii=False), encoding="utf-8")
    build_dataset([folder], tmp_path / "out")
    result = run_scorer(tmp_path / "out", gold)
    assert result.returncode == 0, result.stdout
    assert re.search(r"cells (\d+)/\1 \(100\.00%\)", result.stdout), result.stdout
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    assert (reports.parse_status == "ok").all(), reports.parse_status.tolist()
    return pd.read_parquet(tmp_path / "out" / "problems")


# --------------------------------------------------------------------------- the cases


def _figures_only(edge: Edge) -> bool:
    """The next page starts with nothing but figures, each under a blank cell of a row
    that has text elsewhere: a row cut after the blank first lines of some values."""
    last, first = edge
    return (len(last) == len(first) and any(last) and any(first)
            and all(_is_figure(t) for t in first if t)
            and not any(a and b for a, b in zip(last, first, strict=True)))


def _blank_first_lines(table: TableBlock) -> None:
    """Every other figure of ``table`` typed after an empty line, as many reports have
    them ('\\u3000\\u3000\\n0': the figure reads the same)."""
    for r, row in enumerate(table.rows):
        figures = [c for c in row if _is_figure(c.text)]
        typed = {id(c) for c in figures[::2]}
        table.rows[r] = [replace(c, text=f"\u3000\u3000\n{c.text.strip()}") if id(c) in typed
                         else c for c in row]


def test_a_value_cut_after_its_blank_first_line_is_rejoined(tmp_path: Path):
    """Case 1: '\\u3000\\u3000\\n0' cut after its first line leaves the figure alone on the
    next page; it belongs to the row above, not to nobody."""
    doc, key, stem = _report(1)
    table = _table(doc, "行政复议")
    _blank_first_lines(table)
    pdf = _break_where(lambda n: _pushed(doc, table, n), 191, _figures_only)
    _build_and_score(tmp_path, stem, pdf, key)


def _active_block(trailing_caption_line: bool) -> TableBlock:
    caption = "第二十条第（一）项" + ("\n" if trailing_caption_line else "")
    table = TableBlock(4)
    table.rows.append([TCell(caption, 0, colspan=4)])
    table.rows.append([TCell(t, i) for i, t in
                       enumerate(("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"))])
    table.rows.append([TCell("规章", 0), TCell("", 1), TCell("", 2), TCell("", 3)])
    table.rows.append([TCell(t, i) for i, t in enumerate(("行政规范性文件", "0", "2", "16"))])
    return table


def test_a_blank_last_row_is_not_glued_to_the_next_row():
    """Case 2: '规章 | | |' closing one page and '行政规范性文件 | 0 | 2 | 16' opening the
    next are two rows; read as one, the 规章 row vanished."""
    table = _active_block(trailing_caption_line=True)
    doc = SynthDocument(title="分页", blocks=[Para("分页测试"), table])
    wanted = (["规章", "", "", ""], ["行政规范性文件", "0", "2", "16"])
    pdf = _break_where(lambda n: _pushed(doc, table, n), 195, lambda edge: edge == wanted)
    rows = [[c.text for c in row] for b in read_pdf(pdf).blocks if isinstance(b, Table)
            for row in b.rows]
    assert rows[-2:] == [["规章", "", "", ""], ["行政规范性文件", "0", "2", "16"]]


def _label_runs_on(edge: Edge) -> bool:
    """The figures of a row stay on one page and its label goes on to the next."""
    last, first = edge
    texts = [t for t in first if t]
    return (any(_is_figure(t) for t in last) and len(texts) == 1
            and not _is_figure(texts[0]) and not re.match(r"[\d（(一二三四五六七八九]", texts[0]))


def test_a_label_running_on_to_the_next_page_is_still_joined(tmp_path: Path):
    """Case 3: a row really cut in two (label text on both pages) is one row again."""
    doc, key, stem = _report(2)
    table = _table(doc, "申请人情况")
    pdf = _break_where(lambda n: _pushed(doc, table, n), 33, _label_runs_on)
    _build_and_score(tmp_path, stem, pdf, key)


def test_a_header_cut_by_hand_broken_lines_is_joined():
    """Case 3 too: a header typed as two short lines ('本年制\\n发件数') cut between them
    is one cell again, although neither line fills its cell."""
    table = _active_block(trailing_caption_line=False)
    table.rows[1] = [TCell(t, i) for i, t in
                     enumerate(("信息内容", "本年制\n发件数", "本年废\n止件数", "现行有\n效件数"))]
    doc = SynthDocument(title="分页", blocks=[Para("分页测试"), table])
    pdf = _break_where(lambda n: _pushed(doc, table, n), 196,
                       lambda edge: "本年制" in edge[0] and "发件数" in edge[1])
    rows = [[c.text for c in row] for b in read_pdf(pdf).blocks if isinstance(b, Table)
            for row in b.rows]
    assert ["信息内容", "本年制\n发件数", "本年废\n止件数", "现行有\n效件数"] in rows
    assert ["规章", "", "", ""] in rows


def test_table_three_header_cut_under_its_merged_cells_reads_cleanly(tmp_path: Path):
    """Case 4: the page break between the header's rows cuts '自然人' (merged down two
    rows) in two; '自然' and '人' are one header again and nothing is misread."""
    doc, key, stem = _report(4)
    table = _table(doc, "申请人情况")
    pdf = _break_where(lambda n: _pushed(doc, table, n), 87,
                       lambda edge: "自然" in edge[0] and "人" in edge[1])
    texts = [c.text for b in read_pdf(pdf).blocks if isinstance(b, Table) for c in b.cells()]
    assert "自然\n人" in texts
    problems = _build_and_score(tmp_path, stem, pdf, key)
    assert "column_count_mismatch" not in set(problems.code), problems.to_string()


def test_a_table_part_under_other_merges_is_not_taken_for_a_cut_row():
    """The other side of case 4: a one-line label ending one part of table 二 and the
    next part's header, merged differently, opening the next page are two rows."""
    table = TableBlock(4)
    table.rows.append([TCell("信息内容", 0), TCell("本年收费金额（单位：万元）", 1, colspan=3)])
    table.rows.append([TCell("行政事业性收费", 0), TCell("21", 1, colspan=3)])
    table.rows.append([TCell("信息内容", 0), TCell("采购项目数量", 1),
                       TCell("采购总金额", 2, colspan=2)])
    table.rows.append([TCell("政府集中采购", 0), TCell("3", 1), TCell("5", 2, colspan=2)])
    doc = SynthDocument(title="分页", blocks=[Para("分页测试"), table])
    pdf = _break_where(lambda n: _pushed(doc, table, n), 196,
                       lambda edge: "行政事业性收费" in edge[0] and "信息内容" in edge[1])
    rows = [[c.text for c in row] for b in read_pdf(pdf).blocks if isinstance(b, Table)
            for row in b.rows]
    assert rows == [["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "21"],
                    ["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购", "3", "5"]]
