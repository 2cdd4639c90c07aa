"""Reader for reports published as HTML pages on government portals.

A portal page is mostly not the report: navigation bars, breadcrumbs, sidebars, share
buttons and footers surround it, and older sites lay the whole page out with nested
tables. The reader therefore works in three steps:

1. **Decode and parse.** Bytes become text through :mod:`extract.decode` (GB pages are
   read as GB18030, undeclared pages may be UTF-8 or GBK), then lxml's HTML parser reads
   the text. Scripts, styles, frames, form controls, comments and anything hidden with an
   inline ``display:none`` are removed first, because none of it is visible report text.
2. **Choose the main content** (see :func:`choose_content`). The report's statistics
   tables are never left out by this choice.
3. **Walk the content in document order**, turning block-level elements into
   :class:`~extract.document.Paragraph` blocks and data tables into
   :class:`~extract.document.Table` blocks whose cells carry their grid column and spans,
   computed with the HTML table algorithm.

Whitespace follows HTML rendering: runs of ASCII whitespace collapse to one space and
are stripped at line ends, while U+00A0 (``&nbsp;``), U+2002 and U+3000 are characters
in their own right and are kept, since reports use them for indentation and alignment
that the interpreter may want to see. Text under ``<pre>`` or an inline
``white-space: pre``/``pre-wrap`` keeps its spaces, as a browser would show them.
Paragraphs that show nothing (``<p>&nbsp;</p>`` spacers) are left out; table cells are
always kept, whatever they hold, because their positions matter.

The reader knows nothing about report templates: it never looks at what the text says.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from lxml import etree

from extract.decode import declared_charset, decode_text
from extract.document import Cell, Document, Paragraph, Table

SOURCE_FORMAT = "html"

#: Elements whose content is never visible report text.
DROPPED_TAGS = frozenset({
    "script", "style", "noscript", "template", "iframe", "frame", "object", "embed",
    "select", "button", "textarea", "input", "head", "title", "svg", "canvas", "map",
})

#: Elements that start and end a block of text (a paragraph, or a line inside a cell).
BLOCK_TAGS = frozenset({
    "html", "body", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
    "dl", "dt", "dd", "section", "article", "main", "header", "footer", "nav", "aside",
    "center", "blockquote", "pre", "address", "figure", "figcaption", "form", "fieldset",
    "legend", "hr", "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
    "details", "summary", "listing", "xmp", "plaintext", "menu", "dir", "noframes",
})

HEADING_TAGS = frozenset({"h1", "h2", "h3"})
PREFORMATTED_TAGS = frozenset({"pre", "listing", "xmp", "plaintext"})

#: ids and class names that content-management systems used by government portals give
#: to the element holding an article's body (compared in lower case).
ARTICLE_CONTAINER_NAMES = frozenset({
    "zoom", "fontzoom", "content", "contents", "article", "articlecontent",
    "article-content", "article_content", "article_con", "trs_editor", "trs_ueditor",
    "custom_unionstyle", "xxgk_content", "detail", "detail-content", "detail_content",
    "detailcontent", "con", "con_text", "contenttext", "content_text", "main-content",
    "main_content", "maincontent", "pages_content", "view", "wzy", "news_content",
    "newscontent", "xl_content", "xl_con", "xlcon", "zwnr", "wz_content", "info_content",
    "text_content", "art_con", "bt_content",
})

#: Elements that may be chosen as the main content by text density: containers only,
#: never a single paragraph or an inline run.
CONTAINER_TAGS = frozenset({
    "body", "div", "section", "article", "main", "center", "form", "td", "th", "table",
    "tbody", "tr",
})

#: Share of the page's non-link text a named article container must hold (more than
#: half: "most of the text"), and the stricter share a container chosen by text density
#: alone must hold, since without a name to go by the choice is less certain.
NAMED_CONTAINER_SHARE = 0.5
DENSITY_CONTAINER_SHARE = 0.75

#: A data table with at least this many number-like cells is one of the report's
#: statistics tables and must lie inside the chosen content.
REPORT_TABLE_MIN_NUMBERS = 6

MAX_COLSPAN = 100
MAX_DEPTH = 400  # libxml2 already stops nesting at 255; this guards the recursion anyway

ASCII_WS = " \t\n\r\f"
ASCII_WS_RUN = re.compile(r"[ \t\n\r\f]+")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
#: Characters lxml cannot take in a string (C0 controls other than tab, LF, CR) and the
#: noncharacters the walker uses as placeholders for preserved whitespace.
UNPARSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff]")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none", re.IGNORECASE)
WHITE_SPACE_STYLE = re.compile(r"white-space\s*:\s*([a-z-]+)", re.IGNORECASE)
MARKUP = re.compile(r"<[A-Za-z!/?]")
TAG = re.compile(r"<[^>]*>")
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
SPAN_DIGITS = re.compile(r"[ \t\n\r\f]*([0-9]+)")

#: Placeholders that carry preserved spaces and tabs through whitespace collapsing.
KEPT_SPACE, KEPT_TAB = "\ufdd0", "\ufdd1"
#: What a line may hold and still show nothing.
INVISIBLE = ASCII_WS + KEPT_SPACE + KEPT_TAB
PRESERVING_WHITE_SPACE = frozenset({"pre", "pre-wrap", "break-spaces"})

#: Single-byte charsets that Chinese pages declare by mistake (server defaults); a page
#: declaring one is decoded as if it declared nothing, since Latin-1 would "succeed".
MISDECLARED_CHARSETS = frozenset({"iso8859-1", "latin-1", "cp1252", "ascii"})


def read_html(data: bytes) -> Document:
    """Read an HTML page into a :class:`Document` (``source_format="html"``).

    Never raises for bad input: an empty page gives a document without blocks, text
    without markup gives one paragraph per line, undecodable bytes are replaced rather
    than rejected, since a partly readable page is still worth interpreting. Pages that
    exceed the parser's safety limits (nesting deeper than 255 elements, a single text
    node over 10 MB) are read as far as the parser got, with a warning; if it got nothing,
    the page's text is read with the tags stripped.
    """
    doc = Document(source_format=SOURCE_FORMAT)
    text = _decode(data, doc.warnings)
    text = UNPARSABLE.sub("", XML_DECLARATION.sub("", text, count=1))
    if not text.strip():
        return doc
    if not MARKUP.search(text):
        doc.blocks.extend(_plain_paragraphs(text))
        return doc
    parser = _parser()
    try:
        root = etree.fromstring(text, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        doc.warnings.append(("html_unparsable", f"HTML parser refused the page: {exc}"))
        root = None
    if root is None:
        doc.blocks.extend(_plain_paragraphs(_strip_tags(text)))
        return doc
    # lxml makes a new Python object for an element whenever it is reached while no
    # reference holds one; cleaning, choosing the content and walking it each reach most
    # elements, so holding them all for the read builds each of those objects once.
    _proxies = list(root.iter())
    _remove_invisible(root)
    content = choose_content(root)
    walker = _ContentWalker()
    walker.visit(content, preserve=_inherited_preserve(content), depth=0)
    walker.flush()
    doc.blocks.extend(walker.blocks)
    if _hit_resource_limit(parser):
        doc.warnings.append(("html_truncated", "page exceeds the HTML parser's limits"))
        if not doc.blocks:
            doc.blocks.extend(_plain_paragraphs(_strip_tags(text)))
    return doc


def _parser() -> etree.HTMLParser:
    """A fresh parser per page: parsers keep an error log, and pages may be read from
    several threads at once. ``huge_tree`` stays off so hostile pages cannot exhaust
    memory."""
    return etree.HTMLParser(
        remove_comments=True, remove_pis=True, huge_tree=False, no_network=True,
    )


def _hit_resource_limit(parser: etree.HTMLParser) -> bool:
    return any(entry.type_name == "ERR_RESOURCE_LIMIT" for entry in parser.error_log)


def _strip_tags(text: str) -> str:
    """Markup removed the crude way, for pages the parser could not take."""
    return html.unescape(TAG.sub("\n", SCRIPT_OR_STYLE.sub("", text)))


# --------------------------------------------------------------------------- decoding


def _decode(data: bytes, warnings: list[tuple[str, str]]) -> str:
    """Bytes to text; a lossy decode is recorded rather than fatal.

    Bytes that are valid UTF-8 are read as UTF-8 whatever the page declares: portals
    that moved to UTF-8 often kept their old ``gb2312`` meta tag, GB18030 would decode
    such a page without error into nonsense, and GBK text of any length practically
    never happens to be valid UTF-8.
    """
    declared = declared_charset(data)
    if declared in MISDECLARED_CHARSETS or _is_utf8(data):
        declared = None
    try:
        return decode_text(data, declared, strict=True)[0]
    except UnicodeDecodeError:
        warnings.append(("html_undecodable_bytes", "some bytes decode in no known charset"))
        return decode_text(data, declared)[0]


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _plain_paragraphs(text: str) -> list[Paragraph]:
    """Text without markup: every non-blank line is a paragraph."""
    lines = (_finish_line(line) for line in LINE_BREAK.split(text))
    return [Paragraph(text=line) for line in lines if line.strip()]


# --------------------------------------------------------------------------- cleaning


def _tag(el: etree._Element) -> str:
    """Lower-case tag name, or "" for comments and other non-element nodes."""
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def _remove_invisible(root: etree._Element) -> None:
    """Drop elements a reader of the page never sees, keeping the text that follows them."""
    doomed = [
        el for el in root.iter()
        if el is not root and (
            not isinstance(el.tag, str)
            or _tag(el) in DROPPED_TAGS
            or _hides(el.get("style") or "")
        )
    ]
    for el in doomed:
        _drop(el)


@lru_cache(maxsize=4096)
def _hides(style: str) -> bool:
    """Whether an inline style hides its element. Memoised, like :func:`_keeps_spaces`:
    pages made by word processors repeat a few style strings on thousands of elements."""
    return HIDDEN_STYLE.search(style) is not None


def _drop(el: etree._Element) -> None:
    """Remove ``el`` and its content but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _inherited_preserve(el: etree._Element) -> bool:
    """Whether ``el`` sits inside an element that keeps its whitespace."""
    preserve = False
    for ancestor in reversed(list(el.iterancestors())):
        preserve = _preserves(ancestor, preserve)
    return preserve


