"""Render a :class:`Document` as a government portal page, for testing the HTML reader.

Real report pages bury the report in portal chrome: a navigation bar, a breadcrumb, an
outer layout table holding a sidebar of links, share buttons and a footer with the
copyright line and ICP number; the report itself sits in a ``TRS_Editor`` div inside a
``#zoom`` div, written the way Word and the portals' editors write it (``<p>`` with
styled ``<span>``, bordered tables with real ``rowspan``/``colspan`` and ``<br>`` inside
cells). Pages come in UTF-8 or GBK, with a ``<meta charset>``, an ``http-equiv``
declaration, or no declaration at all. Rendering documents this way lets tests check that
the reader finds the report and gets every text back.

Text is written so that it survives exactly: U+00A0 as ``&nbsp;``, U+3000 and U+2002 as
characters (numeric references where the page's charset lacks them), line breaks as
``<br>``, and runs of ASCII whitespace inside ``white-space:pre-wrap`` spans because
HTML would otherwise collapse them. Whitespace at the ends of a line is not kept: HTML
does not show it and the reader strips it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from extract.document import Document, Paragraph, Table

GB_ENCODINGS = {"gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030"}
#: Whitespace HTML would collapse: anything but a lone space between other characters.
COLLAPSIBLE = re.compile(r"[ \t\r\f]+")
LEADING_VALUE = "+-−－＋"

HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{charset}<meta name="SiteName" content="某某区人民政府">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{title}">
<title>{title}_政府信息公开年报_某某区人民政府</title>
<link rel="stylesheet" type="text/css" href="/css/common.css">
<style type="text/css">
.nav li {{ float: left; padding: 0 18px; }}
#zoom p {{ text-indent: 2em; line-height: 2; }}
</style>
<script type="text/javascript">
var _hmt = _hmt || [];
function doZoom(size) {{ document.getElementById("zoom").style.fontSize = size + "px"; }}
</script>
</head>
"""

TOP = """<body>
<div class="top-bar">
<span class="date"><script>document.write(new Date().toLocaleDateString());</script></span>
<a href="/wza/">无障碍浏览</a> <a href="/en/">English</a> <a href="/m/">手机版</a>
</div>
<div class="header"><a href="/"><img src="/images/logo.png" alt="某某区人民政府"></a>
<form action="/search/" method="get"><input type="text" name="q" value="请输入关键字">
<button type="submit">搜索</button></form></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li>
<li><a href="/zjmz/">走进某某</a></li>
</ul></div>
<noscript>您的浏览器不支持脚本</noscript>
"""

LAYOUT_START = """<table class="main-layout" width="1000" border="0" cellspacing="0" \
cellpadding="0" align="center">
<tr>
<td class="left" width="240" valign="top">
<div class="sidebar"><h3>政府信息公开</h3>
<table class="side-menu" width="100%" border="0">
<tr><td><a href="/zwgk/zn/">政府信息公开指南</a></td></tr>
<tr><td><a href="/zwgk/zd/">政府信息公开制度</a></td></tr>
<tr><td><a href="/zwgk/nb/">政府信息公开年报</a></td></tr>
<tr><td><a href="/zwgk/ysqgk/">依申请公开</a></td></tr>
</table>
<ul><li><a href="/zwgk/fdzdgk/">法定主动公开内容</a></li>
<li><a href="/zwgk/zcjd/">政策解读</a></li></ul>
</div>
</td>
<td class="right" valign="top">
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; \
<a href="/zwgk/nb/">政府信息公开年报</a></div>
<div class="article">
<h1 class="article-title">{title}</h1>
<div class="article-info">发布日期：2021-01-28 <a href="/">来源：某某区人民政府办公室</a> \
字号：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> \
<a href="javascript:doZoom(14)">小</a>]</div>
<div id="zoom">
<div class="TRS_Editor">
<div style="display:none"><p>附件下载 打印本页</p></div>
<!--<p>旧版内容：本页已更新</p>-->
"""

LAYOUT_END = """</div>
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> \
<a href="javascript:window.print()">打印本页</a> \
<a href="javascript:window.close()">关闭窗口</a></div>
</div>
</td>
</tr>
</table>
"""

