"""The one document model every reader produces and the interpreter consumes.

A report, whatever format it arrived in, becomes an ordered list of blocks: paragraphs
and tables. A table is a list of rows; each row lists the cells that *start* in it, with
their grid position and spans, so merged cells survive (a cell merged over three rows
appears once, with ``rowspan=3``; the rows below it simply have no cell at that column).
Readers that cannot see spans (plain text exports) emit every cell with span 1 and
sequential columns: the interpreter is written to work from either.

Nothing here knows about report templates; nothing in the interpreter knows about formats.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell as found.

    ``raw`` is the cell's text exactly as the source had it (format artefacts included);
    ``text`` is the same with format-specific artefacts removed by the reader (bookmark
    markers, markup) but whitespace and line breaks kept, so label matching and number
    parsing can decide what whitespace means.
    """

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    raw: str | None = None
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    confidence: float | None = None  # 0..1 when the text was read by OCR; None when native

    @property
    def source_text(self) -> str:
        """The text as found in the source, for the ``raw`` columns."""
        return self.text if self.raw is None else self.raw


@dataclass(slots=True)
class Table:
    """A table: rows of cells, each cell keeping its spans."""

    rows: list[list[Cell]] = field(default_factory=list)
    page: int | None = None

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        """Width of the grid: the furthest column any cell reaches."""
        width = 0
        for row in self.rows:
            for cell in row:
                width = max(width, cell.col + cell.colspan)
        return width

    def cells(self) -> Iterator[Cell]:
        for row in self.rows:
            yield from row

    def grid(self) -> list[list[Cell | None]]:
        """A dense ``n_rows x n_cols`` grid where every position covered by a merged cell
        points at that cell; positions no cell covers are ``None``."""
        grid: list[list[Cell | None]] = [[None] * self.n_cols for _ in self.rows]
        for cell in self.cells():
            for r in range(cell.row, min(cell.row + cell.rowspan, len(grid))):
                for c in range(cell.col, cell.col + cell.colspan):
                    grid[r][c] = cell
        return grid


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A run of narrative text (one paragraph or line of the source)."""

    text: str
    page: int | None = None
    style: str | None = None  # e.g. "heading", "title" when the source says so
    confidence: float | None = None  # 0..1 when read by OCR


Block = Paragraph | Table


@dataclass(slots=True)
class Document:
    """A whole source document in reading order."""

    blocks: list[Block] = field(default_factory=list)
    source_format: str = "unknown"
    n_pages: int | None = None
    text_source: str = "native"  # native | ocr | mixed (some pages read by OCR)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (code, message)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def plain_text(self) -> str:
        """All text, tables included (cells joined by tabs), for clue searches."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Paragraph):
                parts.append(block.text)
            else:
                for row in block.rows:
                    parts.append("\t".join(c.text for c in row))
        return "\n".join(parts)


class UnreadableDocument(Exception):
    """Raised by a reader when the bytes cannot be turned into a document at all.

    ``code`` is the ``problems.code`` recorded for the failed report.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
