"""The raw archive: every fetched body stored once under its sha256, and the fetch log.

    <root>/objects/ab/cd/<sha256>          bodies, written once, never changed
    <root>/fetches/<UTC run id>.parquet    one file per crawl run: what was requested,
                                           when, with what answer

Paths come only from hashes and timestamps, never from URLs or server-sent names, so a
hostile URL cannot write outside the archive. Every write goes to a temporary file that
is renamed into place, so a crash never leaves a half-written body or log.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from transform.write import arrow_table


@dataclass(frozen=True)
class ArchivedDocument:
    """A document for the build: where it came from and where its bytes are."""

    url: str
    sha256: str
    first_fetched: datetime
    site: str


class Archive:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.logs = self.root / "fetches"

    # -- bodies ---------------------------------------------------------------------
    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.objects / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if not target.exists():
            _atomic_write(target, data)
        return sha

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    # -- the fetch log ----------------------------------------------------------------
    def write_log(self, records: list[dict[str, Any]]) -> Path | None:
        """One crawl run's records, as one new Parquet file."""
        if not records:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.logs / f"{stamp}.parquet"
        self.logs.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.logs, prefix=".run-", suffix=".tmp")
        os.close(fd)
        try:
            pq.write_table(arrow_table("fetches", records), tmp, compression="zstd")
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    def fetch_log(self) -> list[dict[str, Any]]:
        """Every run's records, in the order they were made (oldest run first)."""
        records: list[dict[str, Any]] = []
        if not self.logs.exists():
            return records
        for path in sorted(self.logs.glob("*.parquet")):
            records.extend(pq.read_table(path).to_pylist())
        return records

    def validators(self) -> dict[str, dict[str, Any]]:
        """Latest good fetch per URL: its ETag, Last-Modified and archived body. Indexed
        by the URL where the body came from, so a redirect's target is asked
        conditionally too."""
        latest: dict[str, dict[str, Any]] = {}
        for record in self.fetch_log():
            if record["sha256"] and record["http_status"] in (200, 304):
                latest[record["final_url"] or record["url"]] = record
        return latest

    def documents(self) -> list[ArchivedDocument]:
        """The documents to build: per URL (where the body came from, after redirects),
        the body of its latest good fetch, dated by the first time that body was fetched
        there (so rebuilding changes nothing)."""
        first_seen: dict[tuple[str, str], datetime] = {}
        latest: dict[str, dict[str, Any]] = {}
        for record in self.fetch_log():
            if not (record["sha256"] and record["http_status"] in (200, 304)):
                continue
            url = record["final_url"] or record["url"]
            first_seen.setdefault((url, record["sha256"]), record["fetched_at"])
            latest[url] = record
        return [
            ArchivedDocument(url=url, sha256=r["sha256"],
                             first_fetched=first_seen[(url, r["sha256"])], site=r["site"])
            for url, r in sorted(latest.items())
            if r["is_document"] and self.has(r["sha256"])
        ]


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
