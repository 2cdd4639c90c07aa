"""Decide a document's format from its bytes, never from its file name.

Portals serve PDFs as ``application/octet-stream``, Word files renamed ``.doc`` that are
really ``.docx``, and HTML saved as ``.txt``; the extension is only a last hint.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# C0 controls other than tab, line feed, form feed and carriage return.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<table",
                b"<div", b"<p>")


def sniff_format(data: bytes) -> str:
    """Return one of ``pdf``, ``docx``, ``odt``, ``zip``, ``doc``, ``rtf``, ``html``,
    ``txt``, ``image``, ``empty`` or ``binary``."""
    if not data.strip():
        return "empty"
    head = data[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # A UTF-16 page: look for the HTML markers in its decoded text.
        wide = head.decode("utf-16", "ignore").lstrip("\ufeff \t\r\n").encode("utf-8")
        if _looks_like_html(wide):
            return "html"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if head.startswith(OLE_MAGIC):
        return "doc"
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")):
        return "image"
    if _looks_like_html(stripped):
        return "html"
    if _looks_like_text(data):
        return "txt"
    return "binary"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "mimetype" in names:
                # Read only the head: a bomb can hide behind a member named mimetype.
                with zf.open("mimetype") as fh:
                    mimetype = fh.read(100)
                if b"opendocument.text" in mimetype:
                    return "odt"
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, KeyError, EOFError,
            RuntimeError, NotImplementedError):
        # Corrupt, encrypted or oddly compressed members: not a package we can open.
        return "binary"
    return "zip"


def _looks_like_html(head: bytes) -> bool:
    lowered = head[:1024].lower()
    if lowered.startswith((b"<?xml", b"<!doctype html", b"<html")):
        return b"<html" in head.lower() or lowered.startswith(b"<!doctype html")
    return any(marker in lowered for marker in HTML_MARKERS) and lowered.startswith(b"<")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    from extract.decode import decode_text

    try:
        text, _ = decode_text(sample, strict=True)
    except UnicodeDecodeError:
        return False
    if not text:
        return False
    controls = len(CONTROL_CHARS.findall(text))
    return controls / len(text) < 0.01
