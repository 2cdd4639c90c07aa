"""PDF reports → the document model, from the text layer (OCR only for scanned pages).

Most reports are published as PDF printed from Word or WPS. The text layer holds glyphs
with positions, nothing more: lines, paragraphs and tables must be rebuilt from geometry.

* Tables come from ruling lines (pdfplumber's ``lines`` strategy). Each table's grid is
  the set of distinct cell edges, so a merged cell gets its real row/column spans, which
  the interpreter uses to place values under the right applicant column. A row that a
  page break cut in two (Word allows that) is put back together.
* Where a page has no ruled table but a clearly column-aligned block of numbers, the
  table is rebuilt from text alignment: number columns from where the numbers stand,
  label columns from where label pieces start, one row per line of numbers. A generic
  text strategy is not used: on running text and wrapped labels it invents columns and
  cuts rows between the lines of one label.
* Narrative text is everything outside the tables, regrouped into lines by vertical
  overlap and into paragraphs by first-line indents, vertical gaps, short last lines and
  enumeration markers (一、 （二） 3.). Chinese has no spaces between words, so spaces are
  only ever inserted between two narrow (Latin, digit) glyphs that are visibly apart.
* Page furniture (running headers, footers, page numbers) is dropped: it would otherwise
  land in the middle of sentences and between the two halves of a split table.
* A page without a usable text layer (a scan, or glyphs without a Unicode mapping) is
  rendered and handed to the OCR module.

Nothing here knows about report templates.
"""

from __future__ import annotations

import bisect
import io
import itertools
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from extract.document import Cell, Document, Paragraph, Table, UnreadableDocument

Char = dict[str, Any]
BBox = tuple[float, float, float, float]

MAX_PAGES = 500
OCR_DPI = 200
#: A page with fewer visible characters than this and a big image is a scan.
MIN_TEXT_CHARS = 20
#: Share of the page an image must cover for a text-poor page to count as scanned.
SCAN_IMAGE_COVER = 0.5
#: Share of unmappable glyphs (U+FFFD, private use, "(cid:n)") that makes a text layer useless.
GARBAGE_SHARE = 0.5
#: Horizontal gap (in font sizes) that splits a line into separate pieces: two columns of
#: a title block, a signature beside a date. Letter-spaced headings stay well below it.
SEGMENT_GAP = 3.0
#: Gap (in font sizes) between the cells of an unruled table.
TABLE_GAP = 0.6
#: Gap (in font sizes) between two narrow glyphs that counts as a word space.
SPACE_GAP = 0.2
#: A line ending this many font sizes short of the right margin ends its paragraph. Line
#: breaking rules (no closing quote or comma at a line start) can carry up to three
#: characters over, so a full line may end that far short.
SHORT_LINE = 3.0
#: Distance (points) within which two cell edges are the same grid line.
EDGE_TOLERANCE = 1.5
#: Left and right cell margin (points) word processors print by default (Word's 0.08
#: inch; WPS and LibreOffice take it from the file): what a full line of a cell leaves.
CELL_PADDING = 6.0
#: Room (in font sizes) a line may leave in its cell and still count as full: line
#: breaking rules can carry a character or two over to the next line.
FULL_LINE_SLACK = 2.0
#: Header and footer bands, as shares of the page height.
PAGE_NUMBER_BAND = 0.1
REPEAT_BAND = 0.15
#: Share of pages a header/footer text must appear on (at the same height) to be furniture;
#: below one half, so headers that differ on odd and even pages are caught too.
REPEAT_SHARE = 0.4

PAGE_NUMBER = re.compile(
    r"^(?:[-－—–―~～_\s]*[\dⅠ-ⅻ]{1,4}[-－—–―~～_\s]*"
    r"|[-－—–―]\s*[一二三四五六七八九十百零〇]+\s*[-－—–―]"
    r"|第\s*\d+\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|\d+\s*[/／]\s*\d+"
    r"|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?)$",
    re.IGNORECASE,
)
#: Enumeration markers that open a paragraph whatever the layout: 一、 （二） (3) 4. 5、 第六
ENUMERATION = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]"
    r"|\d{1,2}\s*[、.．](?!\d)|第[一二三四五六七八九十]{1,3}[、，,章部节条])")
NUMBER = re.compile(r"^[-+−－＋]?[\d,，.．%％]+$")
#: What a value cell holds (spaces removed): a figure, maybe with its unit, or the dash,
#: slash or 无 printed for none.
VALUE = re.compile(r"^(?:[-+−－＋]?[\d,，.．]+(?:万元|万|元|件|个|项|%|％)?|[—―\-－/／无]+)$")
#: Font names of bold and 黑体-like faces, which headings are set in.
HEAVY_FONT = re.compile(r"bold|heavy|black|demi|semibold|hei|黑", re.IGNORECASE)


# --------------------------------------------------------------------------- glyph text


@lru_cache(maxsize=4096)
def _is_wide(ch: str) -> bool:
    """CJK ideographs, kana, full-width forms and CJK punctuation: never space-separated."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _is_garbage(text: str) -> bool:
    """A glyph whose Unicode is unknown: the font had no usable mapping."""
    if text.startswith("(cid:"):
        return True
    return any(ch == "\ufffd" or 0xE000 <= ord(ch) <= 0xF8FF for ch in text)


def _needs_space(left: Char, right: Char) -> bool:
    """A synthetic space between two glyphs: only between narrow glyphs visibly apart."""
    a, b = left["text"], right["text"]
    if not a or not b or a[-1].isspace() or b[0].isspace():
        return False
    if _is_wide(a[-1]) or _is_wide(b[0]):
        return False
    size = max(left["size"], right["size"], 1.0)
    return right["x0"] - left["x1"] > SPACE_GAP * size


def _join_glyphs(chars: Sequence[Char]) -> str:
    parts: list[str] = []
    for i, ch in enumerate(chars):
        if i and _needs_space(chars[i - 1], ch):
            parts.append(" ")
        parts.append(ch["text"])
    return "".join(parts)


def _without_overprints(chars: list[Char]) -> list[Char]:
    """Drop glyphs printed twice at (almost) the same spot, the way 'fake bold' is drawn."""
    kept: list[Char] = []
    for ch in chars:
        if kept:
            last = kept[-1]
            if (last["text"] == ch["text"] and abs(last["x0"] - ch["x0"]) < 1.0
                    and abs(last["top"] - ch["top"]) < 1.0):
                continue
        kept.append(ch)
    return kept


def _cluster_lines(chars: Iterable[Char]) -> list[list[Char]]:
    """Glyphs grouped into visual lines, each sorted left to right.

    A glyph joins the line whose vertical middle it shares (within half a glyph height),
    so punctuation from a Latin fallback font, whose box sits a little higher or lower
    than the ideographs around it, stays on its line.
    """
    lines: list[list[Char]] = []
    mids: list[float] = []
    heights: list[float] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if not ch["text"]:
            continue
        mid = (ch["top"] + ch["bottom"]) / 2
        height = max(ch["bottom"] - ch["top"], 1.0)
        if lines and abs(mid - mids[-1]) <= 0.5 * max(height, heights[-1]):
            lines[-1].append(ch)
            heights[-1] = max(heights[-1], height)
            continue
        lines.append([ch])
        mids.append(mid)
        heights.append(height)
    return [_without_overprints(sorted(line, key=lambda c: c["x0"])) for line in lines]


# --------------------------------------------------------------------------- lines


@dataclass(slots=True)
class _Line:
    """A piece of one visual line of narrative text."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    split: bool = False  # the visual line had several pieces (columns, a signature block)
    chars: list[Char] = field(default_factory=list, repr=False)

    @property
    def font(self) -> str:
        """The font most of the line is set in, without the subset prefix (ABCDEF+)."""
        names = Counter(str(c.get("fontname", "")).split("+")[-1] for c in self.chars)
        return names.most_common(1)[0][0] if names else ""

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


