"""The Word reader: blocks in order, merged cells as spans, text exactly, refusals.

Every .docx here is built with python-docx in the test (markup python-docx cannot write,
such as ``w:gridBefore`` or text boxes, is added to its XML), so the files are real Word
packages and nothing binary is committed.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from extract.document import Cell, Document, Paragraph, Table, UnreadableDocument
from extract.docx_reader import read_docx
from tests.conftest import seed_paths
from tests.render_docx import render_docx, render_docx_from_text_export

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
DECLS = (
    f'xmlns:w="{W_NS}" xmlns:mc="{MC_NS}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


# -- building documents ----------------------------------------------------------------


def _save(word) -> bytes:
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _append_xml(word, xml: str) -> None:
    """Add raw body content (before the section properties, where Word keeps it last)."""
    body = word.element.body
    body.find(qn("w:sectPr")).addprevious(parse_xml(xml))


def _fill(table, texts: list[list[str | None]]) -> None:
    """Write texts into a python-docx table; None leaves a cell untouched."""
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            if text is not None:
                table.cell(r, c).text = text


def _layout(table: Table) -> list[list[tuple[str, int, int, int]]]:
    """(text, col, rowspan, colspan) of every cell, row by row."""
    return [[(c.text, c.col, c.rowspan, c.colspan) for c in row] for row in table.rows]


def _seq_table(rows: list[list[str]]) -> Table:
    """A table the way a text export gives it: cells in sequence, no spans."""
    return Table(rows=[[Cell(text=t, row=r, col=c) for c, t in enumerate(row)]
                       for r, row in enumerate(rows)])


def _rewrite_part(data: bytes, name: str, content: bytes) -> bytes:
    """The same package with one part replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == name
                            else source.read(item.filename))
    return out.getvalue()


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


def _texts_by_row(table: Table) -> list[list[str]]:
    """Cell texts per row without the empty ones a merge swallows."""
    return [[c.text for c in row if c.text != ""] for row in table.rows]


@pytest.fixture(params=["plain", "full"])
def walk(request: pytest.FixtureRequest) -> str:
    """Documents without deletions, text boxes or content controls can be read by either
    walk; tests of them run under both, so the fast one cannot drift from the other."""
    return request.param


# -- blocks and paragraphs ---------------------------------------------------------------


def test_paragraphs_and_tables_keep_document_order_and_heading_styles(walk: str):
    word = docx.Document()
    word.add_paragraph("某县2023年政府信息公开工作年度报告", style="Title")
    word.add_paragraph("一、总体情况", style="Heading 1")
    word.add_paragraph("正文第一段。")
    _fill(word.add_table(rows=1, cols=2), [["规章", "0"]])
    word.add_paragraph("   ")  # blank: dropped
    word.add_paragraph("二、主动公开政府信息情况", style="Heading 2")
    _fill(word.add_table(rows=1, cols=1), [["表二"]])
    _fill(word.add_table(rows=1, cols=1), [["表三"]])
    word.add_paragraph("结尾")

    doc = read_docx(_save(word), walk=walk)

    assert doc.source_format == "docx"
    assert [type(b).__name__ for b in doc.blocks] == [
        "Paragraph", "Paragraph", "Paragraph", "Table", "Paragraph", "Table", "Table",
        "Paragraph"]
    assert [(p.text, p.style) for p in doc.paragraphs] == [
        ("某县2023年政府信息公开工作年度报告", "title"),
        ("一、总体情况", "heading"),
        ("正文第一段。", None),
        ("二、主动公开政府信息情况", "heading"),
        ("结尾", None),
    ]
    assert [[c.text for c in row] for row in doc.tables[0].rows] == [["规章", "0"]]
    assert doc.tables[2].rows[0][0].text == "表三"


