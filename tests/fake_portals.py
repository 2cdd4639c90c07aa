"""Three local government portals to test the crawler against, over real HTTP.

A crawler has to be tested against servers, not mocks: politeness (per-host rate and
concurrency), robots.txt, conditional requests, redirects, retries on 5xx, timeouts and
charset handling only show up on the wire. :class:`FakePortals` starts three
``ThreadingHTTPServer`` instances on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (Linux routes
all of 127/8 to loopback), so the crawler sees three distinct hosts, each laid out like
one family of real portal software:

``hanweb`` (大汉 JCMS)
    UTF-8 pages, a ``.jsp`` listing paged by ``&pageIndex=N``, inline report pages,
    short articles whose report is a PDF (served as ``application/octet-stream``, as
    many portals do) plus the original text export, news items and a link under the
    robots-disallowed ``/private/``.
``trs`` (TRS WCM)
    UTF-8 pages without any charset declaration, ``index.html``/``index_1.html``
    listings with relative links, inline reports with a ``./name.docx`` attachment, one
    article that fails once with 500 and an old address that reaches its report through
    a 301 and a 302.
``plain`` (hand-made old portal)
    GBK pages declared ``gb2312`` or not declared at all, ``.doc`` attachments, a 404,
    a page slower than the crawler's timeout and a link under disallowed ``/admin/``.

Every URL's body is fixed (no clock goes into a body), so the crawler's archive can be
compared with :attr:`FakePortals.documents`; all report bodies differ pairwise. The
office files come from LibreOffice, which is slow, so everything is rendered once per
process (:func:`_sites`) and the disk cache of ``tests.render_office`` keeps the
conversions between runs.

Every request the servers receive is logged in :attr:`FakePortals.requests` so tests can
check what the crawler did: which hosts, in what order and how fast, with which
conditional headers and user agent.
"""

from __future__ import annotations

import email.utils
import functools
import hashlib
import html
import socket
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl, urlencode, urlsplit

from extract.document import Document
from extract.text_export import read_text_export
from tests.conftest import seed_paths
from tests.render_html import render_portal_page
from tests.render_office import seed_docx, to_format

#: Every 200 response says it was last modified then; conditional requests compare to it.
LAST_MODIFIED = "Wed, 20 Jan 2021 08:00:00 GMT"
LAST_MODIFIED_AT = email.utils.parsedate_to_datetime(LAST_MODIFIED)
#: Longer than the crawler's 1 s timeout in tests, so every attempt times out.
SLOW_SECONDS = 3.0
#: The loopback address each profile listens on.
HOSTS = {"hanweb": "127.0.0.1", "trs": "127.0.0.2", "plain": "127.0.0.3"}
#: The crawler's site name for each profile in :meth:`FakePortals.sources_toml`.
SITE_NAMES = {"hanweb": "hanweb-demo", "trs": "trs-demo", "plain": "plain-demo"}
#: Every link to a report says this; no other link on a listing says it, nor 年报.
REPORT_MARK = "年度报告"

HTML = "text/html"
HTML_UTF8 = "text/html; charset=utf-8"
TEXT_UTF8 = "text/plain; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOC = "application/msword"
OCTET = "application/octet-stream"

HANWEB_LISTING = "/module/xxgk/xxgkAnnualReport.jsp"
HANWEB_QUERY = {"area": "370000", "fbtime": "2020"}
TRS_DIR = "/zwgk/ndbg/"
PLAIN_DIR = "/xxgk/ndbg/"


# ----------------------------------------------------------------------- records


