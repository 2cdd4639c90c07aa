"""Render a synthetic report (the generator's own document model) as file bytes.

Why a model of its own: the generator knows every table's real layout (which cell spans
which rows and columns, as the national Word template merges them), so each format can be
written the way that format really carries a report, instead of being reconstructed from
a flat text export:

* **txt**: the text export the seeds come as. A TAB starts each cell, a cell may run
  over several lines, a blank line ends a row and two end a table. A vertically merged
  cell shows up as an empty cell in the rows it covers; a horizontally merged one once.
* **html**: a government portal page, UTF-8: navigation, breadcrumb, sidebar and footer
  around a ``#zoom``/``TRS_Editor`` article, tables with real ``rowspan``/``colspan``,
  ``<br>`` inside cells, ``&nbsp;`` kept.
* **docx**: a Word file with real ``w:gridSpan``/``w:vMerge`` merges, a cell's lines as
  paragraphs, 仿宋 body text; byte-identical for the same model (fixed package dates).
  Table rows never break across pages and header rows keep with the row after them, as
  careful templates set them: the PDF reader does not yet rejoin a row split by a page
  break (see :func:`_table_xml`).
* **pdf**: the .docx converted by LibreOffice (:func:`extract.convert.convert`).

Every renderer keeps each cell's text exactly as far as its format allows (NBSP, U+3000,
U+2002, line breaks), because the whitespace noise is part of what the corpus tests.
Nothing here draws random numbers: all variation is decided by the generator.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

FORMATS: tuple[str, ...] = ("txt", "html", "docx", "pdf")


# --------------------------------------------------------------------------------------
# Document model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TCell:
    """One table cell where it starts: grid column and spans (rows and columns)."""

    text: str
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(slots=True)
class TableBlock:
    """A table as a grid: per row, the cells that start in it, left to right."""

    width: int
    rows: list[list[TCell]] = field(default_factory=list)
    #: Leading rows that must not be parted from the row after them by a page break
    #: (a header; Word's "keep with next" on their paragraphs).
    keep_rows: int = 0

    def export_rows(self) -> list[list[str]]:
        """The cell texts per row as a text export lists them: a cell starting in the row
        gives its text, a cell merged down from a row above gives an empty cell."""
        out: list[list[str]] = []
        for r, row in enumerate(self.rows):
            present: list[tuple[int, str]] = [(c.col, c.text) for c in row]
            for above in range(r):
                for c in self.rows[above]:
                    if above + c.rowspan > r:
                        present.append((c.col, ""))
            present.sort(key=lambda item: item[0])
            out.append([text for _, text in present])
        return out


@dataclass(frozen=True, slots=True)
class Para:
    """A paragraph; ``role`` is ``title``, ``heading``, ``body``, ``signature`` or
    ``blank`` (an empty line, as Word files often have between title lines)."""

    text: str
    role: str = "body"


Block = Para | TableBlock


@dataclass(slots=True)
class SynthDocument:
    """A whole report: blocks in reading order, plus what the portal page shows."""

    title: str
    blocks: list[Block]
    site: str = "人民政府门户网站"  # the portal's name, for the page chrome
    published: date | None = None  # the page's 发布日期 (and the .docx dates)
    author: str = ""  # the .docx author (the body's office)


class RenderError(Exception):
    """A format cannot be produced here (e.g. PDF without LibreOffice)."""


def render(doc: SynthDocument, fmt: str) -> bytes:
    """The document as the bytes of ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "txt":
        return render_txt(doc)
    if fmt == "html":
        return render_html(doc)
    if fmt == "docx":
        return render_docx(doc)
    if fmt == "pdf":
        return render_pdf(doc)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


# --------------------------------------------------------------------------------------
# Text export
# --------------------------------------------------------------------------------------


def render_txt(doc: SynthDocument) -> bytes:
    """The text export, exactly the seeds' layout (UTF-8, LF line ends)."""
    return text_export([block.text if isinstance(block, Para) else block.export_rows()
                        for block in doc.blocks])


