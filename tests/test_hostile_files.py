"""The readers against hostile files: bombs, XML attacks, encryption, crafted PDFs, huge
pages, lying extensions, and crawled names and URLs that try to reach the file system.

Each test builds its file from raw bytes (tests/bad_inputs.py) and checks the reader's
answer: the specific problem code, nothing expanded or fetched, memory and work bounded.
"""

from __future__ import annotations

import asyncio
import codecs
import io
import os
import struct
import threading
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from lxml import etree

from crawl.archive import Archive
from crawl.crawler import crawl_sites
from crawl.links import absolute_url, extract_links
from crawl.sources import parse_sources
from extract import docx_reader
from extract.convert import convert
from extract.document import UnreadableDocument
from extract.docx_reader import read_docx, refuse_dtd
from extract.html_reader import read_html
from extract.pdf_reader import MAX_PAGES, read_pdf
from extract.readers import MAX_HTML_BYTES, bounded_page, read_document
from extract.sniff import sniff_format
from tests.bad_inputs import (
    MB,
    big_html_page,
    billion_laughs,
    deep_array_pdf,
    deep_page_tree_pdf,
    docx_with_prolog,
    docx_xml,
    encrypted_docx,
    encrypted_pdf,
    encrypted_word97,
    many_frames_gif,
    many_pages_pdf,
    nested_forms_pdf,
    odt_package,
    pdf_bytes,
    png_declaring,
    reference_loop_pdf,
    text_pdf,
    xxe_docx,
    xxe_odt,
    zip_bomb_docx,
    zip_package,
)
from transform.problems import CODES


def code_of(data: bytes) -> tuple[str, str]:
    with pytest.raises(UnreadableDocument) as caught:
        read_document(data)
    assert caught.value.code in CODES
    return caught.value.code, caught.value.message


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of Python allocations inside the block, in bytes (``result[0]``)."""
    tracemalloc.start()
    result = [0]
    try:
        yield result
    finally:
        result[0] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


class _Recorder(BaseHTTPRequestHandler):
    """Answers anything with a small page and remembers every path asked for."""

    requests: list[str]

    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        body = b"root:x:0:0:LEAKED"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[ThreadingHTTPServer]:
    """A local server an external entity could be made to call."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(server: ThreadingHTTPServer, path: str = "/secret") -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}{path}"


# -- zip bombs -------------------------------------------------------------------------


def test_a_docx_compressed_a_thousand_times_is_refused_before_inflating():
    data = zip_bomb_docx()
    with peak_memory() as peak:
        code, message = code_of(data)
    assert code == "zip_bomb" and "compressed" in message
    assert peak[0] < 8 * MB  # the 60 MB part was never inflated


def test_a_docx_declaring_a_huge_part_is_refused():
    code, message = code_of(zip_bomb_docx(300 * MB))
    assert code == "zip_bomb" and "would inflate" in message