@dataclass
class Request:
    """One request as the server saw it.

    Appended when the request's headers have been read, so the log is in arrival order
    even when responses finish out of order; ``status`` is 0 until the response line is
    sent (the slow page keeps it 0 for seconds, or for good if the server stops first).
    """

    host: str
    method: str
    path: str
    time: float
    status: int
    if_none_match: str | None
    if_modified_since: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Resource:
    """What one URL answers.

    ``behaviour`` marks the two resources whose answer depends on more than the URL:
    ``"transient"`` (500 once per :meth:`FakePortals.transient_reset`) and ``"slow"``.
    A redirect's ``location`` is a path; ``absolute_location`` makes the server send it
    as a full URL on its own host, since real portals send both kinds.
    """

    body: bytes
    content_type: str
    status: int = 200
    location: str | None = None
    absolute_location: bool = False
    behaviour: str | None = None

    @functools.cached_property
    def etag(self) -> str:
        return f'"{hashlib.sha256(self.body).hexdigest()[:16]}"'


@dataclass
class SiteContent:
    """One portal's URLs, independent of the port it will listen on (links are paths)."""

    profile: str
    routes: dict[str, Resource] = field(default_factory=dict)
    start_paths: list[str] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)  # path → seed stem
    disallowed: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # kind → path

    def add(self, path: str, resource: Resource) -> None:
        key = route_key(path)
        if key in self.routes:
            raise ValueError(f"{self.profile}: {path} defined twice")
        self.routes[key] = resource

    def add_document(self, path: str, stem: str, resource: Resource) -> None:
        self.add(path, resource)
        self.documents[path] = stem


def route_key(path: str) -> str:
    """A request target with its query sorted, so ``?b=1&a=2`` finds ``?a=2&b=1``."""
    parts = urlsplit(path)
    if not parts.query:
        return parts.path
    return f"{parts.path}?{urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))}"


# ----------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class Seed:
    index: int
    stem: str
    path: Path
    doc: Document
    title: str


def report_title(doc: Document) -> str:
    """The report's title as a listing shows it.

    Usually the first non-empty paragraph; some reports split it over two lines (seed
    003 starts with just the town's name), so lines are joined until the title says
    年度报告, which every listing entry for a report has to."""
    lines = [p.text.strip() for p in doc.paragraphs if p.text.strip()]
    title = ""
    for line in lines[:3]:
        title += line
        if REPORT_MARK in title:
            return title
    return f"{lines[0] if lines else '某某镇'}政府信息公开工作{REPORT_MARK}"


@functools.cache
def _seeds() -> tuple[Seed, ...]:
    seeds = []
    for i, path in enumerate(seed_paths()):
        doc = read_text_export(path.read_bytes())
        seeds.append(Seed(i, path.stem, path, doc, report_title(doc)))
    if len(seeds) != 5:
        raise RuntimeError(f"expected 5 seed reports, found {len(seeds)}")
    return tuple(seeds)


@functools.cache
def _docx(stem: str) -> bytes:
    seed = next(s for s in _seeds() if s.stem == stem)
    return seed_docx(seed.path)


@functools.cache
def _office(stem: str, target: str) -> bytes:
    return to_format(_docx(stem), target)


# ----------------------------------------------------------------------- page pieces


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def with_attachments(page: bytes, links: list[tuple[str, str]], encoding: str) -> bytes:
    """A rendered report page with an attachment box after the report's ``#zoom`` div.

    The box goes outside the report so the reader's text of the page stays the seed's."""
    items = "".join(f'<li><a href="{esc(href)}">{esc(text)}</a></li>' for href, text in links)
    box = f'<div class="fjxz"><p>附件下载：</p><ul>{items}</ul></div>\n'
    marker = b'<div class="share">'
    if page.count(marker) != 1:
        raise RuntimeError("render_portal_page's layout changed: no single share div")
    return page.replace(marker, box.encode(encoding, errors="xmlcharrefreplace") + marker)


def with_comment(page: bytes, comment: str) -> bytes:
    """A page with an HTML comment after ``<body>``: other bytes, the same visible text."""
    marker = b"<body>"
    return page.replace(marker, marker + f"\n<!-- {comment} -->".encode(), 1)


def utf8_article(title: str, paragraphs: list[str], *, charset: bool, date: str) -> bytes:
    """A short portal article (news, or a page that only links a report's files).

    ``paragraphs`` are HTML fragments, so they can hold links."""
    meta = '<meta charset="utf-8">\n' if charset else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta}<meta name="ArticleTitle" content="{esc(title)}">
