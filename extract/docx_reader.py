"""Reader for Word ``.docx`` files (Office Open XML).

The report tables are where the data is, and their meaning depends on merged cells: a
label merged over three rows names all three rows of numbers. The OOXML records those
merges directly (``w:gridSpan`` across, ``w:vMerge`` down, ``w:gridBefore`` for rows that
start late), so this reader parses ``word/document.xml`` itself with lxml rather than going
through a higher-level library that hides them, and turns them into the spans of the
document model. Reading the XML directly is also what keeps a report well under 100 ms.

Only the main story is read: headers, footers, footnotes and comments never hold the
report's figures. Text boxes and content controls in the body are read in place, because
some portals' templates put whole tables inside them.

The bytes come from the internet, so the zip is checked for decompression bombs before
anything is inflated, a part that declares a DTD is refused before it is parsed (Office
packages never carry one, and entity declarations are how XML attacks travel: entity
expansion, external entities reading local files or URLs), and the XML parser itself
neither resolves entities nor touches the network, whatever gets past that check.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree

from extract.document import Block, Cell, Document, Paragraph, Table, UnreadableDocument

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Stream name present in every password-protected Office file (an OLE container).
ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
MAIN_PART = "word/document.xml"
STYLES_PART = "word/styles.xml"

#: No real report's XML comes near this (a hundred pages of tables is about 10 MB); a
#: bigger part is an attack or a broken file. Parsed, XML takes several times its size.
MAX_XML_BYTES = 64 * 1024 * 1024
#: Word's XML deflates about 10-30x; far beyond that the archive is built to explode.
MAX_RATIO = 200
#: Below this size a part cannot do harm whatever its ratio, and tiny parts of repeated
#: markup legitimately compress very well.
RATIO_FLOOR = 1024 * 1024
#: Parts are inflated this much at a time.
READ_CHUNK = 1024 * 1024
#: The prolog (declaration, comments, DOCTYPE) is checked in pieces of this size until the
#: root element starts, so a part is never read twice in full.
PROLOG_CHUNK = 64 * 1024
#: Word allows 63 columns; anything wildly larger is a corrupt span, not a layout.
MAX_SPAN = 1000

W_TRANSITIONAL = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_STRICT = "http://purl.oclc.org/ooxml/wordprocessingml/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
MC_ALTERNATE = f"{{{MC_NS}}}AlternateContent"
MC_CHOICE = f"{{{MC_NS}}}Choice"
MC_FALLBACK = f"{{{MC_NS}}}Fallback"
MATH_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"

TITLE_NAMES = {"title", "标题"}
HEADING_NAME = re.compile(r"^(heading|标题)[\d一二三四五六七八九]|级标题")

Element = etree._Element
#: A table row as read, before merges are resolved: the grid column it starts at and its
#: cells as (grid span, vertical merge, horizontal merge, text).
_RawRow = tuple[int, list[tuple[int, str | None, str | None, str]]]


class _Names:
    """Clark-notation names in one WordprocessingML namespace.

    Word writes the transitional namespace; "strict" OOXML files use another one for the
    same vocabulary, so every name is built from whichever namespace the document uses.
    """

    def __init__(self, ns: str) -> None:
        def w(local: str) -> str:
            return f"{{{ns}}}{local}"

        self.val = w("val")
        self.type = w("type")
        self.style_id = w("styleId")
        self.body = w("body")
        self.p = w("p")
        self.r = w("r")
        self.t = w("t")
        self.tab = w("tab")
        self.ptab = w("ptab")
        self.br = w("br")
        self.cr = w("cr")
        self.no_break_hyphen = w("noBreakHyphen")
        self.tbl = w("tbl")
        self.tr = w("tr")
        self.tc = w("tc")
        self.ppr = w("pPr")
        self.pstyle = w("pStyle")
        self.outline = w("outlineLvl")
        self.trpr = w("trPr")
        self.tcpr = w("tcPr")
        self.grid_before = w("gridBefore")
        self.grid_span = w("gridSpan")
        self.vmerge = w("vMerge")
        self.hmerge = w("hMerge")
        self.deleted = w("del")
        self.sdt = w("sdt")
        self.sdt_content = w("sdtContent")
        self.txbx = w("txbxContent")
        self.alt_chunk = w("altChunk")
        self.style = w("style")
        self.name = w("name")
        self.based_on = w("basedOn")
        #: Elements inside a paragraph whose runs are part of its text.
        self.inline_wrappers = frozenset(
            w(x) for x in ("ins", "moveTo", "hyperlink", "smartTag", "fldSimple",
                           "customXml", "dir", "bdo"))
        #: Elements inside a run that can carry a text box.
        self.drawings = frozenset(w(x) for x in ("drawing", "pict", "object"))
        #: Block-level wrappers whose children are ordinary body content.
        self.block_wrappers = frozenset(w(x) for x in ("customXml", "ins", "moveTo"))
        #: Run content that becomes text, in the order the plain walk meets it.
        self.text_tags = (self.t, self.tab, self.ptab, self.br, self.cr,
                          self.no_break_hyphen)
        #: Markup whose text the walk must choose (skip deletions, pick one branch of
        #: alternate content, read text boxes after their anchor, read only the content
        #: of a content control, leave ruby and maths alone): a body holding none of it
        #: is read by the plain walk.
        self.needs_full_walk = (
            w("del"), w("moveFrom"), w("sdt"), w("ruby"), w("altChunk"),
            *self.drawings, self.txbx, MC_ALTERNATE, f"{{{MATH_NS}}}oMath",
            f"{{{MATH_NS}}}oMathPara", w("tcPrChange"), w("trPrChange"))


@lru_cache(maxsize=4)
def _names(ns: str) -> _Names:
    return _Names(ns)


@dataclass(slots=True)
class _Slot:
    """A cell while its table is being read: spans grow as continuations are met."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1

    def freeze(self) -> Cell:
        return _cell(self.text, self.row, self.col, self.rowspan, self.colspan)