def test_custom_chinese_styles_based_on_headings_and_outline_levels_are_headings(walk: str):
    word = docx.Document()
    named = word.styles.add_style("一级标题", WD_STYLE_TYPE.PARAGRAPH)
    derived = word.styles.add_style("报告小节", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = word.styles["Heading 3"]
    plain = word.styles.add_style("报告正文", WD_STYLE_TYPE.PARAGRAPH)
    word.add_paragraph("一、总体情况", style=named)
    word.add_paragraph("（一）主动公开", style=derived)
    word.add_paragraph("正文", style=plain)
    outlined = word.add_paragraph("三、收到和处理政府信息公开申请情况")
    outlined._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {DECLS} w:val="1"/>'))

    doc = read_docx(_save(word), walk=walk)

    assert [(p.text, p.style) for p in doc.paragraphs] == [
        ("一、总体情况", "heading"),
        ("（一）主动公开", "heading"),
        ("正文", None),
        ("三、收到和处理政府信息公开申请情况", "heading"),
    ]


def test_run_content_breaks_tabs_hyphens_and_revisions():
    word = docx.Document()
    paragraph = word.add_paragraph("第一行")
    paragraph.runs[0].add_break()
    paragraph.add_run("第二行\u00a0\u3000末")
    _append_xml(word, f"""<w:p {DECLS}>
      <w:r><w:t xml:space="preserve">甲 </w:t></w:r>
      <w:del w:id="1" w:author="x"><w:r><w:delText>删掉的</w:delText></w:r></w:del>
      <w:del w:id="3" w:author="x"><w:r><w:t>也删掉</w:t></w:r></w:del>
      <w:moveFrom w:id="4" w:author="x"><w:r><w:t>移走</w:t></w:r></w:moveFrom>
      <w:ins w:id="2" w:author="x"><w:r><w:t>插入</w:t></w:r></w:ins>
      <w:hyperlink w:anchor="a"><w:r><w:t>链接</w:t></w:r></w:hyperlink>
      <w:smartTag w:uri="u" w:element="e"><w:r><w:t>标记</w:t></w:r></w:smartTag>
      <w:fldSimple w:instr="PAGE"><w:r><w:t>3</w:t></w:r></w:fldSimple>
      <w:sdt><w:sdtPr/><w:sdtContent><w:r><w:t>控件</w:t></w:r></w:sdtContent></w:sdt>
      <w:r><w:fldChar w:fldCharType="begin"/></w:r>
      <w:r><w:instrText xml:space="preserve"> HYPERLINK "x" </w:instrText></w:r>
      <w:r><w:fldChar w:fldCharType="separate"/></w:r>
      <w:r><w:t>域结果</w:t></w:r>
      <w:r><w:fldChar w:fldCharType="end"/></w:r>
      <w:r><w:t>A</w:t><w:noBreakHyphen/><w:t>B</w:t><w:tab/><w:t>C</w:t><w:cr/><w:t>D</w:t></w:r>
    </w:p>""")

    doc = read_docx(_save(word))

    assert [p.text for p in doc.paragraphs] == [
        "第一行\n第二行\u00a0\u3000末",
        "甲 插入链接标记3控件域结果A-B\tC\nD",
    ]


def test_run_content_and_tab_stops_in_body_and_cells(walk: str):
    """Breaks, tabs and hyphens inside runs are text; the tab stops a paragraph's
    properties list (``w:tabs/w:tab``) and field instructions are not."""
    word = docx.Document()
    paragraph = f"""<w:p {DECLS}>
      <w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>
      <w:r><w:t xml:space="preserve">甲 </w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r>
      <w:ins w:id="2" w:author="x"><w:r><w:t>插入</w:t></w:r></w:ins>
      <w:hyperlink w:anchor="a"><w:r><w:t>链接</w:t></w:r></w:hyperlink>
      <w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>
      <w:r><w:t>A</w:t><w:noBreakHyphen/><w:t>B</w:t><w:cr/><w:t>C</w:t></w:r>
    </w:p>"""
    _append_xml(word, paragraph)
    table = word.add_table(rows=1, cols=2)
    cell = table._tbl.tr_lst[0].tc_lst[0]
    for p in cell.findall(qn("w:p")):
        cell.remove(p)
    cell.append(parse_xml(paragraph))
    cell.append(parse_xml(f"<w:p {DECLS}/>"))
    cell.append(parse_xml(f"<w:p {DECLS}><w:r><w:t>末行</w:t></w:r></w:p>"))

    doc = read_docx(_save(word), walk=walk)

    text = "甲 \t乙\n丙插入链接A-B\nC"
    assert [p.text for p in doc.paragraphs] == [text]
    assert [c.text for c in doc.tables[0].rows[0]] == [f"{text}\n\n末行", ""]


def test_plain_walk_is_refused_where_markup_needs_the_full_walk():
    word = docx.Document()
    _fill(word.add_table(rows=1, cols=1), [["留"]])
    _append_xml(word, f"""<w:p {DECLS}><w:r><w:t>甲</w:t></w:r>
      <w:del w:id="1" w:author="x"><w:r><w:t>删</w:t></w:r></w:del></w:p>""")
    data = _save(word)

    with pytest.raises(ValueError, match="full walk"):
        read_docx(data, walk="plain")
    with pytest.raises(ValueError, match="auto, full or plain"):
        read_docx(data, walk="fast")
    assert [p.text for p in read_docx(data).paragraphs] == ["甲"]


def test_revised_cell_properties_count_as_they_are_now():
    """A tracked change of a cell's properties keeps the old ones (here a span of two)
    inside ``w:tcPrChange``; the cell is as wide as its current properties say."""
    word = docx.Document()
    _fill(word.add_table(rows=1, cols=2), [["左", "右"]])
    first = word.tables[0]._tbl.tr_lst[0].tc_lst[0]
    first.get_or_add_tcPr().append(parse_xml(
        f'<w:tcPrChange {DECLS} w:id="5" w:author="x"><w:tcPr><w:gridSpan w:val="2"/>'
        "</w:tcPr></w:tcPrChange>"))

    doc = read_docx(_save(word))

    assert _layout(doc.tables[0]) == [[("左", 0, 1, 1), ("右", 1, 1, 1)]]


def test_text_box_content_follows_its_anchor_once_and_body_content_controls_are_read():
    """Alternate content holds the same box twice; the modern branch is the one read."""
    word = docx.Document()
    box = """<w:txbxContent><w:p><w:r><w:t>框内文字{}</w:t></w:r></w:p>
      <w:tbl><w:tr><w:tc><w:p><w:r><w:t>框内表格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
      <w:p/></w:txbxContent>"""
    modern, legacy = box.format(""), box.format("（旧式）")
    _append_xml(word, f"""<w:p {DECLS}><w:r><w:t>锚点</w:t></w:r><w:r>
      <mc:AlternateContent>
        <mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>
          <wps:wsp><wps:txbx>{modern}</wps:txbx></wps:wsp>
        </a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
        <mc:Fallback><w:pict><v:shape><v:textbox>{legacy}</v:textbox></v:shape></w:pict>
        </mc:Fallback>
      </mc:AlternateContent></w:r></w:p>""")
    _append_xml(word, f"""<w:sdt {DECLS}><w:sdtPr/><w:sdtContent>
      <w:p><w:r><w:t>控件内段落</w:t></w:r></w:p>
      <w:tbl><w:tr><w:tc><w:p><w:r><w:t>控件内表格</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
      </w:sdtContent></w:sdt>""")
    word.add_paragraph("之后")

    doc = read_docx(_save(word))

    summary = [b.text if isinstance(b, Paragraph) else _layout(b) for b in doc.blocks]
    assert summary == [
        "锚点",
        "框内文字",
        [[("框内表格", 0, 1, 1)]],
        "控件内段落",
        [[("控件内表格", 0, 1, 1)]],
        "之后",
    ]


# -- tables ----------------------------------------------------------------------------


def test_grid_span_and_vertical_merge_runs_become_spans_on_the_first_cell(walk: str):
    word = docx.Document()
    table = word.add_table(rows=4, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(1, 0).merge(table.cell(3, 0))
    table.cell(3, 1).merge(table.cell(3, 2))
    _fill(table, [["A", None, "B"], ["C", "D", "E"], [None, "F", "G"], [None, "H", None]])

    doc = read_docx(_save(word), walk=walk)

    assert _layout(doc.tables[0]) == [
        [("A", 0, 1, 2), ("B", 2, 1, 1)],
        [("C", 0, 3, 1), ("D", 1, 1, 1), ("E", 2, 1, 1)],
        [("F", 1, 1, 1), ("G", 2, 1, 1)],
        [("H", 1, 1, 2)],
    ]
    assert [[c.row for c in row] for row in doc.tables[0].rows] == [[0, 0], [1, 1, 1], [2, 2], [3]]


def test_block_merge_and_explicit_continue_value(walk: str):
    word = docx.Document()
    table = word.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 1))
    table.cell(0, 2).merge(table.cell(2, 2))
    _fill(table, [["X", None, "Y"], [None, None, None], ["a", "b", None]])
    continuation = table._tbl.tr_lst[2].tc_lst[2].tcPr.find(qn("w:vMerge"))
    continuation.set(qn("w:val"), "continue")

    doc = read_docx(_save(word), walk=walk)

    assert _layout(doc.tables[0]) == [
        [("X", 0, 2, 2), ("Y", 2, 3, 1)],
        [],
        [("a", 0, 1, 1), ("b", 1, 1, 1)],
    ]
    grid = doc.tables[0].grid()
    assert grid[1][1].text == "X" and grid[2][2].text == "Y"


