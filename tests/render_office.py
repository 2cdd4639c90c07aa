"""The seeds in the formats LibreOffice writes: .doc, .odt, .rtf, PDF, and encrypted.

Portals publish reports as old Word files, OpenDocument, RTF and PDF as often as .docx.
The fixtures for those formats are the seeds' Word renderings (``tests/render_docx.py``)
converted by LibreOffice itself, so the tests meet the files a real office suite writes.

A conversion costs LibreOffice a couple of seconds and the suite asks for the same ones
on every run, so results are cached on disk, keyed by the sha256 of the input, the
target and LibreOffice's version (``render_docx`` writes the same bytes for the same
document, so the key is stable). The cache lives in pytest's cache folder,
``.pytest_cache/d/gongkai-office`` (``pytest --cache-clear`` empties it), or wherever
``GONGKAI_OFFICE_CACHE`` points.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from extract.convert import convert, soffice
from extract.text_export import read_text_export
from tests.render_docx import render_docx, without_timestamps

ROOT = Path(__file__).resolve().parents[1]
CACHE_ENV = "GONGKAI_OFFICE_CACHE"
TARGETS = ("pdf", "doc", "odt", "rtf")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")
TIMEOUT = 120

#: Narrative padding for :func:`split_table_docx`: plain prose with no year, place,
#: number or table label in it, so it changes nothing the pipeline extracts.
FILLER = ("本机关坚持以公开为常态、不公开为例外，围绕群众关切做好政府信息公开工作，"
          "不断完善公开制度，规范公开流程，加强公开平台建设，提升公开质量和实效。")
#: Enough filler to push table 三 about half-way down a fresh page; the table is about
#: two thirds of a page high, so it has to continue on the next.
FILLER_PARAGRAPHS = 9

#: LibreOffice 7.4's ``--convert-to`` cannot pass a password, so encrypted fixtures are
#: stored from a Basic macro. The Word 97 and ODF filters take a ``Password``; OOXML is
#: encrypted only when the media descriptor has ``EncryptionData`` with an
#: ``OOXPassword`` and a ``CryptoType`` (a plain ``Password`` is silently ignored there
#: and yields an ordinary zip).
ENCRYPT_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1"
 script:language="StarBasic">
Sub Encrypt(source As String, target As String, filter As String, secret As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(source), &quot;_blank&quot;, 0, load())
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot;
  store(0).Value = filter
  If filter = &quot;MS Word 2007 XML&quot; Then
    Dim crypt(1) As New com.sun.star.beans.NamedValue
    crypt(0).Name = &quot;OOXPassword&quot;
    crypt(0).Value = secret
    crypt(1).Name = &quot;CryptoType&quot;
    crypt(1).Value = &quot;Standard&quot;
    store(1).Name = &quot;EncryptionData&quot;
    store(1).Value = crypt()
  Else
    store(1).Name = &quot;Password&quot;
    store(1).Value = secret
  End If
  doc.storeToURL(ConvertToURL(target), store())
  doc.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"""
#: The LibreOffice filter each encrypted fixture format is stored with.
ENCRYPT_FILTERS = {"docx": "MS Word 2007 XML", "doc": "MS Word 97", "odt": "writer8"}


def cache_dir() -> Path:
    """Where converted fixtures are kept between runs."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else ROOT / ".pytest_cache" / "d" / "gongkai-office"


@functools.cache
def _office_version() -> str:
    """Part of every cache key: another LibreOffice writes other bytes."""
    binary = soffice()
    if binary is None:
        return "none"
    done = subprocess.run([binary, "--version"], capture_output=True, text=True,
                          timeout=60, check=False)
    return done.stdout.strip()


def _cached(data: bytes, kind: str, make: Callable[[], bytes]) -> bytes:
    """``make()``'s result for ``data`` turned into ``kind``, from the cache if there."""
    key = hashlib.sha256(b"\0".join([_office_version().encode(), kind.encode(), data]))
    path = cache_dir() / f"{key.hexdigest()}.{kind}"
    if path.is_file():
        return path.read_bytes()
    result = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(result)
    os.replace(partial, path)  # atomic: a concurrent run never reads half a file
    return result


