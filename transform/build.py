"""The build as plain functions: plan, read in batches, write as results arrive, publish.

    plan_build          every document hashed once, deduplicated, in report_id order
    process_batch       (worker) documents → Arrow rows, under per-document limits
    ReleaseBuilder      (driver) rows → Parquet row groups; corpus tables in chunks
    keyword_chunk,
    signature_chunk     (worker) the corpus tables' pieces
    publish             quality gates, then one atomic switch (or one PUT on S3)

:func:`execute` wires them once for every way of running: the plain :func:`build_dataset`
maps the work in this process, the Prefect flow (flows/build.py) maps it onto its task
runner (local worker processes or a Dask cluster). Memory stays bounded by the batches in
flight, whatever the number of documents.
"""

from __future__ import annotations

import fcntl
import logging
import math
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transform.batch import (
    BatchOutput,
    keyword_chunk,
    process_batch,
    signature_chunk,
)
from transform.gates import quality_gates
from transform.isolation import DEFAULT_LIMITS, Limits, prestart, stop_parsers
from transform.memory import phase, tune_allocator
from transform.plan import (
    BuildPlan,
    DocumentRef,
    discover_documents,
    discover_inputs,
    plan_build,
)
from transform.release import ReleaseBuilder
from transform.report import ReportRows
from transform.schema import TABLE_ORDER
from transform.storage import POINTER_OBJECT, Store, default_cache_dir
from transform.write import (
    finish_release,
    mark_failed,
    prune_releases,
    publish,
    published_release,
    release_id,
)

__all__ = ["BuildPlan", "BuildSummary", "DocumentRef", "build_dataset", "cache_dir",
           "discover_documents", "discover_inputs", "execute", "plan_batches", "plan_build",
           "up_to_date"]

log = logging.getLogger("gongkai.build")

BATCH_SIZE = 200  # documents per unit of work: big enough that scheduling costs little
MIN_BATCH = 20
PREFETCH_UNITS = 2  # units of work in flight in a plain build (the one being read, the next)
KEYWORD_CHUNK_ROWS = 100_000  # terms rows per keywords task, at most (pandas frames in a parser)
SECTION_CHUNK_ROWS = 10_000  # sections per copied-text task, at most
CHUNKS_PER_WORKER = 2  # corpus-phase chunks per worker, at least (when big enough)
#: From this many documents a build stops its parser processes between phases (see
#: ``_between_phases``); smaller ones keep them, for the next build in the same process.
STOP_PARSERS_FROM = 20_000

Mapper = Callable[[Callable[..., Any], Iterable[tuple[Any, ...]]], Iterator[Any]]


@dataclass(frozen=True)
class BuildSummary:
    out: Path | str
    release: Path | str
    n_documents: int
    status_counts: dict[str, int]
    row_counts: dict[str, int]
    n_parsed: int = 0
    n_cached: int = 0
    published: bool = True
    gate_failures: tuple[str, ...] = ()
    unchanged: bool = False  # nothing new: the published release already is this build