def _segments(line: list[Char], gap: float) -> list[list[Char]]:
    """A visual line cut where glyphs are more than ``gap`` font sizes apart."""
    pieces: list[list[Char]] = [[line[0]]]
    for left, right in itertools.pairwise(line):
        size = max(left["size"], right["size"], 1.0)
        if right["x0"] - left["x1"] > gap * size:
            pieces.append([])
        pieces[-1].append(right)
    return pieces


def _make_line(chars: list[Char], split: bool) -> _Line | None:
    visible = [c for c in chars if not c["text"].isspace()]
    text = _join_glyphs(chars).strip()
    if not visible or not text:
        return None
    return _Line(text=text, x0=min(c["x0"] for c in visible), x1=max(c["x1"] for c in visible),
                 top=min(c["top"] for c in visible), bottom=max(c["bottom"] for c in visible),
                 size=statistics.median(c["size"] for c in visible), split=split,
                 chars=visible)


def _text_lines(chars: Iterable[Char], gap: float = SEGMENT_GAP) -> list[_Line]:
    """Line pieces of narrative text; a visual line is cut into pieces at wide gaps, so
    side-by-side blocks never interleave."""
    out: list[_Line] = []
    for visual in _cluster_lines(chars):
        pieces = _segments(visual, gap)
        for piece in pieces:
            line = _make_line(piece, split=len(pieces) > 1)
            if line is not None:
                out.append(line)
    return out


# --------------------------------------------------------------------------- tables


def _edges(values: Iterable[float]) -> list[float]:
    """Distinct coordinates, values within the tolerance counted as one edge."""
    edges: list[float] = []
    for value in sorted(values):
        if not edges or value - edges[-1] > EDGE_TOLERANCE:
            edges.append(value)
    return edges


def _index(edges: list[float], value: float) -> int:
    """The edge ``value`` falls on (within tolerance)."""
    i = bisect.bisect_left(edges, value - EDGE_TOLERANCE)
    return min(i, len(edges) - 1)


@dataclass(slots=True)
class _GridCell:
    bbox: BBox
    row: int
    col: int
    rowspan: int
    colspan: int
    chars: list[Char] = field(default_factory=list)


@dataclass(slots=True)
class _PageTable:
    """A table as found on one page, with what joining a row split by the page break
    needs: where it starts and which cells' text was still running at their bottom."""

    top: float
    table: Table
    cut: set[tuple[int, int]] = field(default_factory=set)  # (row, col) of running cells
    full: set[tuple[int, int]] = field(default_factory=set)  # (row, col) of wrapped cells


def _grid_cells(boxes: Sequence[BBox]) -> tuple[list[_GridCell], list[float], list[float]]:
    """Cells placed on the grid their own edges define.

    Columns start at every distinct left edge and rows at every distinct top edge, so a
    merged cell covers exactly the columns/rows that other cells start inside it.
    """
    lefts = _edges(b[0] for b in boxes)
    tops = _edges(b[1] for b in boxes)
    cells = []
    for box in boxes:
        col, row = _index(lefts, box[0]), _index(tops, box[1])
        col_end = bisect.bisect_left(lefts, box[2] - EDGE_TOLERANCE)
        row_end = bisect.bisect_left(tops, box[3] - EDGE_TOLERANCE)
        cells.append(_GridCell(box, row, col, max(1, row_end - row), max(1, col_end - col)))
    return cells, lefts, tops


def _fill_cells(cells: list[_GridCell], lefts: list[float], tops: list[float],
                chars: Iterable[Char]) -> None:
    """Give each glyph to the cell under its centre."""
    owner: dict[tuple[int, int], _GridCell] = {}
    for cell in cells:
        for r in range(cell.row, cell.row + cell.rowspan):
            for c in range(cell.col, cell.col + cell.colspan):
                owner.setdefault((r, c), cell)
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        col = bisect.bisect_right(lefts, cx) - 1
        row = bisect.bisect_right(tops, cy) - 1
        cell = owner.get((row, col))
        if cell is not None:
            x0, top, x1, bottom = cell.bbox
            if x0 <= cx <= x1 and top <= cy <= bottom:
                cell.chars.append(ch)


def _runs_on(cell: _GridCell, lines: list[list[Char]]) -> bool:
    """Whether the cell's text looks cut off at its bottom edge: the last line is as low
    as the first is high (no more bottom padding than the room a next line would have
    needed) and as wide as the widest line.

    A page break inside a row leaves exactly this: the row's top part runs down to where
    its next line no longer fit. A complete label usually ends on a short line or well
    above the bottom of a taller row.
    """
    if not lines:
        return False
    first, last = lines[0], lines[-1]
    size = max(c["size"] for c in last)
    pad_top = min(c["top"] for c in first) - cell.bbox[1]
    pad_bottom = cell.bbox[3] - max(c["bottom"] for c in last)
    widest = max(_line_width(line) for line in lines)
    return (pad_bottom <= max(pad_top, 1.0) + size
            and _line_width(last) >= widest - 0.75 * size)


def _fills(cell: _GridCell, lines: list[list[Char]]) -> bool:
    """Whether the cell's widest line runs from margin to margin: its text was wrapped
    because the cell was full (a single short line, '规章' in a wide label column, was
    not; nor were short lines the author broke by hand, '本年制/发件数')."""
    if not lines:
        return False
    size = max(c["size"] for line in lines for c in line)
    room = cell.bbox[2] - cell.bbox[0] - 2 * CELL_PADDING
    return max(_line_width(line) for line in lines) >= room - FULL_LINE_SLACK * size