def _preserves(el: etree._Element, inherited: bool, tag: str | None = None) -> bool:
    """CSS ``white-space`` for ``el``: pre-like elements and inline styles decide.

    ``tag`` is ``_tag(el)`` when the caller has it already.
    """
    if (_tag(el) if tag is None else tag) in PREFORMATTED_TAGS:
        return True
    kept = _keeps_spaces(el.get("style") or "")
    return inherited if kept is None else kept


@lru_cache(maxsize=4096)
def _keeps_spaces(style: str) -> bool | None:
    """What an inline style's ``white-space`` says about keeping whitespace; None when
    the style does not set it."""
    match = WHITE_SPACE_STYLE.search(style)
    if match:
        return match.group(1).lower() in PRESERVING_WHITE_SPACE
    return None


# ------------------------------------------------------------------ choosing content


@dataclass(slots=True)
class _TextStats:
    """Visible characters under an element, and how many of them are link text."""

    total: int = 0
    linked: int = 0

    @property
    def unlinked(self) -> int:
        return self.total - self.linked


def choose_content(root: etree._Element) -> etree._Element:
    """The element holding the report.

    Portal chrome (navigation, sidebars, footers) is mostly link text, while a report is
    mostly plain text, so the choice is made on non-link text:

    * an element whose id or class names a common article container (``zoom``,
      ``TRS_Editor``, ``content`` …) is chosen when it holds more than half of the page's
      non-link text; the innermost such element wins, because generic names such as
      ``content`` also label whole-page wrappers;
    * otherwise the innermost container element (never a single paragraph, never part
      of a data table) holding more than three quarters of the non-link text is chosen;
    * otherwise ``<body>``.

    Either way the chosen element must contain every statistics table of the page (a
    data table with several number-like cells), because a report without its tables is
    worthless and a metadata box or the article title is a small price for keeping them.
    """
    body = root.find("body")
    if body is None:
        body = root
    data_tables = [t for t in body.iter("table") if not _is_layout_table(t)]
    stats = _text_stats(body, [t for t in data_tables if not _has_links(t)])
    page_text = stats[body].unlinked
    if page_text == 0:
        return body
    in_data_table = _elements_inside(data_tables)
    holders = _common_ancestors(t for t in data_tables if _is_report_table(t))

    def qualifies(el: etree._Element, share: float) -> bool:
        return (
            stats[el].unlinked > share * page_text
            and el not in in_data_table
            and (holders is None or el in holders)
        )

    # Reversed document order: inner elements come first. The share of text is tested
    # first, as few elements hold most of it.
    named_floor = NAMED_CONTAINER_SHARE * page_text
    for el, counts in stats.items():
        if (counts.unlinked > named_floor and qualifies(el, NAMED_CONTAINER_SHARE)
                and _is_named_container(el)):
            return el
    dense_floor = DENSITY_CONTAINER_SHARE * page_text
    for el, counts in stats.items():
        if (counts.unlinked > dense_floor and qualifies(el, DENSITY_CONTAINER_SHARE)
                and _tag(el) in CONTAINER_TAGS):
            return el
    return body


