"""Optical character recognition for scanned pages and image files.

Annual reports are often published as scans, or as PDFs whose pages are pictures. What
matters in them are tables 二/三/四, where every number must be read exactly or be
flagged. So a page is not read as a stream of text: the table grids are found from their
ruling lines first, then every cell is read on its own. That keeps the grid positions and
merged cells the interpreter relies on, and lets each number be checked.

* Ruling lines are what a morphological opening with long thin kernels keeps of the ink;
  each connected set of lines is one table and the holes between the lines are its cells.
  Hole edges are snapped to shared grid lines, so a cell covering several grid columns or
  rows gets a real ``colspan``/``rowspan``.
* Text is cut into lines by its row profile (a character such as 三 has blank rows inside
  it, so short pieces are merged up to the height of one line) and every line of the page
  is recognised by PP-OCR (RapidOCR) in a few batched calls.
* A cell that reads as a number is read a second time by tesseract restricted to digits
  and signs. When the two engines agree the number is trusted; when they do not, the
  better-scored reading is kept with a confidence below 0.6, so the interpreter flags it
  for review instead of publishing a silently wrong figure.
* Text outside tables becomes paragraphs in reading order; page numbers are dropped.

The engines are loaded once per process: loading the models costs more than a page.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError

from extract.document import Block, Cell, Document, Paragraph, Table, UnreadableDocument

#: Pages are read at ``MIN_DPI`` to ``MAX_DPI``; a page below is scaled up to
#: ``READ_DPI``, one above scaled down to ``MAX_DPI``.
READ_DPI = 200
MIN_DPI = 190
MAX_DPI = 300
#: An A3 page scanned at 600 dpi is 70 megapixels; a frame beyond this is no page scan.
MAX_FRAME_PIXELS = 100_000_000
#: All frames of one image file together: about 45 A4 pages at 300 dpi.
MAX_IMAGE_PIXELS = 400_000_000
#: Frames (pages) of one image file, as for PDF pages.
MAX_FRAMES = 500
#: Height of a line of 12 pt body text in inches, to tell an image's resolution from its
#: text when the file does not say (or says 72 dpi, as phone pictures do).
BODY_TEXT_INCHES = 0.145

#: Confidence of a number both engines read alike; a disputed one gets at most half its
#: score, so it always falls under the interpreter's review threshold (0.6).
AGREED = 0.98
AGREED_WEAKLY = 0.8
DISPUTED_FACTOR = 0.5

REC_HEIGHT = 48  # input height of the PP-OCR recogniser
REC_BATCH = 64
REC_BATCH_WIDTH = 3200  # pixels of width per recogniser call (small batches run faster)

MIN_SKEW = 0.3  # degrees
TESSERACT_TIMEOUT = 120
DIGIT_WHITELIST = "0123456789+-.,/"
UNIT_CHARS = "万元亿千件条个项次人宗份笔家"
#: What a recogniser that also knows letters and Chinese makes of digits and dashes.
DIGIT_LOOKALIKES = str.maketrans({
    "O": "0", "o": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1", "i": "1",
    "S": "5", "s": "5", "B": "8", "Z": "2", "z": "2", "g": "9", "−": "-", "－": "-",
    "—": "-", "–": "-", "一": "-", "〇": "0", "，": ",", "。": ".", "、": ","})
NUMBER_LOOK = re.compile(rf"^[+\-]?[\d.,]*\d[\d.,]*%?[{UNIT_CHARS}]{{0,2}}$")
DASH_LOOK = re.compile(r"^(?:-{1,3}|/)$")
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－·•\s]*\d{1,4}[-—–－·•\s]*|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+)$")
CJK = re.compile(r"[\u3400-\u9fff]")


class OcrUnavailable(UnreadableDocument):
    """The recogniser is not installed, so a page without text cannot be read."""

    def __init__(self, message: str) -> None:
        super().__init__("no_text_layer", message)


# --------------------------------------------------------------------------- geometry

@dataclass(frozen=True, slots=True)
class Box:
    """A pixel rectangle, ``x1``/``y1`` exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def shifted(self, dx: int, dy: int) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def points(self, scale: float) -> tuple[float, float, float, float]:
        """The box in PDF points (``scale`` = 72 / dpi)."""
        return (round(self.x0 * scale, 2), round(self.y0 * scale, 2),
                round(self.x1 * scale, 2), round(self.y1 * scale, 2))


@dataclass(slots=True)
class GridCell:
    """One cell of a found table: its hole and the grid lines that bound it."""

    box: Box
    row: int
    col: int
    rowspan: int
    colspan: int


@dataclass(slots=True)
class Grid:
    """One table found from its ruling lines."""

    box: Box
    cells: list[GridCell]


@dataclass(slots=True)
class Page:
    """A page prepared for reading: grey levels and ink with the ruling lines removed."""

    gray: np.ndarray  # uint8
    ink: np.ndarray  # bool
    dpi: float
    grids: list[Grid]


def _cv2() -> Any:
    import cv2

    return cv2


def binarise(gray: np.ndarray) -> np.ndarray:
    """Ink mask: Otsu's threshold, never below mid-grey, so that on a clean white page the
    grey edges of strokes count as ink but paper texture of a scan does not."""
    cv2 = _cv2()
    level, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return gray < max(float(level), 128.0)


def _open(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    cv2 = _cv2()
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (width, height))
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)


def line_ink(gray: np.ndarray, dpi: float) -> np.ndarray:
    """A more sensitive ink mask, for finding ruling lines only: anything clearly darker
    than the paper around it. Thin lines of a blurred or faded scan are lighter than text
    and fall under the text threshold; the noise this lets in is never long enough to
    survive the line kernels."""
    cv2 = _cv2()
    block = max(15, round(dpi / 8) | 1)
    return cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                 block, 12) > 0