def _lie_about_size(data: bytes, declared: int) -> bytes:
    """The zip with every header's uncompressed size of its one part set to ``declared``."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(signature)
        out[at + offset:at + offset + 4] = struct.pack("<I", declared)
    return bytes(out)


def test_a_docx_lying_about_its_part_size_is_never_inflated_past_it():
    xml = docx_xml("x" * 10) + b" " * (30 * MB)
    honest = zipfile.ZipFile(io.BytesIO(zip_package({"word/document.xml": xml})))
    assert honest.infolist()[0].compress_size < 100_000
    lying = _lie_about_size(zip_package({"word/document.xml": xml}), 1000)
    with peak_memory() as peak:
        code, _ = code_of(lying)
    assert code == "unreadable_docx"  # inflating stops at the declared size: bad CRC
    assert peak[0] < 8 * MB


def test_an_opendocument_zip_bomb_is_refused_before_libreoffice_sees_it():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", b"application/vnd.oasis.opendocument.text")
        with zf.open("content.xml", "w", force_zip64=True) as part:
            for _ in range(40):
                part.write(b" " * MB)
    code, message = code_of(out.getvalue())
    assert code == "zip_bomb" and "content.xml" in message


def test_regression_sniffing_does_not_inflate_a_mimetype_bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(
            "mimetype", "w", force_zip64=True) as part:
        for _ in range(100):
            part.write(b" " * MB)
    with peak_memory() as peak:
        sniff_format(out.getvalue())
    assert peak[0] < 8 * MB


# -- XML attacks in Word packages ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "gbk"])
def test_billion_laughs_is_refused_unexpanded(encoding: str):
    dtd, reference = billion_laughs()
    with peak_memory() as peak:
        code, message = code_of(docx_with_prolog(dtd, reference, encoding))
    assert code == "unsafe_xml" and "lol" * 3 not in message
    assert peak[0] < 16 * MB


def test_an_external_entity_reading_a_local_file_is_refused(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    code, message = code_of(xxe_docx(secret.as_uri()))
    assert code == "unsafe_xml" and "TOP-SECRET" not in message


def test_an_external_entity_calling_a_url_is_refused_and_never_called(listener):
    code, _ = code_of(xxe_docx(url_of(listener)))
    assert code == "unsafe_xml"
    parameter = docx_with_prolog(
        f'<!DOCTYPE d [<!ENTITY % remote SYSTEM "{url_of(listener, "/dtd")}"> %remote;]>',
        "x")
    assert code_of(parameter)[0] == "unsafe_xml"
    assert listener.requests == []


def test_the_xml_parser_alone_resolves_no_entity(listener, tmp_path: Path):
    """Behind the DTD check, lxml itself neither reads files nor calls URLs."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    for system_id in (secret.as_uri(), url_of(listener)):
        xml = (f'<!DOCTYPE d [<!ENTITY x SYSTEM "{system_id}">]><d>&x;</d>').encode()
        root = etree.fromstring(xml, docx_reader._xml_parser())
        assert "TOP-SECRET" not in etree.tostring(root, encoding="unicode")
    dtd, reference = billion_laughs()
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(f"{dtd}<d>{reference}</d>".encode(), docx_reader._xml_parser())
    assert listener.requests == []


def test_a_dtd_in_the_styles_part_is_refused_too():
    dtd, reference = billion_laughs(root="w:styles")
    styles = (f'<?xml version="1.0"?>{dtd}<w:styles xmlns:w="{docx_reader.W_TRANSITIONAL}">'
              f"<w:style><w:name w:val='{reference}'/></w:style></w:styles>").encode()
    data = zip_package({"word/document.xml": docx_xml("text"), "word/styles.xml": styles})
    assert code_of(data)[0] == "unsafe_xml"


def test_a_dtd_after_a_long_comment_is_still_found():
    prolog = "<!--" + "x" * (3 * docx_reader.PROLOG_CHUNK) + '--><!DOCTYPE d [<!ENTITY e "E">]>'
    assert code_of(docx_with_prolog(prolog, "&e;"))[0] == "unsafe_xml"


def test_ordinary_word_xml_passes_the_dtd_check():
    doc = read_docx(zip_package({"word/document.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!-- made by hand -->'
        + docx_xml("正文 &amp; 表格"))}))
    assert doc.plain_text() == "正文 & 表格"


def test_opendocument_with_an_external_entity_is_refused_before_conversion(listener):
    code, _ = code_of(xxe_odt(url_of(listener)))
    assert code == "unsafe_xml"
    assert listener.requests == []


def test_an_old_opendocument_manifest_doctype_is_allowed():
    """OpenOffice 2 wrote a DOCTYPE naming its DTD into manifests; that alone is fine."""
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE manifest:manifest PUBLIC '
                b'"-//OpenOffice.org//DTD Manifest 1.0//EN" "Manifest.dtd">\n'
                b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                b'manifest:1.0"/>')
    refuse_dtd([manifest], "META-INF/manifest.xml", bare_doctype=True)
    with pytest.raises(UnreadableDocument):
        refuse_dtd([manifest], "word/document.xml")


# -- XML attacks in web pages ----------------------------------------------------------