def _text_stats(body: etree._Element,
                summarised: Iterable[etree._Element] = ()) -> dict[etree._Element, _TextStats]:
    """Visible and link character counts for every element under ``body``.

    Elements are visited in reverse document order, so every element's children are
    counted before the element itself; the returned dict keeps that order. The elements
    in ``summarised`` (data tables without links: they are never chosen, nor is anything
    in them) are counted in one pass over their text, and what they contain is left out.
    """
    whole = set(summarised)
    left_out: set[etree._Element] = set()
    for table in whole:
        left_out.update(islice(table.iter(), 1, None))  # iter() yields the table first
    stats: dict[etree._Element, _TextStats] = {}
    # This visits every element of the page: the counting is written out with local
    # variables (``_visible_chars`` inlined) rather than through helper calls.
    for el in reversed(list(body.iter())):
        if el in left_out:
            continue
        if el in whole:
            stats[el] = _TextStats(_visible_chars("".join(el.itertext())), 0)
            continue
        text = el.text
        total = len("".join(text.split())) if text else 0
        linked = 0
        for child in el:
            child_stats = stats.get(child)
            if child_stats is not None:
                total += child_stats.total
                linked += child_stats.linked
            tail = child.tail
            if tail:
                total += len("".join(tail.split()))
        if el.tag in LINK_TAGS:
            linked = total
        stats[el] = _TextStats(total, linked)
    return stats