def ruling_lines(ink: np.ndarray, text_ink: np.ndarray, dpi: float) -> np.ndarray:
    """Ink that survives an opening with a long horizontal or vertical kernel.

    The horizontal kernel is longer than any stroke of a character, the vertical one
    shorter than the lowest table row; strokes of characters that survive it are told
    apart later (see :func:`_border_like`). Horizontal pieces in line with each other are
    bridged over short gaps (a faded scan breaks lines); vertical ones only grow back
    along their own ink, since in a tight cell a stroke such as the one of 十 stops a
    pixel or two short of the border and must not be joined to it."""
    cv2 = _cv2()
    src = ink.astype(np.uint8)
    # thickened across its direction first, a line scanned a little askew (which steps
    # from one pixel row to the next) stays one unbroken run
    tall = cv2.dilate(src, np.ones((3, 1), np.uint8))
    wide = cv2.dilate(src, np.ones((1, 3), np.uint8))
    h_len, reach = max(15, round(dpi * 0.25)), max(3, round(dpi * 0.1))
    horizontal = _regrow(_open(tall, h_len, 1), tall, (9, 1), h_len)
    bridge = cv2.getStructuringElement(cv2.MORPH_RECT, (reach, 1))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, bridge)
    vertical = _border_like(_open(wide, 1, max(10, round(dpi * 0.12))), horizontal,
                            text_ink, dpi)
    vertical = _regrow(vertical, wide, (1, 3), reach)
    return (horizontal | vertical) > 0


def _regrow(lines: np.ndarray, ink: np.ndarray, step: tuple[int, int], reach: int,
            ) -> np.ndarray:
    """Lines grown back along the ink they run in, up to ``reach`` pixels (jumping gaps
    of a few pixels): the opening loses the ends of a line where noise cut them shorter
    than the kernel, and a cell whose border stops short of the next line would leak
    into its neighbour."""
    cv2 = _cv2()
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, step)
    grown = lines
    for _ in range(0, reach, max(step) // 2):
        wider = cv2.dilate(grown, kernel) & ink
        if np.array_equal(wider, grown):
            break
        grown = wider
    return grown


def _border_like(vertical: np.ndarray, horizontal: np.ndarray, text_ink: np.ndarray,
                 dpi: float) -> np.ndarray:
    """Vertical pieces shorter than a typical row, kept only when they look like borders.

    A column edge runs on through the horizontal lines it crosses, so it is usually long.
    A short piece is the stroke of a character (the upright of 十 or 申, the 刂 of 罚, a
    1) in a row barely taller than it when ink touches its sides, when it stops short of
    the lines above and below, or when ink comes close to it and no other border-like
    piece stands in line with it; taking a stroke for a border would cut the cell in two
    and erase the stroke. A short border runs from line to line, has nothing against
    its sides, and has either a wide padding or a partner in another row (cells are
    padded only a few pixels in tight tables, so the padding alone cannot tell)."""
    cv2 = _cv2()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(vertical, 8)
    if n <= 1:
        return vertical
    is_long = stats[:, cv2.CC_STAT_HEIGHT] >= dpi * 0.3
    near, wide = max(2, round(dpi * 0.015)), max(3, round(dpi * 0.04))
    untouched = np.array([i > 0 and _clear_beside(text_ink, stats[i], near) for i in range(n)])
    candidates = np.flatnonzero(is_long | untouched)
    candidates = candidates[candidates > 0]
    centres = stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] / 2
    tops = stats[:, cv2.CC_STAT_TOP]
    bottoms = tops + stats[:, cv2.CC_STAT_HEIGHT]
    keep = is_long.copy()
    for i in np.flatnonzero(untouched & ~is_long):
        in_line = np.abs(centres[candidates] - centres[i]) <= near
        elsewhere = (bottoms[candidates] <= tops[i]) | (tops[candidates] >= bottoms[i])
        keep[i] = _spans_row(horizontal, stats[i]) and (
            _clear_beside(text_ink, stats[i], wide) or bool(np.any(in_line & elsewhere)))
    keep[0] = False  # the background
    return keep[labels].astype(np.uint8)


def _spans_row(horizontal: np.ndarray, stat: np.ndarray) -> bool:
    """Whether a vertical piece runs into a horizontal line at both ends, as a border
    does (a stroke such as the 1 of a number floats between them)."""
    x, y, w, h = (int(v) for v in stat[:4])
    above = horizontal[max(0, y - 2):y + 2, x:x + w]
    below = horizontal[max(0, y + h - 2):y + h + 2, x:x + w]
    return bool(above.any() and below.any())


def _clear_beside(ink: np.ndarray, stat: np.ndarray, margin: int) -> bool:
    """Whether the bands along both sides of a vertical piece's middle are blank: ink in
    more than a few of its rows (a bar of 十 or 上 meeting it) means a stroke."""
    x, y, w, h = (int(v) for v in stat[:4])
    top, bottom = y + h // 5, y + h - h // 5
    left = ink[top:bottom, max(0, x - margin):x]
    right = ink[top:bottom, x + w:x + w + margin]
    return all(band.size == 0 or band.any(axis=1).mean() < 0.08 for band in (left, right))