def _line_width(line: list[Char]) -> float:
    """The printed width of a line of a cell, from its first to its last visible glyph
    (a cell's leading or trailing U+3000 is not what fills it)."""
    visible = [c for c in line if not c["text"].isspace()] or line
    return max(c["x1"] for c in visible) - min(c["x0"] for c in visible)


def _to_table(boxes: Sequence[BBox], chars: Sequence[Char], page: int) -> _PageTable:
    cells, lefts, tops = _grid_cells(boxes)
    _fill_cells(cells, lefts, tops, chars)
    rows: list[list[Cell]] = [[] for _ in tops]
    cut: set[tuple[int, int]] = set()
    full: set[tuple[int, int]] = set()
    for cell in sorted(cells, key=lambda c: (c.row, c.col)):
        lines = _cluster_lines(cell.chars)
        text = "\n".join(t for t in (_join_glyphs(line).strip() for line in lines) if t)
        if _runs_on(cell, lines):
            cut.add((cell.row, cell.col))
        if _fills(cell, lines):
            full.add((cell.row, cell.col))
        rows[cell.row].append(Cell(
            text=text, row=cell.row, col=cell.col, rowspan=cell.rowspan,
            colspan=cell.colspan, page=page, bbox=_round_box(cell.bbox)))
    top = min(b[1] for b in boxes)
    return _PageTable(top=top, table=Table(rows=rows, page=page), cut=cut, full=full)


def _round_box(box: BBox) -> BBox:
    return (round(box[0], 2), round(box[1], 2), round(box[2], 2), round(box[3], 2))


def _inside(ch: Char, box: BBox) -> bool:
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _ruled_tables(page: Any) -> list[list[BBox]]:
    """Cell boxes of every table drawn with lines (a lone framed box is layout, not data)."""
    found = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
    return [list(t.cells) for t in found if len(t.cells) >= 2]


def _is_number(text: str) -> bool:
    return bool(NUMBER.match(text.replace(" ", ""))) and any(ch.isdigit() for ch in text)


@dataclass(slots=True)
class _Row:
    """A visual line cut at every gap wider than a glyph, for finding unruled tables."""

    pieces: list[_Line]
    values: list[_Line]  # the trailing pieces that are numbers

    @property
    def top(self) -> float:
        return min(p.top for p in self.pieces)

    @property
    def bottom(self) -> float:
        return max(p.bottom for p in self.pieces)

    @property
    def x1(self) -> float:
        return max(p.x1 for p in self.pieces)


def _rows(chars: Iterable[Char]) -> list[_Row]:
    rows = []
    for visual in _cluster_lines(chars):
        pieces = [line for piece in _segments(visual, TABLE_GAP)
                  if (line := _make_line(piece, split=False)) is not None]
        if not pieces:
            continue
        values: list[_Line] = []
        for piece in reversed(pieces):
            if not _is_number(piece.text):
                break
            values.insert(0, piece)
        rows.append(_Row(pieces, values))
    return rows


@dataclass(slots=True)
class _Run:
    """Rows ``first..last`` (indexes into the page's rows) holding one unruled table's
    numbers, with ``head`` the index of its first header line."""

    first: int
    last: int
    zone: float  # where the leftmost number column starts
    head: int = -1


def _number_runs(rows: list[_Row]) -> list[_Run]:
    """Blocks of lines ending in separate numbers.

    Lines without numbers may sit between them (a label wrapped onto further lines) as
    long as they stay left of the numbers; anything reaching into the number columns (a
    header, a heading, running text) ends the block. Wrapped lines left at the end of a
    block are more likely the caption of what follows, and are given back.
    """
    runs: list[_Run] = []
    run: _Run | None = None
    for i, row in enumerate(rows):
        size = max(p.size for p in row.pieces)
        if run is not None and row.values and min(v.x0 for v in row.values) >= run.zone - size:
            run.last = i
            run.zone = min(run.zone, *(v.x0 for v in row.values))
            continue
        if run is not None and not row.values and row.x1 < run.zone \
                and _next_line(rows[i - 1], row):
            continue
        if run is not None:
            runs.append(run)
            run = None
        if len(row.values) >= 2:
            run = _Run(first=i, last=i, zone=min(v.x0 for v in row.values))
    if run is not None:
        run.last = len(rows) - 1 if _only_labels(rows[run.last + 1:], run.zone) else run.last
        runs.append(run)
    return runs


def _next_line(above: _Row, row: _Row) -> bool:
    """Whether ``row`` follows ``above`` at the spacing of lines wrapped inside one cell
    (rows of a table usually sit further apart, with cell padding between them)."""
    height = max(above.bottom - above.top, 1.0)
    return row.top - above.top <= 1.45 * height


def _only_labels(rows: list[_Row], zone: float) -> bool:
    return all(not row.values and row.x1 < zone for row in rows)


def _clearly_tabular(rows: list[_Row], header: list[_Row]) -> bool:
    """Two lines of two or more numbers in common columns, one line of many, or one
    line of numbers under a header line of several cells."""
    with_numbers = [row for row in rows if len(row.values) >= 2]
    if len(_value_columns(rows)) < 2:
        return False
    return (len(with_numbers) >= 2 or any(len(row.values) >= 4 for row in with_numbers)
            or any(len(row.pieces) >= 2 for row in header))


def _find_header(rows: list[_Row], run: _Run, floor: int) -> int:
    """Index of the first header line above a block of numbers: the lines directly
    above that have several cells or reach over the number columns (a caption wrapped
    in the label column counts when a header line sits above it)."""
    head = run.first
    for i in range(run.first - 1, floor - 1, -1):
        if _header_like(rows[i], run.zone):
            head = i
        elif not (i > floor and _header_like(rows[i - 1], run.zone)):
            break
    return head


def _header_like(row: _Row, zone: float) -> bool:
    """Several cells, or one cell over the number columns; a single piece of text running
    from the label column into the numbers is a heading or caption instead."""
    if row.values:
        return False
    return len(row.pieces) >= 2 or row.pieces[0].x0 >= zone - 1


def _value_columns(rows: list[_Row]) -> list[tuple[float, float]]:
    """Number columns: the x-extents of the numbers, overlapping extents merged."""
    spans = sorted((v.x0, v.x1) for row in rows for v in row.values)
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1] + 1.0:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    return [(a, b) for a, b in columns]