<title>{esc(title)}_某某市人民政府</title>
<link rel="stylesheet" href="/css/article.css">
</head>
<body>
<div class="header"><a href="/"><img src="/images/logo.png" alt="某某市人民政府"></a></div>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/zwfw/">政务服务</a>
<a href="/hdjl/">互动交流</a></div>
<div class="article">
<h1>{esc(title)}</h1>
<div class="info">发布日期：{date} 来源：某某市人民政府办公室</div>
<div id="zoom">
{body}
</div>
</div>
<div class="footer"><p>主办单位：某某市人民政府办公室 <a href="/lxwm/">联系我们</a></p></div>
</body>
</html>
"""
    return page.encode("utf-8")


def gbk_article(title: str, paragraphs: list[str], date: str) -> bytes:
    """A short article of the old GBK portal, declared gb2312 as its template does."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>{esc(title)}</title>
</head>
<body>
<table width="980" align="center"><tr><td class="banner">某某县人民政府</td></tr></table>
<table width="980" align="center"><tr><td>
<h2 align="center">{esc(title)}</h2>
<p align="center">发布时间：{date}</p>
{body}
</td></tr></table>
<table width="980" align="center"><tr><td class="foot">版权所有 某某县人民政府</td></tr></table>
</body>
</html>
"""
    return page.encode("gbk", errors="xmlcharrefreplace")


def text_page(body: str, status: int = 200) -> Resource:
    """A small UTF-8 HTML page for errors and the like."""
    page = f'<html><head><meta charset="utf-8"><title>{status}</title></head>' \
           f"<body><p>{esc(body)}</p></body></html>\n"
    return Resource(page.encode("utf-8"), HTML_UTF8, status=status)


def robots(disallow: str) -> Resource:
    rule = f"Disallow: {disallow}" if disallow else "Disallow:"
    return Resource(f"User-agent: *\n{rule}\n".encode(), TEXT_UTF8)


@dataclass(frozen=True)
class Entry:
    """One line of a listing: where it links, what it says, and its date."""

    href: str
    text: str
    date: str


def split_pages(entries: list[Entry], pages: int) -> list[list[Entry]]:
    """Entries spread over ``pages`` listing pages, the first pages the fuller ones."""
    size = -(-len(entries) // pages)
    return [entries[k * size:(k + 1) * size] for k in range(pages)]


# ----------------------------------------------------------------------- hanweb


NEWS_TITLES = [
    "关于开展安全生产检查的通知",
    "关于做好冬季森林防火工作的通知",
    "关于公布元旦春节期间值班安排的通知",
    "关于开展农村人居环境整治工作的通知",
    "关于做好春运期间道路交通安全工作的通知",
    "关于加强冬春季疫情防控工作的通知",
]
NEWS_TEXT = ("为切实做好当前各项工作，保障人民群众生命财产安全，现将有关事项通知如下。"
             "各单位要高度重视，明确责任分工，认真抓好落实。")


def hanweb_listing_url(page: int) -> str:
    query = dict(HANWEB_QUERY)
    if page > 1:
        query["pageIndex"] = str(page)
    return f"{HANWEB_LISTING}?{urlencode(query)}"


def hanweb_listing(page: int, pages: int, entries: list[Entry]) -> bytes:
    items = "\n".join(
        f'<li><a href="{esc(e.href)}" title="{esc(e.text)}" target="_blank">{esc(e.text)}</a>'
        f"<span>{e.date}</span></li>" for e in entries)
    nav = [f'<span class="total">共{pages}页</span>']
    if page > 1:
        nav.append(f'<a href="{esc(hanweb_listing_url(1))}">首页</a>')
        nav.append(f'<a href="{esc(hanweb_listing_url(page - 1))}">上一页</a>')
    if page < pages:
        nav.append(f'<a href="{esc(hanweb_listing_url(page + 1))}">下一页</a>')
        nav.append(f'<a href="{esc(hanweb_listing_url(pages))}">尾页</a>')
    nav.append(f'<span class="current">当前第{page}页</span>')
    page_html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>政府信息公开_某某市人民政府</title>
<link rel="stylesheet" href="/module/xxgk/css/xxgk.css">
<script src="/module/xxgk/js/jquery.min.js"></script>
</head>
<body>
<div class="header"><a href="/"><img src="/images/logo.png" alt="某某市人民政府"></a></div>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/col/col1/">政务公开</a></li>
<li><a href="/col/col2/">政务服务</a></li><li><a href="/col/col3/">互动交流</a></li></ul></div>
<div class="main">
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/col/col1/">政务公开</a></div>
<h2 class="column-title">政府信息公开工作年度报告</h2>
<ul class="xxgk-list">
{items}
</ul>
<div class="pagination">{" ".join(nav)}</div>
</div>
<div class="footer"><p>主办：某某市人民政府办公室 网站标识码：3700000001</p>
<p><a href="https://beian.miit.gov.cn/">鲁ICP备05000001号</a></p></div>
</body>
</html>
"""
    return page_html.encode("utf-8")