def text_export(blocks: list[str | list[list[str]]]) -> bytes:
    """Paragraphs and tables (rows of cell texts) in the seeds' text-export layout: a TAB
    starts each cell, a cell's further lines follow it, a blank line ends a row."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, str):
            lines.append(block)
            continue
        for row in block:
            for cell in row:
                first, *rest = cell.split("\n")
                lines.append("\t" + first)
                lines.extend(rest)
            lines.append("")
        lines.append("")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------
# HTML portal page
# --------------------------------------------------------------------------------------

_COLLAPSIBLE = re.compile(r"[ \t\r\f]+")

_PAGE_HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="SiteName" content="{site}">
<meta name="ColumnName" content="政府信息公开年报">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{pubdate}">
<title>{title}_政府信息公开年报_{site}</title>
<link rel="stylesheet" type="text/css" href="/css/common.css">
<style type="text/css">
.nav li {{ float: left; padding: 0 18px; }}
#zoom p {{ line-height: 2; }}
</style>
<script type="text/javascript">
function doZoom(size) {{ document.getElementById("zoom").style.fontSize = size + "px"; }}
</script>
</head>
<body>
<div class="top-bar"><a href="/wza/">无障碍浏览</a> <a href="/m/">手机版</a> \
<a href="/zwgk/">政务公开</a></div>
<div class="header"><a href="/"><img src="/images/logo.png" alt="{site}"></a>
<form action="/search/" method="get"><input type="text" name="q" value="请输入关键字">
<button type="submit">搜索</button></form></div>
<div class="nav"><ul>
<li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li>
</ul></div>
<table class="main-layout" width="1000" border="0" cellspacing="0" cellpadding="0" \
align="center">
<tr>
<td class="left" width="220" valign="top">
<div class="sidebar"><h3>政府信息公开</h3>
<ul><li><a href="/zwgk/zn/">政府信息公开指南</a></li>
<li><a href="/zwgk/zd/">政府信息公开制度</a></li>
<li><a href="/zwgk/nb/">政府信息公开年报</a></li>
<li><a href="/zwgk/ysqgk/">依申请公开</a></li></ul>
</div>
</td>
<td class="right" valign="top">
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; \
<a href="/zwgk/nb/">政府信息公开年报</a></div>
<div class="article">
<div class="article-info">发布日期：{pubdate} \
字号：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> \
<a href="javascript:doZoom(14)">小</a>]</div>
<div id="zoom">
<div class="TRS_Editor">
"""

_PAGE_TAIL = """</div>
</div>
<div class="share"><a href="javascript:window.print()">打印本页</a> \
<a href="javascript:window.close()">关闭窗口</a></div>
</div>
</td>
</tr>
</table>
<div class="footer">
<p><a href="/lxwm/">联系我们</a> | <a href="/wzdt/">网站地图</a></p>
<p>主办单位：{site}办公室</p>
</div>
</body>
</html>
"""


def _escape_line(line: str) -> str:
    """One line as HTML that reads back as the same characters: NBSP as ``&nbsp;``,
    runs of ASCII whitespace (which HTML collapses) inside a ``pre-wrap`` span."""
    escaped = html.escape(line, quote=False).replace("\u00a0", "&nbsp;")

    def keep(match: re.Match[str]) -> str:
        run = match.group(0)
        return run if run == " " else f'<span style="white-space:pre-wrap">{run}</span>'

    return _COLLAPSIBLE.sub(keep, escaped)


def _escape_lines(text: str) -> str:
    return "<br>".join(_escape_line(line) for line in text.split("\n"))


def _html_paragraph(para: Para) -> str:
    if para.role == "blank" or not para.text.strip():
        return "<p><br></p>\n"
    content = _escape_lines(para.text)
    if para.role == "title":
        return (f'<p style="text-align:center"><strong><span style="font-size:22pt;'
                f'font-family:方正小标宋简体">{content}</span></strong></p>\n')
    if para.role == "heading":
        return (f'<p style="text-indent:2em"><strong><span style="font-family:黑体;'
                f'font-size:16pt">{content}</span></strong></p>\n')
    if para.role == "signature":
        return f'<p style="text-align:right"><span style="font-size:16pt">{content}</span></p>\n'
    return (f'<p style="text-indent:2em;line-height:28pt"><span style="font-family:仿宋_GB2312;'
            f'font-size:16pt">{content}</span></p>\n')


def _html_table(table: TableBlock) -> str:
    rows: list[str] = []
    for row in table.rows:
        cells = []
        for cell in row:
            spans = ""
            if cell.rowspan > 1:
                spans += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                spans += f' colspan="{cell.colspan}"'
            content = _escape_lines(cell.text) if cell.text else "<br>"
            cells.append(f'<td{spans} valign="center" style="border:solid windowtext 1.0pt">'
                         f'<p align="center"><span style="font-size:10.5pt">{content}</span>'
                         "</p></td>")
        rows.append(f"<tr>{''.join(cells)}</tr>\n")
    return ('<div align="center">\n<table border="1" cellspacing="0" cellpadding="0" '
            'width="100%" style="border-collapse:collapse">\n<tbody>\n'
            f"{''.join(rows)}</tbody>\n</table>\n</div>\n")