@lru_cache(maxsize=16384)
def _cell(text: str, row: int, col: int, rowspan: int, colspan: int) -> Cell:
    """A table cell. Cells are immutable values, and documents made from one template
    repeat most of theirs (labels, zeros, blanks) at the same positions, so an equal
    cell is shared rather than built again."""
    return Cell(text=text, row=row, col=col, rowspan=rowspan, colspan=colspan)


@dataclass(slots=True)
class _Reader:
    """Walks one parsed ``document.xml``; holds what the walk needs to remember."""

    n: _Names
    styles: dict[str, str | None]
    warnings: list[tuple[str, str]] = field(default_factory=list)
    #: The body has no markup that needs the full walk (see ``_Names.needs_full_walk``):
    #: text is then gathered with lxml's own iteration, several times faster on reports
    #: of hundreds of cells, with the same result.
    plain: bool = False

    # -- block level -------------------------------------------------------------------

    def blocks(self, container: Element) -> Iterator[Block]:
        """Paragraphs and tables of a body, cell or text box, in reading order."""
        n = self.n
        for child in container:
            tag = child.tag
            if tag == n.p:
                yield from self.paragraph(child)
            elif tag == n.tbl:
                if child.find(f".//{n.tbl}") is not None:
                    yield from self.layout_table(child)
                else:
                    yield self.table(child)
            elif tag == n.sdt:
                content = child.find(n.sdt_content)
                if content is not None:
                    yield from self.blocks(content)
            elif tag in n.block_wrappers:
                yield from self.blocks(child)
            elif tag == MC_ALTERNATE:
                branch = _pick_branch(child)
                if branch is not None:
                    yield from self.blocks(branch)
            elif tag == n.alt_chunk:
                self.warnings.append(
                    ("docx_alt_chunk", "part of the body is an embedded altChunk, not read"))

    def paragraph(self, p: Element) -> Iterator[Block]:
        """The paragraph, then the content of any text boxes anchored in it.

        Text boxes are separate stories; putting them right after their anchor keeps
        them near where the page shows them without mixing their text into the line.
        """
        if self.plain:
            yield Paragraph(text=self.plain_text(p), style=self.paragraph_style(p))
            return
        pieces: list[str] = []
        boxes: list[Element] = []
        self.inline(p, pieces, boxes)
        yield Paragraph(text="".join(pieces), style=self.paragraph_style(p))
        for box in boxes:
            yield from self.blocks(box)

    def plain_text(self, el: Element) -> str:
        """The text of a paragraph in a body the plain walk can read.

        Tabs count only inside runs: a paragraph's properties list its tab stops as
        ``w:tab`` elements too.
        """
        return "".join(self._piece(x) for x in el.iter(*self.n.text_tags))

    def _piece(self, x: Element) -> str:
        """The text one element of ``_Names.text_tags`` stands for in the plain walk."""
        n, tag = self.n, x.tag
        if tag == n.t:
            return x.text or ""
        if tag == n.br or tag == n.cr:
            return "\n"
        if tag == n.no_break_hyphen:
            return "-"
        return "\t" if x.getparent().tag == n.r else ""

    def paragraph_style(self, p: Element) -> str | None:
        n = self.n
        ppr = p.find(n.ppr)
        if ppr is None:
            return None
        pstyle = outline = None
        for prop in ppr:  # one pass over the paragraph's properties
            if prop.tag == n.pstyle and pstyle is None:
                pstyle = prop
            elif prop.tag == n.outline and outline is None:
                outline = prop
        if pstyle is not None:
            style_id = pstyle.get(n.val, "")
            kind = self.styles[style_id] if style_id in self.styles else _style_kind(style_id)
            if kind is not None:
                return kind
        if outline is not None and _int(outline.get(n.val), 9) < 9:
            return "heading"
        return None

    # -- inline level ------------------------------------------------------------------

    def inline(self, el: Element, out: list[str], boxes: list[Element]) -> None:
        """Collect the visible text under a paragraph (or a wrapper inside one).

        Deleted revisions (``w:del``, ``w:moveFrom``) are skipped by not descending into
        them; inserted ones are ordinary wrappers.
        """
        n = self.n
        for child in el:
            tag = child.tag
            if tag == n.r:
                self.run(child, out, boxes)
            elif tag in n.inline_wrappers:
                self.inline(child, out, boxes)
            elif tag == n.sdt:
                content = child.find(n.sdt_content)
                if content is not None:
                    self.inline(content, out, boxes)
            elif tag == MC_ALTERNATE:
                branch = _pick_branch(child)
                if branch is not None:
                    self.inline(branch, out, boxes)

    def run(self, run: Element, out: list[str], boxes: list[Element]) -> None:
        n = self.n
        for child in run:
            tag = child.tag
            if tag == n.t:
                out.append(child.text or "")
            elif tag == n.tab or tag == n.ptab:
                out.append("\t")
            elif tag == n.br or tag == n.cr:
                out.append("\n")
            elif tag == n.no_break_hyphen:
                out.append("-")
            elif tag in n.drawings:
                boxes.extend(_text_boxes(child, n.txbx))
            elif tag == MC_ALTERNATE:
                branch = _pick_branch(child)
                if branch is not None:
                    self.run(branch, out, boxes)

    # -- tables ------------------------------------------------------------------------

    def layout_table(self, tbl: Element) -> Iterator[Block]:
        """A table that holds tables is page layout (reports pasted into a frame): its
        cells are read as ordinary content, so the tables inside keep their own spans."""
        n = self.n
        for tr in self._children(tbl, n.tr):
            if _row_is_deleted(tr, n):
                continue
            for tc in self._children(tr, n.tc):
                yield from self.blocks(tc)

    def table(self, tbl: Element) -> Table:
        """Read a table, turning merge markers into spans on the cell where they start."""
        raw = self._plain_rows(tbl) if self.plain else self._rows(tbl)
        rows: list[list[_Slot]] = []
        above: dict[int, _Slot] = {}  # grid column -> cell covering it in the row above
        for r, (col, cells) in enumerate(raw):
            row: list[_Slot] = []
            here: dict[int, _Slot] = {}
            previous: _Slot | None = None
            for span, vmerge, hmerge, text in cells:
                origin = above.get(col) if vmerge == "continue" else None
                if origin is not None and origin.col == col:
                    origin.rowspan = r - origin.row + 1
                    self._note_hidden_text(text, r, col)
                    here[col] = origin
                    previous = None
                elif hmerge == "continue" and previous is not None:
                    previous.colspan += span
                    self._note_hidden_text(text, r, col)
                else:
                    previous = _Slot(text, r, col, colspan=span)
                    row.append(previous)
                    here[col] = previous
                col += span
            above = here
            rows.append(row)
        return Table(rows=[[slot.freeze() for slot in row] for row in rows])

    def _rows(self, tbl: Element) -> list[_RawRow]:
        """Each row's starting grid column and its cells, by the full walk."""
        n = self.n
        rows: list[_RawRow] = []
        for tr in self._children(tbl, n.tr):
            if _row_is_deleted(tr, n):
                continue
            cells = [(*_cell_props(tc, n), self.cell_text(tc))
                     for tc in self._children(tr, n.tc)]
            rows.append((_grid_before(tr, n), cells))
        return rows

    def _plain_rows(self, tbl: Element) -> list[_RawRow]:
        """The same as ``_rows`` for a table in a plain body, in one pass of lxml's
        iteration over the elements that matter: a report's tables are hundreds of
        cells, and a function call or two per cell was most of the reading time.

        In a plain body a table holding no table has rows only for its own ``w:tr``
        descendants, and merge and span markers only in its cells' properties.
        """
        n = self.n
        rows: list[tuple[int, list[list]]] = []
        cells: list[list] = []
        cell: list | None = None  # [span, vmerge, hmerge, lines, span seen]
        line: list[str] | None = None
        before = -1  # the row's w:gridBefore, -1 while unset
        started = False
        for x in tbl.iter(n.tr, n.grid_before, n.tc, n.grid_span, n.vmerge, n.hmerge, n.p,
                          *n.text_tags):
            tag = x.tag
            if tag == n.t:
                if line is not None:
                    line.append(x.text or "")
            elif tag == n.p:
                if cell is not None:
                    line = []
                    cell[3].append(line)
            elif tag == n.tc:
                cell = [1, None, None, [], False]
                cells.append(cell)
                line = None
            elif tag == n.tr:
                if started:
                    rows.append((max(before, 0), cells))
                cells, cell, line, before, started = [], None, None, -1, True
            elif tag == n.grid_span:
                if cell is not None and not cell[4]:
                    cell[0], cell[4] = min(max(_int(x.get(n.val), 1), 1), MAX_SPAN), True
            elif tag == n.vmerge:
                if cell is not None and cell[1] is None:
                    cell[1] = _merge_state(x, n)
            elif tag == n.hmerge:
                if cell is not None and cell[2] is None:
                    cell[2] = _merge_state(x, n)
            elif tag == n.grid_before:
                if cell is None and before < 0:
                    before = min(max(_int(x.get(n.val), 0), 0), MAX_SPAN)
            elif line is not None:  # a break, hyphen or tab
                line.append(self._piece(x))
        if started:
            rows.append((max(before, 0), cells))
        return [(col, [(c[0], c[1], c[2], "\n".join("".join(x) for x in c[3]))
                       for c in row]) for col, row in rows]

    def _children(self, parent: Element, tag: str) -> Iterator[Element]:
        """Rows of a table or cells of a row, looking through content controls."""
        n = self.n
        for child in parent:
            if child.tag == tag:
                yield child
            elif child.tag == n.sdt:
                content = child.find(n.sdt_content)
                if content is not None:
                    yield from self._children(content, tag)
            elif child.tag in n.block_wrappers:
                yield from self._children(child, tag)

    def cell_text(self, tc: Element) -> str:
        """A cell's paragraphs as lines (a table holding tables is read as layout by
        ``blocks``; this only meets nested tables inside merge-continuation cells).

        Word forces a paragraph after a nested table at the end of a cell; that empty
        paragraph is layout, not content, so trailing empty lines after a nested table
        are dropped.
        """
        lines: list[str] = []
        after_table = -1
        for block in self.blocks(tc):
            if isinstance(block, Paragraph):
                lines.append(block.text)
            else:
                lines.extend(_table_lines(block))
                after_table = len(lines)
        if after_table >= 0:
            while len(lines) > after_table and not lines[-1]:
                lines.pop()
        return "\n".join(lines)

    def _note_hidden_text(self, text: str, row: int, col: int) -> None:
        """Word hides the content of merge-continuation cells; say so if there was any."""
        if text.strip():
            self.warnings.append(
                ("docx_hidden_merged_text",
                 f"row {row}, column {col}: merged-away cell text not read: {text[:40]!r}"))