#: The tag names ``_tag`` reads as "a", compared as they are where every element is seen.
LINK_TAGS = ("a", "A")


def _visible_chars(text: str | None) -> int:
    """Characters other than whitespace (``str.split`` and the regex ``\\s`` agree on what
    whitespace is; splitting is the faster of the two)."""
    return len("".join(text.split())) if text else 0


def _is_named_container(el: etree._Element) -> bool:
    names = (el.get("class") or "").lower().split()
    names.append((el.get("id") or "").strip().lower())
    return any(name in ARTICLE_CONTAINER_NAMES for name in names)


def _has_links(el: etree._Element) -> bool:
    return next(el.iter(*LINK_TAGS), None) is not None


def _elements_inside(tables: list[etree._Element]) -> set[etree._Element]:
    """Every element that is, or is part of, one of ``tables``."""
    inside: set[etree._Element] = set()
    for table in tables:
        inside.update(table.iter())
    return inside


def _common_ancestors(tables: Iterable[etree._Element]) -> set[etree._Element] | None:
    """Elements that contain all of ``tables``; ``None`` when there are no tables."""
    common: set[etree._Element] | None = None
    for table in tables:
        ancestors = set(table.iterancestors())
        common = ancestors if common is None else common & ancestors
    return common


def _is_report_table(table: etree._Element) -> bool:
    """A statistics table: enough cells that start with a number."""
    numbers = 0
    for cell in table.iter("td", "th"):
        text = "".join(cell.itertext()).strip()
        if text and _is_number_like(text):
            numbers += 1
            if numbers >= REPORT_TABLE_MIN_NUMBERS:
                return True
    return False


