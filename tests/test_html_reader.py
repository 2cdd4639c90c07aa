"""The HTML reader: grid positions and spans, cell and paragraph text, encodings, the
choice of main content on portal pages, robustness, and round trips through rendered
portal pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.document import Cell, Document, Paragraph, Table
from extract.html_reader import read_html
from tests.conftest import seed_paths
from tests.render_html import reconstruct_spans, render_portal_page, table_layout

ASCII_WS = " \t\n\r\f"


def page(body: str, head: str = '<meta charset="utf-8">') -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def grid(table: Table) -> list[list[tuple[str, int, int, int, int]]]:
    """Each row's cells as ``(text, row, col, rowspan, colspan)``."""
    return [[(c.text, c.row, c.col, c.rowspan, c.colspan) for c in row] for row in table.rows]


def outline(doc: Document) -> list[str | list[list[str]]]:
    """Blocks as paragraph texts and tables of cell texts, for order checks."""
    return [
        b.text if isinstance(b, Paragraph) else [[c.text for c in row] for row in b.rows]
        for b in doc.blocks
    ]


def only_table(body: str) -> Table:
    doc = read_html(page(body))
    assert len(doc.tables) == 1
    return doc.tables[0]


# ------------------------------------------------------------------ grid and spans


def test_rowspan_and_colspan_give_grid_columns():
    table = only_table(
        "<table>"
        '<tr><th rowspan="3">类别</th><th colspan="2">申请人</th><th rowspan="2">总计</th></tr>'
        "<tr><td>自然人</td><td>法人</td></tr>"
        "<tr><td>1</td><td>2</td><td>3</td></tr>"
        "</table>"
    )
    assert grid(table) == [
        [("类别", 0, 0, 3, 1), ("申请人", 0, 1, 1, 2), ("总计", 0, 3, 2, 1)],
        [("自然人", 1, 1, 1, 1), ("法人", 1, 2, 1, 1)],
        [("1", 2, 1, 1, 1), ("2", 2, 2, 1, 1), ("3", 2, 3, 1, 1)],
    ]
    assert table.n_cols == 4


def test_rowspan_in_the_middle_pushes_later_cells_right():
    table = only_table(
        "<table>"
        '<tr><td>甲</td><td rowspan="2">乙</td><td>丙</td></tr>'
        "<tr><td>丁</td><td>戊</td></tr>"
        "<tr><td>己</td><td>庚</td><td>辛</td></tr>"
        "</table>"
    )
    assert grid(table) == [
        [("甲", 0, 0, 1, 1), ("乙", 0, 1, 2, 1), ("丙", 0, 2, 1, 1)],
        [("丁", 1, 0, 1, 1), ("戊", 1, 2, 1, 1)],
        [("己", 2, 0, 1, 1), ("庚", 2, 1, 1, 1), ("辛", 2, 2, 1, 1)],
    ]
    assert table.grid()[1][1] is table.rows[0][1]


def test_rowspan_zero_absurd_spans_and_junk_attributes():
    table = only_table(
        "<table>"
        '<thead><tr><td rowspan="0">表头</td><td>甲</td></tr><tr><td>乙</td></tr></thead>'
        '<tbody><tr><td rowspan="99">项目</td><td colspan="5000">宽</td></tr>'
        '<tr><td colspan="2px">二列</td><td rowspan="abc">丙</td></tr></tbody>'
        "</table>"
    )
    assert grid(table) == [
        [("表头", 0, 0, 2, 1), ("甲", 0, 1, 1, 1)],
        [("乙", 1, 1, 1, 1)],
        [("项目", 2, 0, 2, 1), ("宽", 2, 1, 1, 100)],
        [("二列", 3, 1, 1, 2), ("丙", 3, 3, 1, 1)],
    ]


def test_empty_rows_keep_rowspans_consistent():
    table = only_table(
        "<table>"
        '<tr><td rowspan="3">甲</td><td>1</td></tr>'
        "<tr><td>2</td></tr>"
        "<tr></tr>"
        "<tr><td>乙</td><td>3</td></tr>"
        "</table>"
    )
    # The empty row still counts as the third row 甲 covers; it is then left out and
    # 甲's rowspan shrinks with it, so rows stay consecutive.
    assert grid(table) == [
        [("甲", 0, 0, 2, 1), ("1", 0, 1, 1, 1)],
        [("2", 1, 1, 1, 1)],
        [("乙", 2, 0, 1, 1), ("3", 2, 1, 1, 1)],
    ]


