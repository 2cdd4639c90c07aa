"""What a build will read: the documents, each once, in the order their rows are published.

Every document is named by the sha256 of its bytes (its ``report_id``). Hashing them all
before any parsing gives three things at once:

* two paths with identical bytes are one report, read once (the first path in sort order
  is kept and the others are listed in its problems);
* documents are handed out in report_id order, which is the order rows are published in,
  so results can be written as they come back instead of being held and sorted;
* a digest of everything the dataset depends on (every input's name, bytes and date, the
  parser, the options, the crawl log) tells a rebuild that nothing has changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from transform.parser_version import parser_version
from transform.report import ingestion_time

SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class DocumentRef:
    """A document to build: what to call it, where its bytes are, when it came in."""

    uri: str  # the file's path, or the URL it was crawled from
    path: str  # a local file, or the archive object holding the crawled body
    ingested_at: datetime
    sha256: str | None = None  # known for archived documents, else computed by the plan
    also_at: tuple[str, ...] = ()  # other uris holding the very same bytes


@dataclass(frozen=True)
class BuildPlan:
    """The unique documents in publishing order, and the digest of the whole input."""

    refs: tuple[DocumentRef, ...]
    terms: str
    digest: str  # documents, parser, options and crawl log
    documents_digest: str = ""  # the same without the crawl log
    fetch_logs: tuple[Path, ...] = field(default_factory=tuple)


def discover_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Files named, and every file below folders named (recursively), sorted, once each."""
    found: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and _wanted(p))
        elif path.is_file():
            found.add(path)
        else:
            raise FileNotFoundError(f"input not found: {path}")
    return sorted(found, key=lambda p: str(p))


def _wanted(path: Path) -> bool:
    return path.name not in SKIP_NAMES and not path.name.startswith(".")


def printable_name(path: Path) -> str:
    """The path as text that Parquet can store.

    A file name that is not valid UTF-8 reaches Python as lone surrogates, which no
    UTF-8 writer accepts; its undecodable bytes are written as ``\\xNN`` escapes, so the
    row still says which file it was.
    """
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def discover_documents(inputs: Iterable[str | Path],
                       archive: Path | None = None) -> list[DocumentRef]:
    """Files and folders named, and every document of a crawl archive."""
    refs = [DocumentRef(uri=printable_name(p), path=str(p),
                        ingested_at=ingestion_time(p.stat().st_mtime))
            for p in discover_inputs(inputs)]
    if archive is not None:
        from crawl.archive import Archive

        store = Archive(archive)
        refs += [DocumentRef(uri=d.url, path=str(store.path(d.sha256)),
                             ingested_at=ingestion_time(d.first_fetched.timestamp()),
                             sha256=d.sha256)
                 for d in store.documents()]
    return refs


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_logs(archive: Path | None) -> tuple[Path, ...]:
    """The crawl log's files (one per crawl run), oldest first."""
    if archive is None or not (Path(archive) / "fetches").is_dir():
        return ()
    return tuple(sorted((Path(archive) / "fetches").glob("*.parquet")))


def plan_build(inputs: Iterable[str | Path], archive: Path | None = None,
               terms: str = "cut") -> BuildPlan:
    """Hash, deduplicate and order the documents, and digest the whole input."""
    by_sha: dict[str, list[DocumentRef]] = {}
    for ref in discover_documents(inputs, archive):
        sha = ref.sha256 or file_sha256(ref.path)
        by_sha.setdefault(sha, []).append(ref)
    refs = []
    for sha in sorted(by_sha):
        copies = sorted(by_sha[sha], key=lambda r: r.uri)
        first = copies[0]
        refs.append(DocumentRef(uri=first.uri, path=first.path, ingested_at=first.ingested_at,
                                sha256=sha, also_at=tuple(r.uri for r in copies[1:])))
    logs = fetch_logs(archive)
    digest = hashlib.sha256()
    digest.update(f"{parser_version()}\n{terms}\n".encode())
    for ref in refs:
        digest.update(f"{ref.sha256}\t{ref.uri}\t{ref.ingested_at.isoformat()}\t"
                      f"{'|'.join(ref.also_at)}\n".encode())
    documents_digest = digest.hexdigest()
    for log in logs:
        digest.update(f"log\t{log.name}\t{log.stat().st_size}\n".encode())
    return BuildPlan(refs=tuple(refs), terms=terms, digest=digest.hexdigest(),
                     documents_digest=documents_digest, fetch_logs=logs)
