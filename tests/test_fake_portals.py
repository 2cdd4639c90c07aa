"""The fake portals behave as the crawler's tests assume: checked over real HTTP.

The crawler's tests trust :class:`tests.fake_portals.FakePortals` as ground truth (which
URLs hold reports, which fail and how), so the server's own behaviour is pinned here
with a plain ``urllib`` client: no redirects followed, no proxies from the environment
(they would swallow requests to 127.0.0.x).
"""

from __future__ import annotations

import re
import socket
import tomllib
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from email.message import Message
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest

from extract.html_reader import read_html
from extract.text_export import read_text_export
from tests.conftest import seed_paths
from tests.fake_portals import LAST_MODIFIED, FakePortals

LINK = re.compile(r'<a href="([^"]*)"[^>]*>([^<]*)</a>')
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand 3xx back to the test instead of following it."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def fetch(url: str, headers: dict[str, str] | None = None,
          timeout: float = 5.0) -> tuple[int, Message, bytes]:
    """Status, headers and body of one GET, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def links(page: str, base: str) -> list[tuple[str, str]]:
    """(absolute URL, text) of every link on a page."""
    return [(urljoin(base, unescape(href)), unescape(text)) for href, text in LINK.findall(page)]


@pytest.fixture(scope="module")
def portals() -> Iterator[FakePortals]:
    with FakePortals() as running:
        yield running


@pytest.fixture
def fresh(portals: FakePortals) -> FakePortals:
    """The shared portals with an empty log and the transient failure armed again."""
    portals.reset_log()
    portals.transient_reset()
    return portals


def listing_pages(portals: FakePortals, profile: str) -> list[tuple[str, str]]:
    """(URL, decoded text) of every listing page, found by following 下一页."""
    url: str | None = portals.start_urls[profile][0]
    pages = []
    while url is not None:
        status, _, body = fetch(url)
        assert status == 200, url
        text = body.decode("gbk" if profile == "plain" else "utf-8")
        pages.append((url, text))
        url = next((u for u, t in links(text, url) if t == "下一页"), None)
        assert len(pages) <= 5, "pagination does not end"
    return pages


def test_three_distinct_hosts(portals: FakePortals) -> None:
    hosts = {urlsplit(base).hostname for base in portals.base.values()}
    assert hosts == {"127.0.0.1", "127.0.0.2", "127.0.0.3"}
    assert urlsplit(portals.base["hanweb"]).hostname == "127.0.0.1"


def test_robots(portals: FakePortals) -> None:
    expected = {"hanweb": "Disallow: /private/", "trs": "Disallow:\n", "plain": "Disallow: /admin/"}
    for profile, line in expected.items():
        status, headers, body = fetch(portals.base[profile] + "/robots.txt")
        assert status == 200
        assert headers["Content-Type"].startswith("text/plain")
        assert body.decode().startswith("User-agent: *\n")
        assert line in body.decode()


def test_robots_allow_documents_and_forbid_disallowed(portals: FakePortals) -> None:
    """What the standard robots parser makes of each portal's robots.txt."""
    paths = sorted(urlsplit(u).path for u in portals.disallowed)
    assert paths == ["/admin/ndbg_700.html", "/private/art_1234_9999.html"]
    for base in portals.base.values():
        _, _, body = fetch(base + "/robots.txt")
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(body.decode().splitlines())
        own = [u for u in [*portals.documents, *portals.failures.values()]
               if u.startswith(base + "/")]
        assert all(parser.can_fetch("gongkai", u) for u in own)
        assert not any(parser.can_fetch("gongkai", u) for u in portals.disallowed
                       if u.startswith(base + "/"))


@pytest.mark.parametrize(("profile", "count"), [("hanweb", 3), ("trs", 3), ("plain", 2)])
def test_pagination(portals: FakePortals, profile: str, count: int) -> None:
    pages = listing_pages(portals, profile)
    assert len(pages) == count
    for url, text in pages[1:]:
        assert "上一页" in [t for _, t in links(text, url)]
    if profile == "hanweb":
        assert pages[1][0].endswith("&pageIndex=2")
    if profile == "trs":
        assert [u.rsplit("/", 1)[1] for u, _ in pages] == ["index.html", "index_1.html",
                                                          "index_2.html"]
    if profile == "plain":
        assert "[2]" in [t for _, t in links(pages[0][1], pages[0][0])]


