"""Per-document results kept between builds, keyed by (sha256, parser fingerprint, terms).

A build re-reads only documents it has not read with this parser before; everything
else comes from here, and the whole dataset is still assembled and published every
time. Entries are written atomically (temporary file, then rename), so a build killed
mid-write leaves no torn entry; an entry that cannot be read is simply read again.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from transform.parser_version import parser_fingerprint
from transform.report import ReportRows


class ResultCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root) / parser_fingerprint()[:16]

    def _path(self, sha256: str, terms: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.{terms}.pickle"

    def get(self, sha256: str, terms: str) -> ReportRows | None:
        path = self._path(sha256, terms)
        try:
            with path.open("rb") as fh:
                rows = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None
        return rows if isinstance(rows, ReportRows) else None

    def put(self, sha256: str, terms: str, rows: ReportRows) -> None:
        path = self._path(sha256, terms)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(rows, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def prune_other_versions(self) -> None:
        """Drop entries made by other parsers (they can never be used again)."""
        import shutil

        if not self.root.parent.exists():
            return
        for entry in self.root.parent.iterdir():
            if entry.is_dir() and entry != self.root:
                shutil.rmtree(entry, ignore_errors=True)