def find_grids(ink: np.ndarray, text_ink: np.ndarray, dpi: float,
               ) -> tuple[list[Grid], np.ndarray]:
    """The tables of a page, and the mask of every ruling line to paint out (table
    borders, and rules under titles, letterheads or boxes, which are no text either)."""
    cv2 = _cv2()
    # a pixel more all round closes the hairline gaps a thin, anti-aliased line leaves
    # where it meets another (a cell would leak through them into its neighbour)
    lines = cv2.dilate(ruling_lines(ink, text_ink, dpi).astype(np.uint8),
                       np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines, 8)
    grids: list[Grid] = []
    erase = np.zeros(lines.shape, bool)
    min_side, min_rule = dpi * 0.15, dpi * 0.4
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if max(w, h) < min_rule:
            continue  # a stroke of a character, not a ruling line
        part = labels[y:y + h, x:x + w] == i
        box = Box(x, y, x + w, y + h)
        grid = _grid_of(part, box, dpi) if min(w, h) >= min_side else None
        if grid is not None:
            grids.append(grid)
        region = erase[y:y + h, x:x + w]
        region |= part
    return grids, erase


def _grid_of(part: np.ndarray, box: Box, dpi: float) -> Grid | None:
    """Cells of one connected set of lines, or None when it encloses fewer than two.

    The outer rectangle is drawn in first, so a table printed without side borders
    still closes its outer cells."""
    cv2 = _cv2()
    closed = part.astype(np.uint8)
    cv2.rectangle(closed, (0, 0), (closed.shape[1] - 1, closed.shape[0] - 1), 1, 2)
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(1 - closed, 4)
    min_side = max(4, round(dpi * 0.04))
    holes = [Box(int(x), int(y), int(x + w), int(y + h))
             for x, y, w, h, _a in stats[1:n] if w >= min_side and h >= min_side]
    if len(holes) < 2:
        return None
    # a hole ends where a line starts: its edges are moved out to the middle of the
    # lines around it, so that the two sides of one thick line are one grid line
    half_w = _thickness(part, axis=1, longest=dpi * 0.1) / 2
    half_h = _thickness(part, axis=0, longest=dpi * 0.1) / 2
    tol = max(3, round(dpi * 0.04))
    col_edges = cluster([b.x0 - half_w for b in holes] + [b.x1 + half_w for b in holes], tol)
    row_edges = cluster([b.y0 - half_h for b in holes] + [b.y1 + half_h for b in holes], tol)
    cells = []
    for hole in holes:
        c0, c1 = nearest(col_edges, hole.x0 - half_w), nearest(col_edges, hole.x1 + half_w)
        r0, r1 = nearest(row_edges, hole.y0 - half_h), nearest(row_edges, hole.y1 + half_h)
        cells.append(GridCell(hole.shifted(box.x0, box.y0), r0, c0, max(1, r1 - r0),
                              max(1, c1 - c0)))
    cells.sort(key=lambda c: (c.row, c.col))
    return Grid(box, cells)


def _thickness(part: np.ndarray, axis: int, longest: float) -> float:
    """Typical thickness of the lines crossing ``axis`` (vertical lines for rows, axis 1;
    horizontal lines for columns, axis 0): the median length of the short runs of line
    pixels along it (long runs are the lines lying along it)."""
    lines = part if axis == 1 else part.T
    lengths = [end - start for row in lines[::3] for start, end in _runs(row)
               if end - start <= longest]
    return float(np.median(lengths)) if lengths else 0.0


def cluster(values: Iterable[float], tol: float) -> list[float]:
    """Positions closer than ``tol`` are one grid line (the two sides of a ruling line,
    or borders a pixel or two apart in different rows); returns the centres."""
    centres: list[float] = []
    group: list[float] = []
    for v in sorted(values):
        if group and v - group[-1] > tol:
            centres.append(sum(group) / len(group))
            group = []
        group.append(v)
    if group:
        centres.append(sum(group) / len(group))
    return centres


def nearest(edges: list[float], value: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - value))


def skew_angle(ink: np.ndarray) -> float:
    """The rotation (degrees) that makes text rows and ruling lines horizontal: the angle
    whose row profile is sharpest, searched on a reduced image."""
    cv2 = _cv2()
    small = cv2.resize(ink.astype(np.uint8) * 255, None, fx=0.25, fy=0.25,
                       interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rot = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(small, rot, (w, h), flags=cv2.INTER_NEAREST)
        profile = turned.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-3.0, 3.01, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.2, best + 0.21, 0.05), key=sharpness))


def deskew(gray: np.ndarray) -> np.ndarray:
    """The page turned straight when it was scanned askew: the grid and the line cutting
    both assume horizontal rows. Below ``MIN_SKEW`` the estimate is noise and the drift
    stays within the grid's tolerance, so the page is left as it is."""
    angle = skew_angle(binarise(gray))
    if abs(angle) < MIN_SKEW:
        return gray
    cv2 = _cv2()
    h, w = gray.shape
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, rot, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def prepare(gray: np.ndarray, dpi: float) -> Page:
    """Straighten the page, find the tables and paint the ruling lines out."""
    gray = deskew(gray)
    ink = binarise(gray)
    grids, erase = find_grids(line_ink(gray, dpi) | ink, ink, dpi)
    clean = gray.copy()
    clean[erase] = 255
    ink = ink & ~erase
    return Page(clean, _despeckle(ink, _min_speck(dpi)), dpi, grids)


def _min_speck(dpi: float) -> int:
    return max(3, round((dpi / 100) ** 2 * 2))


def _despeckle(ink: np.ndarray, min_area: int) -> np.ndarray:
    """Drop dots too small to be part of a character (scan noise, line remnants)."""
    cv2 = _cv2()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), 8)
    if n <= 1:
        return ink
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[labels]


# ------------------------------------------------------------------------- text lines

