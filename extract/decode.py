"""Bytes to text for text exports and HTML pages.

Government pages and exports come in UTF-8 (with or without BOM), UTF-16 and the GB
family. GB18030 is a superset of GBK and GB2312, so it is the one to decode with when a
page says gb2312 (pages that say gb2312 routinely contain GBK-only characters).
"""

from __future__ import annotations

import codecs
import re

GB_ALIASES = {"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def normalise_encoding(name: str) -> str:
    """Map a declared charset name to the Python codec that decodes it best."""
    name = name.strip().lower()
    if name in GB_ALIASES:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML or XML document declares in its first bytes, if any."""
    head = data[:4096]
    match = META_CHARSET.search(head) or XML_ENCODING.search(head)
    return normalise_encoding(match.group(1).decode("ascii")) if match else None


def decode_text(data: bytes, declared: str | None = None, strict: bool = False) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``.

    Order: byte-order mark, a declared charset that actually decodes, strict UTF-8,
    strict GB18030, then charset-normalizer's best guess. With ``strict`` a document
    that none of these decodes raises ``UnicodeDecodeError``; otherwise undecodable
    bytes become U+FFFD so nothing is lost silently.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="strict" if strict else "replace"), enc
    candidates = [c for c in (declared, "utf-8", "gb18030") if c]
    for enc in dict.fromkeys(candidates):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        enc = normalise_encoding(best.encoding)
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    if strict:
        raise UnicodeDecodeError("utf-8", data[:1], 0, 1, "no encoding decodes this document")
    return data.decode("utf-8", errors="replace"), "utf-8"
