"""A corpus of broken and hostile files, written by the tests themselves.

A nightly build reads files from tens of thousands of websites, so it meets every kind of
broken and crafted file. :func:`write_bad_corpus` writes one of each kind the readers
guard against, named as badly as the files can be, and says which problem code each
one's ``reports`` row must carry:

* packages built to explode or to make the XML parser do harm: a zip bomb, external
  entities (``file://`` and ``http://``), billion laughs, an OpenDocument file carrying an
  external entity, an XHTML page declaring entities;
* password-protected files: an encrypted Word package (an OLE container holding
  ``EncryptedPackage``), a Word 97 file with its encryption flag set, a PDF with a user
  password;
* PDFs whose structure is the attack: a page tree declaring two billion pages, a page
  tree and drawings (form XObjects) nested thousands deep, a reference loop; and plain
  damage: a truncated PDF;
* images declaring more pixels or frames than any scan (a PNG header of 144
  megapixels, a GIF of 600 frames);
* a 50 MB HTML page, random bytes, an empty file;
* files whose extension lies about their format;
* names that try to escape or confuse: ``..`` and backslashes, right-to-left overrides,
  zero-width and combining characters, terminal escapes, a newline, a name at the length
  limit.

Everything is made here from raw bytes (PDF syntax, zip and compound-file containers),
so the corpus needs no office suite, except one RTF file that LibreOffice converts to
show that its temporary files stay inside its own folder. :func:`slow_pdf` is kept apart:
a small valid PDF that takes pdfplumber's table finder minutes, for the build's time limit.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MB = 1024 * 1024
#: Codes a readable document that is not a report gets (with template "unknown").
NOT_A_REPORT = frozenset({"not_a_report"})
#: The size of the big HTML page, as the issue describes the threat.
BIG_PAGE_BYTES = 50 * MB

# -- PDF syntax ------------------------------------------------------------------------


def pdf_bytes(objects: list[bytes], trailer: bytes = b"", version: bytes = b"1.4") -> bytes:
    """A PDF of ``objects`` (numbered from 1, object 1 the catalog) with a correct xref."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer, xref)
    return bytes(out)


def pdf_stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n%s\nendstream" % (len(content), extra, content)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_pdf(text: str, count: int = 1, mediabox: bytes = b"[0 0 595 842]") -> bytes:
    """A one-page PDF printing ``text`` (ASCII) in Helvetica; its page tree declares
    ``count`` pages."""
    content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")
    return pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox %s /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>" % mediabox,
        pdf_stream(content),
        FONT,
    ])