def test_an_xhtml_page_declaring_entities_is_refused(listener):
    dtd, reference = billion_laughs(root="html")
    page = (f'<?xml version="1.0"?>{dtd}<html xmlns="http://www.w3.org/1999/xhtml"><body>'
            f"<p>{reference}</p></body></html>").encode()
    assert code_of(page)[0] == "unsafe_xml"
    external = (f'<!DOCTYPE html [<!ENTITY x SYSTEM "{url_of(listener)}">]>'
                "<html><body><p>&x;</p></body></html>")
    assert code_of(external.encode())[0] == "unsafe_xml"
    assert listener.requests == []


def test_regression_a_utf16_page_is_html():
    page = "<!DOCTYPE html><html><body><p>正文</p></body></html>".encode("utf-16")
    assert sniff_format(page) == "html"


def test_the_html_reader_alone_expands_and_fetches_nothing(listener, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    dtd, reference = billion_laughs(root="html")
    for prolog, body in ((f'<!DOCTYPE html [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', "&x;"),
                         (f'<!DOCTYPE html [<!ENTITY x SYSTEM "{url_of(listener)}">]>', "&x;"),
                         (dtd, reference)):
        doc = read_html(f"{prolog}<html><body><p>{body}</p></body></html>".encode())
        assert "TOP-SECRET" not in doc.plain_text() and "lollol" not in doc.plain_text()
    assert listener.requests == []


def test_an_ordinary_xhtml_doctype_is_read():
    page = (b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD '
            b'XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-'
            b'transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
            b"<p>&lt;!ENTITY&gt; is only text here</p></body></html>")
    assert read_document(page).plain_text() == "<!ENTITY> is only text here"


# -- encryption ------------------------------------------------------------------------


def test_an_encrypted_word_package_is_encrypted():
    data = encrypted_docx()
    assert sniff_format(data) == "doc"  # an OLE container, whatever its name says
    assert code_of(data)[0] == "encrypted"
    with pytest.raises(UnreadableDocument) as caught:
        read_docx(data)
    assert caught.value.code == "encrypted"


def test_an_encrypted_word97_file_is_encrypted():
    assert code_of(encrypted_word97())[0] == "encrypted"


def test_a_pdf_with_a_user_password_is_encrypted():
    data = encrypted_pdf()
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(data)  # a real encrypted PDF: no opening it without ...
    page = pdfium.PdfDocument(data, password="secret")[0]  # ... and open with the password
    assert page.get_textpage().get_text_range() == "Annual report behind a password"
    assert code_of(data) == ("encrypted", "the PDF is password-protected and cannot be opened")


# -- crafted PDFs ----------------------------------------------------------------------


def test_a_page_tree_declaring_billions_of_pages_is_refused():
    code, message = code_of(text_pdf("few", count=2**31 - 1))
    assert code == "too_many_pages" and "2147483647" in message


def test_a_page_tree_with_more_pages_than_it_declares_is_refused_without_reading_all():
    code, message = code_of(many_pages_pdf(20_000, declared=1))
    assert code == "too_many_pages" and f"more than {MAX_PAGES}" in message


def test_a_page_tree_thousands_deep_is_unreadable():
    code, message = code_of(deep_page_tree_pdf())
    assert code == "unreadable_pdf" and "nested too deeply" in message


def test_drawings_nested_thousands_deep_are_unreadable():
    code, message = code_of(nested_forms_pdf())
    assert code == "unreadable_pdf"
    assert message.startswith("page 1 cannot be read") and "nested too deeply" in message


def test_a_deep_page_tree_within_limits_is_read():
    assert read_pdf(deep_page_tree_pdf(depth=50)).plain_text() == "deep"


def test_deeply_nested_arrays_in_a_content_stream_are_read_past():
    assert read_pdf(deep_array_pdf()).plain_text() == "after"


@pytest.mark.parametrize("data", [
    reference_loop_pdf(),
    pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"2 0 R"]),  # the page tree itself
    pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length 5 0 R >>\nstream\nBT ET\nendstream", b"5 0 R"]),  # a Length
], ids=["mediabox", "pages", "length"])
def test_a_reference_loop_is_unreadable_not_a_hang(data: bytes):
    code, message = code_of(data)
    assert code == "unreadable_pdf" and "reference loop" in message