def test_grid_before_shifts_the_row_and_a_continuation_below_it_still_merges(walk: str):
    word = docx.Document()
    table = word.add_table(rows=3, cols=3)
    table.cell(1, 2).merge(table.cell(2, 2))
    _fill(table, [["h1", "h2", "h3"], [None, "a", "b"], [None, "c", None]])
    for tr in table._tbl.tr_lst[1:]:
        tr.remove(tr.tc_lst[0])
        tr.insert(0, parse_xml(f'<w:trPr {DECLS}><w:gridBefore w:val="1"/></w:trPr>'))

    doc = read_docx(_save(word), walk=walk)

    assert _layout(doc.tables[0]) == [
        [("h1", 0, 1, 1), ("h2", 1, 1, 1), ("h3", 2, 1, 1)],
        [("a", 1, 1, 1), ("b", 2, 2, 1)],
        [("c", 1, 1, 1)],
    ]


def test_legacy_hmerge_widens_the_first_cell(walk: str):
    word = docx.Document()
    table = word.add_table(rows=2, cols=3)
    _fill(table, [["合并", "", "右"], ["1", "2", "3"]])
    first, second = table._tbl.tr_lst[0].tc_lst[:2]
    first.get_or_add_tcPr().append(parse_xml(f'<w:hMerge {DECLS} w:val="restart"/>'))
    second.get_or_add_tcPr().append(parse_xml(f"<w:hMerge {DECLS}/>"))

    doc = read_docx(_save(word), walk=walk)

    assert _layout(doc.tables[0]) == [
        [("合并", 0, 1, 2), ("右", 2, 1, 1)],
        [("1", 0, 1, 1), ("2", 1, 1, 1), ("3", 2, 1, 1)],
    ]