def _label_edges(rows: list[_Row], zone: float) -> list[float]:
    """Left edges of label columns: where a label piece follows another on its line,
    or where two or more label pieces start."""
    starts = sorted(p.x0 for row in rows for p in row.pieces if p.x1 < zone)
    inner = {round(p.x0) for row in rows for p in row.pieces[1:] if p.x1 < zone}
    edges: list[list[float]] = []
    for x in starts:
        if edges and x - edges[-1][0] <= EDGE_TOLERANCE * 2:
            edges[-1].append(x)
        else:
            edges.append([x])
    kept = [group[0] for i, group in enumerate(edges)
            if i == 0 or len(group) >= 2 or round(group[0]) in inner]
    return [x - 1 for x in kept] or [zone - 2]


def _bands(rows: list[_Row], run: _Run,
           edges: list[float]) -> list[tuple[float, float, list[_Row]]]:
    """Table rows: header lines grouped as the cells they wrap in, and one row per line
    of numbers together with the wrapped label lines below it."""
    bands = _header_bands(rows[run.head:run.first], edges)
    for row in rows[run.first:run.last + 1]:
        if row.values or len(bands) == len(_header_bands(rows[run.head:run.first], edges)):
            bands.append([row])
        else:
            bands[-1].append(row)
    tops = [min(r.top for r in band) - 1 for band in bands]
    bottoms = [*tops[1:], max(r.bottom for band in bands for r in band) + 1]
    return list(zip(tops, bottoms, bands, strict=True))


def _header_bands(header: list[_Row], edges: list[float]) -> list[list[_Row]]:
    """Header lines in rows of cells: a line joins the row above when it sits at in-cell
    line spacing under the text of every column it writes in (so '本年新' over '制作数量'
    is one cell, while '自然人' under '申请人情况' starts a row of its own)."""
    bands: list[list[_Row]] = []
    last_in_column: dict[int, _Row] = {}
    for row in header:
        columns = {bisect.bisect_right(edges, (p.x0 + p.x1) / 2) - 1 for p in row.pieces}
        wraps = bool(bands) and _next_line(bands[-1][-1], row) and all(
            c not in last_in_column or _next_line(last_in_column[c], row) for c in columns)
        if wraps:
            bands[-1].append(row)
        else:
            bands.append([row])
            last_in_column = {}
        last_in_column.update(dict.fromkeys(columns, row))
    return bands


def _band_cells(edges: list[float], n_labels: int, top: float, bottom: float,
                band: list[_Row]) -> list[BBox]:
    """The band's cells: one per column, two columns merged where text runs across the
    edge between them (a glyph straddling it, or two glyphs touching across it), and in
    a row of numbers an empty label column merged into the label on its left (the way
    '（一）予以公开' covers the leaf-label column of the rows below it)."""
    n = len(edges) - 1
    joined = [False] * n  # joined[k]: column k is merged with column k + 1
    filled = [False] * n
    for row in band:
        for piece in row.pieces:
            for k in range(n):
                if piece.x0 < edges[k + 1] and piece.x1 > edges[k]:
                    filled[k] = True
            for k in range(1, n):
                if piece.x0 < edges[k] < piece.x1 and _crosses(piece.chars, edges[k]):
                    joined[k - 1] = True
    if any(row.values for row in band):
        for k in range(1, n_labels):
            if not filled[k] and filled[k - 1]:
                joined[k - 1] = True
                filled[k] = True
    boxes, start = [], 0
    for k in range(n):
        if not joined[k]:
            boxes.append((edges[start], top, edges[k + 1], bottom))
            start = k + 1
    return boxes


def _crosses(chars: list[Char], edge: float) -> bool:
    for a, b in itertools.pairwise(chars):
        if a["x0"] < edge - 1 < edge + 1 < a["x1"]:
            return True
        if a["x1"] <= edge + 1 and b["x0"] >= edge - 1:
            return b["x0"] - a["x1"] < 0.15 * max(a["size"], 1.0)
    last = chars[-1] if chars else None
    return last is not None and last["x0"] < edge - 1 < edge + 1 < last["x1"]


def _free_edge(used: list[_Row], lo: float, hi: float) -> float:
    """Where to put a column edge between ``lo`` and ``hi``: in the gap no glyph of the
    table covers that lies nearest the middle (header texts are often wider than the
    numbers below them, and an edge through them would split or merge them)."""
    middle = (lo + hi) / 2
    spans = sorted((c["x0"], c["x1"]) for row in used for p in row.pieces for c in p.chars
                   if c["x1"] > lo and c["x0"] < hi)
    gaps, cursor = [], lo
    for x0, x1 in spans:
        if x0 > cursor:
            gaps.append((cursor, x0))
        cursor = max(cursor, x1)
    if cursor < hi:
        gaps.append((cursor, hi))
    if not gaps:
        return middle
    a, b = min(gaps, key=lambda g: (max(g[0] - middle, middle - g[1], 0.0), g[0] - g[1]))
    return (a + b) / 2


def _aligned_grid(rows: list[_Row], run: _Run) -> list[BBox]:
    """Cell boxes for an unruled table: label columns where label pieces start, one
    column per number column, rows as :func:`_bands` cuts them."""
    body = rows[run.first:run.last + 1]
    used = rows[run.head:run.last + 1]
    columns = _value_columns(body)
    left = min(p.x0 for row in used for p in row.pieces) - 1
    label_ends = [p.x1 for row in body for p in row.pieces if p.x1 < run.zone]
    if label_ends:
        boundary = _free_edge(used, max(label_ends), columns[0][0])
        edges = [e for e in _label_edges(used, run.zone) if e < boundary - 1] or [left]
        edges[0] = min(edges[0], left)
        edges.append(boundary)
    else:  # numbers only: header texts above belong to the number columns
        edges = [left]
    n_labels = len(edges) - 1
    edges += [_free_edge(used, a[1], b[0]) for a, b in itertools.pairwise(columns)]
    edges.append(max(max(row.x1 for row in used), columns[-1][1]) + 1)
    return [box for top, bottom, band in _bands(rows, run, edges)
            for box in _band_cells(edges, n_labels, top, bottom, band)]


def _text_tables(chars: list[Char]) -> list[list[BBox]]:
    """Unruled tables found from text alignment: only blocks of lines that end in
    separate numbers standing in common columns (running text never has those)."""
    rows = _rows(chars)
    tables = []
    floor = 0
    for run in _number_runs(rows):
        run.head = _find_header(rows, run, floor)
        if _clearly_tabular(rows[run.first:run.last + 1], rows[run.head:run.first]):
            tables.append(_aligned_grid(rows, run))
            floor = run.last + 1
    return tables


# --------------------------------------------------------------------------- pages


@dataclass(slots=True)
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line] = field(default_factory=list)
    tables: list[_PageTable] = field(default_factory=list)
    ocr_blocks: list[Paragraph | Table] | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)