def test_a_truncated_pdf_is_unreadable():
    code, message = code_of(many_pages_pdf(3)[:200])
    assert code == "unreadable_pdf" and "truncated" in message


# -- image bombs -----------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_declaring_a_huge_frame_is_refused_before_decoding():
    with peak_memory() as peak:
        code, message = code_of(png_declaring(12_000, 12_000))
    assert code == "image_too_large" and "12000x12000" in message
    assert peak[0] < 8 * MB
    assert code_of(png_declaring(40_000, 40_000))[0] == "image_too_large"  # Pillow's limit


def test_an_image_of_more_frames_than_pages_is_refused():
    code, message = code_of(many_frames_gif())
    assert code == "too_many_pages" and "600 frames" in message


# -- a huge page -----------------------------------------------------------------------


def test_a_fifty_megabyte_page_is_read_up_to_the_limit_with_a_warning():
    data = big_html_page()
    doc = read_document(data)
    codes = [code for code, _ in doc.warnings]
    assert codes == ["html_truncated"]
    assert "50.0 MB" in doc.warnings[0][1]
    assert doc.paragraphs[0].text == "请各单位按照通知要求认真组织学习，做好相关工作安排。"
    read = sum(len(p.text.encode()) + len("<p></p>\n") for p in doc.paragraphs)
    assert MAX_HTML_BYTES - 200 < read <= MAX_HTML_BYTES


def test_inline_images_do_not_count_against_the_limit():
    image = b'<img src="data:image/png;base64,' + b"QUJD" * (3 * MB) + b'">'
    page = (b"<html><body><p>before</p>" + image * 4 + "<p>后面的正文</p>".encode()
            + b"</body></html>")
    assert len(page) > MAX_HTML_BYTES
    doc = read_document(page)
    assert [p.text for p in doc.paragraphs] == ["before", "后面的正文"]
    assert doc.warnings == []


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_a_huge_utf16_page_is_cut_between_characters(bom: bytes):
    encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    page = bom + big_html_page(2 * MAX_HTML_BYTES).decode().encode(encoding)
    cut, note = bounded_page(page)
    assert note is not None and len(cut) <= MAX_HTML_BYTES
    text = cut.decode("utf-16")  # strict: no code unit was split
    assert text.endswith("</p>\n")


# -- formats decided by bytes ----------------------------------------------------------


@pytest.mark.parametrize(("data", "fmt"), [
    (text_pdf("notice"), "pdf"),
    (b"\xef\xbb\xbf \r\n%PDF-1.7" + text_pdf("x")[8:], "pdf"),
    (zip_package({"word/document.xml": docx_xml("x")}), "docx"),
    (odt_package(b"<x/>"), "odt"),
    (encrypted_docx(), "doc"),
    (b"<html><body><p>x</p></body></html>", "html"),
    ("关于会议安排的通知\n".encode("gb18030"), "txt"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "image"),
    (b"", "empty"),
    (b"\x00\x01\x02\x03" * 100, "binary"),
])
def test_the_format_comes_from_the_bytes(data: bytes, fmt: str):
    assert sniff_format(data) == fmt


# -- file names and URLs ---------------------------------------------------------------


def test_libreoffice_input_names_are_never_paths():
    for ext in ("../../escaped", "/etc/passwd", "doc/../x", "d\x00c", ""):
        with pytest.raises(ValueError):
            convert(b"{\\rtf1 x}", ext, "docx")


def test_libreoffice_leaves_nothing_in_the_temporary_folder(tmp_path: Path, monkeypatch):
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    docx = convert(b"{\\rtf1\\ansi hello\\par}", "rtf", "docx")
    assert read_docx(docx).plain_text() == "hello"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("href", [
    "http://[::1", "http://[x]/a.pdf", "http://host:99999999/a.pdf", "http://h/a\x00b.pdf",
    "http://h/a\x7fb.pdf",
])
def test_hrefs_that_make_no_url_are_dropped(href: str):
    assert absolute_url("http://h/list/", href) is None


