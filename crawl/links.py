"""Links of an HTML page, with their text, resolved against the page's URL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from lxml import etree, html

from extract.decode import declared_charset, decode_text

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


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
        url = urldefrag(urljoin(base_url, href))[0]
        if url in seen:
            continue
        seen.add(url)
        text = " ".join((anchor.text_content() or "").split())
        links.append(Link(url, " ".join(filter(None, (text, anchor.get("title", ""))))))
    return links