def _is_number_like(text: str) -> bool:
    return text[0].isdigit() or text[0] in "+-−－＋"


# ------------------------------------------------------------------------- tables


def _is_layout_table(table: etree._Element) -> bool:
    """A table used for page layout rather than data: it holds another table, or it has
    only one cell (a frame around content)."""
    if table.find(".//table") is not None:
        return True
    return len(list(islice(table.iter("td", "th"), 2))) < 2


def _row_groups(table: etree._Element) -> list[list[etree._Element]]:
    """The table's rows by row group, in the order the HTML table model numbers them:
    document order, except that footers come last. Consecutive rows outside any
    ``thead``/``tbody``/``tfoot`` form one group, as the implied ``tbody`` would."""
    groups: list[list[etree._Element]] = []
    footers: list[list[etree._Element]] = []
    loose: list[etree._Element] | None = None
    for child in table:
        tag = _tag(child)
        if tag in {"thead", "tbody", "tfoot"}:
            loose = None
            rows = list(child.iter("tr"))
            (footers if tag == "tfoot" else groups).append(rows)
        elif tag in {"tr", "form", "div", "span"}:
            if loose is None:
                loose = []
                groups.append(loose)
            loose.extend([child] if tag == "tr" else child.iter("tr"))
    return [group for group in groups + footers if group]


def _row_cells(tr: etree._Element) -> list[etree._Element]:
    """The cells of a row, including cells that stray markup wraps."""
    cells: list[etree._Element] = []
    for child in tr:
        tag = _tag(child)
        if tag in {"td", "th"}:
            cells.append(child)
        elif tag:
            cells.extend(child.iter("td", "th"))
    return cells


def _span(value: str | None, limit: int) -> int:
    """A span attribute read as browsers read it: leading digits count, junk means 1.
    Returns 0 for an explicit zero (``rowspan="0"``); the caller decides what that means.
    """
    if not value:
        return 1
    match = SPAN_DIGITS.match(value)
    if not match:
        return 1
    return min(int(match.group(1)), limit)


@dataclass(slots=True)
class _Placed:
    """A cell placed on the grid of its row group, before empty rows are removed."""

    element: etree._Element
    row: int
    col: int
    rowspan: int
    colspan: int


def _place_group(rows: list[list[etree._Element]]) -> list[_Placed]:
    """Grid positions with the HTML table algorithm: each cell goes to the first column
    of its row that no rowspan from above occupies; spans are clamped to the group."""
    placed: list[_Placed] = []
    busy_until: list[int] = []  # per grid column: first row no longer covered from above
    for r, cells in enumerate(rows):
        col = 0
        remaining = len(rows) - r
        for td in cells:
            while col < len(busy_until) and busy_until[col] > r:
                col += 1
            colspan = max(1, _span(td.get("colspan"), MAX_COLSPAN))
            rowspan = _span(td.get("rowspan"), remaining) or remaining
            if len(busy_until) < col + colspan:
                busy_until.extend([0] * (col + colspan - len(busy_until)))
            for c in range(col, col + colspan):
                busy_until[c] = max(busy_until[c], r + rowspan)
            placed.append(_Placed(td, r, col, rowspan, colspan))
            col += colspan
    return placed


def read_table(table: etree._Element, preserve: bool | None = None) -> Table:
    """A data table as a :class:`Table`.

    Rows where no cell starts (``<tr></tr>``, or rows covered entirely by rowspans from
    above) are left out, and the rowspans crossing them shrink accordingly, so row
    numbers stay consecutive and every rowspan still ends on the row it ended on.
    ``preserve`` says whether the table sits where whitespace is kept (looked up from
    its ancestors when not given).
    """
    if preserve is None:
        preserve = _inherited_preserve(table)
    preserve = _preserves(table, preserve)
    result = Table()
    for group in _row_groups(table):
        cells_by_row = [_row_cells(tr) for tr in group]
        kept_before = [0]  # kept_before[i]: rows kept among the group's first i rows
        for cells in cells_by_row:
            kept_before.append(kept_before[-1] + (1 if cells else 0))
        offset = len(result.rows)
        result.rows.extend([] for _ in range(kept_before[-1]))
        for p in _place_group(cells_by_row):
            text, raw = _memo_cell_text(p.element, preserve)
            row = offset + kept_before[p.row]
            rowspan = kept_before[p.row + p.rowspan] - kept_before[p.row]
            result.rows[row].append(_cell(text, raw, row, p.col, rowspan, p.colspan))
    return result