def _table_lines(table: Table) -> list[str]:
    """One line per row of a nested table, its non-empty cells joined by spaces."""
    lines = []
    for row in table.rows:
        texts = [" ".join(cell.text.split("\n")) for cell in row]
        line = " ".join(t for t in texts if t.strip())
        if line:
            lines.append(line)
    return lines


def _pick_branch(alternate: Element) -> Element | None:
    """One branch of ``mc:AlternateContent``: both hold the same content, so reading
    both would duplicate it. The first choice is the richer, modern form."""
    for child in alternate:
        if child.tag == MC_CHOICE:
            return child
    for child in alternate:
        if child.tag == MC_FALLBACK:
            return child
    return None


def _text_boxes(el: Element, txbx: str) -> Iterator[Element]:
    """The outermost text-box stories inside a drawing (nested boxes are read from
    their parent story), taking one branch of any alternate content."""
    for child in el:
        if child.tag == txbx:
            yield child
        elif child.tag == MC_ALTERNATE:
            branch = _pick_branch(child)
            if branch is not None:
                yield from _text_boxes(branch, txbx)
        else:
            yield from _text_boxes(child, txbx)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _grid_before(tr: Element, n: _Names) -> int:
    trpr = tr.find(n.trpr)
    if trpr is None:
        return 0
    before = trpr.find(n.grid_before)
    if before is None:
        return 0
    return min(max(_int(before.get(n.val), 0), 0), MAX_SPAN)