def render_html(doc: SynthDocument) -> bytes:
    """A portal page (UTF-8) with the report as the article body."""
    pubdate = doc.published.isoformat() if doc.published else ""
    site = html.escape(doc.site, quote=True)
    title = html.escape(doc.title.replace("\n", " "), quote=True)
    parts = [_PAGE_HEAD.format(site=site, title=title, pubdate=pubdate)]
    for block in doc.blocks:
        parts.append(_html_table(block) if isinstance(block, TableBlock)
                     else _html_paragraph(block))
    parts.append(_PAGE_TAIL.format(site=site))
    return "".join(parts).encode("utf-8")


# --------------------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------------------

_BODY_FONT = "仿宋_GB2312"
_HEADING_FONT = "黑体"
_TITLE_FONT = "方正小标宋简体"
_TABLE_FONT = "宋体"
#: How many value columns' width a label column gets: labels are wider, as printed.
_LABEL_WEIGHT = 2
#: Text width of python-docx's default page (US Letter, 1.25 inch margins), in twips.
_TEXT_WIDTH_TWIPS = 8640
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _xml_text(text: str) -> str:
    return html.escape(text, quote=False)


def _run(text: str, font: str, half_points: int, bold: bool = False) -> str:
    """A run with its Latin and East Asian font (Chinese text uses the East Asian one)."""
    weight = "<w:b/>" if bold else ""
    return (f'<w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>'
            f'{weight}<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/></w:rPr>'
            f'<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>')


def _paragraph_xml(para: Para) -> str:
    if para.role == "blank" or not para.text:
        return f"<w:p {_W}/>"
    if para.role == "title":
        props, run = '<w:jc w:val="center"/>', _run(para.text, _TITLE_FONT, 44, bold=True)
    elif para.role == "heading":
        props, run = '<w:ind w:firstLine="640"/>', _run(para.text, _HEADING_FONT, 32)
    elif para.role == "signature":
        props, run = '<w:jc w:val="right"/>', _run(para.text, _BODY_FONT, 32)
    else:
        props, run = '<w:ind w:firstLine="640"/>', _run(para.text, _BODY_FONT, 32)
    return f"<w:p {_W}><w:pPr>{props}</w:pPr>{run}</w:p>"


def _label_columns(table: TableBlock) -> int:
    """How many columns on the left hold labels (the first column any value starts in,
    judged from the last row, which in every standard table is a data row)."""
    last = table.rows[-1] if table.rows else []
    for cell in last:
        body = cell.text.strip(" \u00a0\u2002\u3000\n")
        if not body or body[0].isdigit() or body[0] in "+-−－—/０１２３４５６７８９":
            return cell.col
    return 1


def _cell_xml(text: str, width: int, colspan: int, vmerge: str | None,
              keep: bool = False) -> str:
    """One ``w:tc``: width, span, vertical merge (restart/continue), a paragraph per line."""
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if colspan > 1:
        props += f'<w:gridSpan w:val="{colspan}"/>'
    if vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        props += "<w:vMerge/>"
    props += '<w:vAlign w:val="center"/>'
    lines = text.split("\n") if vmerge != "continue" else [""]
    keep_next = "<w:keepNext/>" if keep else ""
    paragraphs = "".join(
        f'<w:p><w:pPr>{keep_next}<w:jc w:val="center"/></w:pPr>'
        + (_run(line, _TABLE_FONT, 18) if line else "") + "</w:p>"
        for line in lines)
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>"