def seed_docx(path: Path) -> bytes:
    """The seed text export rendered as the Word file of the national template."""
    return render_docx(read_text_export(path.read_bytes()))


def to_format(docx_bytes: bytes, target: str) -> bytes:
    """A .docx converted by LibreOffice to ``pdf``, ``doc``, ``odt`` or ``rtf``."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, not {target!r}")
    return _cached(docx_bytes, target, lambda: convert(docx_bytes, "docx", target, TIMEOUT))


def split_table_docx(path: Path) -> bytes:
    """The seed with table 三 starting half-way down a page, so that printed to PDF it
    breaks across two pages.

    A page break and some plain narrative go before the table's heading (the paragraph
    just above it, however the seed numbers that section). The rows of table 三 may not
    break inside themselves, so the page break falls between two rows, as in most
    printed reports (a row cut in two is another problem than a table cut in two)."""
    word = docx.Document(io.BytesIO(seed_docx(path)))
    table = word.tables[1]
    above = table._tbl.getprevious()
    if above is None or above.tag != qn("w:p"):
        raise ValueError(f"{path.name}: table 三 has no heading paragraph above it")
    heading = Paragraph(above, table._parent)
    for i in range(FILLER_PARAGRAPHS):
        paragraph = heading.insert_paragraph_before(FILLER)
        paragraph.paragraph_format.page_break_before = i == 0
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    out = io.BytesIO()
    word.save(out)
    return without_timestamps(out.getvalue())


def encrypted(docx_bytes: bytes, fmt: str = "docx", password: str = "x") -> bytes:
    """The .docx saved by LibreOffice as ``fmt`` with an open password.

    ``docx`` is what Word writes too: an OLE container holding ``EncryptionInfo`` and
    ``EncryptedPackage`` streams. ``doc`` is a Word 97 file whose streams are encrypted
    (``fEncrypted`` set in its header; there is no ``EncryptedPackage``), ``odt`` a zip
    whose manifest lists the encryption of each part."""
    if fmt not in ENCRYPT_FILTERS:
        raise ValueError(f"fmt must be one of {sorted(ENCRYPT_FILTERS)}, not {fmt!r}")
    data = _cached(docx_bytes + password.encode(), f"encrypted.{fmt}",
                   lambda: _encrypt(docx_bytes, fmt, password))
    if fmt == "docx" and not (data.startswith(OLE_MAGIC) and ENCRYPTED_MARKER in data):
        raise RuntimeError("LibreOffice did not write an encrypted Word file")
    return data


def _encrypt(docx_bytes: bytes, fmt: str, password: str) -> bytes:
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; run scripts/setup")
    with tempfile.TemporaryDirectory(prefix="gongkai-encrypt-") as tmp:
        work = Path(tmp)
        profile = [f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless",
                   "--norestore", "--nologo", "--nolockcheck"]
        # A first start creates the profile; then its empty Module1 gets the macro.
        _run([binary, *profile, "--terminate_after_init"], work)
        module = work / "profile" / "user" / "basic" / "Standard" / "Module1.xba"
        module.write_text(ENCRYPT_MACRO, encoding="utf-8")
        source, target = work / "plain.docx", work / f"locked.{fmt}"
        source.write_bytes(docx_bytes)
        call = f'"{source}","{target}","{ENCRYPT_FILTERS[fmt]}","{password}"'
        _run([binary, *profile, f"macro:///Standard.Module1.Encrypt({call})"], work)
        if not target.is_file():
            raise RuntimeError("LibreOffice's macro wrote no encrypted file")
        return target.read_bytes()


def _run(command: list[str], cwd: Path) -> None:
    """Run LibreOffice in its own process group, killed whole if it hangs (a Basic error
    opens a dialog nobody can close in headless mode)."""
    env = {**os.environ, "HOME": str(cwd), "SAL_USE_VCLPLUGIN": "svp"}
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise RuntimeError(f"LibreOffice did not finish within {TIMEOUT} s") from None
