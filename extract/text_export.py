"""Reader for plain-text exports of Word reports.

The export writes narrative paragraphs as lines and tables cell by cell: a line that
starts with a TAB starts a cell, a blank line ends a row, and a table ends with two or
more blank lines before the next paragraph. A cell may run over several lines, and may
itself hold a paragraph break (one blank line followed by more text before the next
cell). Vertically merged cells appear as empty cells; horizontally merged cells appear
once. The exporter also leaves ``[bookmark: _GoBack]`` markers in the text.

This reader keeps the export's cell sequence as it is (span 1, sequential columns): it
cannot know the spans, and the interpreter does not need them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extract.decode import decode_text
from extract.document import Cell, Document, Paragraph, Table, UnreadableDocument

BOOKMARK_START = "[bookmark:"
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
BLANK_CHARS = " \t\r\f\v\u00a0\u2002\u2003\u3000\ufeff"


def strip_artefacts(text: str) -> str:
    """Remove the exporter's bookmark markers (they are never report content).

    Most lines hold none, and a substring test is much cheaper than a regex pass.
    """
    return BOOKMARK.sub("", text) if BOOKMARK_START in text else text


def _is_blank(line: str) -> bool:
    return not line.strip(BLANK_CHARS)


VALUE_LINE = re.compile(r"^[\d０-９.．,，+\-−—–－/无万元件条个项次%％\s\u00a0\u3000]{1,20}$")


def _is_value_like(line: str) -> bool:
    """A line that can only be a cell's content: a number, a dash, a unit."""
    return bool(VALUE_LINE.match(strip_artefacts(line).strip(BLANK_CHARS)))


class _TableBuilder:
    """Accumulates one table's rows and cells as lines arrive."""

    def __init__(self) -> None:
        self.rows: list[list[list[str]]] = []  # rows → cells → lines
        self.row: list[list[str]] = []

    def start_cell(self, text: str) -> None:
        self.row.append([text])

    def continue_cell(self, text: str, after_break: bool) -> None:
        if not self.row:
            self.start_cell(text)
            return
        if after_break:
            self.row[-1].append("")
        self.row[-1].append(text)

    def end_row(self) -> None:
        if self.row:
            self.rows.append(self.row)
            self.row = []

    def build(self) -> Table:
        self.end_row()
        table = Table()
        for r, cells in enumerate(self.rows):
            raws = ["\n".join(lines) for lines in cells]
            table.rows.append([_cell(raw, r, c) for c, raw in enumerate(raws)])
        return table


@lru_cache(maxsize=16384)
def _cell(raw: str, row: int, col: int) -> Cell:
    """The cell at ``(row, col)`` holding ``raw``.

    Cells are immutable values, and exports made from one template repeat most of theirs
    (labels, zeros, blanks) at the same positions, so an equal cell is shared rather than
    built again: building one costs more than the rest of reading it.
    """
    return Cell(text=strip_artefacts(raw), row=row, col=col, raw=raw)


def parse_text_export(text: str) -> Document:
    """Turn the decoded text of an export into a :class:`Document`."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    doc = Document(source_format="txt")
    table: _TableBuilder | None = None
    blanks = 0  # blank lines seen since the last table line

    def next_content_line(start: int) -> str | None:
        for j in range(start, len(lines)):  # by index: a slice would copy the rest
            candidate = lines[j]
            if not _is_blank(candidate) or candidate.startswith("\t"):
                return candidate
        return None

    for i, line in enumerate(lines):
        if line.startswith("\t"):
            if table is None:
                table = _TableBuilder()
            elif blanks:
                table.end_row()
            for piece in line[1:].split("\t"):
                table.start_cell(piece)
            blanks = 0
            continue
        if not line.strip(BLANK_CHARS):  # _is_blank, inlined: it runs for every line
            if table is not None:
                blanks += 1
            continue
        if table is not None:
            continues = blanks == 0 or (
                blanks == 1 and (_is_value_like(line)
                                 or (next_content_line(i + 1) or "").startswith("\t"))
            )
            if continues:
                table.continue_cell(line, after_break=blanks == 1)
                blanks = 0
                continue
            doc.blocks.append(table.build())
            table = None
        blanks = 0
        cleaned = strip_artefacts(line).replace("\t", " ")
        if not _is_blank(cleaned):
            doc.blocks.append(Paragraph(text=cleaned.strip(BLANK_CHARS)))
    if table is not None:
        doc.blocks.append(table.build())
    return doc


def read_text_export(data: bytes) -> Document:
    """Read a text export (UTF-8 with or without BOM, UTF-16, or GB18030/GBK)."""
    try:
        text, _ = decode_text(data, strict=True)
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            "undecodable_text", f"no text encoding decodes this file: {exc}") from exc
    return parse_text_export(text)
