"""One entry point from bytes to the document model: sniff the format, pick the reader.

Adding a format means adding a reader here and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from extract.document import Document, UnreadableDocument
from extract.sniff import sniff_format

Reader = Callable[[bytes], Document]


def _text(data: bytes) -> Document:
    from extract.text_export import read_text_export

    return read_text_export(data)


def _docx(data: bytes) -> Document:
    from extract.docx_reader import read_docx

    return read_docx(data)


def _html(data: bytes) -> Document:
    from extract.html_reader import read_html

    return read_html(data)


READERS: dict[str, Reader] = {"txt": _text, "docx": _docx, "html": _html}

UNSUPPORTED = {
    "empty": ("empty_file", "the file is empty (or whitespace only)"),
    "binary": ("unsupported_format", "the bytes are not a document format gongkai knows"),
    "zip": ("unsupported_format", "a zip archive that is not a Word document"),
}


def read_document(data: bytes) -> Document:
    """Read ``data`` into a :class:`Document`, or raise :class:`UnreadableDocument`."""
    fmt = sniff_format(data)
    reader = READERS.get(fmt)
    if reader is None:
        code, message = UNSUPPORTED.get(
            fmt, ("unsupported_format", f"{fmt} documents are not read yet"))
        raise UnreadableDocument(code, message)
    doc = reader(data)
    doc.source_format = fmt
    return doc