def deep_page_tree_pdf(depth: int = 5000) -> bytes:
    """A page tree ``depth`` levels deep, one page at the bottom: a walk that recurses
    once per level (pdfminer's does) runs out of stack."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (level + 3))
    page = len(objects) + 1
    objects.append(b"<< /Type /Page /MediaBox [0 0 595 842] /Contents %d 0 R "
                   b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (page + 1, page + 2))
    objects.append(pdf_stream(b"BT /F1 12 Tf 72 720 Td (deep) Tj ET"))
    objects.append(FONT)
    return pdf_bytes(objects)


def deep_array_pdf(depth: int = 100_000) -> bytes:
    """A page whose content stream opens ``depth`` nested arrays."""
    content = b"[" * depth + b"]" * depth + b"\nBT /F1 12 Tf 72 720 Td (after) Tj ET"
    return pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        pdf_stream(content),
        FONT,
    ])


def nested_forms_pdf(depth: int = 3000) -> bytes:
    """A page drawing a form XObject that draws another, ``depth`` deep: drawing it
    recurses once per level."""
    def form(child: int) -> bytes:
        return pdf_stream(b"/X0 Do", b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                          b"/Resources << /XObject << /X0 %d 0 R >> >>" % child)

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
               b"/Resources << /XObject << /X0 5 0 R >> >> /Contents 4 0 R >>",
               pdf_stream(b"/X0 Do")]
    objects += [form(6 + level) for level in range(depth)]
    objects.append(pdf_stream(b"", b"/Type /XObject /Subtype /Form /BBox [0 0 1 1]"))
    return pdf_bytes(objects)


def reference_loop_pdf() -> bytes:
    """A page whose MediaBox is object 6, which is a reference to object 7, which is a
    reference to object 6: resolving it by following references never ends."""
    return pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox 6 0 R /Resources << /Font << /F1 5 0 R >> "
        b">> /Contents 4 0 R >>",
        pdf_stream(b"BT /F1 12 Tf 72 720 Td (loop) Tj ET"),
        FONT,
        b"7 0 R",
        b"6 0 R",
    ])


def many_pages_pdf(n_pages: int, declared: int | None = None) -> bytes:
    """``n_pages`` real (empty) pages, one object each; the tree declares ``declared``."""
    kids = b" ".join(b"%d 0 R" % (i + 3) for i in range(n_pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
                   kids, n_pages if declared is None else declared)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * n_pages
    return pdf_bytes(objects)


#: The padding string of the PDF standard security handler (ISO 32000-1, 7.6.3.3).
PASSWORD_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out = bytearray()
    i = j = 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def _padded(password: bytes) -> bytes:
    return (password + PASSWORD_PAD)[:32]


def encrypted_pdf(user: bytes = b"secret", owner: bytes = b"owner",
                  text: str = "Annual report behind a password") -> bytes:
    """A one-page PDF encrypted with the standard security handler, revision 2 (RC4,
    40 bits), that needs ``user`` to be opened: its /O and /U entries and its content
    stream are computed as the standard says, so a conforming reader opens it with the
    password and with nothing else."""
    permissions = -44
    file_id = hashlib.md5(b"gongkai bad corpus").digest()
    owner_key = hashlib.md5(_padded(owner)).digest()[:5]
    o_entry = _rc4(owner_key, _padded(user))
    key = hashlib.md5(_padded(user) + o_entry + struct.pack("<i", permissions)
                      + file_id).digest()[:5]
    u_entry = _rc4(key, PASSWORD_PAD)
    content = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("ascii")
    object_key = hashlib.md5(key + (4).to_bytes(3, "little") + (0).to_bytes(2, "little"))
    sealed = _rc4(object_key.digest()[:10], content)
    return pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        pdf_stream(sealed),
        FONT,
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>" % (
            o_entry.hex().encode(), u_entry.hex().encode(), permissions),
    ], trailer=b"/Encrypt 6 0 R /ID [<%s> <%s>] " % (file_id.hex().encode(),
                                                    file_id.hex().encode()))


def slow_pdf(path: Path, lines: int = 240, step: float = 5.0) -> Path:
    """Write a small valid PDF (about 14 KB) whose table finding takes pdfplumber minutes.

    The page is ruled by ``lines`` horizontal and ``lines`` vertical lines: one table of
    ``(lines - 1)²`` cells. pdfplumber turns the ``lines²`` intersections into cells by
    comparing every intersection with every other, so the time grows with the fourth
    power of ``lines``: 80 lines take about 2 s, 160 about 40 s, 200 about a minute, 240
    over two minutes on one core. It is the document a per-document time limit exists for; the
    readers themselves do not refuse it (a report's tables are ruled like this, only
    smaller).
    """
    size = 20 + lines * step
    ops = [b"0.1 w"]
    for i in range(lines):
        at = 10 + i * step
        ops.append(b"10 %.1f m %.1f %.1f l S" % (at, size - 10, at))
        ops.append(b"%.1f 10 m %.1f %.1f l S" % (at, at, size - 10))
    data = pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Contents 4 0 R >>" % (
            size, size),
        pdf_stream(b"\n".join(ops)),
    ])
    path.write_bytes(data)
    return path


# -- Word packages ---------------------------------------------------------------------


def docx_xml(body_text: str) -> bytes:
    """A WordprocessingML main part holding one paragraph (``body_text`` may be an
    entity reference)."""
    return (f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>{body_text}</w:t>'
            "</w:r></w:p></w:body></w:document>").encode()


def zip_package(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2021, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def docx_with_prolog(prolog: str, body_text: str, encoding: str = "utf-8") -> bytes:
    """A .docx whose main part starts with ``prolog`` (a DOCTYPE, say)."""
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
    xml = (declaration + prolog).encode(encoding) + docx_xml(body_text).decode().encode(
        encoding)
    return zip_package({"word/document.xml": xml})


def billion_laughs(levels: int = 10, root: str = "d") -> tuple[str, str]:
    """The classic entity-expansion DTD (``10**levels`` copies of "lol" when expanded)
    and the reference that expands it."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return f"<!DOCTYPE {root} [{''.join(entities)}]>", f"&lol{levels};"