def _image_cover(page: Any) -> float:
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for image in page.images:
        w = max(0.0, min(image["x1"], page.width) - max(image["x0"], 0))
        h = max(0.0, min(image["bottom"], page.height) - max(image["top"], 0))
        covered = max(covered, w * h)
    return covered / area


def _needs_ocr(page: Any, chars: list[Char]) -> bool:
    """No usable text layer: a scan with (almost) no text, or text in unmapped glyphs."""
    visible = [c for c in chars if c["text"].strip()]
    if len(visible) < MIN_TEXT_CHARS:
        return _image_cover(page) >= SCAN_IMAGE_COVER
    garbage = sum(1 for c in visible if _is_garbage(c["text"]))
    return garbage / len(visible) >= GARBAGE_SHARE


def _ocr(page: Any, number: int) -> list[Paragraph | Table]:
    try:
        from extract.ocr import ocr_page
    except ImportError:
        raise UnreadableDocument(
            "no_text_layer",
            f"page {number} has no text layer (a scan) and OCR is not available") from None
    image = page.to_image(resolution=OCR_DPI).original
    return ocr_page(image, number, 72 / OCR_DPI)


def _read_page(page: Any, number: int) -> _Page:
    chars = page.chars
    out = _Page(number=number, width=float(page.width), height=float(page.height))
    if _needs_ocr(page, chars):
        out.ocr_blocks = _ocr(page, number)
        return out
    tables = _ruled_tables(page)
    if not tables:
        tables = _text_tables(chars)
        if tables:
            out.warnings.append((
                "pdf_unruled_table",
                f"page {number}: {len(tables)} table(s) without ruling lines, rebuilt from "
                "text alignment; merged cells and wrapped headers may be misread"))
    boxes: list[BBox] = []
    for cells in tables:
        box = (min(b[0] for b in cells), min(b[1] for b in cells),
               max(b[2] for b in cells), max(b[3] for b in cells))
        inside = [c for c in chars if _inside(c, box)]
        out.tables.append(_to_table(cells, inside, number))
        boxes.append(box)
    free = [c for c in chars if not any(_inside(c, box) for box in boxes)]
    out.lines = _text_lines(free)
    return out


# --------------------------------------------------------------------------- furniture


def _furniture_key(line: _Line, page: _Page) -> tuple[str, int] | None:
    """What identifies a header/footer line across pages: its text with digits masked
    (page numbers change) and its height on the page, in 4-point steps."""
    if not _in_band(line, page, REPEAT_BAND):
        return None
    text = re.sub(r"\s+", "", re.sub(r"\d+", "#", line.text))
    return text, round(line.top / 4)


def _in_band(line: _Line, page: _Page, share: float) -> bool:
    return line.bottom <= page.height * share or line.top >= page.height * (1 - share)


def _drop_furniture(pages: list[_Page]) -> None:
    """Remove page numbers and running headers/footers from every page's lines."""
    native = [p for p in pages if p.ocr_blocks is None]
    counts: Counter[tuple[str, int]] = Counter()
    for page in native:
        counts.update({k for line in page.lines if (k := _furniture_key(line, page))})
    needed = max(2, int(len(native) * REPEAT_SHARE + 0.999))
    repeated = {k for k, n in counts.items() if n >= needed}
    for page in native:
        page.lines = [
            line for line in page.lines
            if not (_in_band(line, page, PAGE_NUMBER_BAND) and PAGE_NUMBER.match(line.text))
            and _furniture_key(line, page) not in repeated]


# --------------------------------------------------------------------------- paragraphs


@dataclass(frozen=True, slots=True)
class _Layout:
    """The body column of pages of one width: where lines start and end."""

    left: float
    right: float
    gap: float  # usual space between two lines of one paragraph

    @property
    def center(self) -> float:
        return (self.left + self.right) / 2


def _layouts(pages: list[_Page]) -> dict[int, _Layout]:
    """One layout per page width (portrait and landscape pages differ)."""
    by_width: dict[int, list[_Page]] = {}
    for page in pages:
        by_width.setdefault(round(page.width), []).append(page)
    return {width: _layout(group) for width, group in by_width.items()}


def _layout(pages: list[_Page]) -> _Layout:
    lines = [line for p in pages for line in p.lines if not line.split]
    if len(lines) < 3:
        width = pages[0].width
        return _Layout(left=width * 0.12, right=width * 0.88, gap=3.0)
    left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    right = sorted(line.x1 for line in lines)[int(0.9 * (len(lines) - 1))]
    gaps = [b.top - a.bottom for p in pages for a, b in itertools.pairwise(p.lines)
            if not a.split and not b.split and abs(a.size - b.size) < 0.5
            and -1 < b.top - a.bottom < 1.5 * a.size]
    gap = statistics.median(gaps) if gaps else 3.0
    return _Layout(left=float(left), right=right, gap=gap)


def _centered(line: _Line, layout: _Layout) -> bool:
    return (line.x0 > layout.left + line.size and abs(line.center - layout.center) < line.size)


def _full(line: _Line, layout: _Layout) -> bool:
    """A line running from margin to margin (a centred line this wide was wrapped, while
    a shorter one ended where its author broke it)."""
    return (line.x0 <= layout.left + SHORT_LINE * line.size
            and line.x1 >= layout.right - SHORT_LINE * line.size)


def _continues(prev: _Line, line: _Line, layout: _Layout) -> bool:
    """Whether ``line`` carries on the paragraph ``prev`` belongs to."""
    if prev.split or line.split or abs(prev.size - line.size) > 1.0:
        return False
    gap = line.top - prev.bottom
    if gap > layout.gap + 0.5 * line.size or gap < -0.5 * line.size:
        return False
    if ENUMERATION.match(line.text):
        return False
    if _centered(line, layout) and _full(prev, layout):
        return True  # a long centred title wrapped onto a second line
    if line.x0 > layout.left + 0.8 * line.size:
        return False  # first-line indent
    return prev.x1 >= layout.right - SHORT_LINE * prev.size


def _join_lines(texts: list[str]) -> str:
    """Lines of one paragraph: CJK lines join directly, Latin words get their space back."""
    out = texts[0]
    for text in texts[1:]:
        if out and text and not _is_wide(out[-1]) and not _is_wide(text[0]) \
                and out[-1].isalnum() and text[0].isalnum():
            out += " "
        out += text
    return out


@dataclass(slots=True)
class _Para:
    lines: list[_Line]
    page: int
    style: str | None = None

    @property
    def top(self) -> float:
        return self.lines[0].top

    def paragraph(self) -> Paragraph:
        return Paragraph(text=_join_lines([line.text for line in self.lines]), page=self.page,
                         style=self.style)