FOOTER = """<div class="footer">
<p><a href="/lxwm/">联系我们</a> | <a href="/wzdt/">网站地图</a> | <a href="/smsm/">使用声明</a></p>
<p>版权所有：某某区人民政府办公室 主办单位：某某区人民政府办公室</p>
<p><a href="https://beian.miit.gov.cn/">鲁ICP备05012345号</a> 网站标识码：3704020001 \
<a href="/ga/">鲁公网安备 37040202000123号</a></p>
<script type="text/javascript" src="/js/count.js"></script>
</div>
</body>
</html>
"""


def render_portal_page(
    doc: Document,
    *,
    encoding: str = "utf-8",
    declare_charset: bool = True,
    title: str | None = None,
) -> bytes:
    """``doc`` as the bytes of a portal page in ``encoding``.

    GB encodings are declared the way old portals do, with an ``http-equiv`` meta tag
    saying ``gb2312``; others with ``<meta charset>``. ``declare_charset=False`` leaves
    the page without any declaration, so the reader has to recognise the encoding
    itself. ``gb2312`` pages are written as GBK, as the portals that declare it actually
    serve them; characters the charset lacks become numeric character references.
    The page title defaults to the document's first paragraph.
    """
    page_title = title if title is not None else _default_title(doc)
    charset = _charset_meta(encoding) if declare_charset else ""
    parts = [
        HEAD.format(charset=charset, title=_escape_attribute(page_title)),
        TOP,
        LAYOUT_START.format(title=_escape_line(page_title)),
        *(_render_block(block) for block in doc.blocks),
        LAYOUT_END,
        FOOTER,
    ]
    codec = GB_ENCODINGS.get(encoding.lower(), encoding)
    return "".join(parts).encode(codec, errors="xmlcharrefreplace")


def _default_title(doc: Document) -> str:
    for paragraph in doc.paragraphs:
        if paragraph.text.strip():
            return paragraph.text.strip()
    return "政府信息公开工作年度报告"


def _charset_meta(encoding: str) -> str:
    """GB pages say ``gb2312`` whatever they really hold, as the portals' templates do."""
    if encoding.lower() in GB_ENCODINGS:
        return '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">\n'
    return f'<meta charset="{encoding}">\n'


# ----------------------------------------------------------------------- text


def _escape_attribute(text: str) -> str:
    return html.escape(text.replace("\n", " "), quote=True)


def _escape_line(line: str) -> str:
    """One line of text as HTML that reads back as the same characters."""
    escaped = html.escape(line, quote=False).replace("\u00a0", "&nbsp;")
    return COLLAPSIBLE.sub(_keep_whitespace, escaped)


def _keep_whitespace(match: re.Match[str]) -> str:
    run = match.group(0)
    if run == " ":
        return run
    return f'<span style="white-space:pre-wrap">{run}</span>'


def _escape_lines(text: str) -> str:
    return "<br>".join(_escape_line(line) for line in text.split("\n"))


# ----------------------------------------------------------------------- blocks


def _render_block(block: Paragraph | Table) -> str:
    if isinstance(block, Table):
        return _render_table(block)
    return _render_paragraph(block)


def _render_paragraph(paragraph: Paragraph) -> str:
    """A paragraph as Word-pasted HTML; titles and headings as ``h1``/``h3``."""
    if not paragraph.text.strip(" \t\r\n\f"):
        return "<p><br></p>\n"
    content = _escape_lines(paragraph.text)
    if paragraph.style == "title":
        return f'<h1 style="text-align:center">{content}</h1>\n'
    if paragraph.style == "heading":
        return f"<h3>{content}</h3>\n"
    return (
        '<p style="text-indent:2em;line-height:28pt">'
        f'<span style="font-family:仿宋_GB2312;font-size:16pt">{content}</span></p>\n'
    )


@dataclass(slots=True)
class SpanCell:
    """A cell as it will be written: its text, grid column and spans."""

    text: str
    col: int
    colspan: int = 1
    rowspan: int = 1
    label: bool = True