@dataclass(slots=True)
class Line:
    """One line of text: its box on the page, and what was read."""

    box: Box
    text: str = ""
    score: float = 0.0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start/end (exclusive) of the runs of True in a 1-d mask."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def text_lines(ink: np.ndarray, origin: tuple[int, int], char_h: float) -> list[Box]:
    """Boxes (page pixels) of the text lines in an ink crop, top to bottom.

    Row runs are merged while together they are no taller than one line, because a
    character like 三 is several runs; each line is trimmed to its ink left and right."""
    merged: list[list[int]] = []
    for top, bottom in _runs(ink.any(axis=1)):
        if merged:
            cur = merged[-1]
            height = max(char_h, cur[1] - cur[0], bottom - top)
            if bottom - cur[0] <= 1.25 * height and top - cur[1] < 0.6 * char_h:
                cur[1] = bottom
                continue
        merged.append([top, bottom])
    boxes = []
    ox, oy = origin
    for top, bottom in merged:
        cols = np.flatnonzero(ink[top:bottom].any(axis=0))
        boxes.append(Box(ox + int(cols[0]), oy + top, ox + int(cols[-1]) + 1, oy + bottom))
    return boxes


def char_height(ink: np.ndarray, min_h: float, default: float | None) -> float | None:
    """Typical height of a line of text: the median height of the row runs that are at
    least two characters wide and taller than ``min_h`` (the strokes of 三 are runs as
    wide as a character but much lower)."""
    heights = []
    for top, bottom in _runs(ink.any(axis=1)):
        cols = np.flatnonzero(ink[top:bottom].any(axis=0))
        h = bottom - top
        if h >= min_h and cols[-1] - cols[0] >= 1.8 * h:
            heights.append(h)
    return float(np.median(heights)) if heights else default


def page_char_height(page: Page, default: float | None) -> float | None:
    """Line height of the text in the page's tables (or, without tables, of the page),
    measured cell by cell so that neighbouring cells do not blur the row profile."""
    lowest = max(6.0, page.dpi * 0.06)
    if not page.grids:
        return char_height(page.ink, lowest, default)
    heights = []
    for grid in page.grids:
        for cell in grid.cells:
            b = cell.box
            h = char_height(page.ink[b.y0:b.y1, b.x0:b.x1], lowest, None)
            if h:
                heights.append(h)
    return float(np.median(heights)) if heights else default


# ---------------------------------------------------------------------------- engines

@dataclass
class Engines:
    """The recognisers, loaded once per process."""

    rapid: Any
    tesseract: str | None  # path of the binary, None when not installed
    tesseract_langs: frozenset[str]


@cache
def engines() -> Engines:
    """Load PP-OCR (RapidOCR) once, and find tesseract for the second reading of numbers."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable("OCR is not installed (rapidocr-onnxruntime is missing)") from exc
    rapid = RapidOCR(print_verbose=False)
    binary = shutil.which("tesseract")
    langs: frozenset[str] = frozenset()
    if binary:
        listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                                timeout=30, check=False)
        langs = frozenset(line.strip() for line in listed.stdout.splitlines()[1:])
        if "eng" not in langs:
            binary = None
    return Engines(rapid, binary, langs)


def ocr_warnings() -> list[tuple[str, str]]:
    """What a document read by OCR should carry as warnings about the engines."""
    if engines().tesseract is None:
        return [("ocr_single_engine", "tesseract is not installed: numbers were read by one "
                 "engine only and all carry a low confidence")]
    return []


def recognise(gray: np.ndarray, lines: list[Line], dpi: float) -> None:
    """Read every line with PP-OCR (fills ``text`` and ``score``).

    Crops are batched by width, each batch only as wide as its widest crop: the stock
    batching pads every crop to at least 320 pixels, which for a page of one-digit cells
    is most of the work."""
    if not lines:
        return
    pad = max(2, round(dpi * 0.02))
    crops = [_normalised_crop(gray, line.box, pad) for line in lines]
    widths = [c.shape[2] for c in crops]
    order = sorted(range(len(crops)), key=lambda i: widths[i])
    rec = engines().rapid.text_rec
    for batch_ids in _batches(order, widths):
        width = max(widths[i] for i in batch_ids)
        batch = np.zeros((len(batch_ids), 3, REC_HEIGHT, width), np.float32)
        for k, i in enumerate(batch_ids):
            batch[k, :, :, :widths[i]] = crops[i]
        preds = rec.session(batch)[0]
        for i, (text, score, *_rest) in zip(batch_ids, rec.postprocess_op(preds), strict=True):
            lines[i].text = text.strip()
            lines[i].score = float(score)


def _normalised_crop(gray: np.ndarray, box: Box, pad: int) -> np.ndarray:
    """A line as the recogniser takes it: white margin, 48 pixels high, values in
    [-1, 1], three channels first."""
    cv2 = _cv2()
    crop = gray[box.y0:box.y1, box.x0:box.x1]
    # a margin of a quarter of the line height all round, as PP-OCR's own detector
    # leaves it: the recogniser was trained on such crops, and they cost less width
    v_pad = max(pad, round(box.height * 0.25))
    crop = cv2.copyMakeBorder(crop, v_pad, v_pad, v_pad, v_pad, cv2.BORDER_CONSTANT,
                              value=255)
    width = max(REC_HEIGHT // 2, round(crop.shape[1] * REC_HEIGHT / crop.shape[0]))
    crop = cv2.resize(crop, (width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR)
    plane = crop.astype(np.float32) / 127.5 - 1.0
    return np.repeat(plane[None, :, :], 3, axis=0)


def _batches(order: list[int], widths: list[int]) -> list[list[int]]:
    """Crops (sorted by width) grouped into batches of about ``REC_BATCH_WIDTH`` pixels
    of padded width: small batches of similar width keep padding and working memory
    small, which is what makes the recogniser fast on a CPU."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and (widths[i] * (len(current) + 1) > REC_BATCH_WIDTH
                        or len(current) >= REC_BATCH):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def tesseract_lines(gray: np.ndarray, boxes: list[Box], lang: str,
                    whitelist: str) -> list[tuple[str, float]]:
    """Read many one-line crops with a single tesseract run.

    The crops are stacked in one tall image, one per line with blank space between, and
    the words found are given back to crops by the height they were found at: one
    process per cell would cost more than the reading itself."""
    tess = engines().tesseract
    if not boxes or tess is None:
        return [("", 0.0)] * len(boxes)
    canvas, starts = _stack(gray, boxes)
    cv2 = _cv2()
    png = cv2.imencode(".png", canvas)[1].tobytes()
    command = [tess, "stdin", "stdout", "-l", lang, "--psm", "6",
               "-c", f"tessedit_char_whitelist={whitelist}", "tsv"]
    # one thread: for a page of small crops OpenMP start-up costs more than it saves
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(command, input=png, capture_output=True, env=env,
                          timeout=TESSERACT_TIMEOUT, check=False)
    words: list[list[tuple[int, str, float]]] = [[] for _ in boxes]
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        parts = row.split("\t")
        if len(parts) < 12 or not parts[11].strip():
            continue
        left, top, height = int(parts[6]), int(parts[7]), int(parts[9])
        i = bisect_right(starts, top + height / 2) - 1
        if 0 <= i < len(boxes):
            words[i].append((left, parts[11].strip(), float(parts[10])))
    out = []
    for found in words:
        found.sort()
        conf = min((c for _, _, c in found), default=0.0) / 100
        out.append(("".join(t for _, t, _ in found), max(0.0, conf)))
    return out


