"""Property-based fuzzing of the parsers that take bytes and text from outside.

The text-export parser, the HTML reader, the number parser and the whole per-document
pipeline (:func:`transform.report.process_source`) meet whatever portals publish. Each
is given generated input and must never raise, and, where the input is built from known
content, must give that content back. Inputs are derived deterministically
(``derandomize=True``) from a fixed number of examples, so a run is reproducible and
its cost bounded; every crash found this way is kept below as a named regression test.
"""

from __future__ import annotations

import html
import math
import random
import zipfile
from datetime import UTC, datetime
from functools import cache
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.document import Paragraph, Table, UnreadableDocument
from extract.html_reader import read_html
from extract.text_export import BLANK_CHARS, parse_text_export, read_text_export
from gongkai.synth.render import text_export
from tests.bad_inputs import docx_xml, text_pdf, zip_package
from tests.conftest import seed_paths
from transform.numbers import MONEY_UNITS, parse_cell, to_10k_yuan, unit_in_label
from transform.problems import CODES
from transform.report import ReportRows, Source, process_source
from transform.template_map import load_template_map

#: Cheap parsers: many examples. The whole pipeline: fewer, it reads a document each time.
FAST = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
PIPELINE = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

TEXT_CHARS = st.characters(blacklist_categories=("Cs",))
#: Characters of report text: CJK, digits, Latin, the punctuation reports use, and the
#: odd ones (no-break and ideographic spaces, full-width digits, zero-width space).
REPORT_CHARS = st.sampled_from(
    list("政府信息公开申请办理结果本年新收行政复议诉讼一二三四（）、，。：；")
    + list("0123456789０１２３４５６７８９abcXYZ.-—/%+")
    + ["\u00a0", "\u3000", "\u200b", " "])
WHEN = datetime(2021, 1, 1, tzinfo=UTC)


@cache
def _template_map():
    return load_template_map()


def _process(data: bytes) -> ReportRows:
    return process_source(Source("fuzz", data, WHEN), _template_map(), terms="none")


def _assert_recorded(rows: ReportRows) -> None:
    """What every document's rows must be, however broken the document: a report row
    with a known status, and every problem a declared code, counted."""
    report = rows.report
    assert report["parse_status"] in {"ok", "partial", "failed"}
    problems = rows.tables.get("problems", [])
    assert all(p["code"] in CODES for p in problems)
    assert report["n_warnings"] == len(problems)
    if report["parse_status"] == "failed":
        assert problems, "a failed report says why"


# -- the number parser -----------------------------------------------------------------


@FAST
@given(st.text(TEXT_CHARS, max_size=40))
def test_parse_cell_never_raises_and_is_consistent(text: str) -> None:
    parsed = parse_cell(text)
    assert parsed.status in {"number", "blank", "unparsed"}
    assert (parsed.value is not None) == (parsed.status == "number")
    assert parsed.unit is None or parsed.unit in MONEY_UNITS
    if parsed.unit is not None:
        assert math.isfinite(to_10k_yuan(parsed.value or 0.0, parsed.unit))
    unit_in_label(text)


@FAST
@given(st.text(st.sampled_from("0123456789０１２３４５６７８９,，. \u3000+-−万元件"),
               min_size=1, max_size=25))
def test_parse_cell_on_number_like_text(text: str) -> None:
    parsed = parse_cell(text)
    if parsed.is_number:
        assert parsed.value is not None and math.isfinite(parsed.value)


@FAST
@given(n=st.integers(min_value=0, max_value=10**15),
       pad=st.sampled_from(["", " ", "\u00a0", "\u3000", "\t", "\n", "\ufeff"]),
       unit=st.sampled_from(["", "件", "万元", "元", "个"]))
def test_parse_cell_reads_padded_numbers_with_units(n: int, pad: str, unit: str) -> None:
    parsed = parse_cell(f"{pad}{n:,}{unit}{pad}")
    assert parsed.status == "number" and parsed.value == float(n)
    assert parsed.unit == (unit if unit in MONEY_UNITS else None)


def test_regression_a_digit_run_beyond_float_range_is_not_infinite() -> None:
    parsed = parse_cell("9" * 400)
    assert parsed.value is None or math.isfinite(parsed.value)


# -- the text-export parser ------------------------------------------------------------

