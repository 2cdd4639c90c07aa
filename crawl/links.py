"""Links of an HTML page, with their text, resolved against the page's URL.

Hrefs come from whoever wrote the page: one that does not make a usable URL (a broken
IPv6 host, a port out of range, control characters) is dropped here, so nothing after
this ever meets it. A link never names a file: the archive stores bodies by hash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree, html

from extract.decode import declared_charset, decode_text

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
#: Characters no URL may hold (HTTP clients refuse them; they only hide what a link is).
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def page_text(data: bytes) -> str:
    """The page decoded: its declared charset, else detected (GBK pages)."""
    text, _ = decode_text(data, declared_charset(data))
    return text


def extract_links(data: bytes, base_url: str) -> list[Link]:
    """Every <a href> of the page, absolute, without fragments, in page order, once."""
    text = XML_DECLARATION.sub("", page_text(data), count=1)
    try:
        root = html.fromstring(text)
    except (etree.ParserError, ValueError):
        return []
    links: list[Link] = []
    seen: set[str] = set()
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = absolute_url(base_url, href)
        if url is None or url in seen:
            continue
        seen.add(url)
        text = " ".join((anchor.text_content() or "").split())
        links.append(Link(url, " ".join(filter(None, (text, anchor.get("title", ""))))))
    return links


def absolute_url(base_url: str, href: str) -> str | None:
    """``href`` resolved against ``base_url``, without fragment; None when the result is
    not a URL an HTTP client can request."""
    try:
        url = urldefrag(urljoin(base_url, href))[0]
        parts = urlsplit(url)
        _ = parts.hostname, parts.port  # both raise ValueError on a malformed host
    except ValueError:
        return None
    if CONTROL.search(url):
        return None
    return url