def _stack(gray: np.ndarray, boxes: list[Box]) -> tuple[np.ndarray, list[int]]:
    """Crops scaled to one text height and stacked with blank lines between; returns
    the image and where each crop's slot starts."""
    cv2 = _cv2()
    target = 32  # tesseract reads best with characters about this tall
    pieces = []
    for box in boxes:
        crop = gray[box.y0:box.y1, box.x0:box.x1]
        factor = target / max(1, box.height)
        size = (max(1, round(box.width * factor)), target)
        pieces.append(cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC if factor > 1
                                 else cv2.INTER_AREA))
    gap = target
    width = max(p.shape[1] for p in pieces) + 2 * gap
    canvas = np.full((gap + (target + gap) * len(pieces), width), 255, np.uint8)
    starts = []
    for i, piece in enumerate(pieces):
        y = gap + i * (target + gap)
        canvas[y:y + target, gap:gap + piece.shape[1]] = piece
        starts.append(y - gap // 2)
    return canvas, starts


# ------------------------------------------------------------------------------ cells

@dataclass(slots=True)
class CellReading:
    """A cell on its way to becoming a :class:`Cell`."""

    grid: GridCell
    lines: list[Line] = field(default_factory=list)
    text: str = ""
    confidence: float = 1.0


def number_form(text: str) -> str:
    """A reading reduced to what decides a number: look-alikes as digits and dashes, no
    spaces, ASCII signs."""
    folded = unicodedata.normalize("NFKC", text).translate(DIGIT_LOOKALIKES)
    return re.sub(r"\s+", "", folded)


def is_number_reading(form: str) -> bool:
    """A number (signs, separators, a unit), a dash or a slash, in number form."""
    return bool(NUMBER_LOOK.match(form) or DASH_LOOK.match(form))


def second_reading_wanted(reading: CellReading, char_h: float) -> bool:
    """A one-line cell that reads as a number, as nothing although there is ink, or as
    one or two characters in a space no wider than a short number (a 0 taken for 口):
    worth a second reading by the digit recogniser."""
    if len(reading.lines) != 1:
        return False
    line = reading.lines[0]
    form = number_form(line.text)
    if is_number_reading(form):
        return True
    return len(form) <= 2 and line.box.width <= 2.5 * char_h


def settle_number(rapid: Line, second: tuple[str, float] | None) -> tuple[str, float]:
    """Text and confidence of a short one-line cell from its two readings.

    Two readings of the same number are trusted. Readings that differ keep the
    better-scored one at half its score, below the review threshold. A cell PP-OCR reads
    as a word (无) keeps the word, unless the digit reader is sure of a number where
    PP-OCR is not sure of its word."""
    rapid_form = number_form(rapid.text)
    rapid_number = is_number_reading(rapid_form) or not rapid_form
    tess_text, tess_conf = second if second is not None else ("", 0.0)
    tess_form = number_form(tess_text)
    if not rapid_number:
        if second is None or not (tess_form and tess_conf >= 0.8 and rapid.score < 0.95):
            return rapid.text, rapid.score
    elif second is None:  # read by one engine only: never trusted fully
        return rapid_form, rapid.score * DISPUTED_FACTOR
    elif tess_form and _same_number(tess_form, rapid_form):
        return rapid_form, AGREED if min(rapid.score, tess_conf) >= 0.5 else AGREED_WEAKLY
    if rapid_form and rapid.score >= tess_conf:
        return (rapid_form if rapid_number else rapid.text), DISPUTED_FACTOR * rapid.score
    return tess_form, DISPUTED_FACTOR * tess_conf


def _same_number(digits: str, rapid_form: str) -> bool:
    """Whether the digit reader's text says what PP-OCR's does (the digit reader knows
    no units, and either may drop a thousands separator)."""
    def bare(x: str) -> str:
        return x.rstrip(UNIT_CHARS).replace(",", "")

    return digits == rapid_form or bare(digits) == bare(rapid_form)


def cut_cells(page: Page, grid: Grid, char_h: float) -> list[CellReading]:
    """Every cell of a table with its text lines (not yet recognised). The crop is inset
    a little so that no remnant of a ruling line is read as a stroke."""
    inset = max(2, round(page.dpi * 0.012))
    min_ink = _min_speck(page.dpi) * 2
    readings = []
    for cell in grid.cells:
        box = cell.box
        reading = CellReading(cell)
        readings.append(reading)
        x0, y0, x1, y1 = box.x0 + inset, box.y0 + inset, box.x1 - inset, box.y1 - inset
        if x1 <= x0 or y1 <= y0:
            continue
        ink = page.ink[y0:y1, x0:x1]
        if ink.sum() < min_ink:
            continue  # no ink: an empty cell, read as "" with full confidence
        reading.lines = [Line(b) for b in text_lines(ink, (x0, y0), char_h)]
    return readings


def settle_cells(page: Page, readings: list[CellReading], char_h: float) -> None:
    """Decide each cell's text: numbers from both engines, other text from PP-OCR.

    A small mark read as nothing (the 、 of a label set one character per line) is left
    out of a text cell rather than let it zero the cell's confidence. A number spread
    over several lines is read by PP-OCR only, so it is never trusted fully."""
    numeric = [r for r in readings if second_reading_wanted(r, char_h)]
    unit_ids = {id(r) for r in numeric if CJK.search(r.lines[0].text)
                and NUMBER_LOOK.match(number_form(r.lines[0].text))}
    with_unit = [r for r in numeric if id(r) in unit_ids]
    plain = [r for r in numeric if id(r) not in unit_ids]
    second: dict[int, tuple[str, float]] = {}
    # tesseract gets black on white: its own thresholding of a grey, noisy scan can
    # lose whole digits
    bw = np.where(page.ink, 0, 255).astype(np.uint8)
    langs = engines().tesseract_langs
    unit_lang = "chi_sim" if "chi_sim" in langs else None
    for group, lang, allowed in ((plain, "eng", DIGIT_WHITELIST),
                                 (with_unit, unit_lang, DIGIT_WHITELIST + UNIT_CHARS)):
        if not group or lang is None or engines().tesseract is None:
            continue
        found = tesseract_lines(bw, [r.lines[0].box for r in group], lang, allowed)
        for reading, result in zip(group, found, strict=True):
            second[id(reading)] = result
    numeric_ids = {id(r) for r in numeric}
    for reading in readings:
        if not reading.lines:
            reading.text, reading.confidence = "", 1.0
        elif id(reading) in numeric_ids:
            reading.text, reading.confidence = settle_number(
                reading.lines[0], second.get(id(reading)))
        else:
            lines = [ln for ln in reading.lines if ln.text or ln.box.height >= 0.5 * char_h]
            reading.text = "\n".join(ln.text for ln in lines if ln.text)
            reading.confidence = min((ln.score for ln in lines), default=0.0)
            if is_number_reading(number_form(reading.text)):  # a number read only once
                reading.confidence *= DISPUTED_FACTOR


def to_table(readings: list[CellReading], page_no: int, scale: float) -> Table:
    """The model's table: cells grouped by the row they start in."""
    n_rows = max((r.grid.row + r.grid.rowspan for r in readings), default=0)
    rows: list[list[Cell]] = [[] for _ in range(n_rows)]
    for r in readings:
        g = r.grid
        rows[g.row].append(Cell(
            text=r.text, row=g.row, col=g.col, rowspan=g.rowspan, colspan=g.colspan,
            raw=r.text, page=page_no, bbox=g.box.points(scale),
            confidence=round(r.confidence, 4)))
    for row in rows:
        row.sort(key=lambda c: c.col)
    return Table(rows=rows, page=page_no)


# ------------------------------------------------------------------------- paragraphs

def outside_lines(page: Page, char_h: float) -> list[Line]:
    """Text lines of the page outside every table."""
    ink = page.ink.copy()
    for grid in page.grids:
        b = grid.box
        ink[b.y0:b.y1, b.x0:b.x1] = False
    return [Line(b) for b in text_lines(ink, (0, 0), char_h) if b.height >= 0.3 * char_h]


def paragraphs(lines: list[Line], page: Page, page_no: int, char_h: float,
               ) -> list[tuple[int, Paragraph]]:
    """Lines grouped into paragraphs, as (top pixel, paragraph); page numbers dropped.

    A new paragraph starts after a line that ends well short of the right margin, at an
    indented line, after a blank gap, or where the text size changes (a title)."""
    height = page.gray.shape[0]
    kept = [ln for ln in lines if ln.text and not _is_page_number(ln, height)]
    if not kept:
        return []
    left = min(ln.box.x0 for ln in kept)
    right = max(ln.box.x1 for ln in kept)
    groups: list[list[Line]] = []
    for line in kept:
        if groups and _continues(groups[-1][-1], line, left, right, char_h):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [(group[0].box.y0,
             Paragraph(_join_lines([ln.text for ln in group]), page=page_no,
                       confidence=round(min(ln.score for ln in group), 4)))
            for group in groups]


def _is_page_number(line: Line, page_height: int) -> bool:
    in_margin = line.box.y0 > page_height * 0.88 or line.box.y1 < page_height * 0.08
    return in_margin and bool(PAGE_NUMBER.match(unicodedata.normalize("NFKC", line.text)))


def _continues(prev: Line, line: Line, left: int, right: int, char_h: float) -> bool:
    if line.box.y0 - prev.box.y1 > 0.9 * char_h:
        return False
    if abs(line.box.height - prev.box.height) > 0.35 * max(line.box.height, prev.box.height):
        return False
    if right - prev.box.x1 > 3 * char_h:
        return False
    return line.box.x0 - left < 1.2 * char_h


def _join_lines(texts: list[str]) -> str:
    """Lines of one paragraph: Chinese runs on without a space, Latin words get one."""
    out = texts[0]
    for text in texts[1:]:
        if out and text and out[-1].isascii() and out[-1].isalnum() and text[0].isascii():
            out += " "
        out += text
    return out


# ------------------------------------------------------------------------------ pages

def ocr_page(image: Image.Image, page: int, scale: float) -> list[Block]:
    """Tables and paragraphs of one page image, in reading order.

    ``scale`` converts pixels to PDF points (72 / dpi); bounding boxes are in points.
    """
    image, scale = _at_reading_resolution(image.convert("L"), scale)
    gray = np.asarray(image, dtype=np.uint8)
    dpi = 72.0 / scale
    prepared = prepare(gray, dpi)
    char_h = page_char_height(prepared, dpi * BODY_TEXT_INCHES) or dpi * BODY_TEXT_INCHES
    cut = [cut_cells(prepared, grid, char_h) for grid in prepared.grids]
    loose = outside_lines(prepared, char_h)
    recognise(prepared.gray, [ln for cells in cut for r in cells for ln in r.lines] + loose,
              dpi)
    placed: list[tuple[int, Block]] = []
    for grid, readings in zip(prepared.grids, cut, strict=True):
        settle_cells(prepared, readings, char_h)
        placed.append((grid.box.y0, to_table(readings, page, scale)))
    placed += paragraphs(loose, prepared, page, char_h)
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _at_reading_resolution(image: Image.Image, scale: float) -> tuple[Image.Image, float]:
    """The page resampled into the resolutions it reads best at, and its new scale.

    Below about 200 dpi a digit is a dozen pixels wide and the recogniser, which works
    on lines 48 pixels high, misreads it; far above 300 dpi the page only costs more."""
    dpi = 72.0 / scale
    if dpi < MIN_DPI:
        target = READ_DPI
    elif dpi > MAX_DPI:
        target = MAX_DPI
    else:
        return image, scale
    factor = target / dpi
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS), scale / factor


