"""The build flow: documents → per-document processing in batches → one published release.

Thin wiring over ``transform.build``: every step is a plain function that tests call
directly. Batches keep Prefect's per-task overhead small next to the parsing work, and
documents already read by this parser come from the per-document cache.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from transform.build import (
    Batch,
    BuildSummary,
    DocumentRef,
    assemble,
    cache_dir,
    discover_documents,
    process_documents,
    publish_dataset,
)

BATCH_SIZE = 50


@task(name="process-documents", cache_policy=NO_CACHE, retries=0)
def process_batch(refs: list[DocumentRef], terms: str, cache: Path | None) -> Batch:
    return process_documents(refs, terms, cache)


@task(name="publish-dataset", cache_policy=NO_CACHE)
def publish_task(batches: list[Batch], out: Path, archive: Path | None,
                 force: bool) -> BuildSummary:
    results = [rows for batch in batches for rows in batch.results]
    return publish_dataset(assemble(results), out, archive,
                           n_parsed=sum(b.n_parsed for b in batches),
                           n_cached=sum(b.n_cached for b in batches), force=force)


@flow(name="gongkai-build", log_prints=True, validate_parameters=False)
def build_flow(inputs: list[str], out: str, batch_size: int = BATCH_SIZE,
               terms: str = "cut", archive: str | None = None,
               incremental: bool = True, force: bool = False) -> BuildSummary:
    """Read every report under ``inputs`` (and in the crawl ``archive``) and publish the
    dataset at ``out``."""
    archive_path = Path(archive) if archive else None
    refs = discover_documents(inputs, archive_path)
    cache = cache_dir(Path(out)) if incremental else None
    batches = [process_batch(refs[i:i + batch_size], terms, cache)
               for i in range(0, len(refs), batch_size)]
    summary = publish_task(batches, Path(out), archive_path, force)
    if not summary.published:
        print(f"release {summary.release.name} NOT published: "
              + "; ".join(summary.gate_failures))
    return summary
