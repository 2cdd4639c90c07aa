"""A look inside OLE compound files (old Word, WPS) before handing them to LibreOffice.

LibreOffice decides by itself what an OLE file holds, and when it recognises nothing it
imports the bytes as plain text: a damaged or foreign OLE file named .doc becomes a
"document" of mojibake instead of a failure. And a Word 97-2003 file with an open
password fails in LibreOffice exactly like a damaged one. Both are told apart here, from
the container's streams and the Word file header (FIB), with olefile.
"""

from __future__ import annotations

import io

import olefile

#: The stream every Word 97-2003 document (and WPS Writer's .wps) keeps its text in.
WORD_STREAM = "WordDocument"
WORD_IDENT = 0xA5EC
F_ENCRYPTED = 0x0100


def has_word_stream(data: bytes) -> bool:
    """Whether the container holds a WordDocument stream. A byte search backs up the
    parser, so a truncated file whose directory is damaged still answers."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists(WORD_STREAM):
                return True
    except Exception:  # a damaged or crafted container: olefile raises any kind
        pass
    return WORD_STREAM.encode("utf-16-le") in data


def word_encrypted(data: bytes) -> bool:
    """Whether the Word 97-2003 header says the document is encrypted (an open password:
    Word's XOR or RC4 obfuscation), or the file is an encrypted OOXML package."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptedPackage"):
                return True
            if not ole.exists(WORD_STREAM):
                return False
            head = ole.openstream(WORD_STREAM).read(12)
    except Exception:  # a damaged or crafted container: olefile raises any kind
        return False
    if len(head) < 12 or int.from_bytes(head[0:2], "little") != WORD_IDENT:
        return False
    return bool(int.from_bytes(head[10:12], "little") & F_ENCRYPTED)