@dataclass(frozen=True, slots=True)
class _Body:
    """The size and font most of the running text is set in."""

    size: float
    font: str


def _body(pages: list[_Page]) -> _Body:
    sizes: Counter[float] = Counter()
    fonts: Counter[str] = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size, 1)] += len(line.chars)
            fonts[line.font] += len(line.chars)
    if not sizes:
        return _Body(size=0.0, font="")
    return _Body(size=sizes.most_common(1)[0][0], font=fonts.most_common(1)[0][0])


def _is_heavy(font: str) -> bool:
    return bool(HEAVY_FONT.search(font))


def _style(para: _Para, body: _Body) -> str | None:
    """'heading' for a short paragraph set larger than the running text, or in a bold or
    黑体-like face the running text does not use (how headings are printed)."""
    text = _join_lines([line.text for line in para.lines])
    if body.size <= 0 or len(para.lines) > 2 or len(text) > 60:
        return None
    line = para.lines[0]
    if line.size >= body.size * 1.15:
        return "heading"
    if _is_heavy(line.font) and not _is_heavy(body.font) and line.font != body.font:
        return "heading"
    return None


def _paragraphs(page: _Page, layout: _Layout, body: _Body) -> list[_Para]:
    """Lines grouped into paragraphs; a table between two lines always ends a paragraph."""
    table_tops = sorted(t.top for t in page.tables)
    paras: list[_Para] = []
    for line in page.lines:
        if paras:
            prev = paras[-1].lines[-1]
            crosses_table = any(prev.top < t < line.top for t in table_tops)
            if not crosses_table and _continues(prev, line, layout):
                paras[-1].lines.append(line)
                continue
        paras.append(_Para([line], page.number))
    for para in paras:
        para.style = _style(para, body)
    return paras


@dataclass(slots=True)
class _Placed:
    """A block of a page with what joining it to the next page needs."""

    block: Paragraph | Table
    para: _Para | None = None
    table: _PageTable | None = None


def _page_blocks(page: _Page, layout: _Layout, body: _Body) -> list[_Placed]:
    """Paragraphs and tables of a page in reading order (top to bottom)."""
    if page.ocr_blocks is not None:
        return [_Placed(block) for block in page.ocr_blocks]
    placed: list[tuple[float, int, _Placed]] = []
    for para in _paragraphs(page, layout, body):
        placed.append((para.top, 1, _Placed(para.paragraph(), para=para)))
    for table in page.tables:
        placed.append((table.top, 0, _Placed(table.table, table=table)))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [item for _, _, item in placed]


def _carries_over(last: _Para | None, first: _Para | None, layout: _Layout) -> bool:
    """A paragraph broken by a page break: the page's last line runs to the margin and
    the next page starts without an indent, a marker or a size change."""
    if last is None or first is None:
        return False
    prev, line = last.lines[-1], first.lines[0]
    return (not prev.split and not line.split and abs(prev.size - line.size) <= 1.0
            and prev.x1 >= layout.right - SHORT_LINE * prev.size
            and line.x0 <= layout.left + 0.8 * line.size
            and not ENUMERATION.match(line.text))


def _assemble(pages: list[_Page]) -> list[Paragraph | Table]:
    """All pages' blocks in order, with paragraphs and table rows that a page break cut
    in two put back together."""
    layouts = _layouts([p for p in pages if p.ocr_blocks is None] or pages)
    body = _body(pages)
    blocks: list[Paragraph | Table] = []
    tail: _Placed | None = None
    for page in pages:
        layout = layouts.get(round(page.width)) or next(iter(layouts.values()))
        placed = _page_blocks(page, layout, body)
        if placed and tail is not None:
            head = placed[0]
            if tail.para is not None and _carries_over(tail.para, head.para, layout):
                assert head.para is not None
                tail.para.lines.extend(head.para.lines)
                blocks[-1] = tail.para.paragraph()
                placed = placed[1:]
            elif tail.table is not None and head.table is not None:
                _join_split_row(tail.table, head.table)
                if not head.table.table.rows:
                    placed = placed[1:]
            elif _scanned(tail) and _scanned(head):
                joined = _join_scanned(tail.block, head.block)
                if joined is not None:
                    blocks[-1] = tail.block = joined
                    placed = placed[1:]
        blocks.extend(item.block for item in placed)
        if placed:
            tail = placed[-1]
    return blocks


def _scanned(item: _Placed) -> bool:
    """A block from an OCR'd page (native blocks carry their page geometry)."""
    return item.para is None and item.table is None


def _join_scanned(upper: Paragraph | Table, lower: Paragraph | Table) -> Table | None:
    """Two tables of consecutive scanned pages as one, when the OCR module judges the
    lower one a continuation (the same rule as for multi-page image files)."""
    if not (isinstance(upper, Table) and isinstance(lower, Table)):
        return None
    try:
        from extract.ocr import join_pages
    except ImportError:
        return None
    joined = join_pages([[upper], [lower]])
    return joined[0] if len(joined) == 1 and isinstance(joined[0], Table) else None


# --------------------------------------------------------------------------- split rows


def _bottom_cells(table: Table) -> list[Cell]:
    """The cells whose lower edge is the table's lower edge, left to right."""
    n = table.n_rows
    return sorted((c for c in table.cells() if c.row + c.rowspan == n), key=lambda c: c.col)


def _blocks(upper: list[Cell], lower: list[Cell]) -> list[tuple[list[Cell], list[Cell]]] | None:
    """Two rows of cells (left to right) cut where both have a cell edge: each block
    pairs the cells of one row with those of the other over the same stretch.

    A cell printed on both sides of a page break keeps its left and right edges, so it
    is a block of one cell over one cell; a block of one cell over several is a merged
    header above the columns it heads, a new row. None when the rows do not cover the
    same stretch (or a cell has no box).
    """
    if not upper or not lower or any(c.bbox is None for c in (*upper, *lower)):
        return None
    blocks: list[tuple[list[Cell], list[Cell]]] = []
    i = j = 0
    while i < len(upper) and j < len(lower):
        a, b = [upper[i]], [lower[j]]
        if abs(_x0(a[0]) - _x0(b[0])) > EDGE_TOLERANCE:
            return None
        i, j = i + 1, j + 1
        while abs(_x1(a[-1]) - _x1(b[-1])) > EDGE_TOLERANCE:
            side, rest, k = (a, upper, i) if _x1(a[-1]) < _x1(b[-1]) else (b, lower, j)
            if k >= len(rest):
                return None
            side.append(rest[k])
            i, j = (i + 1, j) if side is a else (i, j + 1)
        blocks.append((a, b))
    return blocks if i == len(upper) and j == len(lower) else None