def test_a_page_with_broken_hrefs_keeps_its_good_links():
    page = "".join(f'<a href="{href}">年度报告</a>' for href in (
        "http://[::1", "http://[x]/a.pdf", "http://host:99999999/a.pdf", "ok.pdf",
        "../../../../etc/passwd", "file:///etc/passwd")).encode()
    assert [link.url for link in extract_links(page, "http://h/list/")] == [
        "http://h/list/ok.pdf", "http://h/etc/passwd", "file:///etc/passwd"]


class _Portal(BaseHTTPRequestHandler):
    """A portal whose links, redirects and attachment names try to escape: ``../``
    everywhere, absolute paths, file: URLs, a broken IPv6 host, Content-Disposition names
    climbing out of any folder, and names in odd Unicode."""

    def do_GET(self) -> None:
        host, port = self.server.server_address[:2]
        me = f"http://{host}:{port}"
        links = ["../../../../escaped-listing.pdf", "/%2e%2e/%2e%2e/escaped.pdf",
                 "file:///etc/passwd.pdf", "http://[::1/broken.pdf", "/redirect-bad.pdf",
                 "/redirect-file.pdf", "/report\u202efdp.docx", "/" + "长" * 300 + ".pdf",
                 "/a/..%5c..%5c..%5cescaped.pdf", f"{me}/disposition.pdf"]
        if self.path == "/robots.txt":
            return self._send(404, b"")
        if self.path == "/list/":
            body = "".join(f'<a href="{link}">2020年度报告</a>' for link in links)
            return self._send(200, f"<html><body>{body}</body></html>".encode())
        if self.path == "/redirect-bad.pdf":
            return self._send(302, b"", {"Location": "http://[::1/escaped.pdf"})
        if self.path == "/redirect-file.pdf":
            return self._send(302, b"", {"Location": "file:///etc/passwd"})
        disposition = 'attachment; filename="../../../escaped.pdf"; filename*=UTF-8\'\'..%2F..%2Fx'
        return self._send(200, text_pdf(f"body of {self.path[:40]!r}"),
                          {"Content-Disposition": disposition,
                           "Content-Type": "application/pdf"})

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_hostile_portal_writes_nothing_outside_the_archive(tmp_path: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    work = tmp_path / "work"
    work.mkdir()
    cwd = Path.cwd()
    try:
        os.chdir(work)  # a relative write would land here
        sites = parse_sources(
            f'[defaults]\nrate = 50.0\ntimeout = 5\nretries = 1\n[[site]]\nname = "hostile"\n'
            f'profile = "plain"\nstart_urls = ["http://{host}:{port}/list/"]\n')
        archive = Archive(tmp_path / "archive")
        summary = asyncio.run(crawl_sites(sites, archive, backoff=0.01))
    finally:
        os.chdir(cwd)
        server.shutdown()
        server.server_close()
    assert list(work.iterdir()) == []
    assert {p.name for p in tmp_path.iterdir()} == {"work", "archive"}
    for name in _files(tmp_path / "archive"):
        parts = Path(name).parts
        assert ((parts[0] == "objects" and len(parts) == 4 and len(parts[3]) == 64)
                or (parts[0] == "fetches" and name.endswith(".parquet"))), name
    log = {r["url"]: r for r in archive.fetch_log()}
    assert summary.n_documents >= 4
    bad_redirect = log[f"http://{host}:{port}/redirect-bad.pdf"]["error"]
    assert bad_redirect.startswith(("bad_redirect", "connection: RemoteProtocolError"))
    assert log[f"http://{host}:{port}/redirect-file.pdf"]["error"].startswith(
        "off_site_redirect")
    assert not any(url.startswith("file:") for url in log)
    assert all(not (r["error"] or "").startswith("internal_error") for r in log.values())