def _row_is_deleted(tr: Element, n: _Names) -> bool:
    """A row removed with change tracking on is still in the XML; its text is deleted
    text, so the row is skipped like the rest of the deletion."""
    trpr = tr.find(n.trpr)
    return trpr is not None and trpr.find(n.deleted) is not None


def _merge_state(el: Element | None, n: _Names) -> str | None:
    """``restart``, ``continue`` or None for a ``w:vMerge``/``w:hMerge`` element.

    A merge element without ``w:val`` means continue: that is how Word writes it.
    """
    if el is None:
        return None
    return "restart" if el.get(n.val) == "restart" else "continue"


def _cell_props(tc: Element, n: _Names) -> tuple[int, str | None, str | None]:
    """(grid span, vertical merge state, horizontal merge state) of a cell."""
    tcpr = tc.find(n.tcpr)
    if tcpr is None:
        return 1, None, None
    span, vmerge, hmerge, seen_span = 1, None, None, False
    for prop in tcpr:  # one pass: a cell's properties are a handful of elements
        tag = prop.tag
        if tag == n.grid_span and not seen_span:  # the first of each counts, as Word reads it
            span, seen_span = min(max(_int(prop.get(n.val), 1), 1), MAX_SPAN), True
        elif tag == n.vmerge and vmerge is None:
            vmerge = _merge_state(prop, n)
        elif tag == n.hmerge and hmerge is None:
            hmerge = _merge_state(prop, n)
    return span, vmerge, hmerge