def test_cell_lines_breaks_and_special_spaces_are_kept_exactly(walk: str):
    word = docx.Document()
    table = word.add_table(rows=1, cols=4)
    table.cell(0, 0).text = "本年新"
    table.cell(0, 0).add_paragraph("制作数量")
    run = table.cell(0, 1).paragraphs[0].add_run("上一行")
    run.add_break()
    run.add_text("下一行")
    table.cell(0, 2).text = "\u00a0"
    table.cell(0, 3).text = "\u20020\u3000"

    doc = read_docx(_save(word), walk=walk)

    assert [c.text for c in doc.tables[0].rows[0]] == [
        "本年新\n制作数量", "上一行\n下一行", "\u00a0", "\u20020\u3000"]


def test_table_holding_a_table_is_layout_and_the_inner_table_keeps_its_spans():
    word = docx.Document()
    word.add_paragraph("前言")
    outer = word.add_table(rows=1, cols=2)
    cell = outer.cell(0, 0)
    cell.text = "说明"
    inner = cell.add_table(rows=2, cols=2)
    _fill(inner, [["甲", "1"], ["乙", ""]])
    inner.cell(0, 0).merge(inner.cell(1, 0))
    outer.cell(0, 1).text = "5"

    doc = read_docx(_save(word))

    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    assert [p.text for p in doc.paragraphs] == ["前言", "说明", "5"]
    assert len(doc.tables) == 1
    # python-docx joins merged texts; the merge itself is a real vMerge read as rowspan 2
    assert _layout(doc.tables[0]) == [[("甲\n乙", 0, 2, 1), ("1", 1, 1, 1)], [("", 1, 1, 1)]]