def table_layout(table: Table) -> list[list[SpanCell]]:
    """The cells to write for each row of ``table``.

    A table that already carries spans (any span over 1, or columns that skip) is
    written as it is. A table without span information, as the text-export reader makes
    them, gets its merges back: see :func:`reconstruct_spans`.
    """
    if _has_span_info(table):
        return [
            [SpanCell(c.text, c.col, c.colspan, c.rowspan) for c in row] for row in table.rows
        ]
    return reconstruct_spans([[c.text for c in row] for row in table.rows])


def _has_span_info(table: Table) -> bool:
    return any(
        cell.rowspan != 1 or cell.colspan != 1 or cell.col != i
        for row in table.rows
        for i, cell in enumerate(row)
    )


def reconstruct_spans(rows: list[list[str]]) -> list[list[SpanCell]]:
    """Merged cells of a table known only as its rows' cell texts.

    The text export lists a vertically merged cell once and its continuations as empty
    cells, and a horizontally merged cell once. So, with ``W`` the widest row: in a row
    of ``k < W`` cells the values are the trailing cells that are empty or start with a
    digit or sign (at most ``k - 1`` of them), and the last label cell before them spans
    the ``W - k + 1`` columns the row lacks. Then an empty label cell directly below a
    non-empty label cell covering the same columns is that cell's continuation: it is
    dropped and the cell above grows by a row. Empty cells that only empty cells precede
    count as labels too, since labels lead a row: in a full-width row such as
    ``["", "", "2.其他…", "0"]`` the value rule alone would take them for values.
    """
    width = max((len(row) for row in rows), default=0)
    result: list[list[SpanCell]] = []
    above: list[SpanCell | None] = [None] * width  # the cell covering each column so far
    for texts in rows:
        cells = _row_with_colspans(texts, width)
        kept: list[SpanCell] = []
        for cell in cells:
            owner = above[cell.col] if cell.col < width else None
            if owner is not None and _continues(cell, owner):
                owner.rowspan += 1
                continue
            kept.append(cell)
            for c in range(cell.col, min(cell.col + cell.colspan, width)):
                above[c] = cell
        if not cells:
            above = [None] * width
        result.append(kept)
    return result


def _row_with_colspans(texts: list[str], width: int) -> list[SpanCell]:
    k = len(texts)
    values = 0
    while values < k - 1 and _is_value(texts[k - 1 - values]):
        values += 1
    last_label = k - 1 - values
    cells: list[SpanCell] = []
    col = 0
    leading_empty = True
    for i, text in enumerate(texts):
        leading_empty = leading_empty and not text.strip()
        colspan = width - k + 1 if i == last_label and k < width else 1
        cells.append(SpanCell(text, col, colspan, label=i <= last_label or leading_empty))
        col += colspan
    return cells


def _is_value(text: str) -> bool:
    body = text.strip()
    return not body or body[0].isdigit() or body[0] in LEADING_VALUE


def _continues(cell: SpanCell, owner: SpanCell) -> bool:
    return (
        cell.label
        and owner.label
        and not cell.text.strip()
        and bool(owner.text.strip())
        and owner.col == cell.col
        and owner.colspan == cell.colspan
    )


def _render_table(table: Table) -> str:
    rows = []
    for row in table_layout(table):
        cells = "".join(_render_cell(cell) for cell in row)
        rows.append(f'<tr style="height:28.5pt">{cells}</tr>\n')
    return (
        '<div align="center">\n'
        '<table border="1" cellspacing="0" cellpadding="0" width="100%" '
        'style="border-collapse:collapse;border:none">\n<tbody>\n'
        f"{''.join(rows)}</tbody>\n</table>\n</div>\n"
    )


def _render_cell(cell: SpanCell) -> str:
    spans = ""
    if cell.rowspan > 1:
        spans += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        spans += f' colspan="{cell.colspan}"'
    content = _escape_lines(cell.text) if cell.text else "<br>"
    return (
        f'<td{spans} valign="center" style="border:solid windowtext 1.0pt;padding:0 5.4pt">'
        f'<p align="center"><span style="font-size:12pt">{content}</span></p></td>'
    )


__all__ = ["SpanCell", "reconstruct_spans", "render_portal_page", "table_layout"]
