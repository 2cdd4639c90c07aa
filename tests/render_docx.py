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
from docx.table import _Cell

from extract.document import Document, Paragraph, Table

#: Characters a value cell may start with besides digits.
SIGNS = "+-−－＋"
SECTION_HEADING = re.compile(r"^[一二三四五六]、")
#: "2.其他法律行政法规禁止公开": starts with a digit but is a numbered row label.
NUMBERED_LABEL = re.compile(r"^\d+[.．、]\D")


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


def _layout_from_sequence(table: Table) -> tuple[list[_Placed], int, int]:
    width = max(len(row) for row in table.rows)
    rows = [_place_row([c.text for c in row], r, width) for r, row in enumerate(table.rows)]
    _merge_down(rows)
    cells = [cell for row in rows for cell in row if cell.continues is None]
    return cells, len(rows), width


def _layout_from_spans(table: Table) -> tuple[list[_Placed], int, int]:
    cells = [_Placed(c.text, c.row, c.col, colspan=c.colspan, rowspan=c.rowspan)
             for c in table.cells()]
    return cells, table.n_rows, table.n_cols


def _write_cell_text(cell: _Cell, text: str) -> None:
    """One paragraph per line, so line breaks inside a cell are real paragraphs."""
    lines = text.split("\n")
    first = cell.paragraphs[0]
    if lines[0]:
        first.add_run(lines[0])
    for line in lines[1:]:
        cell.add_paragraph(line)


def _add_table(word: WordDocument, table: Table) -> None:
    if not table.rows or not any(table.rows):
        return
    layout = _layout_from_spans if _has_spans(table) else _layout_from_sequence
    cells, n_rows, width = layout(table)
    grid = word.add_table(rows=n_rows, cols=width)
    grid.style = "Table Grid"
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
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def render_docx_from_text_export(data: bytes) -> bytes:
    """A text export as the Word file it was exported from (as far as spans go)."""
    from extract.text_export import read_text_export

    return render_docx(read_text_export(data))