def _wrap_in_content_control(element) -> None:
    """Put an element inside a ``w:sdt`` at its place, as repeating-section forms do."""
    sdt = parse_xml(f"<w:sdt {DECLS}><w:sdtPr/><w:sdtContent/></w:sdt>")
    element.addprevious(sdt)
    sdt.find(qn("w:sdtContent")).append(element)


def test_rows_and_cells_inside_content_controls_are_read():
    word = docx.Document()
    table = word.add_table(rows=2, cols=2)
    _fill(table, [["甲", "1"], ["乙", "2"]])
    _wrap_in_content_control(table._tbl.tr_lst[0].tc_lst[1])
    _wrap_in_content_control(table._tbl.tr_lst[1])

    doc = read_docx(_save(word))

    assert _layout(doc.tables[0]) == [
        [("甲", 0, 1, 1), ("1", 1, 1, 1)],
        [("乙", 0, 1, 1), ("2", 1, 1, 1)],
    ]


def test_text_hidden_under_a_vertical_merge_is_reported_not_read(walk: str):
    word = docx.Document()
    table = word.add_table(rows=2, cols=1)
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 0).text = "可见"
    hidden = table._tbl.tr_lst[1].tc_lst[0]
    hidden.append(parse_xml(f"<w:p {DECLS}><w:r><w:t>隐藏</w:t></w:r></w:p>"))

    doc = read_docx(_save(word), walk=walk)

    assert _layout(doc.tables[0]) == [[("可见", 0, 2, 1)], []]
    assert [code for code, _ in doc.warnings] == ["docx_hidden_merged_text"]
    assert "隐藏" in doc.warnings[0][1]


def test_deleted_row_is_skipped():
    word = docx.Document()
    table = word.add_table(rows=3, cols=1)
    _fill(table, [["留"], ["删"], ["也留"]])
    table._tbl.tr_lst[1].insert(
        0, parse_xml(f'<w:trPr {DECLS}><w:del w:id="9" w:author="x"/></w:trPr>'))

    doc = read_docx(_save(word))

    assert _layout(doc.tables[0]) == [[("留", 0, 1, 1)], [("也留", 0, 1, 1)]]


def test_strict_ooxml_namespace_is_read(walk: str):
    word = docx.Document()
    word.add_paragraph("严格格式")
    _fill(word.add_table(rows=1, cols=2), [["规章", "0"]])
    data = _save(word)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    strict = xml.replace(W_NS.encode(), b"http://purl.oclc.org/ooxml/wordprocessingml/main")

    doc = read_docx(_rewrite_part(data, "word/document.xml", strict), walk=walk)

    assert doc.paragraphs[0].text == "严格格式"
    assert [c.text for c in doc.tables[0].rows[0]] == ["规章", "0"]


# -- the template renderer and round trips ---------------------------------------------

TABLE_3_SHAPE = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
    ["", "自然人", "法人或其他组织", "总计"],
    ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
    ["一、本年新收政府信息公开申请数量", "\u20021", "0", "0", "0", "0", "0", "1"],
    ["三、本年度办理结果", "（一）予以公开", "1", "0", "0", "0", "0", "0", "1"],
    ["", "（三）不予公开", "1.属于国家秘密", "0", "0", "0", "0", "0", "0", "0"],
    ["", "", "2.其他法律行政法规禁止公开", "0", "0", "0", "0", "0", "0", "0"],
    ["", "（七）总计", "1", "0", "0", "0", "0", "0", "1"],
    ["四、结转下年度继续办理", "0", "0", "0", "0", "0", "0", "0"],
]