def _x0(cell: Cell) -> float:
    assert cell.bbox is not None
    return cell.bbox[0]


def _x1(cell: Cell) -> float:
    assert cell.bbox is not None
    return cell.bbox[2]


def _repeated_header(upper: Table, lower: Table) -> int:
    """How many leading rows of ``lower`` repeat the leading rows of ``upper`` (a header
    row the word processor prints again on every page)."""
    count = 0
    for a, b in zip(upper.rows, lower.rows, strict=False):
        if not a or [c.text for c in a] != [c.text for c in b] or count >= len(upper.rows) - 1:
            break
        count += 1
    return count


def _is_continuation(upper: _PageTable, pairs: list[tuple[Cell, Cell]]) -> bool:
    """Whether the first row of the lower table is the rest of the last row of ``upper``
    (``pairs``: the two rows' cells, column by column).

    Every cell with text on both sides must have had its text running on at the bottom
    and continue with something that is neither a number nor a new enumerated label.
    With such cells, the fragment must also leave some cell to one side only (a row cut
    in two has its short cells, the numbers, wholly on one page). Without them, the two
    rows must complement each other (see :func:`_complements`).

    Text running on in lines that do not fill their cell ('规章', or a header typed as
    '本年制' over '发件数') is weak evidence: a one-line label of a complete row looks
    just as cut. It is trusted only where no value stands on one side alone: '规章 | | |'
    over '行政规范性文件 | 0 | 2 | 16', or '规章 | 0 | 0 | 5' over '行政规范性文件 | | |',
    are two rows, while a header row cut between the lines of its cells is one.
    """
    both = [(a, b) for a, b in pairs if a.text and b.text]
    if not all(_runs_into(upper, a, b) for a, b in both):
        return False
    if not both:
        return _complements(upper, pairs)
    alone = [a.text or b.text for a, b in pairs if bool(a.text) != bool(b.text)]
    if not all((a.row, a.col) in upper.full for a, _ in both):
        return bool(alone) and not any(_is_value(text) for text in alone)
    return bool(alone)


def _runs_into(upper: _PageTable, above: Cell, below: Cell) -> bool:
    """Whether ``below`` carries on the text of ``above``, which ran on at the bottom of
    its page (a number, or a label opening with its own enumeration, starts a new row)."""
    return ((above.row, above.col) in upper.cut and not ENUMERATION.match(below.text)
            and not _is_number(below.text) and not _is_number(above.text))


def _complements(upper: _PageTable, pairs: list[tuple[Cell, Cell]]) -> bool:
    """Rows with text on opposite sides only: the last row has text of its own (a
    label), and the fragment holds nothing but values, each where the row has none.

    A value cell whose text starts with an empty line ('\\u3000\\n0', as typed in many
    reports) leaves only that line above the break when the row is cut after its first
    line, and its figure comes out as the whole of the next page's first row. A new row
    of its own would have a label, or values where the row above has some.
    """
    last = upper.table.n_rows - 1
    above = [a for a, b in pairs if a.text]
    below = [b for a, b in pairs if b.text]
    return (any(a.row == last for a in above) and bool(below)
            and all(_is_value(b.text) for b in below))


def _is_value(text: str) -> bool:
    return bool(VALUE.match(re.sub(r"\s+", "", text)))


def _join_split_row(upper: _PageTable, lower: _PageTable) -> None:
    """Put back together a table row that a page break cut in two.

    Word and WPS let a row break across pages; the printed result is the row's top part
    as the last row on one page and its bottom part as the first row (after any repeated
    header) on the next, so a label such as '4.保护第三方合法权益' arrives in two pieces. The
    bottom part's text is appended to the cells above it, and the row is dropped from the
    lower table (a cell of it spanning further rows stays, emptied, one row shorter).

    When the break falls between rows but inside cells merged down across it (table
    三's header: '自然人' cut to '自然' and '人', with the applicant types starting a row of
    their own under '法人或其他组织'), the two rows do not have the same cells: only the
    text of the cut cells moves up, and the rest of the row stays where it is. Only
    wrapped text counts as cut there: a one-line label ending a table part ('行政事业性收费')
    over the header of the next ('信息内容') is no cell cut in two.
    """
    skip = _repeated_header(upper.table, lower.table)
    if skip >= len(lower.table.rows):
        return
    fragment = sorted(lower.table.rows[skip], key=lambda c: c.col)
    blocks = _blocks(_bottom_cells(upper.table), fragment)
    if blocks is None:
        return
    pairs = [(a[0], b[0]) for a, b in blocks if len(a) == len(b) == 1]
    if len(pairs) == len(blocks):
        if _is_continuation(upper, pairs):
            _join_rows(upper, lower, skip, pairs, fragment)
        return
    cut = [(a, b) for a, b in pairs if a.text and b.text]
    if cut and all(_runs_into(upper, a, b) and (a.row, a.col) in upper.full for a, b in cut):
        _join_cells(upper, lower, cut)


def _join_rows(upper: _PageTable, lower: _PageTable, skip: int,
               pairs: list[tuple[Cell, Cell]], fragment: list[Cell]) -> None:
    """The fragment row's text appended to the cells above it, the row dropped."""
    joined = {id(a): _join_text(a.text, b.text) for a, b in pairs}
    upper.table.rows = [[replace(c, text=joined.get(id(c), c.text)) for c in row]
                        for row in upper.table.rows]
    leftovers = [replace(b, text="", rowspan=b.rowspan - 1) for b in fragment if b.rowspan > 1]
    rows = lower.table.rows
    rest = [[replace(c, row=c.row - 1) for c in row] for row in rows[skip + 1:]]
    if rest:
        merged = sorted(leftovers + rest[0], key=lambda c: c.col)
        rest[0] = [replace(c, row=skip) for c in merged]
    lower.table.rows = rows[:skip] + rest
    lower.cut = _without_row(lower.cut, skip)
    lower.full = _without_row(lower.full, skip)


def _without_row(cells: set[tuple[int, int]], dropped: int) -> set[tuple[int, int]]:
    """(row, col) positions once row ``dropped`` is gone: the rows below move up."""
    return {(r if r < dropped else r - 1, c) for r, c in cells if r != dropped}