def serial_map(fn: Callable[..., Any], args: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
    """Run each piece of work here, one after the other."""
    for item in args:
        yield fn(*item)


def prefetch_map(fn: Callable[..., Any], args: Iterable[tuple[Any, ...]],
                 ahead: int = PREFETCH_UNITS) -> Iterator[Any]:
    """Run each piece of work in one helper thread, up to ``ahead`` pieces in flight,
    results yielded in order.

    When the work is done in a parser process (the default limits), the thread only
    waits for it, and the caller writes one batch's rows while the parser reads the
    next: without this the parser idles for every write. Still one parser; results are
    taken in order, so the output is the same.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gongkai-unit")
    pending: deque[Future[Any]] = deque()
    try:
        for item in args:
            pending.append(pool.submit(fn, *item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def plan_batches(refs: list[DocumentRef] | tuple[DocumentRef, ...], workers: int,
                 batch_size: int = BATCH_SIZE) -> list[list[DocumentRef]]:
    """Batches of at most ``batch_size``: four or more per worker when there are enough
    documents, so no worker waits idle at the end, but of at least ``MIN_BATCH``
    documents each, so the scheduler's cost per batch stays small beside the work in it;
    and never fewer batches than workers."""
    refs = list(refs)
    if workers > 1:
        batch_size = max(1, min(batch_size,
                                max(MIN_BATCH, math.ceil(len(refs) / (4 * workers))),
                                math.ceil(len(refs) / workers)))
    return [refs[i:i + batch_size] for i in range(0, len(refs), batch_size)]


def cache_dir(out: Path | str) -> Path:
    """Where per-document results are kept between builds of ``out``."""
    return default_cache_dir(out)


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


@contextmanager
def _maybe_lock(store: Store) -> Iterator[None]:
    if store.local:
        with build_lock(store.local_path):
            yield
    else:
        yield


def published_manifest(store: Store) -> dict[str, Any] | None:
    """The MANIFEST of the release ``store`` serves now, if any."""
    import json

    if store.local:
        release = published_release(store.local_path)
        path = release / "MANIFEST.json" if release else None
        return json.loads(path.read_text(encoding="utf-8")) if path and path.exists() else None
    name = (store.read_text(POINTER_OBJECT) or "").strip()
    text = store.read_text("releases", name, "MANIFEST.json") if name else None
    return json.loads(text) if text else None


def execute(plan: BuildPlan, out: Path | str, *, mapper: Mapper = serial_map,
            workers: int = 1, cache: Path | None = None, limits: Limits = DEFAULT_LIMITS,
            incremental: bool = True, force: bool = False, rebuild: bool = False,
            batch_size: int = BATCH_SIZE) -> BuildSummary:
    """Build and publish the dataset of ``plan`` at ``out`` (a folder or a URL).

    When the published release was built from exactly these inputs, parser and options,
    there is nothing to do (unless ``rebuild``); when only the crawl log grew, the new
    release reuses the published tables (see :func:`_carry_forward`).
    """
    tune_allocator()
    store = Store.at(out)
    before = published_manifest(store)
    same_inputs = incremental and not rebuild and before is not None
    if same_inputs and before.get("inputs_digest") == plan.digest:
        return _unchanged(store, before)
    with _maybe_lock(store):
        staging, release_name = _staging(store)
        try:
            if same_inputs and before.get("documents_digest") == plan.documents_digest \
                    and store.local:
                manifest = _carry_forward(plan, store, staging)
                builder = None
            else:
                builder = _build_release(plan, staging, mapper, workers, cache, limits,
                                         batch_size)
                with phase("corpus tables and reports", len(plan.refs)):
                    manifest = builder.finish(plan.fetch_logs)
            finish_release(staging, manifest)
            return _publish(store, staging, release_name, manifest, before, force,
                            n_parsed=builder.n_parsed if builder else 0,
                            n_cached=builder.n_cached if builder else 0)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


def _build_release(plan: BuildPlan, staging: Path, mapper: Mapper, workers: int,
                   cache: Path | None, limits: Limits, batch_size: int) -> ReleaseBuilder:
    builder = ReleaseBuilder(plan, staging)
    batches = plan_batches(plan.refs, workers, batch_size)
    work = ((batch, plan.terms, cache, limits, builder.sampled(batch)) for batch in batches)
    with phase("documents", len(plan.refs)):
        for output in mapper(process_batch, work):
            builder.add_batch(output)
        builder.close_documents()
        _between_phases(plan)
    with phase("keywords", builder.row_counts.get("terms", 0)):
        idf_rows = builder.term_idf()
        import pyarrow as pa

        idf = pa.table({"term": [r["term"] for r in idf_rows],
                        "idf": pa.array([r["idf"] for r in idf_rows], pa.float64())})
        terms_rows = max(1, builder.row_counts.get("terms", 0))
        # two chunks per worker (bounded in size): each task costs the scheduler a round
        # trip and a copy of its rows, so the corpus phases are cut no finer than that;
        # with one chunk each, a short last chunk left a worker idle for half the phase
        size = max(20_000, min(KEYWORD_CHUNK_ROWS,
                               math.ceil(terms_rows / (CHUNKS_PER_WORKER * workers))))
        chunks = builder.chunks("terms", size, ["report_id", "section", "term", "count"])
        for table in mapper(keyword_chunk, ((chunk, idf) for chunk in chunks)):
            builder.add_keywords(table)
        _between_phases(plan)
    with phase("reuse signatures", builder.row_counts.get("sections", 0)):
        common = builder.common_shingles()
        sections_rows = max(1, builder.row_counts.get("sections", 0))
        size = max(2_000, min(SECTION_CHUNK_ROWS,
                              math.ceil(sections_rows / (CHUNKS_PER_WORKER * workers))))
        chunks = builder.chunks("sections", size, ["report_id", "section", "text"])
        for found in mapper(signature_chunk, ((chunk, common) for chunk in chunks)):
            builder.add_signatures(found)
    _between_phases(plan)
    return builder


def _between_phases(plan: BuildPlan) -> None:
    """Stop the parser processes of a big build once a phase is done.

    A parser keeps what a phase left it (memo caches of the documents, pandas after the
    keywords, memory its allocator holds on to) into the next, where it needs none of
    it; a fresh one starts in about a second. After the signatures the rest of the build
    runs here, and idle parsers would hold all that through it.
    """
    if len(plan.refs) >= STOP_PARSERS_FROM:
        stop_parsers()


def _staging(store: Store) -> tuple[Path, str]:
    """A fresh folder to write the release into, and the release's name."""
    name = release_id()
    if store.local:
        releases = store.local_path / "releases"
        releases.mkdir(parents=True, exist_ok=True)
        staging = releases / f"{name}.partial"
        staging.mkdir()
        return staging, name
    return Path(tempfile.mkdtemp(prefix=f"gongkai-{name}-")), name


def _publish(store: Store, staging: Path, name: str, manifest: dict[str, Any],
             before: dict[str, Any] | None, force: bool, n_parsed: int,
             n_cached: int) -> BuildSummary:
    """Gates, then the switch; a release that fails its gates is kept, marked, unpublished."""
    failures = quality_gates(staging, None, before)
    if store.local:
        release = store.local_path / "releases" / name
        os.replace(staging, release)
        if failures and not force:
            mark_failed(release, failures)
        else:
            publish(release, store.local_path)
        prune_releases(store.local_path)
        location: Path | str = release
    else:
        if failures and not force:
            mark_failed(staging, failures)
        store.upload(staging, "releases", name)
        shutil.rmtree(staging, ignore_errors=True)
        if force or not failures:
            store.write_text(name + "\n", POINTER_OBJECT)
        prune_remote(store)
        location = store.url("releases", name)
    return BuildSummary(out=store.location if not store.local else store.local_path,
                        release=location, n_documents=manifest["row_counts"]["reports"],
                        status_counts=manifest["parse_status"],
                        row_counts=manifest["row_counts"], n_parsed=n_parsed,
                        n_cached=n_cached, published=force or not failures,
                        gate_failures=tuple(failures))


def prune_remote(store: Store, keep: int = 5) -> None:
    """Keep the newest ``keep`` releases on an object store (never the published one)."""
    published = (store.read_text(POINTER_OBJECT) or "").strip()
    names = store.listdir("releases")
    for name in names[:-keep]:
        if name != published:
            store.remove("releases", name)


def up_to_date(plan: BuildPlan, out: Path | str) -> BuildSummary | None:
    """The published release's summary when it was built from exactly ``plan`` (same
    documents, crawl log, parser and options), else None: a caller can skip starting
    anything when there is nothing to do."""
    store = Store.at(out)
    before = published_manifest(store)
    if before is None or before.get("inputs_digest") != plan.digest:
        return None
    return _unchanged(store, before)


def _unchanged(store: Store, manifest: dict[str, Any]) -> BuildSummary:
    release: Path | str = (published_release(store.local_path) if store.local
                           else store.url("releases",
                                          (store.read_text(POINTER_OBJECT) or "").strip()))
    return BuildSummary(out=store.local_path if store.local else store.location,
                        release=release or "", n_documents=manifest["row_counts"]["reports"],
                        status_counts=manifest["parse_status"],
                        row_counts=manifest["row_counts"], unchanged=True)


def _carry_forward(plan: BuildPlan, store: Store, staging: Path) -> dict[str, Any]:
    """Same documents, parser and options, only the crawl log grew (a nightly crawl that
    found nothing new): the new release links the published tables and rewrites only
    ``fetches``."""
    import json

    from transform.release import ReleaseBuilder

    published = published_release(store.local_path)
    assert published is not None
    for name in TABLE_ORDER:
        if name == "fetches":
            continue
        source = published / name
        for path in sorted(source.rglob("*.parquet")):
            target = staging / name / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
    manifest = json.loads((published / "MANIFEST.json").read_text(encoding="utf-8"))
    builder = ReleaseBuilder(plan, staging)
    builder._write_fetches(plan.fetch_logs)
    manifest["row_counts"]["fetches"] = builder.row_counts["fetches"]
    manifest["inputs_digest"] = plan.digest
    from datetime import UTC, datetime

    manifest["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return manifest


def build_dataset(inputs: Iterable[str | Path], out: Path | str, terms: str = "cut",
                  archive: Path | None = None, incremental: bool = True,
                  force: bool = False, limits: Limits = DEFAULT_LIMITS,
                  cache: Path | None = None, rebuild: bool = False) -> BuildSummary:
    """The whole build in this process, without Prefect (the same functions the flow runs)."""
    plan = plan_build(inputs, archive, terms)
    if rebuild or not incremental or up_to_date(plan, out) is None:
        prestart(limits, 1)  # the parser loads while the build sets up
    return execute(plan, out, mapper=prefetch_map if limits.isolated else serial_map,
                   cache=(cache or cache_dir(out)) if incremental else None,
                   limits=limits, incremental=incremental, force=force, rebuild=rebuild)


# -- documents already read (tests of readers, benchmarks) ------------------------------

def publish_results(results: list[ReportRows], out: Path | str,
                    force: bool = False) -> BuildSummary:
    """Publish rows already computed (one per document) through the same writer."""
    from transform.batch import check_verdicts, document_tables, term_counts

    by_id: dict[str, ReportRows] = {}
    for rows in sorted(results, key=lambda r: r.report["source_uri"]):
        by_id.setdefault(rows.report["report_id"], rows)
    ordered = [by_id[rid] for rid in sorted(by_id)]
    refs = tuple(DocumentRef(uri=r.report["source_uri"], path="",
                             ingested_at=r.report["ingested_at"],
                             sha256=r.report["report_id"]) for r in ordered)
    plan = BuildPlan(refs=refs, terms="cut", digest="", documents_digest="")

    def replay(batch: list[DocumentRef], terms: str, cache: Any, limits: Any,
               sampled: frozenset[str]) -> BatchOutput:
        from transform.reuse import comparable_text, sample_counts

        chosen = [by_id[ref.sha256] for ref in batch if ref.sha256]
        tables = document_tables(chosen)
        sample: dict[str, list[str]] = {}
        for rows in chosen:
            if rows.report["report_id"] in sampled:
                for row in rows.tables.get("sections", []):
                    sample.setdefault(row["section"], []).append(comparable_text(row["text"]))
        return BatchOutput(tables=tables, term_counts=term_counts(tables["terms"]),
                           shingle_sample={k: sample_counts(v) for k, v in sample.items()},
                           check_verdicts=check_verdicts(tables["checks"]))

    def mapper(fn: Callable[..., Any], args: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        return serial_map(replay if fn is process_batch else fn, args)

    return execute(plan, out, mapper=mapper, incremental=False, force=force)