def test_renderer_rebuilds_template_spans_from_a_span_less_table():
    data = render_docx(Document(blocks=[_seq_table(TABLE_3_SHAPE)]))

    table = read_docx(data).tables[0]

    layout = _layout(table)
    # the header rows merge as the official template has them
    assert layout[0] == [(TABLE_3_SHAPE[0][0], 0, 3, 3), ("申请人情况", 3, 1, 7)]
    assert layout[1] == [("自然人", 3, 2, 1), ("法人或其他组织", 4, 1, 5), ("总计", 9, 2, 1)]
    assert [c[:2] for c in layout[2]] == [(t, 4 + i) for i, t in enumerate(TABLE_3_SHAPE[2][2:7])]
    assert layout[3][0] == ("一、本年新收政府信息公开申请数量", 0, 1, 3)
    assert layout[4][:2] == [("三、本年度办理结果", 0, 4, 1), ("（一）予以公开", 1, 1, 2)]
    assert layout[5][:2] == [("（三）不予公开", 1, 2, 1), ("1.属于国家秘密", 2, 1, 1)]
    assert layout[6][0] == ("2.其他法律行政法规禁止公开", 2, 1, 1)
    assert layout[7][0] == ("（七）总计", 1, 1, 2)
    assert layout[8][0] == ("四、结转下年度继续办理", 0, 1, 3)
    assert all(c.col + c.colspan <= 10 for c in table.cells())
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert '<w:vMerge w:val="restart"/>' in xml and '<w:gridSpan w:val="7"/>' in xml


def test_renderer_lays_out_the_table_four_header_as_the_template():
    table = read_docx(render_docx(Document(blocks=[HAND_MADE.tables[2]]))).tables[0]

    layout = _layout(table)
    assert layout[0] == [("行政复议", 0, 1, 5), ("行政诉讼", 5, 1, 10)]
    assert [c[1:] for c in layout[1][:5]] == [(col, 2, 1) for col in range(5)]
    assert layout[1][5:] == [("未经复议直接起诉", 5, 1, 5), ("复议后起诉", 10, 1, 5)]
    assert [c[1:] for c in layout[2]] == [(col, 1, 1) for col in range(5, 15)]


def test_renderer_makes_label_columns_twice_as_wide_as_value_columns():
    data = render_docx(Document(blocks=[_seq_table(TABLE_3_SHAPE)]))

    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    widths = [int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)"/>', xml)]
    assert len(widths) == 10
    assert widths[:3] == [2 * widths[3]] * 3 and set(widths[3:]) == {widths[3]}
    assert 0.44 < sum(widths[:3]) / sum(widths) < 0.47


def test_renderer_does_not_merge_values_or_whitespace_cells():
    rows = [["标签", "5"], ["", ""], ["\u3000", "1"], ["行政复议"], ["\u20020", "0", "0"],
            ["", "", ""]]
    table = read_docx(render_docx(Document(blocks=[_seq_table(rows)]))).tables[0]

    assert _layout(table) == [
        [("标签", 0, 2, 2), ("5", 2, 1, 1)],
        [("", 2, 1, 1)],
        [("\u3000", 0, 1, 2), ("1", 2, 1, 1)],
        [("行政复议", 0, 1, 3)],
        [("\u20020", 0, 1, 1), ("0", 1, 1, 1), ("0", 2, 1, 1)],
        [("", 0, 1, 1), ("", 1, 1, 1), ("", 2, 1, 1)],
    ]