def test_row_groups_in_table_order_with_footer_last():
    table = only_table(
        "<table><tfoot><tr><td>合计</td><td>9</td></tr></tfoot>"
        "<thead><tr><td>项目</td><td>数量</td></tr></thead>"
        "<tbody><tr><td>申请</td><td>9</td></tr></tbody></table>"
    )
    assert [[c.text for c in row] for row in table.rows] == [
        ["项目", "数量"], ["申请", "9"], ["合计", "9"],
    ]
    assert [c.row for row in table.rows for c in row] == [0, 0, 1, 1, 2, 2]


# ------------------------------------------------------------------------ cell text


def test_cell_text_line_breaks_nbsp_and_raw():
    table = only_table(
        "<table><tr>"
        "<td> 本年新<br>制作数量 </td>"
        "<td>&nbsp;<br><br>0</td>"
        "<td><p>第一段</p><p>第二段</p></td>"
        "<td>\n   行政\n   许可  </td>"
        "<td>\u3000缩进&ensp;0</td>"
        "<td><p><br></p></td>"
        "</tr></table>"
    )
    cells = table.rows[0]
    assert [c.text for c in cells] == [
        "本年新\n制作数量",
        "\u00a0\n\n0",
        "第一段\n第二段",
        "行政 许可",
        "\u3000缩进\u20020",
        "",
    ]
    assert cells[0].raw == " 本年新\n制作数量 "
    assert cells[2].raw == "第一段\n第二段"
    assert cells[3].raw == "\n   行政\n   许可  "
    assert [c.col for c in cells] == [0, 1, 2, 3, 4, 5]


def test_cell_keeps_preformatted_spaces():
    table = only_table(
        '<table><tr><td>组<span style="white-space:pre-wrap">  </span>长</td>'
        "<td><pre>a  b\nc</pre></td></tr></table>"
    )
    assert [c.text for c in table.rows[0]] == ["组  长", "a  b\nc"]


# ------------------------------------------------------------------ paragraphs


def test_paragraph_whitespace_breaks_and_styles():
    doc = read_html(page(
        "<h1>某区2020年政府信息公开工作年度报告</h1>"
        "<p>\u3000\u3000正文&nbsp;&nbsp;内容\n     继续  </p>"
        "<h2>一、总体情况</h2>"
        "<div>第一行<br>第二行<br/>  <br>第三行</div>"
        "<ul><li>条目一</li><li>条目<b>二</b></li></ul>"
        "<h4>小标题</h4>"
        "<center>居中</center>"
        "<p>&nbsp;</p><p>\u3000\u3000</p><p><br></p>"
    ))
    assert [(p.text, p.style) for p in doc.paragraphs] == [
        ("某区2020年政府信息公开工作年度报告", "title"),
        ("\u3000\u3000正文\u00a0\u00a0内容 继续", None),
        ("一、总体情况", "heading"),
        ("第一行", None),
        ("第二行", None),
        ("第三行", None),
        ("条目一", None),
        ("条目二", None),
        ("小标题", None),
        ("居中", None),
    ]
    assert doc.source_format == "html"


def test_preformatted_text_keeps_spaces_and_lines():
    doc = read_html(page("<pre>组  长：张三\n成  员：李四\n\n</pre><p>组  长</p>"))
    assert [p.text for p in doc.paragraphs] == ["组  长：张三", "成  员：李四", "组 长"]


# ---------------------------------------------------------------- layout tables


def test_layout_tables_are_walked_and_nested_data_tables_come_out_in_order():
    doc = read_html(page(
        '<div id="zoom"><table width="100%"><tr><td>'
        "<table><tr><td><p>前言</p>"
        "<table border=1><tr><td>甲</td><td>1</td></tr><tr><td>乙</td><td>2</td></tr></table>"
        "<p>中间</p></td></tr></table>"
        "</td><td>"
        "<table border=1><tr><td>丙</td><td>3</td></tr></table>后记"
        "</td></tr></table>"
        "<table><tr><td>单格<br>布局</td></tr></table></div>"
    ))
    assert outline(doc) == [
        "前言",
        [["甲", "1"], ["乙", "2"]],
        "中间",
        [["丙", "3"]],
        "后记",
        "单格",
        "布局",
    ]


