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


def _pdf(data: bytes) -> Document:
    from extract.pdf_reader import read_pdf

    return read_pdf(data)


def _image(data: bytes) -> Document:
    from extract.ocr import read_image

    return read_image(data)


def _refuse_before_converting(source_ext: str, data: bytes) -> None:
    """Refuse what LibreOffice would misread: headless, it cannot ask for a password, so
    a protected file fails like a damaged one; and an OLE file it recognises nothing in
    is imported as plain text, a "document" of mojibake."""
    if source_ext == "doc":
        from extract import ole

        if "EncryptedPackage".encode("utf-16-le") in data or ole.word_encrypted(data):
            raise UnreadableDocument("encrypted", "the Word file is password-protected")
        if not ole.has_word_stream(data):
            raise UnreadableDocument(
                "conversion_failed", "an OLE file with no WordDocument stream (truncated, "
                "damaged, or not a Word/WPS file); not converted")
    elif source_ext == "odt" and _odf_encrypted(data):
        raise UnreadableDocument("encrypted", "the OpenDocument file is password-protected")


def _odf_encrypted(data: bytes) -> bool:
    """Whether the manifest lists encrypted parts (it is never compressed past a few KB,
    and a damaged package is left for LibreOffice to refuse)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("META-INF/manifest.xml")
            if info.file_size > 1024 * 1024:
                return False
            return b"encryption-data" in zf.read(info)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False


def _via_libreoffice(source_ext: str) -> Reader:
    """Formats LibreOffice turns into .docx for the Word reader (.doc, .wps, .rtf, .odt)."""

    def read(data: bytes) -> Document:
        from extract.convert import ConversionError, convert
        from extract.docx_reader import read_docx

        _refuse_before_converting(source_ext, data)
        try:
            docx = convert(data, source_ext, "docx")
        except ConversionError as exc:
            raise UnreadableDocument(exc.code, exc.message) from exc
        return read_docx(docx)

    return read


READERS: dict[str, Reader] = {
    "txt": _text,
    "docx": _docx,
    "html": _html,
    "pdf": _pdf,
    "image": _image,
    "doc": _via_libreoffice("doc"),  # OLE: Word 97-2003 and WPS Writer files alike
    "rtf": _via_libreoffice("rtf"),
    "odt": _via_libreoffice("odt"),
}

UNSUPPORTED = {
    "empty": ("empty_file", "the file is empty (or whitespace only)"),
    "binary": ("unsupported_format", "the bytes are not a document format gongkai knows"),
    "zip": ("unsupported_format", "a zip archive that is not a Word or OpenDocument file"),
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