def build_hanweb() -> SiteContent:
    site = SiteContent("hanweb")
    site.add("/robots.txt", robots("/private/"))
    reports: list[Entry] = []
    for seed in _seeds():
        inline = f"/art/2021/1/20/art_1234_{100 + seed.index}.html"
        site.add_document(inline, seed.stem, Resource(render_portal_page(seed.doc), HTML_UTF8))
        reports.append(Entry(inline, seed.title, "2021-01-20"))

        short = f"/art/2021/1/21/art_1234_{200 + seed.index}.html"
        pdf, txt = f"/picture/0/{seed.stem}.pdf", f"/picture/0/{seed.stem}.txt"
        short_title = f"{seed.title}（附件版）"
        links = [f"现将{esc(seed.title)}予以公开，全文见附件。",
                 f'附件1：<a href="{pdf}">{seed.stem}.pdf</a>',
                 f'附件2：<a href="{txt}">{seed.stem}.txt</a>']
        site.add(short, Resource(
            utf8_article(short_title, links, charset=True, date="2021-01-21"), HTML_UTF8))
        site.add_document(pdf, seed.stem, Resource(_office(seed.stem, "pdf"), OCTET))
        site.add_document(txt, seed.stem, Resource(seed.path.read_bytes(), TEXT_UTF8))
        reports.append(Entry(short, short_title, "2021-01-21"))
    site.failures["wrong_content_type"] = f"/picture/0/{_seeds()[0].stem}.pdf"

    private = "/private/art_1234_9999.html"
    private_title = f"某某镇2020年政府信息公开工作{REPORT_MARK}（内部稿）"
    site.add(private, Resource(
        utf8_article(private_title, ["内部稿件，请勿转载。"], charset=True, date="2021-01-19"),
        HTML_UTF8))
    site.disallowed.append(private)
    reports.insert(5, Entry(private, private_title, "2021-01-19"))

    news = []
    for k, title in enumerate(NEWS_TITLES, start=1):
        path = f"/art/2021/1/5/art_999_{k}.html"
        site.add(path, Resource(
            utf8_article(title, [NEWS_TEXT], charset=True, date="2021-01-05"), HTML_UTF8))
        news.append(Entry(path, title, "2021-01-05"))

    pages = split_pages(reports, 3)
    for page, entries in enumerate(pages, start=1):
        body = hanweb_listing(page, len(pages), entries + news[2 * (page - 1):2 * page])
        site.add(hanweb_listing_url(page), Resource(body, HTML_UTF8))
    site.start_paths.append(hanweb_listing_url(1))
    return site


# ----------------------------------------------------------------------- trs


TRS_NEWS = [
    ("../tzgg/202101/t20210105_801.html", "关于印发2021年度政务公开工作要点的通知"),
    ("../tzgg/202101/t20210106_802.html", "关于调整部分公交线路的公告"),
]


def trs_listing_name(page: int) -> str:
    return "index.html" if page == 1 else f"index_{page - 1}.html"