def _join_cells(upper: _PageTable, lower: _PageTable, pairs: list[tuple[Cell, Cell]]) -> None:
    """The text of cells cut by the page break moved up to their top part; their bottom
    part stays in the lower table, empty, as the rest of a merged cell."""
    joined = {id(a): _join_text(a.text, b.text) for a, b in pairs}
    emptied = {id(b) for _, b in pairs}
    upper.table.rows = [[replace(c, text=joined.get(id(c), c.text)) for c in row]
                        for row in upper.table.rows]
    lower.table.rows = [[replace(c, text="") if id(c) in emptied else c for c in row]
                        for row in lower.table.rows]
    lower.cut -= {(b.row, b.col) for _, b in pairs}
    lower.full -= {(b.row, b.col) for _, b in pairs}


def _join_text(first: str, second: str) -> str:
    return f"{first}\n{second}" if first and second else first or second


# --------------------------------------------------------------------------- entry point


class _ReferenceLoop(Exception):
    """An indirect object that is, through a chain of references, a reference to itself."""


def _guard_references(doc: Any) -> None:
    """Make ``doc`` refuse reference loops instead of following them forever.

    pdfminer resolves ``5 0 obj 6 0 R endobj`` / ``6 0 obj 5 0 R endobj`` by following
    references until it meets something else, so such a pair hangs whatever reads the
    value (a page's MediaBox, a stream's Length, the page tree). Every lookup goes
    through the document's ``getobj``; this one follows a chain of bare references
    itself, remembering what it has seen, and gives the value at its end.
    """
    from pdfminer.pdftypes import PDFObjRef

    getobj = doc.getobj

    def guarded(objid: int) -> Any:
        obj = getobj(objid)
        seen = {objid}
        while isinstance(obj, PDFObjRef):
            if obj.objid in seen:
                raise _ReferenceLoop(f"object {objid} refers to itself through "
                                     f"{len(seen)} reference(s)")
            seen.add(obj.objid)
            obj = getobj(obj.objid)
        return obj

    doc.getobj = guarded


def _guarded_parser(stream: io.BytesIO) -> Any:
    """A pdfminer parser that installs the reference guard on the document it serves, so
    the document's own opening (trailer, catalog, encryption dictionary) is guarded."""
    from pdfminer.pdfparser import PDFParser

    class GuardedParser(PDFParser):
        def set_document(self, doc: Any) -> None:
            super().set_document(doc)
            _guard_references(doc)

    return GuardedParser(stream)


def _failure(data: bytes, exc: BaseException) -> UnreadableDocument:
    """The reason a PDF could not be opened or walked, as the failure to record."""
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
        return UnreadableDocument("encrypted",
                                  "the PDF is password-protected and cannot be opened")
    return UnreadableDocument("unreadable_pdf", _reason(data, cause))


def _preflight(data: bytes) -> None:
    """Refuse, before pdfplumber builds anything, a PDF that cannot be opened or whose
    page tree is too big or too deep to walk.

    pdfplumber makes an object for every page the first time its page list is asked for
    (and again when it is closed), so a PDF with a million pages would be read whole
    before it could be refused; here the tree is walked lazily and only up to the limit.
    The declared ``/Count`` is refused too: it sizes page tables in other PDF libraries
    (the renderer used for OCR), and no report declares more pages than it can have.
    """
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import resolve1

    try:
        doc = PDFDocument(_guarded_parser(io.BytesIO(data)))
        declared = resolve1(resolve1(doc.catalog.get("Pages"), {}).get("Count"))
        if isinstance(declared, int) and declared > MAX_PAGES:
            raise UnreadableDocument(
                "too_many_pages",
                f"the page tree declares {declared} pages; reports over {MAX_PAGES} "
                "are not read")
        n_pages = sum(1 for _ in itertools.islice(PDFPage.create_pages(doc), MAX_PAGES + 1))
    except UnreadableDocument:
        raise
    except Exception as exc:  # pdfminer raises anything on hostile input
        raise _failure(data, exc) from exc
    if n_pages > MAX_PAGES:
        raise UnreadableDocument(
            "too_many_pages", f"more than {MAX_PAGES} pages; reports over {MAX_PAGES} "
            "are not read")


def _open(data: bytes) -> Any:
    """Open the PDF, turning parser failures into the reasons a report failed."""
    import pdfplumber

    _preflight(data)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfplumber wraps pdfminer's errors
        raise _failure(data, exc) from exc
    _guard_references(pdf.doc)
    return pdf


def _structure(exc: BaseException) -> str | None:
    """What a hostile structure did, when that is why reading failed (pdfplumber wraps
    pdfminer's errors, so the causes below ``exc`` are looked at too)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RecursionError):
            return f"the PDF's objects are nested too deeply to read ({_describe(current)})"
        if isinstance(current, _ReferenceLoop):
            return f"the PDF has a reference loop ({current})"
        wrapped = current.args[0] if current.args else None
        current = (wrapped if isinstance(wrapped, BaseException)
                   else current.__cause__ or current.__context__)
    return None


def _reason(data: bytes, exc: BaseException) -> str:
    structure = _structure(exc)
    if structure is not None:
        return structure
    if b"%%EOF" not in data[-2048:]:
        return f"the PDF is truncated (no end-of-file marker): {_describe(exc)}"
    return f"the PDF is corrupt: {_describe(exc)}"


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_pdf(data: bytes) -> Document:
    """Read a PDF into a :class:`Document`, or raise :class:`UnreadableDocument`.

    The PDF is never closed through pdfplumber: its ``close`` walks the whole page tree
    again, which on a damaged tree raises (or, on a huge one, takes minutes) after the
    failure has already been recorded. Pages are closed one by one as they are read.
    """
    pdf = _open(data)
    try:
        try:
            n_pages = len(pdf.pages)
        except Exception as exc:
            raise _failure(data, exc) from exc
        if n_pages == 0:
            raise UnreadableDocument("unreadable_pdf", "the PDF has no pages")
        pages = [_read_one(pdf, i) for i in range(n_pages)]
    finally:
        pdf.stream.close()
    _drop_furniture(pages)
    doc = Document(blocks=_assemble(pages), n_pages=n_pages)
    doc.warnings.extend(w for page in pages for w in page.warnings)
    scanned = sum(1 for p in pages if p.ocr_blocks is not None)
    doc.text_source = "ocr" if scanned == n_pages else "mixed" if scanned else "native"
    if b"%%EOF" not in data[-2048:]:
        doc.warnings.append(("pdf_truncated",
                             "no end-of-file marker: the PDF may be cut short"))
    return doc


def _read_one(pdf: Any, index: int) -> _Page:
    """One page, its parse failures reported with the page number; caches freed after."""
    page = pdf.pages[index]
    try:
        return _read_page(page, index + 1)
    except UnreadableDocument:
        raise
    except Exception as exc:
        raise UnreadableDocument(
            "unreadable_pdf",
            f"page {index + 1} cannot be read: {_structure(exc) or _describe(exc)}") from exc
    finally:
        page.close()