def test_listing_links_cover_documents_and_failures(portals: FakePortals) -> None:
    """Reports say 年度报告, nothing else says it or 年报, and every report is reachable."""
    linked: dict[str, str] = {}
    for profile in portals.base:
        for url, text in listing_pages(portals, profile):
            for target, label in links(text, url):
                linked[target] = label
    report_links = {u for u, t in linked.items() if "年度报告" in t}
    others = {u for u, t in linked.items() if "年度报告" not in t}
    assert not any("年报" in linked[u] for u in others)
    news = {u for u in others if re.search(r"art_999_|/tzgg/", u)}
    assert len(news) == 10
    assert portals.disallowed <= report_links
    assert set(portals.failures.values()) - {portals.failures["wrong_content_type"]} \
        <= report_links
    # Pages linked from listings hold the rest of the documents (attachments).
    html_documents = {u for u in portals.documents if u.endswith(".html")}
    redirected = portals.failures["redirect_chain"]
    assert html_documents - report_links == {
        u for u in html_documents if u.endswith("t20210120_399.html")}
    assert redirected in report_links


def test_document_counts_and_distinct_bodies(portals: FakePortals) -> None:
    per_host = {p: sum(u.startswith(b + "/") for u in portals.documents)
                for p, b in portals.base.items()}
    assert per_host == {"hanweb": 15, "trs": 11, "plain": 15}
    stems = {p.stem for p in seed_paths()}
    assert set(portals.documents.values()) == stems
    assert not portals.disallowed & set(portals.documents)


def test_every_document_answers_and_sniffs_right(fresh: FakePortals) -> None:
    bodies = set()
    for url in fresh.documents:
        status, headers, body = fetch(url)
        if url == fresh.failures["transient_500"]:
            assert status == 500
            status, headers, body = fetch(url)
        assert status == 200, url
        assert headers["Content-Length"] == str(len(body))
        assert headers["Last-Modified"] == LAST_MODIFIED
        assert re.fullmatch(r'"[0-9a-f]{16}"', headers["ETag"])
        bodies.add(body)
        kind = headers["Content-Type"]
        if url.endswith(".pdf"):
            assert body.startswith(b"%PDF")
            assert kind == "application/octet-stream"
        elif url.endswith(".docx"):
            assert body.startswith(b"PK\x03\x04")
            assert kind.endswith("wordprocessingml.document")
        elif url.endswith(".doc"):
            assert body.startswith(OLE_MAGIC)
            assert kind == "application/msword"
        elif url.endswith(".txt"):
            assert kind == "text/plain; charset=utf-8"
        else:
            assert url.endswith(".html")
            assert kind.startswith("text/html")
            assert b"TRS_Editor" in body
    assert len(bodies) == len(fresh.documents)


def test_charset_declarations(portals: FakePortals) -> None:
    """trs: UTF-8, declared nowhere; plain: GBK declared gb2312 in the page only."""
    trs = next(u for u in portals.documents if "t20210120_300" in u)
    _, headers, body = fetch(trs)
    assert headers["Content-Type"] == "text/html"
    assert b"charset" not in body.lower()
    body.decode("utf-8")
    plain = next(u for u in portals.documents if u.endswith("ndbg_500.html"))
    _, headers, body = fetch(plain)
    assert headers["Content-Type"] == "text/html"
    assert b"charset=gb2312" in body
    undeclared = next(u for u in portals.documents if u.endswith("ndbg_600.html"))
    _, _, body = fetch(undeclared)
    assert b"charset" not in body.lower()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_gbk_listing(portals: FakePortals) -> None:
    status, headers, body = fetch(portals.start_urls["plain"][0])
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    assert b'content="text/html; charset=gb2312"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "政府信息公开工作年度报告" in body.decode("gbk")


def test_inline_pages_read_back_as_the_seed(portals: FakePortals) -> None:
    """An undeclared GBK page still reads as the seed (the page chrome is left out)."""
    seed = seed_paths()[2]
    expected = [p.text for p in read_text_export(seed.read_bytes()).paragraphs if p.text.strip()]
    url = next(u for u, stem in portals.documents.items()
               if stem == seed.stem and u.endswith(".html") and "ndbg_6" in u)
    _, _, body = fetch(url)
    got = [p.text for p in read_html(body).paragraphs if p.text.strip()]
    assert got[:3] == expected[:3]


def test_attachment_links(portals: FakePortals) -> None:
    """Each attachment is linked from a page: relative on trs and plain, absolute on hanweb."""
    linked = set()
    for url in [u for u in portals.documents if u.endswith(".html")]:
        _, _, body = fetch(url)
        text = body.decode("gbk" if "127.0.0.3" in url else "utf-8")
        linked |= {u for u, _ in links(text, url)}
    base = portals.base["hanweb"]
    for number in range(200, 205):  # the short pages that only link hanweb's files
        _, _, body = fetch(f"{base}/art/2021/1/21/art_1234_{number}.html")
        linked |= {u for u, _ in links(body.decode(), base)}
    attachments = {u for u in portals.documents if not u.endswith(".html")}
    assert attachments <= linked