def test_caption_becomes_a_paragraph_before_its_table():
    doc = read_html(page("<table><caption>表一</caption><tr><td>甲</td><td>1</td></tr></table>"))
    assert outline(doc) == ["表一", [["甲", "1"]]]


# ------------------------------------------------------------------------ encodings

GB_BODY = "<p>镕堃同志报告</p><table><tr><td>申请</td><td>&ensp;0</td></tr></table>"


def test_gbk_page_declared_gb2312():
    data = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"</head><body>{GB_BODY}</body></html>"
    ).encode("gbk")
    doc = read_html(data)
    assert outline(doc) == ["镕堃同志报告", [["申请", "\u20020"]]]
    assert doc.warnings == []


def test_gbk_page_without_declaration():
    data = f"<html><body>{GB_BODY}<p>政府信息公开</p></body></html>".encode("gbk")
    doc = read_html(data)
    assert outline(doc) == ["镕堃同志报告", [["申请", "\u20020"]], "政府信息公开"]


def test_gbk_page_misdeclared_as_latin1():
    data = (
        '<html><head><meta charset="iso-8859-1"></head>'
        f"<body>{GB_BODY}</body></html>"
    ).encode("gbk")
    assert outline(read_html(data))[0] == "镕堃同志报告"


def test_utf8_page_still_declaring_gb2312():
    data = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "</head><body><p>政府信息公开工作年度报告a</p></body></html>"
    ).encode()
    assert outline(read_html(data)) == ["政府信息公开工作年度报告a"]