def xxe_docx(system_id: str) -> bytes:
    """A .docx whose text is an external entity pointing at ``system_id``."""
    return docx_with_prolog(f'<!DOCTYPE d [<!ENTITY xxe SYSTEM "{system_id}">]>', "&xxe;")


def zip_bomb_docx(inflated: int = 60 * MB) -> bytes:
    """A .docx whose main part inflates to ``inflated`` bytes of spaces, compressed about
    1000 times: under the size limit, refused for its ratio alone. It is written in
    pieces, so the test never holds it inflated either."""
    out = io.BytesIO()
    chunk = b" " * MB
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("word/document.xml", date_time=(2021, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as part:
            part.write(f'<w:document xmlns:w="{W_NS}"><w:body>'.encode())
            for _ in range(inflated // MB):
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    return out.getvalue()


def odt_package(content_xml: bytes) -> bytes:
    """An OpenDocument text package with ``content_xml`` as its content."""
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
        b'"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        b'<manifest:file-entry manifest:full-path="/" manifest:media-type='
        b'"application/vnd.oasis.opendocument.text"/><manifest:file-entry '
        b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        b"</manifest:manifest>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype", date_time=(2021, 1, 1, 0, 0, 0)),
                    b"application/vnd.oasis.opendocument.text")
        for name, data in (("META-INF/manifest.xml", manifest), ("content.xml", content_xml)):
            info = zipfile.ZipInfo(name, date_time=(2021, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()


def xxe_odt(system_id: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "{system_id}">]>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
        'office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'office:version="1.2"><office:body><office:text><text:p>&xxe;</text:p>'
        "</office:text></office:body></office:document-content>")
    return odt_package(content.encode())


# -- OLE compound files ----------------------------------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR = 512
END_OF_CHAIN, FAT_SECTOR, FREE = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
NO_STREAM = 0xFFFFFFFF


def _dir_entry(name: str, kind: int, child: int = NO_STREAM, right: int = NO_STREAM,
               start: int = END_OF_CHAIN, size: int = 0) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NO_STREAM, right, child) + bytes(16) + bytes(4)
            + bytes(16) + struct.pack("<IQ", start, size))


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A compound file (version 3) holding ``streams`` in the root storage, each padded
    to 4096 bytes so all live in ordinary sectors (no mini stream needed).

    The directory is a chain of right siblings under the root: ``streams`` must be given
    in the order the format sorts names (shorter first, then by upper-cased name).
    """
    bodies = [data.ljust(4096, b"\0") for data in streams.values()]
    sectors_of = [-(-len(body) // SECTOR) for body in bodies]
    n_entries = len(streams) + 1
    dir_sectors = -(-n_entries * 128 // SECTOR)
    fat: list[int] = [FAT_SECTOR]
    fat += [*range(2, 1 + dir_sectors), END_OF_CHAIN]
    starts = []
    for count in sectors_of:
        first = len(fat)
        starts.append(first)
        fat += [*range(first + 1, first + count), END_OF_CHAIN]
    if len(fat) > SECTOR // 4:
        raise ValueError("ole_file writes one FAT sector; the streams are too big")
    fat += [FREE] * (SECTOR // 4 - len(fat))
    header = (OLE_MAGIC + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END_OF_CHAIN, 0,
                                       END_OF_CHAIN, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    names = list(streams)
    entries = [_dir_entry("Root Entry", 5, child=1 if names else NO_STREAM)]
    for i, (name, body) in enumerate(zip(names, bodies, strict=True)):
        right = i + 2 if i + 1 < len(names) else NO_STREAM
        entries.append(_dir_entry(name, 2, right=right, start=starts[i], size=len(body)))
    directory = b"".join(entries).ljust(dir_sectors * SECTOR, b"\0")
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + b"".join(
        body.ljust(count * SECTOR, b"\0") for body, count in zip(bodies, sectors_of,
                                                                 strict=True))


def encrypted_docx() -> bytes:
    """What Word writes for a .docx with an open password: not a zip but an OLE
    container whose ``EncryptedPackage`` stream holds the encrypted package."""
    rng = random.Random(7)
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption xmlns=\"http://schemas."
    return ole_file({"EncryptionInfo": info, "EncryptedPackage": rng.randbytes(8192)})


def encrypted_word97() -> bytes:
    """A Word 97-2003 file whose header (FIB) says its streams are encrypted."""
    fib = struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0x0804, 0, 0x0100 | 0x0200)
    return ole_file({"1Table": bytes(64), "WordDocument": fib + bytes(500)})


# -- images ----------------------------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header declaring ``width`` x ``height`` gray pixels, with (almost) no
    pixel data: a few dozen bytes that would decode to ``width * height`` bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def many_frames_gif(n_frames: int = 600) -> bytes:
    """An animated GIF of ``n_frames`` tiny frames: as many "pages" for the OCR reader."""
    from PIL import Image

    frames = [Image.new("L", (2, 2), i % 256) for i in range(n_frames)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    return out.getvalue()


# -- the corpus ------------------------------------------------------------------------


def big_html_page(size: int = BIG_PAGE_BYTES) -> bytes:
    """A ``size`` page of ordinary paragraphs (the shape of a page that grew by
    accident: a CMS repeating its content)."""
    head = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title>'
            "</head><body>").encode()
    paragraph = "<p>请各单位按照通知要求认真组织学习，做好相关工作安排。</p>\n".encode()
    return head + paragraph * ((size - len(head)) // len(paragraph)) + b"</body></html>"


def notice(name: str) -> bytes:
    """A short readable document that is not a report, unique to ``name``."""
    return (f"关于做好文件归档工作的通知\n各科室：请于本月底前完成归档。\n（{name}）\n"
            .encode())


def _html_notice(name: str) -> bytes:
    return (f"<html><head><meta charset='utf-8'></head><body><p>关于会议安排的通知</p>"
            f"<p>请准时参加。{name}</p></body></html>").encode()


def _rtf_notice(name: str) -> bytes:
    text = "".join(f"\\u{ord(ch)}?" for ch in f"关于会议安排的通知 {name}")
    return ("{\\rtf1\\ansi\\ansicpg936 " + text + "\\par}").encode("ascii")


#: Names that try to escape the folder or hide what they are. None of them may make
#: anything be written anywhere but the output folder. (Names starting with a dot are
#: hidden files, which the build skips, so these start otherwise.)
HOSTILE_NAMES = {
    "dotdot": "x..%2F..%2Fescaped-by-url-encoding.txt",
    "backslash": "x\\..\\..\\escaped-by-backslash.txt",
    "dots": "x..txt",
    "rtl": "report\u202etxt.exe.pdf",  # shows as report.exe.txt... in a terminal
    "zero_width": "zero\u200b\u200d\ufeffwidth.txt",
    "combining": "e\u0301\u0301\u0301\u0336combined.txt",
    "escape": "\x1b[31mred\x1b[0m.txt",
    "newline": "two\nlines.txt",
    "dash": "-rf --no-preserve-root.txt",
    "long": "长" * 80 + ".txt",  # 244 bytes, at the file system's 255-byte limit
}


def write_bad_corpus(folder: Path) -> dict[str, set[str]]:
    """Write every bad file into ``folder``; return each file's name (relative to
    ``folder``) and the problem codes its ``reports`` row must carry.

    A row for a file that cannot be read is ``failed``; one for a readable file that is
    not a report has template ``unknown`` and ``not_a_report``. Every file's bytes are
    unique, so none is folded into another as an identical copy.
    """
    folder.mkdir(parents=True, exist_ok=True)
    laughs, laughs_ref = billion_laughs()
    html_laughs, html_laughs_ref = billion_laughs(root="html")
    makers: dict[str, tuple[Callable[[], bytes], set[str]]] = {
        # packages and XML built to do harm
        "zip_bomb.docx": (zip_bomb_docx, {"zip_bomb"}),
        "xxe_file.docx": (lambda: xxe_docx("file:///etc/passwd"), {"unsafe_xml"}),
        "xxe_http.docx": (lambda: xxe_docx("http://127.0.0.1:9/secret"), {"unsafe_xml"}),
        "billion_laughs.docx": (lambda: docx_with_prolog(laughs, laughs_ref),
                                {"unsafe_xml"}),
        "billion_laughs_utf16.docx": (
            lambda: docx_with_prolog(laughs, laughs_ref, "utf-16"), {"unsafe_xml"}),
        "xxe.odt": (lambda: xxe_odt("file:///etc/passwd"), {"unsafe_xml"}),
        "entities.xhtml": (lambda: (
            '<?xml version="1.0" encoding="utf-8"?>' + html_laughs
            + '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>'
            + html_laughs_ref + "</p></body></html>").encode(), {"unsafe_xml"}),
        "xxe.html": (lambda: (
            b'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<html><body><table><tr><td>&xxe;</td></tr></table></body></html>"),
            {"unsafe_xml"}),
        # password-protected
        "encrypted.docx": (encrypted_docx, {"encrypted"}),
        "encrypted.doc": (encrypted_word97, {"encrypted"}),
        "encrypted.pdf": (encrypted_pdf, {"encrypted"}),
        # PDFs whose structure is the attack, and a damaged one
        "two_billion_pages.pdf": (lambda: text_pdf("few pages", count=2**31 - 1),
                                  {"too_many_pages"}),
        "deep_page_tree.pdf": (deep_page_tree_pdf, {"unreadable_pdf"}),
        "deep_forms.pdf": (nested_forms_pdf, {"unreadable_pdf"}),
        "reference_loop.pdf": (reference_loop_pdf, {"unreadable_pdf"}),
        "truncated.pdf": (lambda: many_pages_pdf(3)[:200], {"unreadable_pdf"}),
        # images declaring more than any scan
        "giant.png": (lambda: png_declaring(12_000, 12_000), {"image_too_large"}),
        "six_hundred_frames.gif": (many_frames_gif, {"too_many_pages"}),
        # size, noise, nothing
        "huge_page.html": (big_html_page, {"html_truncated", *NOT_A_REPORT}),
        "random.bin": (lambda: random.Random(1).randbytes(4096), {"unsupported_format"}),
        "empty.docx": (lambda: b"", {"empty_file"}),
        # extensions that lie
        "really_a_pdf.docx": (lambda: text_pdf("Meeting notice, not a report"),
                              set(NOT_A_REPORT)),
        "really_html.pdf": (lambda: _html_notice("really_html"), set(NOT_A_REPORT)),
        "really_docx.txt": (lambda: zip_package(
            {"word/document.xml": docx_xml("关于会议安排的通知 really_docx")}),
            set(NOT_A_REPORT)),
        "really_encrypted_pdf.html": (lambda: encrypted_pdf(text="lying extension"),
                                      {"encrypted"}),
        "really_a_zip_bomb.pdf": (lambda: zip_bomb_docx(20 * MB), {"zip_bomb"}),
        "really_text.jpg": (lambda: notice("really_text"), set(NOT_A_REPORT)),
        # converted by LibreOffice, whose temporary files must stay in its own folder
        "会议\u202e通知.rtf": (lambda: _rtf_notice("rtl rtf"), set(NOT_A_REPORT)),
    }
    for key, name in HOSTILE_NAMES.items():
        makers[name] = (lambda key=key: notice(key), set(NOT_A_REPORT))
    written: dict[str, set[str]] = {}
    for name, (make, codes) in makers.items():
        (folder / name).write_bytes(make())
        written[name] = codes
    nested = folder / "..." / ".. "
    nested.mkdir(parents=True, exist_ok=True)
    (nested / "nested.txt").write_bytes(notice("nested under dots"))
    written[str(Path("...", ".. ", "nested.txt"))] = set(NOT_A_REPORT)
    return written