@lru_cache(maxsize=16384)
def _cell(text: str, raw: str, row: int, col: int, rowspan: int, colspan: int) -> Cell:
    """A table cell. Cells are immutable values, and pages made from one template repeat
    most of theirs (labels, zeros, blanks) at the same positions, so an equal cell is
    shared rather than built again."""
    return Cell(text=text, row=row, col=col, rowspan=rowspan, colspan=colspan, raw=raw)


# -------------------------------------------------------------------- text walking


@dataclass(slots=True)
class _LineBuffer:
    """Text of the block being read: finished lines plus the pieces of the current one.

    Pieces are kept as found (preserved whitespace already replaced by placeholders) and
    only collapsed when a line ends, so a whitespace run split over several text nodes
    still collapses to one space.
    """

    lines: list[str] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    raw_break: bool = False  # a block edge to show in ``raw`` if more text follows

    def end_line(self) -> str:
        """Finish the current line and return its text."""
        line = _finish_line("".join(self.pieces))
        self.pieces.clear()
        return line

    def pending(self) -> bool:
        """Whether the current line holds visible text."""
        return bool("".join(self.pieces).strip(INVISIBLE))


def _finish_line(text: str) -> str:
    """Collapse ASCII whitespace runs, strip them at the ends, restore kept spaces."""
    line = ASCII_WS_RUN.sub(" ", text).strip(ASCII_WS)
    if KEPT_SPACE in line or KEPT_TAB in line:
        line = line.replace(KEPT_SPACE, " ").replace(KEPT_TAB, "\t").strip(ASCII_WS)
    return line


class _Walker:
    """Document-order traversal shared by paragraphs and table cells.

    Subclasses decide what a hard break (``<br>``, a preserved newline) and a soft break
    (the edge of a block element) mean, and what to do with tables.
    """

    def __init__(self) -> None:
        self.buffer = _LineBuffer()

    def visit(self, el: etree._Element, preserve: bool, depth: int) -> None:
        tag = _tag(el)
        if tag == "br":
            self.hard_break()
            return
        if tag == "table" and self.take_table(el, preserve):
            return
        if depth > MAX_DEPTH:
            self.add_text("".join(el.itertext()), preserve)
            return
        block = tag in BLOCK_TAGS
        preserve = _preserves(el, preserve, tag)
        if block:
            self.enter_block(tag)
        text = el.text  # lxml builds the string on every access: read it once
        if text:
            self.add_text(text, preserve)
        for child in el:
            if isinstance(child.tag, str):
                self.visit(child, preserve, depth + 1)
            tail = child.tail
            if tail:
                self.add_text(tail, preserve)
        if block:
            self.leave_block(tag)

    def add_text(self, text: str, preserve: bool) -> None:
        """Add a text node; in preserved text every newline ends a line."""
        raw = self.buffer.raw
        if self.buffer.raw_break and text.strip(ASCII_WS):
            if raw and not raw[-1].endswith("\n"):
                raw.append("\n")
            self.buffer.raw_break = False
        raw.append(text)
        if not preserve:
            self.buffer.pieces.append(text)
            return
        for i, part in enumerate(LINE_BREAK.split(text)):
            if i:
                self.end_line()
            self.buffer.pieces.append(part.replace(" ", KEPT_SPACE).replace("\t", KEPT_TAB))

    def hard_break(self) -> None:
        """A ``<br>``: end the line, and say so in the raw text."""
        self.buffer.raw.append("\n")
        self.buffer.raw_break = False
        self.end_line()

    def take_table(self, table: etree._Element, preserve: bool) -> bool:
        """Handle a table specially; return False to walk it as ordinary content."""
        return False

    def enter_block(self, tag: str) -> None:
        self.soft_break()

    def leave_block(self, tag: str) -> None:
        self.soft_break()

    def end_line(self) -> None:
        """End the current line, even if it is empty."""
        raise NotImplementedError

    def soft_break(self) -> None:
        """The edge of a block element."""
        raise NotImplementedError


