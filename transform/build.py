"""The build as plain functions: find inputs, process them, assemble, publish.

The Prefect flow in ``flows/build.py`` wires exactly these functions; tests call them
directly.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from transform.cache import ResultCache
from transform.corpus import corpus_tables
from transform.gates import quality_gates
from transform.parser_version import parser_version
from transform.report import ReportRows, Source, ingestion_time, process_source
from transform.schema import TABLE_ORDER
from transform.template_map import load_template_map
from transform.write import (
    mark_failed,
    prune_releases,
    publish,
    published_release,
    sort_rows,
    write_release,
)

SKIP_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class BuildSummary:
    out: Path
    release: Path
    n_documents: int
    status_counts: dict[str, int]
    row_counts: dict[str, int]
    n_parsed: int = 0
    n_cached: int = 0
    published: bool = True
    gate_failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocumentRef:
    """A document to build: what to call it, where its bytes are, when it came in."""

    uri: str  # the file's path, or the URL it was crawled from
    path: str  # a local file, or the archive object holding the crawled body
    ingested_at: datetime


@dataclass
class Batch:
    """What processing a batch of documents gave, and how much of it was read afresh."""

    results: list[ReportRows]
    n_parsed: int = 0
    n_cached: int = 0


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
    return path.name not in SKIP_NAMES and not any(
        part.startswith(".") for part in path.parts[-1:])


def discover_documents(inputs: Iterable[str | Path],
                       archive: Path | None = None) -> list[DocumentRef]:
    """Files and folders named, and every document of a crawl archive."""
    refs = [DocumentRef(uri=str(p), path=str(p), ingested_at=ingestion_time(p.stat().st_mtime))
            for p in discover_inputs(inputs)]
    if archive is not None:
        from crawl.archive import Archive

        store = Archive(archive)
        refs += [DocumentRef(uri=d.url, path=str(store.path(d.sha256)),
                             ingested_at=_ingestion_of(d.first_fetched))
                 for d in store.documents()]
    return refs


def _ingestion_of(fetched: datetime) -> datetime:
    """A crawled document came in when first fetched (SOURCE_DATE_EPOCH still wins)."""
    return ingestion_time(fetched.timestamp())


def load_source(ref: DocumentRef) -> Source:
    return Source(uri=ref.uri, data=Path(ref.path).read_bytes(), ingested_at=ref.ingested_at)


def process_documents(refs: list[DocumentRef], terms: str = "cut",
                      cache: Path | None = None) -> Batch:
    """Process a batch of documents in this process (the unit of work of a flow task).

    With a cache folder, a document read before by this same parser is not read again.
    """
    tmap = load_template_map()
    store = ResultCache(cache) if cache is not None else None
    batch = Batch(results=[])
    for ref in refs:
        source = load_source(ref)
        rows = store.get(source.report_id, terms) if store else None
        if rows is None:
            rows = process_source(source, tmap, terms)
            batch.n_parsed += 1
            if store:
                store.put(source.report_id, terms, rows)
        else:
            batch.n_cached += 1
            rows.report.update(source_uri=source.uri, ingested_at=source.ingested_at)
        batch.results.append(rows)
    return batch


def process_paths(paths: list[Path], terms: str = "cut") -> list[ReportRows]:
    """Process files in this process, without a cache."""
    refs = [DocumentRef(uri=str(p), path=str(p), ingested_at=ingestion_time(p.stat().st_mtime))
            for p in paths]
    return process_documents(refs, terms).results


def assemble(results: Iterable[ReportRows]) -> dict[str, list[dict[str, Any]]]:
    """All documents' rows, one list per table, deduplicated by content and sorted, and
    the tables about the whole corpus (keywords, term_idf, text_reuse).

    Two files with identical bytes are one report (report_id is their sha256): the first
    path in sort order is kept and the others are listed in its problems.
    """
    by_id: dict[str, ReportRows] = {}
    for rows in sorted(results, key=lambda r: r.report["source_uri"]):
        rid = rows.report["report_id"]
        if rid in by_id:
            kept = by_id[rid]
            problems = kept.tables.setdefault("problems", [])
            problems.append({
                "seq": len(problems), "stage": "read", "code": "identical_source",
                "message": f"same bytes also at {rows.report['source_uri']}", "location": None})
            kept.report["n_warnings"] += 1
            continue
        by_id[rid] = rows
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLE_ORDER}
    for rid in sorted(by_id):
        rows = by_id[rid]
        year = rows.report["report_year"]
        tables["reports"].append(rows.report)
        for name, table_rows in rows.tables.items():
            for row in table_rows:
                tables[name].append({"report_id": rid, **row, "report_year": year})
    tables = {name: sort_rows(rows) for name, rows in tables.items()}
    tables.update(corpus_tables(tables))
    return tables


def manifest(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What a release holds: versions, inputs, row counts and check failure rates."""
    reports = tables["reports"]
    checks: dict[str, dict[str, int]] = {}
    verdicts: dict[tuple[str, str], list[bool | None]] = {}
    for row in tables["checks"]:
        verdicts.setdefault((row["report_id"], row["check"]), []).append(row["passed"])
    for (_, name), values in verdicts.items():
        verdict = "failed" if False in values else "passed" if True in values else "unknown"
        checks.setdefault(name, {"passed": 0, "failed": 0, "unknown": 0})[verdict] += 1
    return {
        "parser_version": parser_version(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": sorted(({"uri": r["source_uri"], "sha256": r["report_id"]} for r in reports),
                         key=lambda i: (i["uri"], i["sha256"])),
        "row_counts": {name: len(rows) for name, rows in tables.items()},
        "parse_status": status_counts(reports),
        "checks": {name: {**counts, "share_failed": round(
            counts["failed"] / max(1, sum(counts.values())), 4)}
            for name, counts in sorted(checks.items())},
    }


def status_counts(reports: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for report in reports:
        counts[report["parse_status"]] = counts.get(report["parse_status"], 0) + 1
    return dict(sorted(counts.items()))


@contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """One build at a time per output folder."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".build.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def publish_dataset(tables: dict[str, list[dict[str, Any]]], out: Path,
                    archive: Path | None = None, n_parsed: int = 0,
                    n_cached: int = 0, force: bool = False) -> BuildSummary:
    """Write a release (with the crawl log of ``archive``) and, when it passes its quality
    gates (or ``force``), switch the dataset to it."""
    if archive is not None:
        from crawl.archive import Archive

        tables["fetches"] = Archive(archive).fetch_log()
    with build_lock(out):
        release = write_release(tables, out, manifest(tables))
        failures = quality_gates(release, published_release(out))
        if failures and not force:
            mark_failed(release, failures)
        else:
            publish(release, out)
        prune_releases(out)
    return BuildSummary(out=out, release=release, n_documents=len(tables["reports"]),
                        status_counts=status_counts(tables["reports"]),
                        row_counts={name: len(rows) for name, rows in tables.items()},
                        n_parsed=n_parsed, n_cached=n_cached,
                        published=force or not failures, gate_failures=tuple(failures))


def cache_dir(out: Path) -> Path:
    """Where per-document results are kept between builds of ``out``."""
    return Path(out) / ".cache"


def build_dataset(inputs: Iterable[str | Path], out: Path, terms: str = "cut",
                  archive: Path | None = None, incremental: bool = True,
                  force: bool = False) -> BuildSummary:
    """The whole build without Prefect (same functions the flow runs)."""
    refs = discover_documents(inputs, archive)
    batch = process_documents(refs, terms, cache_dir(out) if incremental else None)
    return publish_dataset(assemble(batch.results), out, archive, batch.n_parsed,
                           batch.n_cached, force)