def trs_listing(page: int, pages: int, entries: list[Entry]) -> bytes:
    """A TRS WCM listing: relative links, and paging both in script and as links."""
    items = "\n".join(
        f'<li><span>{e.date}</span><a href="{esc(e.href)}" title="{esc(e.text)}" '
        f'target="_blank">{esc(e.text)}</a></li>' for e in entries)
    nav = []
    if page > 1:
        nav.append(f'<a href="{trs_listing_name(1)}">首页</a>')
        nav.append(f'<a href="{trs_listing_name(page - 1)}">上一页</a>')
    for n in range(1, pages + 1):
        nav.append(f"<span>{n}</span>" if n == page else f'<a href="{trs_listing_name(n)}">{n}</a>')
    if page < pages:
        nav.append(f'<a href="{trs_listing_name(page + 1)}">下一页</a>')
        nav.append(f'<a href="{trs_listing_name(pages)}">尾页</a>')
    page_html = f"""<!DOCTYPE html>
<html>
<head>
<title>政府信息公开工作年度报告-某某区人民政府</title>
<link href="../../images/style.css" rel="stylesheet" type="text/css">
</head>
<body>
<div class="top"><a href="../../">首页</a> <a href="../">政务公开</a></div>
<div class="list-title">政府信息公开工作年度报告</div>
<ul class="list">
{items}
</ul>
<script type="text/javascript">
var currentPage = {page - 1};
var countPage = {pages};
createPageHTML(countPage, currentPage, "index", "html");
</script>
<div class="page">{" ".join(nav)}</div>
<div class="bottom">某某区人民政府 版权所有</div>
</body>
</html>
"""
    return page_html.encode("utf-8")


def build_trs() -> SiteContent:
    site = SiteContent("trs")
    site.add("/robots.txt", robots(""))
    reports: list[Entry] = []
    for seed in _seeds():
        name = f"t20210120_{300 + seed.index}.html"
        article = f"{TRS_DIR}202101/{name}"
        docx = f"{TRS_DIR}202101/{seed.stem}.docx"
        page = with_attachments(render_portal_page(seed.doc, declare_charset=False),
                                [(f"./{seed.stem}.docx", f"{seed.stem}.docx")], "utf-8")
        behaviour = "transient" if seed.index == 1 else None
        site.add_document(article, seed.stem, Resource(page, HTML, behaviour=behaviour))
        site.add_document(docx, seed.stem, Resource(_docx(seed.stem), DOCX))
        reports.append(Entry(f"./202101/{name}", seed.title, "2021-01-20"))
        if behaviour:
            site.failures["transient_500"] = article

    first = _seeds()[0]
    old, hop, final = (f"{TRS_DIR}old/t20210120_399.html", "/zwgk/r/1",
                       f"{TRS_DIR}202101/t20210120_399.html")
    site.add(old, Resource(b"Moved Permanently\n", TEXT_UTF8, status=301, location=hop,
                           absolute_location=True))
    site.add(hop, Resource(b"Found\n", TEXT_UTF8, status=302, location=final))
    moved = with_comment(render_portal_page(first.doc), "本文由旧栏目迁移")
    site.add_document(final, first.stem, Resource(moved, HTML))
    site.failures["redirect_chain"] = old
    reports.insert(3, Entry("./old/t20210120_399.html", f"{first.title}（更新）", "2021-01-19"))

    news = []
    for k, (href, title) in enumerate(TRS_NEWS):
        path = "/zwgk/" + href.removeprefix("../")
        site.add(path, Resource(
            utf8_article(title, [NEWS_TEXT], charset=False, date="2021-01-05"), HTML))
        news.append(Entry(href, title, f"2021-01-0{5 + k}"))

    pages = split_pages(reports + news, 3)
    for page, entries in enumerate(pages, start=1):
        body = trs_listing(page, len(pages), entries)
        site.add(TRS_DIR + trs_listing_name(page), Resource(body, HTML))
    site.start_paths.append(TRS_DIR + "index.html")
    return site


# ----------------------------------------------------------------------- plain


