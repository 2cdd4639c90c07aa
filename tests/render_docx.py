"""Render a :class:`Document` as a real .docx laid out like the national report template.

The Word reader must be tested against tables merged the way the official template merges
them: section labels spanning the width, row labels spanning several columns, and
category labels running down several rows. The seed reports only exist as text exports,
which keep each row's cell sequence but no spans (a vertically merged cell shows up as an
empty cell in the rows it covers, a horizontally merged one once). This module puts the
spans back and writes the table with python-docx, so every merge is a real ``w:gridSpan``
or ``w:vMerge``:

* the table is as wide as its widest row;
* in a shorter row the trailing numeric (or empty) cells are values (a numbered label
  such as "2.重复申请" is not a number) and the cells before
  them labels; the last label widens to fill the missing columns (a one-cell row spans the
  whole table);
* an empty label cell directly under a label over the same columns continues it
  downwards, however many rows the run lasts. Values are never merged, and neither is a
  cell holding whitespace: merging would drop that whitespace.

The header rows of tables 三 and 四 do not follow that rule in the official template (the
勾稽关系 note covers three rows and the three label columns; 自然人 and 总计 run down two
rows beside the five 法人 categories; 行政复议's five outcomes run down beside 行政诉讼's
two groups), so they are recognised from their texts and laid out as the template has
them: a reader tested only on the generic shape would never meet the real one.

Columns get widths as in a printed report: a label column twice as wide as a value
column, so that labels printed to PDF wrap into a few lines instead of one character per
line (which no real report does, and which would make PDF fixtures unrealistic).

Tables that already carry spans (for instance ones read back from a .docx) are written
with the spans they have. Every cell's text is kept exactly, one paragraph per line.
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass

import docx
from docx.document import Document as WordDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.table import CT_Tbl
from docx.shared import Emu, Pt
from docx.table import _Cell

from extract.document import Document, Paragraph, Table
from gongkai.synth.render import fixed_dates as without_timestamps

#: Characters a value cell may start with besides digits.
SIGNS = "+-−－＋"
SECTION_HEADING = re.compile(r"^[一二三四五六]、")
#: "2.其他法律行政法规禁止公开": starts with a digit but is a numbered row label.
NUMBERED_LABEL = re.compile(r"^\d+[.．、]\D")
#: How many value columns' width one label column gets.
LABEL_WEIGHT = 2
EMU_PER_TWIP = 635
#: Tables print in 小五 with narrow cell margins, as reports do: at Word's 11 pt and
#: 0.08 inch margins a fifteen-column table 四 fits one character per line.
TABLE_FONT = Pt(9)
CELL_MARGINS = (
    f'<w:tblCellMar {nsdecls("w")}><w:left w:w="43" w:type="dxa"/>'
    '<w:right w:w="43" w:type="dxa"/></w:tblCellMar>')


@dataclass(slots=True)
class _Placed:
    """Where one source cell lands in the rendered grid."""

    text: str
    row: int
    col: int
    colspan: int = 1
    rowspan: int = 1
    is_label: bool = True
    continues: _Placed | None = None  # the cell above this one merges into, if any


@dataclass(frozen=True, slots=True)
class _HeaderCell:
    """One cell of an official header: the text it holds (whitespace aside) and where."""

    pattern: re.Pattern[str]
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True, slots=True)
class _TemplateHeader:
    """The header rows of one standard table as the national Word template merges them."""

    width: int
    cells: tuple[_HeaderCell, ...]

    @property
    def n_rows(self) -> int:
        return max(cell.row + cell.rowspan for cell in self.cells)

    def source_row(self, r: int) -> list[_HeaderCell | None]:
        """What a text export of the template shows in row ``r``: the cells starting
        there, and an empty cell (``None``) for each cell merged down from above."""
        present = [cell for cell in self.cells if cell.row <= r < cell.row + cell.rowspan]
        present.sort(key=lambda cell: cell.col)
        return [cell if cell.row == r else None for cell in present]


def _literal(text: str) -> re.Pattern[str]:
    return re.compile(re.escape(text))


_APPLICANTS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
_OUTCOMES = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")

TABLE_3_HEADER = _TemplateHeader(width=10, cells=(
    _HeaderCell(re.compile(r".*勾稽关系.*"), 0, 0, rowspan=3, colspan=3),
    _HeaderCell(_literal("申请人情况"), 0, 3, colspan=7),
    _HeaderCell(_literal("自然人"), 1, 3, rowspan=2),
    _HeaderCell(_literal("法人或其他组织"), 1, 4, colspan=5),
    _HeaderCell(_literal("总计"), 1, 9, rowspan=2),
    *(_HeaderCell(_literal(name), 2, 4 + i) for i, name in enumerate(_APPLICANTS)),
))

TABLE_4_HEADER = _TemplateHeader(width=15, cells=(
    _HeaderCell(_literal("行政复议"), 0, 0, colspan=5),
    _HeaderCell(_literal("行政诉讼"), 0, 5, colspan=10),
    *(_HeaderCell(_literal(name), 1, i, rowspan=2) for i, name in enumerate(_OUTCOMES)),
    _HeaderCell(_literal("未经复议直接起诉"), 1, 5, colspan=5),
    _HeaderCell(_literal("复议后起诉"), 1, 10, colspan=5),
    *(_HeaderCell(_literal(name), 2, 5 + 5 * group + i)
      for group in range(2) for i, name in enumerate(_OUTCOMES)),
))

TEMPLATE_HEADERS = (TABLE_3_HEADER, TABLE_4_HEADER)


def _is_value(text: str) -> bool:
    """Empty, or a number (possibly signed): what a data cell of the template holds."""
    body = text.strip()
    if not body:
        return True
    if NUMBERED_LABEL.match(body):
        return False
    return body[0].isdigit() or body[0] in SIGNS


def _has_spans(table: Table) -> bool:
    return any(
        cell.rowspan > 1 or cell.colspan > 1 or cell.col != i
        for row in table.rows
        for i, cell in enumerate(row)
    )


def _place_row(texts: list[str], r: int, width: int) -> list[_Placed]:
    """Lay out one row of a span-less table: labels first, the last label widened."""
    k = len(texts)
    if k == 0:
        return [_Placed("", r, 0, colspan=width)]
    if k == 1:
        return [_Placed(texts[0], r, 0, colspan=width)]
    n_values = 0
    while n_values < k - 1 and _is_value(texts[k - 1 - n_values]):
        n_values += 1
    n_labels = k - n_values
    placed: list[_Placed] = []
    col = 0
    for i, text in enumerate(texts):
        is_label = i < n_labels
        span = width - k + 1 if i == n_labels - 1 else 1
        placed.append(_Placed(text, r, col, colspan=span, is_label=is_label))
        col += span
    return placed


def _can_head_run(cell: _Placed) -> bool:
    """A cell a blank label below may merge into: a real label, or an earlier blank
    that already merged into one."""
    if cell.continues is not None:
        return True
    return cell.is_label and bool(cell.text.strip()) and not _is_value(cell.text)


def _merge_down(rows: list[list[_Placed]]) -> None:
    """Turn blank labels under labels of the same columns into vertical merges."""
    for upper, lower in itertools.pairwise(rows):
        above = {cell.col: cell for cell in upper}
        for cell in lower:
            over = above.get(cell.col)
            if (cell.is_label and cell.text == "" and over is not None
                    and over.colspan == cell.colspan and _can_head_run(over)):
                origin = over.continues or over
                origin.rowspan += 1
                cell.continues = origin


def _matches_header(header: _TemplateHeader, rows: list[list[str]], width: int) -> bool:
    """Whether the first rows are this template header, cell for cell.

    A cell merged down from above must be empty in the export: text there would be lost
    by the merge, so such a table keeps the generic layout."""
    if width != header.width or len(rows) <= header.n_rows:
        return False
    for r in range(header.n_rows):
        expected = header.source_row(r)
        if len(rows[r]) != len(expected):
            return False
        for text, cell in zip(rows[r], expected, strict=True):
            if cell is None:
                if text != "":
                    return False
            elif not cell.pattern.fullmatch(re.sub(r"\s", "", text)):
                return False
    return True


def _template_header(rows: list[list[str]], width: int) -> list[_Placed]:
    """The official header cells if the table starts with one, else nothing."""
    for header in TEMPLATE_HEADERS:
        if _matches_header(header, rows, width):
            texts = {(cell.row, cell.col): text
                     for r in range(header.n_rows)
                     for text, cell in zip(rows[r], header.source_row(r), strict=True)
                     if cell is not None}
            return [_Placed(texts[cell.row, cell.col], cell.row, cell.col,
                            colspan=cell.colspan, rowspan=cell.rowspan)
                    for cell in header.cells]
    return []


def _layout_from_sequence(table: Table) -> tuple[list[_Placed], int, int]:
    width = max(len(row) for row in table.rows)
    texts = [[c.text for c in row] for row in table.rows]
    header = _template_header(texts, width)
    first_body = max((cell.row + cell.rowspan for cell in header), default=0)
    rows = [_place_row(row, r, width) for r, row in enumerate(texts) if r >= first_body]
    _merge_down(rows)
    cells = header + [cell for row in rows for cell in row if cell.continues is None]
    return cells, len(texts), width


def _layout_from_spans(table: Table) -> tuple[list[_Placed], int, int]:
    cells = [_Placed(c.text, c.row, c.col, colspan=c.colspan, rowspan=c.rowspan)
             for c in table.cells()]
    return cells, table.n_rows, table.n_cols


def _label_columns(cells: list[_Placed]) -> int:
    """How many columns on the left hold labels: where the values start in the rows
    that have both a label and values (the leftmost such start, so a label widened over
    value columns in one odd row does not widen them all)."""
    starts: list[int] = []
    for _, group in itertools.groupby(sorted(cells, key=lambda c: (c.row, c.col)),
                                      key=lambda c: c.row):
        row = list(group)
        n_values = 0
        while n_values < len(row) and _is_value(row[len(row) - 1 - n_values].text):
            n_values += 1
        labels = row[:len(row) - n_values]
        if n_values and any(cell.text.strip() for cell in labels):
            starts.append(row[len(row) - n_values].col)
    return min(starts, default=0)


def _column_widths(total: int, width: int, label_cols: int) -> list[int]:
    """Widths in EMU: label columns ``LABEL_WEIGHT`` times as wide as value columns.

    Every width is a whole number of twips, the unit Word stores: rounded separately, a
    merged cell and the columns it covers would end a twip apart, and a .doc saved by
    LibreOffice then grows a sliver of a column at every such edge."""
    weights = [LABEL_WEIGHT if col < label_cols else 1 for col in range(width)]
    unit = total // EMU_PER_TWIP // sum(weights) * EMU_PER_TWIP
    return [unit * weight for weight in weights]


def _set_widths(tbl: CT_Tbl, widths: list[int]) -> None:
    """Fixed widths on the grid and on every cell (Word reads the cells' widths,
    LibreOffice the grid's), a merged cell as wide as the columns it covers."""
    for grid_col, w in zip(tbl.tblGrid.gridCol_lst, widths, strict=True):
        grid_col.w = Emu(w)
    for tr in tbl.tr_lst:
        offset = 0  # counted here: ``tc.grid_offset`` walks the row again for every cell
        for tc in tr.tc_lst:
            span = tc.grid_span
            tc.width = Emu(sum(widths[offset:offset + span]))
            offset += span


def _write_cell_text(cell: _Cell, text: str) -> None:
    """One paragraph per line, so line breaks inside a cell are real paragraphs."""
    lines = text.split("\n")
    paragraphs = [cell.paragraphs[0]] + [cell.add_paragraph() for _ in lines[1:]]
    for paragraph, line in zip(paragraphs, lines, strict=True):
        if line:
            paragraph.add_run(line).font.size = TABLE_FONT


def _text_width(word: WordDocument) -> int:
    section = word.sections[-1]
    return section.page_width - section.left_margin - section.right_margin


def _add_table(word: WordDocument, table: Table) -> None:
    if not table.rows or not any(table.rows):
        return
    layout = _layout_from_spans if _has_spans(table) else _layout_from_sequence
    cells, n_rows, width = layout(table)
    grid = word.add_table(rows=n_rows, cols=width)
    grid.style = "Table Grid"
    grid.autofit = False
    grid._tbl.tblPr.insert_element_before(parse_xml(CELL_MARGINS), "w:tblLook")
    rows = grid._tbl.tr_lst
    for placed in cells:
        # The XML-level lookups: ``Table.cell`` rebuilds the whole grid on every call,
        # which makes rendering a report take seconds.
        tc = rows[placed.row].tc_at_grid_offset(placed.col)
        if placed.rowspan > 1 or placed.colspan > 1:
            corner = rows[placed.row + placed.rowspan - 1].tc_at_grid_offset(
                placed.col + placed.colspan - 1)
            tc = tc.merge(corner)
        _write_cell_text(_Cell(tc, grid), placed.text)
    _set_widths(grid._tbl, _column_widths(_text_width(word), width, _label_columns(cells)))


def _add_paragraph(word: WordDocument, paragraph: Paragraph) -> None:
    style = None
    if paragraph.style == "title":
        style = "Title"
    elif paragraph.style == "heading" or SECTION_HEADING.match(paragraph.text):
        style = "Heading 2"
    word.add_paragraph(paragraph.text, style=style)


def render_docx(doc: Document) -> bytes:
    """The document as .docx bytes: paragraphs as paragraphs (section headings in a
    heading style), tables with their merges rebuilt as described above."""
    word = docx.Document()
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            _add_paragraph(word, block)
        else:
            _add_table(word, block)
    if doc.blocks and isinstance(doc.blocks[-1], Table):
        # Word always ends the body with a paragraph; LibreOffice turns a table that
        # ends a .doc into plain text. Readers drop empty paragraphs.
        word.add_paragraph()
    out = io.BytesIO()
    word.save(out)
    return without_timestamps(out.getvalue())


def render_docx_from_text_export(data: bytes) -> bytes:
    """A text export as the Word file it was exported from (as far as spans go)."""
    from extract.text_export import read_text_export

    return render_docx(read_text_export(data))