HAND_MADE = Document(blocks=[
    Paragraph("某某县人民政府2023年政府信息公开工作年度报告"),
    Paragraph("一、总体情况"),
    Paragraph("2023年，本县\u00a0认真贯彻\t落实《条例》。"),
    Paragraph("二、主动公开政府信息情况"),
    _seq_table([
        ["第二十条第（一）项"],
        ["信息内容", "本年新\n制作数量", "本年新\n公开数量", "对外公开总数量"],
        ["规章", "0", "\u20020", "0\u3000"],
        ["规范性文件", "\u00a0", "3", "-"],
        ["第二十条第（九）项"],
        ["信息内容", "采购项目数量", "采购总金额"],
        ["政府集中采购", "2", "12.5\n万元"],
    ]),
    Paragraph("三、收到和处理政府信息公开申请情况"),
    _seq_table(TABLE_3_SHAPE),
    Paragraph("四、政府信息公开行政复议、行政诉讼情况"),
    _seq_table([
        ["行政复议", "行政诉讼"],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
        ["", "", "", "", "", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计",
         "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
        ["0"] * 15,
    ]),
    Paragraph("五、存在的主要问题及改进情况"),
])


def _assert_round_trip(source: Document, read: Document) -> None:
    assert [type(b) for b in read.blocks] == [type(b) for b in source.blocks]
    assert [p.text for p in read.paragraphs] == [p.text for p in source.paragraphs]
    assert len(read.tables) == len(source.tables)
    for original, back in zip(source.tables, read.tables, strict=True):
        assert _texts_by_row(back) == _texts_by_row(original)


def test_hand_made_document_round_trips_every_text_and_the_block_order():
    read = read_docx(render_docx(HAND_MADE))

    _assert_round_trip(HAND_MADE, read)
    headings = [p.text for p in read.paragraphs if p.style == "heading"]
    assert headings == [p.text for p in HAND_MADE.paragraphs if p.text[1] == "、"]


def test_document_with_spans_renders_with_those_spans():
    table = Table(rows=[
        [Cell("项目", 0, 0, rowspan=2), Cell("申请人", 0, 1, colspan=2)],
        [Cell("自然人", 1, 1), Cell("法人", 1, 2)],
        [Cell("合计", 2, 0), Cell("1", 2, 1), Cell("\u00a0\n2", 2, 2)],
    ])

    read = read_docx(render_docx(Document(blocks=[Paragraph("表"), table])))

    assert read.tables[0].rows == table.rows


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.name[:3])
def test_seed_round_trip_through_word(path: Path, walk: str):
    from extract.text_export import read_text_export

    data = path.read_bytes()
    source = read_text_export(data)

    read = read_docx(render_docx_from_text_export(data), walk=walk)

    _assert_round_trip(source, read)
    assert len(read.tables) == 3
    assert any(c.rowspan > 1 for c in read.tables[1].cells())


# -- refusals --------------------------------------------------------------------------


def _code(data: bytes) -> str:
    with pytest.raises(UnreadableDocument) as info:
        read_docx(data)
    assert info.value.message
    return info.value.code


def test_random_bytes_are_unreadable():
    assert _code(os.urandom(4096)) == "unreadable_docx"
    assert _code(b"") == "unreadable_docx"


def test_zip_without_the_main_part_is_unreadable():
    assert _code(_zip({})) == "unreadable_docx"
    assert _code(_zip({"word/styles.xml": b"<w:styles/>", "a.txt": b"x"})) == "unreadable_docx"


def test_broken_or_foreign_xml_is_unreadable():
    good = _save(docx.Document())
    xml = zipfile.ZipFile(io.BytesIO(good)).read("word/document.xml")

    assert _code(_rewrite_part(good, "word/document.xml", xml[: len(xml) // 2])) == (
        "unreadable_docx")
    assert _code(_rewrite_part(good, "word/document.xml", b"<html><body/></html>")) == (
        "unreadable_docx")


def test_a_part_declaring_entities_is_refused_unexpanded():
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "EXPANDED">]>'
           b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body><w:p><w:r><w:t>'
           b"&x;</w:t></w:r></w:p></w:body></w:document>")
    with pytest.raises(UnreadableDocument) as caught:
        read_docx(_zip({"word/document.xml": xml}))
    assert caught.value.code == "unsafe_xml"
    assert "EXPANDED" not in caught.value.message


def test_ole_files_are_encrypted_or_legacy_word():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    encrypted = ole + "EncryptedInfo".encode("utf-16-le") + bytes(8) + (
        "EncryptedPackage".encode("utf-16-le")) + bytes(64)
    legacy = ole + "WordDocument".encode("utf-16-le") + bytes(64)

    assert _code(encrypted) == "encrypted"
    assert _code(legacy) == "legacy_word"


def test_zip_bomb_is_refused_before_inflating():
    xml = (b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body>'
           + b" " * (4 * 1024 * 1024) + b"</w:body></w:document>")
    assert _code(_zip({"word/document.xml": xml})) == "zip_bomb"


# -- speed -----------------------------------------------------------------------------


def test_a_twenty_page_report_reads_whole():
    """Its speed is measured by benchmarks/pipeline.py, not here."""
    from extract.text_export import read_text_export

    seed = read_text_export(seed_paths()[2].read_bytes())
    long_text = "本机关坚持以公开为常态、不公开为例外，" * 12
    blocks = [Paragraph(long_text) for _ in range(40)] + seed.blocks + seed.blocks
    data = render_docx(Document(blocks=blocks))

    doc = read_docx(data)

    assert len(doc.tables) == 6
