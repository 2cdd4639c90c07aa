"""Office formats Word's reader cannot open directly, converted by LibreOffice.

``.doc``, ``.wps``, ``.rtf`` and ``.odt`` become ``.docx`` (and Word files become PDF for
the tests) with ``soffice --headless``. Every conversion gets its own user profile
directory and its own working folder: LibreOffice keeps a lock in its profile, so two
conversions sharing one would block or fail each other. Each runs under a timeout and is
killed with its whole process group if it hangs.

The documents come from the internet, so LibreOffice is kept inside that folder and told
to trust nothing: the input is always written as ``input.<ext>`` (no name from outside
reaches the disk), ``HOME`` and ``TMPDIR`` point into the folder so its own temporary
files are deleted with it, and the fresh profile starts with macros disabled, links to
other files or URLs never updated and untrusted referers blocked, so a crafted file
cannot run code or pull a local file into the converted document.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

DEFAULT_TIMEOUT = 120
#: The input's extension names a file in the work folder: a plain token, never a path.
SAFE_EXTENSION = re.compile(r"[a-z0-9]{1,8}")
#: The profile's settings, written before LibreOffice first starts with it.
HARDENED_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop
 oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop
 oor:name="Link" oor:op="fuse"><value>2</value></prop></item>
</oor:items>
"""
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "pdf": "pdf:writer_pdf_Export",
    "doc": "doc:MS Word 97",
    "odt": "odt",
    "rtf": "rtf",
}


class ConversionError(Exception):
    """LibreOffice could not convert the document; ``code`` is the problems code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def soffice() -> str | None:
    """The LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, source_ext: str, target: str,
            timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Convert ``data`` (a file with extension ``source_ext``) to ``target`` format."""
    binary = soffice()
    if binary is None:
        raise ConversionError("converter_missing",
                              "LibreOffice (soffice) is not installed; run scripts/setup")
    with tempfile.TemporaryDirectory(prefix="gongkai-lo-") as tmp:
        work = Path(tmp)
        if not (SAFE_EXTENSION.fullmatch(source_ext) and target in FILTERS):
            raise ValueError(f"not a conversion LibreOffice is used for: "
                             f"{source_ext!r} -> {target!r}")
        source = work / f"input.{source_ext}"
        source.write_bytes(data)
        settings = work / "profile" / "user" / "registrymodifications.xcu"
        settings.parent.mkdir(parents=True)
        settings.write_text(HARDENED_SETTINGS, encoding="utf-8")
        (work / "tmp").mkdir()
        profile = (work / "profile").as_uri()
        command = [binary, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                   "--nologo", "--nodefault", "--nolockcheck", "--convert-to",
                   FILTERS.get(target, target), "--outdir", str(work / "out"), str(source)]
        _run(command, work, timeout)
        produced = work / "out" / f"input.{target}"
        if not produced.exists() or produced.stat().st_size == 0:
            raise ConversionError("conversion_failed",
                                  f"LibreOffice could not open or convert this .{source_ext} file")
        return produced.read_bytes()


def _run(command: list[str], cwd: Path, timeout: float) -> None:
    env = {**os.environ, "HOME": str(cwd), "TMPDIR": str(cwd / "tmp"),
           "SAL_USE_VCLPLUGIN": "svp"}
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ConversionError("conversion_timeout",
                              f"LibreOffice did not finish within {timeout} s") from None
    if proc.returncode != 0:
        tail = stderr.decode("utf-8", "replace").strip()[-300:]
        raise ConversionError("conversion_failed", f"LibreOffice exited {proc.returncode}: {tail}")