def test_utf8_page_with_bom_and_xml_declaration():
    text = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>\u3000一、总体情况</p></body></html>'
    )
    doc = read_html(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert [p.text for p in doc.paragraphs] == ["\u3000一、总体情况"]


# ------------------------------------------------------------------ invisible content


def test_scripts_styles_comments_and_hidden_elements_are_ignored():
    doc = read_html(page(
        "<script>var a = '脚本文字';</script>"
        "<style>p { color: red; }</style>"
        "<noscript>请启用脚本</noscript>"
        "<template><p>模板</p></template>"
        '<iframe src="x.html">框架</iframe>'
        "<!-- <p>注释</p> -->"
        '<p>可见<span style="DISPLAY: none">隐藏</span>文字</p>'
        '<div style="color:red; display : none"><table><tr><td>1</td><td>2</td></tr></table></div>'
        "<p>结尾</p>",
        head="<title>标题</title><style>.a{}</style>",
    ))
    assert outline(doc) == ["可见文字", "结尾"]


# ------------------------------------------------------------------- main content

NAV = (
    '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/hdjl/">互动交流</a></li></ul></div>'
    '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/nb/">年报</a></div>'
)
FOOTER = (
    '<div class="footer"><p><a href="/lxwm/">联系我们</a></p>'
    "<p>版权所有：某区人民政府办公室 地址：某路1号 电话：0632-1234567</p>"
    "<p>鲁ICP备05012345号</p></div>"
)
NARRATIVE = "".join(
    f"<p>\u3000\u3000第{n}段：本机关认真贯彻落实政府信息公开条例，持续推进政务公开工作。</p>"
    for n in range(1, 6)
)
STATS_TABLE = (
    "<table border=1><tr><td>项目</td><td>本年新制作数量</td><td>本年新公开数量</td></tr>"
    "<tr><td>规章</td><td>0</td><td>0</td></tr><tr><td>规范性文件</td><td>3</td><td>3</td></tr>"
    "<tr><td>行政许可</td><td>12</td><td>-2</td></tr></table>"
)
META_TABLE = (
    "<table class=meta><tr><td>索引号</td><td>11370402/2021-00012</td></tr>"
    "<tr><td>发布机构</td><td>某区人民政府办公室</td></tr></table>"
)


def test_article_container_excludes_navigation_metadata_and_footer():
    doc = read_html(page(
        f'{NAV}<table width="1000"><tr><td class="left"><a href="/a">信息公开指南</a>'
        '<a href="/b">信息公开制度</a></td><td class="right">'
        f"<h1>某区年度报告</h1>{META_TABLE}"
        f'<div id="zoom"><div class="TRS_Editor">{NARRATIVE}{STATS_TABLE}<p>结束语</p></div></div>'
        '<div class="share">分享到：<a href="#">微信</a></div>'
        f"</td></tr></table>{FOOTER}"
    ))
    texts = outline(doc)
    assert texts[0].startswith("\u3000\u3000第1段")
    assert texts[5] == [
        ["项目", "本年新制作数量", "本年新公开数量"],
        ["规章", "0", "0"],
        ["规范性文件", "3", "3"],
        ["行政许可", "12", "-2"],
    ]
    assert texts[6:] == ["结束语"]
    assert len(doc.tables) == 1


def test_container_without_the_tables_gives_way_to_one_that_has_them():
    doc = read_html(page(
        f'{NAV}<div class="wrap"><div id="zoom">{NARRATIVE}</div>{STATS_TABLE}'
        f"<p>附件：无</p></div>{FOOTER}"
    ))
    texts = outline(doc)
    assert len(texts) == 7
    assert isinstance(texts[5], list)
    assert texts[6] == "附件：无"
    assert not any("版权所有" in t for t in texts if isinstance(t, str))


def test_text_density_finds_the_report_without_a_named_container():
    doc = read_html(page(
        f'{NAV}<div class="wrap"><div class="side"><a href="/1">政策解读</a>'
        '<a href="/2">依申请公开</a></div>'
        f'<div class="main-col">{NARRATIVE}{STATS_TABLE}</div></div>{FOOTER}'
    ))
    texts = outline(doc)
    assert len(texts) == 6
    assert texts[0].startswith("\u3000\u3000第1段")
    assert isinstance(texts[5], list)


def test_page_of_links_only_reads_the_whole_body():
    doc = read_html(page('<a href="/">首页</a><a href="/b">政务公开</a>'))
    assert outline(doc) == ["首页政务公开"]


# ------------------------------------------------------------------- bad input


@pytest.mark.parametrize("data", [b"", b"   \n\t", b"<html><body></body></html>", b"\x00\x00"])
def test_empty_pages_have_no_blocks(data: bytes):
    doc = read_html(data)
    assert doc.blocks == []
    assert doc.source_format == "html"


def test_text_without_markup_gives_a_paragraph_per_line():
    doc = read_html("一、总体情况\n\n  本年度   工作 \n".encode("gbk"))
    assert outline(doc) == ["一、总体情况", "本年度 工作"]


def test_binary_junk_still_gives_a_document():
    junk = bytes(range(256)) * 20 + b"<p>\xff\xfe\x80</p><table><tr><td>\x81"
    doc = read_html(junk)
    assert isinstance(doc, Document)
    assert all(isinstance(b, Paragraph | Table) for b in doc.blocks)


def test_unclosed_and_deeply_nested_markup_is_read_as_far_as_the_parser_goes():
    doc = read_html(page("<p>开头</p>" + "<div>" * 5000 + "深处" + "<table><tr><td>" * 300))
    assert outline(doc) == ["开头"]
    assert [code for code, _ in doc.warnings] == ["html_truncated"]
    nested = read_html(page("<table><tr><td>" * 60 + "<table><tr><td>格</td><td>1</td></tr>"))
    assert outline(nested) == [[["格", "1"]]]


def test_text_node_beyond_the_parser_limit_falls_back_to_stripped_text():
    long_text = "报告" * (6 * 1024 * 1024)
    doc = read_html(page(f"<script>var a;</script><p>{long_text}</p><p>结尾&amp;</p>"))
    assert outline(doc) == [long_text, "结尾&"]
    assert [code for code, _ in doc.warnings] == ["html_truncated"]


def test_huge_page_reads_whole():
    """Bounded work on a huge page (its speed is a benchmark's business, not a test's)."""
    rows = "".join(
        f'<tr><td rowspan="0">{i}</td><td colspan="100">x</td></tr>' for i in range(2000)
    )
    body = NARRATIVE * 2000 + f"<table>{rows}</table>"
    doc = read_html(page(body))
    assert len(doc.paragraphs) == 10000
    assert doc.tables[0].n_rows == 2000


def test_typical_report_page_with_long_narrative_reads_whole():
    doc = sample_document()
    filler = Paragraph("\u3000\u3000本机关持续推进政务公开标准化规范化建设，" * 4)
    doc.blocks[4:4] = [filler] * 60
    data = render_portal_page(doc, encoding="gbk", declare_charset=False)
    back = read_html(data)
    assert len(back.paragraphs) == len(doc.paragraphs)


# ------------------------------------------------------------------- rendering


def sample_document() -> Document:
    """A report as a reader would produce it: title, narrative with indentation and
    non-breaking spaces, a table with explicit spans and one without (text-export style,
    with empty continuation cells and a missing merged cell)."""
    explicit = Table(rows=[
        [Cell("信息内容", 0, 0, rowspan=2), Cell("本年新\n制作数量", 0, 1, colspan=2),
         Cell("对外公开总数量", 0, 3, rowspan=2)],
        [Cell("制作", 1, 1), Cell("公开", 1, 2)],
        [Cell("规章", 2, 0), Cell("0", 2, 1), Cell("\u20020", 2, 2), Cell("\u00a0\n\n0", 2, 3)],
    ])
    plain = Table(rows=[
        [Cell("（本列数据的勾稽关系为：第一项加第二项之和）", 0, 0), Cell("申请人情况", 0, 1)],
        [Cell("", 1, 0), Cell("自然人", 1, 1), Cell("法人或其他组织", 1, 2), Cell("总计", 1, 3)],
        [Cell("一、本年新收政府信息公开申请数量", 2, 0), Cell("3", 2, 1), Cell("1", 2, 2),
         Cell("4", 2, 3)],
        [Cell("三、本年度办理结果", 3, 0), Cell("（一）予以公开", 3, 1), Cell("2", 3, 2),
         Cell("\u3000\u3000       0", 3, 3), Cell("2", 3, 4)],
        [Cell("", 4, 0), Cell("（二）不予公开", 4, 1), Cell("1.属于国家秘密", 4, 2),
         Cell("0", 4, 3), Cell("0", 4, 4)],
        [Cell("", 5, 0), Cell("", 5, 1), Cell("2.其他法律行政法规禁止公开", 5, 2),
         Cell("1", 5, 3), Cell("1", 5, 4)],
        [Cell("四、结转下年度继续办理", 6, 0), Cell("1", 6, 1), Cell("0", 6, 2),
         Cell("1", 6, 3)],
    ])
    return Document(blocks=[
        Paragraph("某区人民政府2020年政府信息公开工作年度报告", style="title"),
        Paragraph("\u3000\u3000本报告根据《中华人民共和国政府信息公开条例》要求编制，"
                  "报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。"),
        Paragraph("一、总体情况", style="heading"),
        Paragraph("\u3000\u3000本机关坚持以公开为常态、不公开为例外，"
                  "全年主动公开政府信息1234条，其中<重点领域>信息&nbsp;567条。"),
        Paragraph("组  长：张三（区长）\u00a0\u00a0成员：李四"),
        explicit,
        Paragraph("二、收到和处理政府信息公开申请情况", style="heading"),
        plain,
        Paragraph("\u3000\u3000本年度因政府信息公开工作被申请行政复议、提起行政诉讼的情况均为零，"
                  "下一步将继续加强政务公开平台建设，提升公开质量。"),
    ])


def test_reconstructed_spans_of_a_text_export_table():
    layout = reconstruct_spans([
        ["说明", "申请人情况"],
        ["", "自然人", "法人", "总计"],
        ["一、新收", "3", "1", "4"],
        ["三、办理结果", "（一）予以公开", "2", "0", "2"],
        ["", "（二）不予公开", "1.国家秘密", "0", "0"],
        ["", "", "2.其他", "1", "1"],
        ["四、结转", "1", "0", "1"],
    ])
    assert [[(c.text, c.col, c.rowspan, c.colspan) for c in row] for row in layout] == [
        [("说明", 0, 2, 1), ("申请人情况", 1, 1, 4)],
        [("自然人", 1, 1, 1), ("法人", 2, 1, 1), ("总计", 3, 1, 2)],
        [("一、新收", 0, 1, 2), ("3", 2, 1, 1), ("1", 3, 1, 1), ("4", 4, 1, 1)],
        [("三、办理结果", 0, 3, 1), ("（一）予以公开", 1, 1, 1), ("2", 2, 1, 1),
         ("0", 3, 1, 1), ("2", 4, 1, 1)],
        [("（二）不予公开", 1, 2, 1), ("1.国家秘密", 2, 1, 1), ("0", 3, 1, 1), ("0", 4, 1, 1)],
        [("2.其他", 2, 1, 1), ("1", 3, 1, 1), ("1", 4, 1, 1)],
        [("四、结转", 0, 1, 2), ("1", 2, 1, 1), ("0", 3, 1, 1), ("1", 4, 1, 1)],
    ]


def test_tables_with_spans_are_rendered_as_they_are():
    explicit = sample_document().tables[0]
    layout = table_layout(explicit)
    assert [[(c.text, c.col, c.rowspan, c.colspan) for c in row] for row in layout] == [
        [(c.text, c.col, c.rowspan, c.colspan) for c in row] for row in explicit.rows
    ]


@pytest.mark.parametrize(
    ("encoding", "declare", "declaration"),
    [
        ("utf-8", True, b'<meta charset="utf-8">'),
        ("gbk", True, b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'),
        ("gb18030", True, b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'),
        ("gbk", False, None),
    ],
)
def test_rendered_page_declares_its_charset(
    encoding: str, declare: bool, declaration: bytes | None
):
    data = render_portal_page(sample_document(), encoding=encoding, declare_charset=declare)
    if declaration is None:
        assert b"charset" not in data.lower()
    else:
        assert declaration in data
    text = data.decode("gb18030" if encoding != "utf-8" else "utf-8")
    for chrome in ("首页", "版权所有", "ICP备", "联系我们", 'class="TRS_Editor"', 'id="zoom"'):
        assert chrome in text
    assert "&nbsp;" in text
    assert 'rowspan="3"' in text
    assert "本年新<br>制作数量" in text


# ------------------------------------------------------------------- round trips


def _line(text: str) -> str:
    return text.strip(ASCII_WS)


def _cell(text: str) -> str:
    """Cell text as HTML can carry it: line ends lose ASCII whitespace, edge lines go."""
    return "\n".join(_line(line) for line in text.split("\n")).strip("\n")


def comparable(doc: Document) -> list[tuple[str, object]]:
    """Paragraph texts, and per table row the non-empty cell texts. Left out: what HTML
    cannot show (ASCII whitespace at line ends), paragraphs that show nothing, and table
    rows without text."""
    blocks: list[tuple[str, object]] = []
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            if block.text.strip():
                blocks.append(("p", _line(block.text)))
            continue
        rows = [[_cell(c.text) for c in row if c.text.strip()] for row in block.rows]
        blocks.append(("table", [row for row in rows if row]))
    return blocks


@pytest.mark.parametrize(
    ("encoding", "declare"),
    [("utf-8", True), ("utf-8", False), ("gbk", True), ("gbk", False), ("gb18030", True)],
)
def test_round_trip_of_a_hand_made_document(encoding: str, declare: bool):
    doc = sample_document()
    back = read_html(render_portal_page(doc, encoding=encoding, declare_charset=declare))
    assert comparable(back) == comparable(doc)
    assert [p.style for p in back.paragraphs] == [p.style for p in doc.paragraphs]
    assert grid(back.tables[0]) == grid(doc.tables[0])
    assert back.warnings == []


def test_round_trip_keeps_whitespace_html_would_collapse():
    doc = sample_document()
    back = read_html(render_portal_page(doc, encoding="gbk"))
    assert back.paragraphs[4].text == "组  长：张三（区长）\u00a0\u00a0成员：李四"
    assert back.tables[1].rows[3][3].text == "\u3000\u3000       0"
    assert back.tables[0].rows[2][3].text == "\u00a0\n\n0"


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.name)
@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_round_trip_of_seed_reports(path: Path, encoding: str):
    text_export = pytest.importorskip("extract.text_export")
    doc = text_export.read_text_export(path.read_bytes())
    back = read_html(render_portal_page(doc, encoding=encoding, declare_charset=False))
    assert comparable(back) == comparable(doc)
    assert len(back.tables) == len(doc.tables) > 0