def test_not_modified(fresh: FakePortals) -> None:
    for url in [fresh.start_urls["hanweb"][0], fresh.failures["wrong_content_type"]]:
        status, headers, _ = fetch(url)
        etag = headers["ETag"]
        status, headers, body = fetch(url, {"If-None-Match": etag})
        assert (status, body) == (304, b"")
        assert headers["ETag"] == etag
        status, _, body = fetch(url, {"If-Modified-Since": LAST_MODIFIED})
        assert (status, body) == (304, b"")
        status, _, _ = fetch(url, {"If-Modified-Since": "Mon, 11 Jan 2021 08:00:00 GMT"})
        assert status == 200
        status, _, _ = fetch(url, {"If-None-Match": '"0000000000000000"'})
        assert status == 200
    records = fresh.requests_to("hanweb")
    assert [r.status for r in records] == [200, 304, 304, 200, 200] * 2


def test_redirect_chain(fresh: FakePortals) -> None:
    first = fresh.failures["redirect_chain"]
    base = fresh.base["trs"]
    status, headers, _ = fetch(first)
    assert status == 301
    second = urljoin(first, headers["Location"])
    assert second == base + "/zwgk/r/1"
    status, headers, _ = fetch(second)
    assert status == 302
    final = urljoin(second, headers["Location"])
    assert final == base + "/zwgk/ndbg/202101/t20210120_399.html"
    assert first not in fresh.documents and second not in fresh.documents
    assert fresh.documents[final] == seed_paths()[0].stem
    status, _, _ = fetch(final)
    assert status == 200


def test_transient_500(fresh: FakePortals) -> None:
    url = fresh.failures["transient_500"]
    assert [fetch(url)[0] for _ in range(3)] == [500, 200, 200]
    fresh.transient_reset()
    assert [fetch(url)[0] for _ in range(2)] == [500, 200]
    assert url in fresh.documents


def test_not_found(portals: FakePortals) -> None:
    status, headers, body = fetch(portals.failures["not_found"])
    assert status == 404
    assert headers["Content-Length"] == str(len(body))
    assert fetch(portals.base["hanweb"] + "/no/such/page.html")[0] == 404


def test_slow_times_out(fresh: FakePortals) -> None:
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(fresh.failures["slow"], timeout=0.5)
    record = fresh.requests_to("plain")[-1]
    assert record.path.endswith("ndbg_slow.html")
    assert record.status == 0  # still sleeping


def test_request_log(fresh: FakePortals) -> None:
    url = fresh.start_urls["trs"][0]
    fetch(url, {"User-Agent": "gongkai-test/1.0", "If-None-Match": '"abc"',
                "If-Modified-Since": "Tue, 19 Jan 2021 08:00:00 GMT"})
    fetch(fresh.base["trs"] + "/robots.txt")
    fetch(fresh.base["trs"] + "/zwgk/missing.html")
    first, robots, missing = fresh.requests
    assert first.host == fresh.hosts["trs"] == "127.0.0.2:" + fresh.base["trs"].rsplit(":", 1)[1]
    assert (first.method, first.path, first.status) == ("GET", "/zwgk/ndbg/index.html", 200)
    assert first.user_agent == "gongkai-test/1.0"
    assert first.if_none_match == '"abc"'
    assert first.if_modified_since == "Tue, 19 Jan 2021 08:00:00 GMT"
    assert (robots.path, robots.status, robots.if_none_match) == ("/robots.txt", 200, None)
    assert (missing.path, missing.status) == ("/zwgk/missing.html", 404)
    assert first.time <= robots.time <= missing.time
    fresh.reset_log()
    assert fresh.requests == []


def test_hanweb_query_order_does_not_matter(portals: FakePortals) -> None:
    base = portals.base["hanweb"]
    path = "/module/xxgk/xxgkAnnualReport.jsp?pageIndex=2&fbtime=2020&area=370000"
    assert fetch(base + path)[0] == 200


def test_sources_toml(portals: FakePortals) -> None:
    text = portals.sources_toml(rate=2.0, concurrency=1, timeout=0.5, retries=2)
    config = tomllib.loads(text)
    assert config["defaults"] == {"rate": 2.0, "concurrency": 1, "timeout": 0.5, "retries": 2,
                                  "max_bytes": 52428800, "max_redirects": 5,
                                  "max_listing_pages": 20}
    sites = {site["profile"]: site for site in config["site"]}
    assert [s["name"] for s in config["site"]] == ["hanweb-demo", "trs-demo", "plain-demo"]
    for profile, site in sites.items():
        assert site["start_urls"] == portals.start_urls[profile]
        assert site["allowed_hosts"] == [urlsplit(portals.base[profile]).netloc]
    assert tomllib.loads(portals.sources_toml())["defaults"]["rate"] == 4.0