# ---------------------------------------------------------------- tables across pages

COLUMN_TOLERANCE = 4.0  # points: the same grid line drawn on two pages


def join_pages(pages: list[list[Block]]) -> list[Block]:
    """The blocks of consecutive pages as one list, with a table that runs on over a page
    break joined into one table, and running headers and footers left out.

    A page that starts with a table whose outer edges match the table the previous page
    ended with continues it (grid lines of both are merged, so a continuation without
    the header's extra column splits still lines up). When the first row of the
    continuation holds no number where the last row above has one, and matches it cell
    for cell, the page break fell inside that row (Word lets a row break across pages):
    its text is appended to the row above, so a label cut in two is read whole.
    """
    blocks: list[Block] = []
    for page_blocks in _without_furniture(pages):
        if blocks and page_blocks and isinstance(blocks[-1], Table) \
                and isinstance(page_blocks[0], Table):
            joined = join_tables(blocks[-1], page_blocks[0])
            if joined is not None:
                blocks[-1] = joined
                blocks.extend(page_blocks[1:])
                continue
        blocks.extend(page_blocks)
    return blocks


def _furniture_key(block: Block) -> str | None:
    """What a running header or footer prints on every page (page numbers left out)."""
    if not isinstance(block, Paragraph):
        return None
    return re.sub(r"[\s\d]+", "", block.text) or None