def _style_kind(text: str) -> str | None:
    """"title", "heading" or None for a style id or name.

    Chinese Word stores built-in heading styles under ids like ``1``/``2`` with names
    "heading 1"; custom templates use names such as "标题 1" or "一级标题".
    """
    key = re.sub(r"\s+", "", text).lower()
    if key in TITLE_NAMES:
        return "title"
    if HEADING_NAME.search(key):
        return "heading"
    return None


def _read_styles(root: Element, n: _Names) -> dict[str, str | None]:
    """Map paragraph style ids to their kind, following ``w:basedOn`` so a custom style
    derived from a heading counts as a heading."""
    own: dict[str, str | None] = {}
    parents: dict[str, str] = {}
    for style in root.iter(n.style):
        if style.get(n.type, "paragraph") != "paragraph":
            continue
        style_id = style.get(n.style_id)
        if not style_id:
            continue
        name_el = style.find(n.name)
        name = name_el.get(n.val, "") if name_el is not None else ""
        kind = _style_kind(name) or _style_kind(style_id)
        if kind is None:
            ppr = style.find(n.ppr)
            outline = ppr.find(n.outline) if ppr is not None else None
            if outline is not None and _int(outline.get(n.val), 9) < 9:
                kind = "heading"
        own[style_id] = kind
        based = style.find(n.based_on)
        if based is not None and based.get(n.val):
            parents[style_id] = based.get(n.val, "")
    resolved: dict[str, str | None] = {}
    for style_id in own:
        seen: set[str] = set()
        current: str | None = style_id
        kind = None
        while current is not None and current in own and current not in seen:
            seen.add(current)
            kind = own[current]
            if kind is not None:
                break
            current = parents.get(current)
        resolved[style_id] = kind
    return resolved


