"""One entry point from bytes to the document model: sniff the format, pick the reader.

Adding a format means adding a reader here and nothing else.
"""

from __future__ import annotations

import codecs
import re
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

    _refuse_entity_declarations(data)
    data, truncated = bounded_page(data)
    doc = read_html(data)
    if truncated:
        doc.warnings.append(("html_truncated", truncated))
    return doc


#: Report pages weigh tens or hundreds of KB; a Word "save as web page" export of a long
#: report a few MB. Reading HTML costs about 2 s and 70 MB of memory per MB of table
#: markup, so a bigger page is read up to here.
MAX_HTML_BYTES = 8 * 1024 * 1024
#: Images inlined as data: URIs, which make pages big without adding any text.
DATA_URI = re.compile(rb"data:[\w.+/-]{0,100};base64,[A-Za-z0-9+/=\s]{1024,}")


def bounded_page(data: bytes) -> tuple[bytes, str | None]:
    """The page, cut to :data:`MAX_HTML_BYTES` (after dropping inline images) at the
    start of a tag, and what was cut, if anything."""
    if len(data) <= MAX_HTML_BYTES:
        return data, None
    size = len(data)
    data = DATA_URI.sub(b"data:,", data)
    if len(data) <= MAX_HTML_BYTES:
        return data, None
    cut = data.rfind(b"<", 0, MAX_HTML_BYTES)
    if cut <= 0:
        cut = MAX_HTML_BYTES
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        cut -= cut % 2  # between two UTF-16 code units
    mb = 1024 * 1024
    return data[:cut], (f"the page is {size / mb:.1f} MB; only its first "
                        f"{cut / mb:.1f} MB were read")


#: A DOCTYPE with an internal subset that declares entities, in a page's first bytes
#: (NUL bytes removed, so UTF-16 and UTF-32 pages match too).
ENTITY_DECLARATION = re.compile(rb"<!DOCTYPE[^>\[]*\[.*?<!ENTITY", re.IGNORECASE | re.DOTALL)
PROLOG_BYTES = 64 * 1024


def _refuse_entity_declarations(data: bytes) -> None:
    """Refuse an (X)HTML page that declares entities.

    The HTML parser never expands them, but no portal page declares any: a page that
    does is a crafted XML attack (billion laughs, an external entity naming a local file
    or an internal URL), and refusing it says so instead of reading the declarations as
    text.
    """
    head = data[:PROLOG_BYTES].replace(b"\x00", b"")
    if ENTITY_DECLARATION.search(head):
        raise UnreadableDocument(
            "unsafe_xml", "the page declares XML entities in its DOCTYPE; no real page "
            "does, it was refused unread")


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
    elif source_ext == "odt":
        if _odf_encrypted(data):
            raise UnreadableDocument("encrypted", "the OpenDocument file is password-protected")
        _refuse_hostile_package(data)


def _refuse_hostile_package(data: bytes) -> None:
    """Zip bombs and XML declaring entities, refused before LibreOffice inflates or parses
    anything: the same checks the Word reader makes on its own parts, here on every part
    (a damaged zip is left for LibreOffice to refuse)."""
    import io
    import zipfile
    import zlib

    from extract.docx_reader import MAX_XML_BYTES, PROLOG_CHUNK, refuse_bomb, refuse_dtd

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(info.file_size for info in infos)
            if total > 2 * MAX_XML_BYTES:
                raise UnreadableDocument(
                    "zip_bomb", f"the package would inflate to {total} bytes")
            for info in infos:
                refuse_bomb(info)
                if info.filename.endswith(".xml"):
                    with zf.open(info) as stream:
                        refuse_dtd(iter(lambda s=stream: s.read(PROLOG_CHUNK), b""),
                                   info.filename, bare_doctype=True)
    except UnreadableDocument:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError,
            EOFError, RuntimeError, NotImplementedError):
        return


def _odf_encrypted(data: bytes) -> bool:
    """Whether the manifest lists encrypted parts (it is never compressed past a few KB,
    and a damaged package is left for LibreOffice to refuse)."""
    import io
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            info = zf.getinfo("META-INF/manifest.xml")
            if info.file_size > 1024 * 1024:
                return False
            return b"encryption-data" in zf.read(info)
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, EOFError,
            RuntimeError, NotImplementedError):  # damaged, encrypted or exotic entries
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