def _without_furniture(pages: list[list[Block]]) -> list[list[Block]]:
    """Pages without the paragraph that opens (or closes) two or more of them: a running
    header or footer, or a 续表 note. Left in, it would sit between a table and its
    continuation on the next page."""
    if len(pages) < 2:
        return pages
    tops = Counter(_furniture_key(p[0]) for p in pages if p)
    bottoms = Counter(_furniture_key(p[-1]) for p in pages if p)
    out = []
    for page in pages:
        page = list(page)
        if page and (key := _furniture_key(page[0])) and tops[key] >= 2:
            page.pop(0)
        if page and (key := _furniture_key(page[-1])) and bottoms[key] >= 2:
            page.pop()
        out.append(page)
    return out


def _edges(table: Table) -> dict[int, float]:
    """Grid line index → x position (points) of a table's column edges."""
    found: dict[int, list[float]] = {}
    for cell in table.cells():
        if cell.bbox is not None:
            found.setdefault(cell.col, []).append(cell.bbox[0])
            found.setdefault(cell.col + cell.colspan, []).append(cell.bbox[2])
    return {k: sum(v) / len(v) for k, v in found.items()}


def join_tables(first: Table, second: Table) -> Table | None:
    """``second`` appended to ``first`` when it continues it, else None."""
    ea, eb = _edges(first), _edges(second)
    if not ea or not eb:
        return None
    merged = cluster(list(ea.values()) + list(eb.values()), COLUMN_TOLERANCE)
    ends_a = (ea[min(ea)], ea[max(ea)])
    ends_b = (eb[min(eb)], eb[max(eb)])
    if any(abs(a - b) > COLUMN_TOLERANCE for a, b in zip(ends_a, ends_b, strict=True)):
        return None
    upper = _regrid(first, {k: nearest(merged, x) for k, x in ea.items()}, 0)
    lower_map = {k: nearest(merged, x) for k, x in eb.items()}
    split = _continues_row(upper, _regrid(second, lower_map, 0))
    lower = _regrid(second, lower_map, len(upper.rows) - (1 if split else 0))
    rows = [list(r) for r in upper.rows]
    if split:
        _merge_row(rows, upper, lower.rows[0])
        rows.extend(lower.rows[1:])
    else:
        rows.extend(lower.rows)
    return Table(rows=rows, page=first.page)