# -- the package ---------------------------------------------------------------------


def _refuse_ole(data: bytes) -> None:
    """Password-protected .docx and legacy .doc are both OLE containers, not zips."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_MARKER in data:
            raise UnreadableDocument("encrypted", "the Word file is password-protected")
        raise UnreadableDocument("legacy_word", "old .doc format needs conversion")


def refuse_bomb(info: zipfile.ZipInfo) -> None:
    """Refuse a package part whose declared size or compression ratio no office document
    has, before a byte of it is inflated. A part that lies about its size cannot get
    past this either: zipfile stops inflating at the declared size (and then fails the
    checksum)."""
    name = info.filename
    if info.file_size > MAX_XML_BYTES:
        raise UnreadableDocument(
            "zip_bomb", f"{name} would inflate to {info.file_size} bytes")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
        raise UnreadableDocument(
            "zip_bomb", f"{name} is compressed {ratio:.0f}x, more than any real document")


def _read_part(zf: zipfile.ZipFile, name: str) -> bytes:
    """Inflate one part, refusing sizes and ratios no Word document has."""
    info = zf.getinfo(name)
    refuse_bomb(info)
    chunks: list[bytes] = []
    size = 0
    with zf.open(info) as stream:  # in pieces: one big read inflates all it can at once
        while chunk := stream.read(READ_CHUNK):
            size += len(chunk)
            if size > MAX_XML_BYTES:
                raise UnreadableDocument(
                    "zip_bomb", f"{name} inflates beyond {MAX_XML_BYTES} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


class _RootReached(Exception):
    """The prolog is over: the root element has started."""


class _StopAtRoot:
    """A parser target that stops the parse at the first element: only the prolog, where
    a DTD has to stand, is looked at."""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        raise _RootReached

    def close(self) -> None:
        return None


def refuse_dtd(chunks: Iterable[bytes], part: str, bare_doctype: bool = False) -> None:
    """Refuse a part whose prolog declares a DTD, entities or external references.

    The packaging standard Office files follow forbids DTDs in package parts and Word
    refuses to open such a file ("DTD prohibited"), so a DOCTYPE here is never a real
    document: it is a crafted file (billion laughs, an external entity pointing at
    ``file:///etc/passwd`` or an internal URL). expat, through defusedxml, reads only as
    far as the root element; a prolog it cannot parse is left to lxml to reject.

    OpenDocument packages are checked with it too, with ``bare_doctype``: old
    OpenOffice versions wrote a DOCTYPE naming their DTD (no internal subset) into
    their manifests, so there only entity declarations are refused.
    """
    parser = DefusedXMLParser(target=_StopAtRoot(), forbid_dtd=not bare_doctype,
                              forbid_entities=True, forbid_external=True)
    try:
        for chunk in chunks:
            parser.feed(chunk)
    except _RootReached:
        return
    except DTDForbidden as exc:
        raise _unsafe(part, f"declares a DTD (<!DOCTYPE {exc.name} ...>)") from exc
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
        name = getattr(exc, "name", None) or getattr(exc, "system_id", None) or "?"
        raise _unsafe(part, f"declares or loads an entity ({name})") from exc
    except (SyntaxError, ValueError, LookupError):
        return  # not well-formed, or in an encoding expat lacks: lxml decides


def _unsafe(part: str, what: str) -> UnreadableDocument:
    return UnreadableDocument(
        "unsafe_xml", f"{part} {what}; office documents never do: refused, no entity read")


def _xml_parser() -> etree.XMLParser:
    """lxml that loads no DTD, substitutes no entity, opens no URL and keeps its size
    limits: safe on its own, even for XML the DTD check did not see."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True,
                           collect_ids=False)  # no xml:id lookups: no ID table to build