#: One line of a paragraph or cell: no line break, no TAB (a TAB starts a cell), no
#: bookmark bracket (the exporter's markers are removed by design).
LINE = st.text(st.characters(blacklist_categories=("Cs",),
                             blacklist_characters="\n\r\t["), max_size=20)
CONTENT_LINE = LINE.filter(lambda s: bool(s.strip(BLANK_CHARS)))
CELL = st.one_of(LINE, st.lists(CONTENT_LINE, min_size=2, max_size=3).map("\n".join))
TABLE = st.lists(st.lists(CELL, min_size=1, max_size=5), min_size=1, max_size=5)


@st.composite
def export_blocks(draw: st.DrawFn) -> list[str | list[list[str]]]:
    """Paragraphs and tables as the exporter writes them; two tables always have a
    paragraph between them (the format cannot tell two adjacent tables apart)."""
    blocks: list[str | list[list[str]]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        if (blocks and not isinstance(blocks[-1], str)) or not draw(st.booleans()):
            blocks.append(draw(CONTENT_LINE))
        else:
            blocks.append(draw(TABLE))
    return blocks


@FAST
@given(export_blocks())
def test_text_export_round_trip(blocks: list[str | list[list[str]]]) -> None:
    doc = read_text_export(text_export(blocks))
    assert len(doc.blocks) == len(blocks)
    for block, read in zip(blocks, doc.blocks, strict=True):
        if isinstance(block, str):
            assert isinstance(read, Paragraph)
            assert read.text == block.strip(BLANK_CHARS)
        else:
            assert isinstance(read, Table)
            assert [[c.raw for c in row] for row in read.rows] == block


@FAST
@given(st.text(TEXT_CHARS, max_size=400))
def test_text_export_parser_never_raises(text: str) -> None:
    doc = parse_text_export(text)
    for table in doc.tables:
        assert all(row for row in table.rows)


@FAST
@given(st.binary(max_size=400))
def test_text_export_reader_raises_only_unreadable(data: bytes) -> None:
    try:
        read_text_export(data)
    except UnreadableDocument as exc:
        assert exc.code in CODES


# -- the HTML reader -------------------------------------------------------------------

#: Printable text without markup or whitespace runs: what HTML keeps exactly.
HTML_WORD = st.text(REPORT_CHARS.filter(lambda c: not c.isspace()), min_size=1,
                    max_size=12)
HTML_TEXT = st.lists(HTML_WORD, min_size=1, max_size=4).map(" ".join)


@st.composite
def html_page(draw: st.DrawFn) -> tuple[bytes, list[str | list[list[str]]]]:
    """A portal-like page of paragraphs and tables, and what it holds."""
    blocks: list[str | list[list[str]]] = []
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        if draw(st.booleans()):
            text = draw(HTML_TEXT)
            blocks.append(text)
            parts.append(f"<p>{html.escape(text)}</p>")
        else:
            width = draw(st.integers(min_value=2, max_value=4))
            rows = draw(st.lists(st.lists(HTML_TEXT, min_size=width, max_size=width),
                                 min_size=2, max_size=4))
            blocks.append(rows)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row)
                           + "</tr>" for row in rows)
            parts.append(f"<table border='1'>{body}</table>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>t</title></head>"
            f"<body><div id='zoom'>{''.join(parts)}</div></body></html>")
    return page.encode(), blocks


@FAST
@given(html_page())
def test_html_reader_reads_back_paragraphs_and_cells(page: tuple[bytes, list]) -> None:
    data, blocks = page
    doc = read_html(data)
    assert [p.text for p in doc.paragraphs] == [b for b in blocks if isinstance(b, str)]
    tables = [b for b in blocks if not isinstance(b, str)]
    assert [[[c.text for c in row] for row in t.rows] for t in doc.tables] == tables


@FAST
@given(st.binary(max_size=600))
def test_html_reader_never_raises_on_bytes(data: bytes) -> None:
    read_html(b"<html><body>" + data)