def _regrid(table: Table, index: dict[int, int], row_offset: int) -> Table:
    """The table with its columns renumbered onto the merged grid and rows shifted."""
    rows = []
    for row in table.rows:
        new_row = []
        for c in row:
            start = index.get(c.col, c.col)
            end = index.get(c.col + c.colspan, start + c.colspan)
            new_row.append(replace(c, row=c.row + row_offset, col=start,
                                   colspan=max(1, end - start)))
        rows.append(new_row)
    return Table(rows=rows, page=table.page)


def _continues_row(upper: Table, lower: Table) -> bool:
    """Whether the first row of ``lower`` is the rest of the last row of ``upper``."""
    if not upper.rows or not lower.rows or not lower.rows[0]:
        return False
    last = upper.grid()[-1]
    numbers_above = False
    for cell in lower.rows[0]:
        above = last[cell.col] if cell.col < len(last) else None
        if above is None or above.col != cell.col or above.colspan != cell.colspan:
            return False
        if is_number(cell.text):
            return False
        numbers_above |= is_number(above.text)
    covered = sum(c.colspan for c in lower.rows[0])
    return numbers_above and covered == len(last)


def _merge_row(rows: list[list[Cell]], upper: Table, continuation: list[Cell]) -> None:
    """Append the continuation's cells to the cells above them (in place)."""
    last = upper.grid()[-1]
    for cell in continuation:
        above = last[cell.col]
        assert above is not None
        text = _append(above.text, cell.text)
        merged = replace(above, text=text, raw=_append(above.source_text, cell.text),
                         rowspan=above.rowspan + cell.rowspan - 1,
                         confidence=_lowest(above.confidence, cell.confidence))
        row = rows[above.row]
        row[row.index(above)] = merged


def is_number(text: str) -> bool:
    """A cell that holds a number (as opposed to a label or nothing)."""
    return bool(NUMBER_LOOK.match(number_form(text)))


def _append(a: str, b: str) -> str:
    if not b.strip():
        return a
    return f"{a}\n{b}" if a.strip() else b


def _lowest(a: float | None, b: float | None) -> float | None:
    known = [x for x in (a, b) if x is not None]
    return min(known) if known else None


# ---------------------------------------------------------------------------- images

def _frames(data: bytes) -> list[Image.Image]:
    """Every frame of an image file (a multi-page TIFF has several), decoded.

    Sizes are checked from the headers before anything is decoded: a few KB of PNG can
    declare gigapixels, and a GIF thousands of frames, which would take all the memory
    there is (Pillow itself refuses only beyond 179 megapixels, one frame at a time).
    """
    try:
        image = Image.open(io.BytesIO(data))
        dpi = image.info.get("dpi")
        n_frames = getattr(image, "n_frames", 1)
        if n_frames > MAX_FRAMES:
            raise UnreadableDocument(
                "too_many_pages", f"the image has {n_frames} frames; reports over "
                f"{MAX_FRAMES} pages are not read")
        frames = []
        total = 0
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            width, height = frame.size
            total += width * height
            if width * height > MAX_FRAME_PIXELS or total > MAX_IMAGE_PIXELS:
                raise UnreadableDocument(
                    "image_too_large", f"frame {number} is {width}x{height} pixels; "
                    f"{total / 1e6:.0f} megapixels so far, more than any scanned report")
            copy = frame.copy()
            copy.load()
            copy.info.setdefault("dpi", dpi)
            frames.append(copy)
    except Image.DecompressionBombError as exc:
        raise UnreadableDocument("image_too_large", str(exc)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise UnreadableDocument("unreadable_image",
                                 f"the image cannot be decoded: {exc}") from exc
    if not frames:
        raise UnreadableDocument("unreadable_image", "the image has no frames")
    return frames


def frame_dpi(frame: Image.Image) -> float:
    """The resolution to read a frame at: what the file says when that agrees with the
    size of its text, else what the text size implies (phones and screenshots write
    72 or 96 dpi whatever the picture holds). The text is measured with the ruling lines
    out of the way, found at the declared (or a middling) resolution."""
    declared = _declared_dpi(frame)
    gray = np.asarray(frame.convert("L"), dtype=np.uint8)
    page = prepare(gray, declared or 150.0)
    text_h = page_char_height(page, None)
    implied = text_h / BODY_TEXT_INCHES if text_h else None
    if declared and (implied is None or 0.75 <= declared / implied <= 1.33):
        return declared
    return implied or declared or float(READ_DPI)


def _declared_dpi(frame: Image.Image) -> float | None:
    dpi = frame.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return value if 50 <= value <= 1200 else None


def read_image(data: bytes) -> Document:
    """Every page (frame) of an image file, read by OCR."""
    frames = _frames(data)
    engines()  # fail before any work when OCR is not installed
    pages = [ocr_page(frame, number, 72.0 / frame_dpi(frame))
             for number, frame in enumerate(frames, start=1)]
    return Document(blocks=join_pages(pages), n_pages=len(pages), text_source="ocr",
                    warnings=ocr_warnings())