def _parse(xml: bytes, part: str) -> Element:
    """One part parsed, after the DTD check; a DTD only lxml could see is refused too."""
    refuse_dtd((xml[i:i + PROLOG_CHUNK] for i in range(0, len(xml), PROLOG_CHUNK)), part)
    try:
        root = etree.fromstring(xml, _xml_parser())
    except etree.XMLSyntaxError as exc:
        if "entity" in str(exc).lower() and b"<!ENTITY" in xml:
            # libxml2 stopping an entity bomb in an encoding expat could not check
            raise _unsafe(part, f"declares entities that expand without end ({exc})") from exc
        raise
    docinfo = root.getroottree().docinfo
    if docinfo.doctype:  # a DTD in an encoding expat lacks: parsed unexpanded, still refused
        raise _unsafe(part, f"declares a DTD (<!DOCTYPE {docinfo.root_name} ...>)")
    return root


def _open_parts(data: bytes) -> tuple[bytes, bytes | None]:
    """The main document part and, when present, the styles part."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            names = set(zf.namelist())
            if MAIN_PART not in names:
                raise UnreadableDocument(
                    "unreadable_docx", f"the zip has no {MAIN_PART}: not a Word document")
            main = _read_part(zf, MAIN_PART)
            styles = _read_part(zf, STYLES_PART) if STYLES_PART in names else None
    except UnreadableDocument:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
            RuntimeError, NotImplementedError, ValueError) as exc:
        raise UnreadableDocument("unreadable_docx", f"not a readable zip archive: {exc}") from exc
    return main, styles


def _style_map(styles_xml: bytes | None, doc: Document) -> dict[str, str | None]:
    """Style kinds from the styles part; a broken styles part only costs heading hints."""
    if styles_xml is None:
        return {}
    styles, warning = _styles_of(styles_xml)
    if warning:
        doc.warnings.append(("docx_styles_unreadable", warning))
    return dict(styles)


@lru_cache(maxsize=32)
def _styles_of(styles_xml: bytes) -> tuple[tuple[tuple[str, str | None], ...], str | None]:
    """Style kinds of one styles part, or why it could not be read.

    Memoised on the part's bytes: documents made from one template (a site's reports,
    every file a generator writes) carry the same styles part, often hundreds of KB of
    table styles that would otherwise be parsed again for each.
    """
    try:
        root = _parse(styles_xml, STYLES_PART)
    except etree.XMLSyntaxError as exc:
        return (), f"{STYLES_PART}: {exc}"
    ns = etree.QName(root).namespace or W_TRANSITIONAL
    return tuple(_read_styles(root, _names(ns)).items()), None


def read_docx(data: bytes, walk: str = "auto") -> Document:
    """Read a .docx into a :class:`Document` (source_format ``docx``).

    ``walk`` is ``auto`` (the plain walk when the body allows it, else the full one),
    ``full``, or ``plain`` (a ValueError when the body needs the full walk); the two
    give the same document wherever the plain one applies, which is what tests check.

    Raises :class:`UnreadableDocument` with code ``encrypted``, ``legacy_word``,
    ``zip_bomb``, ``unsafe_xml`` or ``unreadable_docx`` when there is no document to read.
    """
    if walk not in ("auto", "full", "plain"):
        raise ValueError(f"walk must be auto, full or plain, not {walk!r}")
    _refuse_ole(data)
    main_xml, styles_xml = _open_parts(data)
    try:
        root = _parse(main_xml, MAIN_PART)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(
            "unreadable_docx", f"{MAIN_PART} is not well-formed XML: {exc}") from exc
    ns = etree.QName(root).namespace
    if ns not in (W_TRANSITIONAL, W_STRICT):
        raise UnreadableDocument("unreadable_docx", f"{MAIN_PART} is not WordprocessingML")
    n = _names(ns)
    body = root.find(n.body)
    if body is None:
        raise UnreadableDocument("unreadable_docx", f"{MAIN_PART} has no document body")
    doc = Document(source_format="docx")
    plain = walk != "full" and next(body.iter(*n.needs_full_walk), None) is None
    if walk == "plain" and not plain:
        raise ValueError("this body holds markup only the full walk reads")
    reader = _Reader(n=n, styles=_style_map(styles_xml, doc), warnings=doc.warnings,
                     plain=plain)
    doc.blocks = [
        block for block in reader.blocks(body)
        if not (isinstance(block, Paragraph) and not block.text.strip())
    ]
    return doc
