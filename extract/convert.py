"""Office formats Word's reader cannot open directly, converted by LibreOffice.

``.doc``, ``.wps``, ``.rtf`` and ``.odt`` become ``.docx`` (and Word files become PDF for
the tests) with ``soffice --headless``. Every conversion gets its own user profile
directory and its own working folder: LibreOffice keeps a lock in its profile, so two
conversions sharing one would block or fail each other. Each runs under a timeout and is
killed with its whole process group if it hangs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

DEFAULT_TIMEOUT = 120
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


def convert(data: bytes, source_ext: str, target: str, timeout: int = DEFAULT_TIMEOUT) -> bytes:
    """Convert ``data`` (a file with extension ``source_ext``) to ``target`` format."""
    binary = soffice()
    if binary is None:
        raise ConversionError("converter_missing",
                              "LibreOffice (soffice) is not installed; run scripts/setup")
    with tempfile.TemporaryDirectory(prefix="gongkai-lo-") as tmp:
        work = Path(tmp)
        source = work / f"input.{source_ext}"
        source.write_bytes(data)
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


def _run(command: list[str], cwd: Path, timeout: int) -> None:
    env = {**os.environ, "HOME": str(cwd), "SAL_USE_VCLPLUGIN": "svp"}
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