class _CellWalker(_Walker):
    """Reads one table cell: ``<br>`` starts a new line (two make an empty line), block
    children start a new line only when the current one has text."""

    def end_line(self) -> None:
        self.buffer.lines.append(self.buffer.end_line())

    def soft_break(self) -> None:
        self.buffer.raw_break = True
        if self.buffer.pending():
            self.end_line()

    def result(self) -> tuple[str, str]:
        lines = self.buffer.lines
        if self.buffer.pieces:
            lines.append(self.buffer.end_line())
        while lines and not lines[-1]:
            lines.pop()
        start = 0
        while start < len(lines) and not lines[start]:
            start += 1
        return "\n".join(lines[start:]), "".join(self.buffer.raw)


def cell_text(td: etree._Element, preserve: bool | None = None) -> tuple[str, str]:
    """``(text, raw)`` of a table cell: ``raw`` is its text as found, with line breaks
    where ``<br>`` and block children are; ``text`` has each line's whitespace collapsed
    and stripped, and leading and trailing empty lines removed."""
    walker = _CellWalker()
    if preserve is None:
        preserve = _inherited_preserve(td)
    preserve = _preserves(td, preserve)
    text = td.text
    if text:
        walker.add_text(text, preserve)
    for child in td:
        if isinstance(child.tag, str):
            walker.visit(child, preserve, depth=0)
        tail = child.tail
        if tail:
            walker.add_text(tail, preserve)
    return walker.result()


#: Cells read so far, by markup and whitespace mode; small cells only, so the memo stays
#: small. Emptied when full.
_CELL_TEXTS: dict[tuple[str, bool], tuple[str, str]] = {}
MEMO_CELLS = 16384
MEMO_MARKUP_CHARS = 1000


def _memo_cell_text(td: etree._Element, preserve: bool) -> tuple[str, str]:
    """:func:`cell_text`, memoised on the cell's markup.

    What a cell reads as depends only on its own markup (tags, attributes, text; its tail
    is not part of it) and on whether whitespace is kept around it, and the XML
    serialisation states all of that unambiguously. Pages made from one template repeat
    most cells exactly, and serialising a cell in C costs far less than walking it.
    """
    markup = etree.tostring(td, encoding="unicode", with_tail=False)
    if len(markup) > MEMO_MARKUP_CHARS:
        return cell_text(td, preserve)
    key = (markup, preserve)
    found = _CELL_TEXTS.get(key)
    if found is None:
        found = cell_text(td, preserve)
        if len(_CELL_TEXTS) >= MEMO_CELLS:
            _CELL_TEXTS.clear()
        _CELL_TEXTS[key] = found
    return found


class _ContentWalker(_Walker):
    """Reads the chosen content into paragraphs and tables."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[Paragraph | Table] = []
        self.styles: list[str | None] = [None]

    def flush(self) -> None:
        """Emit the current line as a paragraph if it shows anything: spacer paragraphs
        (``<p>&nbsp;</p>``, a line of U+3000) are layout, not text."""
        text = self.buffer.end_line()
        self.buffer.raw.clear()
        if text.strip():
            self.blocks.append(Paragraph(text=text, style=self.styles[-1]))

    def end_line(self) -> None:
        self.flush()

    def soft_break(self) -> None:
        self.flush()

    def enter_block(self, tag: str) -> None:
        self.flush()
        if tag in HEADING_TAGS:
            self.styles.append("title" if tag == "h1" and not self.blocks else "heading")

    def leave_block(self, tag: str) -> None:
        self.flush()
        if tag in HEADING_TAGS:
            self.styles.pop()

    def take_table(self, table: etree._Element, preserve: bool) -> bool:
        if _is_layout_table(table):
            return False
        self.flush()
        for caption in table.findall("caption"):
            self.visit(caption, preserve, depth=0)
        self.flush()
        parsed = read_table(table, preserve)
        if parsed.rows:
            self.blocks.append(parsed)
        return True