PLAIN_NEWS = [
    ("/xxgk/tzgg/201.html", "县人民政府关于禁止焚烧秸秆的通告"),
    ("/xxgk/tzgg/202.html", "关于公开招聘社区工作者的公告"),
]


def plain_listing(page: int, pages: int, entries: list[Entry]) -> bytes:
    """An old hand-made GBK listing: layout tables, ``[n]`` page links."""
    rows = "\n".join(
        f'<tr><td class="dot">·</td><td><a href="{esc(e.href)}" target="_blank">'
        f'{esc(e.text)}</a></td><td class="date"><span>{e.date}</span></td></tr>'
        for e in entries)
    nav = []
    if page > 1:
        nav.append(f'<a href="{trs_listing_name(page - 1)}">上一页</a>')
    for n in range(1, pages + 1):
        nav.append(f"[{n}]" if n == page else f'<a href="{trs_listing_name(n)}">[{n}]</a>')
    if page < pages:
        nav.append(f'<a href="{trs_listing_name(page + 1)}">下一页</a>')
    page_html = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>某某县人民政府--信息公开--年度报告</title>
<link href="/css/style.css" rel="stylesheet" type="text/css">
</head>
<body topmargin="0" leftmargin="0">
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="banner"><img src="/images/banner.jpg" width="980" height="120"></td></tr>
<tr><td class="menu"><a href="/">网站首页</a> | <a href="/xxgk/">信息公开</a> | \
<a href="/bsfw/">办事服务</a></td></tr>
</table>
<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="lmtitle">政府信息公开工作年度报告</td></tr>
<tr><td>
<table width="100%" border="0" cellpadding="4" cellspacing="0" class="list">
{rows}
</table>
</td></tr>
<tr><td align="center" class="page">共{pages}页 {" ".join(nav)}</td></tr>
</table>
<table width="980" border="0" align="center"><tr><td class="foot">\
版权所有：某某县人民政府 冀ICP备06000001号</td></tr></table>
</body>
</html>
"""
    return page_html.encode("gbk", errors="xmlcharrefreplace")


def build_plain() -> SiteContent:
    site = SiteContent("plain")
    site.add("/robots.txt", robots("/admin/"))
    declared: list[Entry] = []
    undeclared: list[Entry] = []
    for seed in _seeds():
        name = f"ndbg_{500 + seed.index}.html"
        doc_path = f"{PLAIN_DIR}files/{seed.stem}.doc"
        page = with_attachments(render_portal_page(seed.doc, encoding="gbk"),
                                [(f"files/{seed.stem}.doc", f"{seed.stem}.doc")], "gbk")
        site.add_document(PLAIN_DIR + name, seed.stem, Resource(page, HTML))
        site.add_document(doc_path, seed.stem, Resource(_office(seed.stem, "doc"), DOC))
        declared.append(Entry(name, seed.title, "2021-01-20"))

        other = f"ndbg_{600 + seed.index}.html"
        site.add_document(PLAIN_DIR + other, seed.stem, Resource(
            render_portal_page(seed.doc, encoding="gbk", declare_charset=False), HTML))
        undeclared.append(Entry(other, f"{seed.title}（转发）", "2021-01-22"))

    missing = "ndbg_404.html"
    site.add(PLAIN_DIR + missing, text_page("您访问的页面不存在", status=404))
    site.failures["not_found"] = PLAIN_DIR + missing

    slow = "ndbg_slow.html"
    slow_title = f"某某乡2020年政府信息公开工作{REPORT_MARK}"
    site.add(PLAIN_DIR + slow, Resource(
        gbk_article(slow_title, ["页面正在生成，请稍候。"], "2021-01-18"), HTML,
        behaviour="slow"))
    site.failures["slow"] = PLAIN_DIR + slow

    admin = "/admin/ndbg_700.html"
    admin_title = f"某某局2020年政府信息公开工作{REPORT_MARK}（审核中）"
    site.add(admin, Resource(gbk_article(admin_title, ["后台预览。"], "2021-01-18"), HTML))
    site.disallowed.append(admin)

    news = []
    for href, title in PLAIN_NEWS:
        site.add(href, Resource(gbk_article(title, [NEWS_TEXT], "2021-01-05"), HTML))
        news.append(Entry(href, title, "2021-01-05"))

    extras = [Entry(missing, f"某某街道2020年政府信息公开工作{REPORT_MARK}", "2021-01-18"),
              Entry(slow, slow_title, "2021-01-18"),
              Entry(admin, admin_title, "2021-01-18")]
    entries = declared + extras[:1] + news[:1] + undeclared + extras[1:] + news[1:]
    pages = split_pages(entries, 2)
    for page, chunk in enumerate(pages, start=1):
        site.add(PLAIN_DIR + trs_listing_name(page),
                 Resource(plain_listing(page, len(pages), chunk), HTML))
    site.start_paths.append(PLAIN_DIR + "index.html")
    return site


@functools.cache
def _sites() -> dict[str, SiteContent]:
    """All three portals, rendered once per process (LibreOffice is slow)."""
    sites = {"hanweb": build_hanweb(), "trs": build_trs(), "plain": build_plain()}
    bodies: dict[bytes, str] = {}
    for site in sites.values():
        for path in site.documents:
            body = site.routes[route_key(path)].body
            if body in bodies:
                raise RuntimeError(f"{site.profile}{path} has the same bytes as {bodies[body]}")
            bodies[body] = f"{site.profile}{path}"
    return sites


# ----------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    """One portal's server; knows its content and the shared log and switches."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, ip: str, site: SiteContent, owner: FakePortals) -> None:
        self.site = site
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((ip, 0), _Handler)
        self.host = f"{ip}:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that give up (timeouts, closed connections) are normal here."""

    def drop_connections(self) -> None:
        """Unblock handler threads waiting on idle keep-alive connections."""
        with self.connections_lock:
            for conn in list(self.connections):
                with suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Serves :class:`Resource` objects with ETag/Last-Modified and logs every request.

    HTTP/1.1 with Content-Length on every response, so clients can keep connections
    alive, as a crawler limited to a few connections per host will."""

    server: _Server
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections close by themselves eventually
    record: Request | None = None

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log is :attr:`FakePortals.requests`."""

    def parse_request(self) -> bool:
        self.record = None
        if not super().parse_request():
            return False
        self.record = Request(
            host=self.server.host, method=self.command, path=self.path,
            time=time.monotonic(), status=0,
            if_none_match=self.headers.get("If-None-Match"),
            if_modified_since=self.headers.get("If-Modified-Since"),
            user_agent=self.headers.get("User-Agent"))
        self.server.owner._log(self.record)
        return True

    def send_response(self, code: int, message: str | None = None) -> None:
        if self.record is not None:
            self.record.status = code
        super().send_response(code, message)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        try:
            self._respond(head)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def _respond(self, head: bool) -> None:
        owner = self.server.owner
        resource = self.server.site.routes.get(route_key(self.path))
        if resource is None:
            resource = text_page("您访问的页面不存在", status=404)
        elif resource.behaviour == "transient" and owner._take_transient():
            resource = text_page("服务器繁忙，请稍后再试", status=500)
        elif resource.behaviour == "slow" and owner._stopping.wait(owner.slow_seconds):
            self.close_connection = True  # shutting down: answer nothing
            return

        if resource.status in (301, 302):
            location = resource.location or "/"
            if resource.absolute_location:
                location = f"http://{self.server.host}{location}"
            self._send(resource, head, [("Location", location)])
        elif resource.status != 200:
            self._send(resource, head, [])
        elif self._not_modified(resource):
            self.send_response(304)
            self.send_header("ETag", resource.etag)
            self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
        else:
            self._send(resource, head, [("ETag", resource.etag),
                                        ("Last-Modified", LAST_MODIFIED)])

    def _send(self, resource: Resource, head: bool, headers: list[tuple[str, str]]) -> None:
        self.send_response(resource.status)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(resource.body)

    def _not_modified(self, resource: Resource) -> bool:
        """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
            return "*" in tags or resource.etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are GMT
            when = when.replace(tzinfo=LAST_MODIFIED_AT.tzinfo)
        return when >= LAST_MODIFIED_AT


# ----------------------------------------------------------------------- API


class FakePortals:
    """The three portals, serving while the ``with`` block runs.

    ``rate_hint`` is the default ``rate`` written by :meth:`sources_toml` (4.0 when
    None), so a test that wants a faster or politer crawler says it once.
    """

    def __init__(self, rate_hint: float | None = None, slow_seconds: float = SLOW_SECONDS):
        self.rate_hint = rate_hint
        self.slow_seconds = slow_seconds
        self.requests: list[Request] = []
        self.base: dict[str, str] = {}
        self.hosts: dict[str, str] = {}  # profile → "ip:port"
        self.start_urls: dict[str, list[str]] = {}
        self.documents: dict[str, str] = {}
        self.disallowed: set[str] = set()
        self.failures: dict[str, str] = {}
        self._lock = threading.Lock()
        self._transient_armed = True
        self._stopping = threading.Event()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []

    # -- lifecycle

    def __enter__(self) -> FakePortals:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        sites = _sites()  # render before listening, so the first request is not slow
        self._stopping.clear()
        try:
            for profile, ip in HOSTS.items():
                server = _Server(ip, sites[profile], self)
                self._servers.append(server)
                thread = threading.Thread(target=server.serve_forever, kwargs={
                    "poll_interval": 0.05}, name=f"fake-portal-{profile}", daemon=True)
                thread.start()
                self._threads.append(thread)
                self._publish(profile, server)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop accepting, wake the slow page, close kept-alive connections, join."""
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.drop_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def _publish(self, profile: str, server: _Server) -> None:
        site = server.site
        base = f"http://{server.host}"
        self.base[profile] = base
        self.hosts[profile] = server.host
        self.start_urls[profile] = [base + p for p in site.start_paths]
        self.documents.update({base + p: stem for p, stem in site.documents.items()})
        self.disallowed.update(base + p for p in site.disallowed)
        self.failures.update({kind: base + p for kind, p in site.failures.items()})

    # -- log and switches

    def _log(self, record: Request) -> None:
        with self._lock:
            self.requests.append(record)

    def _take_transient(self) -> bool:
        """True once per arming: the caller answers 500 this time."""
        with self._lock:
            armed, self._transient_armed = self._transient_armed, False
            return armed

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def transient_reset(self) -> None:
        with self._lock:
            self._transient_armed = True

    def requests_to(self, profile: str) -> list[Request]:
        """The logged requests one portal received, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.host == self.hosts[profile]]

    # -- crawler configuration

    def sources_toml(self, rate: float | None = None, concurrency: int = 2,
                     timeout: float = 1.0, retries: int = 3) -> str:
        """The crawler's sources file for these portals (ports change every run)."""
        if rate is None:
            rate = self.rate_hint if self.rate_hint is not None else 4.0
        lines = [
            "[defaults]",
            f"{f'rate = {float(rate)!r}':<22}# requests per second per host",
            f"{f'concurrency = {concurrency}':<22}# simultaneous requests per host",
            f"{f'timeout = {float(timeout)!r}':<22}# seconds per request",
            f"{f'retries = {retries}':<22}# attempts per URL on 5xx / connection errors / timeouts",
            "max_bytes = 52428800",
            "max_redirects = 5",
            "max_listing_pages = 20",
        ]
        for profile in HOSTS:
            urls = ", ".join(f'"{u}"' for u in self.start_urls[profile])
            lines += [
                "",
                "[[site]]",
                f'name = "{SITE_NAMES[profile]}"',
                f'profile = "{profile}"',
                f"start_urls = [{urls}]",
                f'allowed_hosts = ["{self.hosts[profile]}"]',
            ]
        return "\n".join(lines) + "\n"


__all__ = ["HOSTS", "LAST_MODIFIED", "FakePortals", "Request", "Resource", "report_title"]