@FAST
@given(st.lists(st.sampled_from([
    "<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", "<td rowspan='3'>",
    "<td colspan='99999'>", "<th rowspan='-1'>", "<td rowspan='0' colspan='0'>", "<p>",
    "</p>", "<div style='display:none'>", "</div>", "<pre>", "</pre>", "<br>", "&nbsp;",
    "&#0;", "&#x110000;", "&amp;", "<!--", "-->", "<script>", "</script>", "<![CDATA[",
    "]]>", "<?xml?>", "<!DOCTYPE html>", "1", "二", " ", "\u3000", "\x00", "\ufffe",
    "<tbody>", "<thead>", "<tfoot>", "<caption>", "<table><tr><td><table>",
]), max_size=60).map("".join))
def test_html_reader_never_raises_on_broken_markup(markup: str) -> None:
    doc = read_html(markup.encode("utf-8", "surrogatepass"))
    for table in doc.tables:
        for cell in table.cells():
            assert cell.rowspan >= 1 and cell.colspan >= 1


# -- the whole pipeline ----------------------------------------------------------------


@cache
def _seeds() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in seed_paths())


@cache
def _samples() -> tuple[bytes, ...]:
    """One small file of each format the readers take, to be mutated."""
    return (
        _seeds()[0],
        text_pdf("Annual report 2020"),
        zip_package({"word/document.xml": docx_xml("政府信息公开工作年度报告")}),
        "<html><body><table><tr><td>一、本年新收政府信息公开申请数量</td><td>3</td></tr>"
        "</table></body></html>".encode(),
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A sample with a few bytes changed, cut, deleted or inserted."""
    data = bytearray(draw(st.sampled_from(_samples())))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        at = draw(st.integers(min_value=0, max_value=max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "cut", "delete", "insert"]))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(min_value=1, max_value=255))
        elif kind == "cut":
            del data[at:]
        elif kind == "delete":
            del data[at:at + draw(st.integers(min_value=1, max_value=64))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


@PIPELINE
@given(st.binary(max_size=3000))
def test_process_source_records_any_bytes(data: bytes) -> None:
    _assert_recorded(_process(data))


@PIPELINE
@given(mutated())
def test_process_source_records_mutated_documents(data: bytes) -> None:
    _assert_recorded(_process(data))


@PIPELINE
@given(st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                        b"{\\rtf1", b"<html>", b"\xef\xbb\xbf", b"\xff\xfe", b"\x89PNG"]),
       st.binary(max_size=1500))
def test_process_source_records_bytes_behind_a_magic_number(magic: bytes, rest: bytes) -> None:
    _assert_recorded(_process(magic + rest))


def test_regression_seeds_cut_at_every_kilobyte_are_recorded() -> None:
    """Every seed cut short (a download that stopped) is still a recorded row."""
    for seed in _seeds():
        for end in range(0, len(seed), 1024):
            _assert_recorded(_process(seed[:end]))


def test_regression_a_zip_that_is_not_a_package_is_recorded() -> None:
    """A zip of something else is an unsupported format, not a crash."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("readme.txt", "hello")
    rows = _process(out.getvalue())
    _assert_recorded(rows)
    assert rows.report["parse_status"] == "failed"


def _zip_with_mimetype(corrupt: str) -> bytes:
    """An OpenDocument-looking zip whose ``mimetype`` entry cannot be inflated: its
    deflate data broken, its encryption flag set, or an unknown compression method."""
    out = BytesIO()
    method = zipfile.ZIP_DEFLATED if corrupt == "deflate" else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", method) as zf:
        zf.writestr("mimetype", b"application/vnd.oasis.opendocument.text" * 50)
    data = bytearray(out.getvalue())
    central = data.find(b"PK\x01\x02")
    if corrupt == "deflate":
        start = data.find(b"mimetype") + len("mimetype")
        data[start + 2:start + 12] = b"\xff" * 10
    elif corrupt == "encrypted":
        data[6] |= 1
        data[central + 8] |= 1
    else:
        data[8] = data[central + 10] = 99
    return bytes(data)


@pytest.mark.parametrize("corrupt", ["deflate", "encrypted", "method"])
def test_regression_a_zip_whose_mimetype_cannot_be_inflated_is_recorded(corrupt: str) -> None:
    rows = _process(_zip_with_mimetype(corrupt))
    _assert_recorded(rows)
    assert rows.report["parse_status"] == "failed"


def test_regression_random_noise_of_every_magic_number_is_recorded() -> None:
    rng = random.Random(5)
    for magic in (b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        _assert_recorded(_process(magic + rng.randbytes(4096)))