def _table_xml(table: TableBlock) -> str:
    """The table as ``w:tbl`` with real merges: ``w:gridSpan`` across, ``w:vMerge`` down
    (the covered rows hold continuation cells). Rows never break across pages (Word's
    "allow row to break across pages" off), since the PDF reader does not rejoin a row
    whose second half lands on the next page. Columns have fixed widths in whole twips,
    a label column twice a value column (table 三's leaf labels four times)."""
    labels = _label_columns(table)
    weights = [_LABEL_WEIGHT if c < labels else 1 for c in range(table.width)]
    if labels >= 3:  # table 三: the leaf labels (2.其他法律行政法规禁止公开) get the room
        weights[labels - 1] = 2 * _LABEL_WEIGHT
    unit = _TEXT_WIDTH_TWIPS // sum(weights)
    widths = [unit * w for w in weights]
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    rows_xml: list[str] = []
    for r, row in enumerate(table.rows):
        cells: list[tuple[int, str]] = []
        keep = r < table.keep_rows
        for cell in row:
            span_width = sum(widths[cell.col:cell.col + cell.colspan])
            merge = "restart" if cell.rowspan > 1 else None
            cells.append((cell.col, _cell_xml(cell.text, span_width, cell.colspan, merge,
                                              keep)))
        for above in range(r):
            for cell in table.rows[above]:
                if above + cell.rowspan > r:
                    span_width = sum(widths[cell.col:cell.col + cell.colspan])
                    cells.append((cell.col, _cell_xml("", span_width, cell.colspan, "continue",
                                                      keep)))
        cells.sort(key=lambda item: item[0])
        rows_xml.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                        + "".join(xml for _, xml in cells) + "</w:tr>")
    return (f'<w:tbl {_W}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
            f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>'
            '<w:tblLayout w:type="fixed"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows_xml)}</w:tbl>")


def render_docx(doc: SynthDocument) -> bytes:
    """The report as a .docx; the same model always gives the same bytes."""
    import docx
    from docx.oxml import parse_xml

    word = docx.Document()
    when = datetime(*(doc.published or date(2020, 1, 1)).timetuple()[:3])
    props = word.core_properties
    props.author = doc.author
    props.last_modified_by = doc.author
    props.title = doc.title
    props.created = when
    props.modified = when
    body = word.element.body
    end = body.sectPr
    for block in doc.blocks:
        xml = _table_xml(block) if isinstance(block, TableBlock) else _paragraph_xml(block)
        end.addprevious(parse_xml(xml))
    if doc.blocks and isinstance(doc.blocks[-1], TableBlock):
        end.addprevious(parse_xml(f"<w:p {_W}/>"))  # Word ends the body with a paragraph
    out = io.BytesIO()
    word.save(out)
    return fixed_dates(out.getvalue())


def fixed_dates(package: bytes) -> bytes:
    """The zip with every member dated 1980-01-01, so equal documents are equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            member = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(item.filename))
    return out.getvalue()


# --------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------


def pdf_available() -> bool:
    """Whether LibreOffice is installed, so PDFs can be made here."""
    from extract.convert import soffice

    return soffice() is not None


def render_pdf(doc: SynthDocument, timeout: int = 180) -> bytes:
    """The .docx printed to PDF by LibreOffice, as a body printing its Word file would."""
    from extract.convert import ConversionError, convert

    if not pdf_available():
        raise RenderError("pdf needs LibreOffice (soffice), which is not installed; "
                          "run scripts/setup or leave pdf out of --formats")
    try:
        return convert(render_docx(doc), "docx", "pdf", timeout=timeout)
    except ConversionError as exc:
        raise RenderError(f"pdf conversion failed: {exc.message}") from exc


def render_pdfs(docs: list[SynthDocument], timeout: int = 600) -> list[bytes]:
    """Many documents printed to PDF by one LibreOffice run: starting LibreOffice costs
    seconds, converting one more file a fraction of that."""
    import os
    import subprocess
    import tempfile

    from extract.convert import FILTERS, soffice

    binary = soffice()
    if binary is None:
        raise RenderError("pdf needs LibreOffice (soffice), which is not installed; "
                          "run scripts/setup or leave pdf out of --formats")
    with tempfile.TemporaryDirectory(prefix="gongkai-synth-") as tmp:
        work = Path(tmp)
        sources = []
        for i, doc in enumerate(docs):
            source = work / f"doc{i:05d}.docx"
            source.write_bytes(render_docx(doc))
            sources.append(source)
        command = [binary, f"-env:UserInstallation={(work / 'profile').as_uri()}",
                   "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   "--convert-to", FILTERS["pdf"], "--outdir", str(work / "out"),
                   *map(str, sources)]
        env = {**os.environ, "HOME": str(work), "SAL_USE_VCLPLUGIN": "svp"}
        try:
            subprocess.run(command, cwd=work, env=env, capture_output=True, timeout=timeout,
                           check=False)
        except subprocess.TimeoutExpired as exc:
            raise RenderError(f"pdf conversion took longer than {timeout} s") from exc
        pdfs = []
        for source in sources:
            produced = work / "out" / f"{source.stem}.pdf"
            if not produced.exists() or produced.stat().st_size == 0:
                raise RenderError(f"pdf conversion failed for {source.name}")
            pdfs.append(produced.read_bytes())
        return pdfs


__all__ = [
    "FORMATS", "Block", "Para", "RenderError", "SynthDocument", "TCell", "TableBlock",
    "pdf_available", "render", "render_docx", "render_html", "render_pdf", "render_pdfs",
    "render_txt",
]
