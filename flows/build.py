"""The build flow: documents → per-document processing in batches → one published release.

Thin wiring over ``transform.build``: every step is a plain function that tests call
directly. Batches keep Prefect's per-task overhead small next to the parsing work, and
documents already read by this parser come from the per-document cache.

Parsing is CPU-bound, so with more than one worker the batches run in worker processes
of a Dask cluster (prefect-dask): a local one started for the build (``workers``), or an
existing one (``dask_address``, e.g. ``tcp://scheduler:8786``; its workers need gongkai
installed and the input paths readable). Each worker loads the dictionaries once.
"""

from __future__ import annotations

import math
import os
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
MIN_PARALLEL_DOCUMENTS = 40  # below this, starting worker processes costs more than it saves


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


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def plan_batches(refs: list[DocumentRef], workers: int,
                 batch_size: int = BATCH_SIZE) -> list[list[DocumentRef]]:
    """Batches of at most ``batch_size``, and at least four per worker when there are
    enough documents, so no worker waits idle at the end."""
    if workers > 1:
        batch_size = max(1, min(batch_size, math.ceil(len(refs) / (4 * workers))))
    return [refs[i:i + batch_size] for i in range(0, len(refs), batch_size)]


@flow(name="gongkai-build", log_prints=True, validate_parameters=False)
def build_flow(inputs: list[str], out: str, batch_size: int = BATCH_SIZE,
               terms: str = "cut", archive: str | None = None,
               incremental: bool = True, force: bool = False,
               parallel: bool = False) -> BuildSummary:
    """Read every report under ``inputs`` (and in the crawl ``archive``) and publish the
    dataset at ``out``. ``parallel`` submits the batches to the flow's task runner."""
    archive_path = Path(archive) if archive else None
    refs = discover_documents(inputs, archive_path)
    cache = cache_dir(Path(out)) if incremental else None
    if parallel:
        batches = plan_batches(refs, max(2, default_workers()), batch_size)
        futures = [process_batch.submit(b, terms, cache) for b in batches]
        done = [f.result() for f in futures]
    else:
        done = [process_batch(b, terms, cache) for b in plan_batches(refs, 1, batch_size)]
    summary = publish_task(done, Path(out), archive_path, force)
    if not summary.published:
        print(f"release {summary.release.name} NOT published: "
              + "; ".join(summary.gate_failures))
    return summary


def run_build(inputs: list[str], out: str, *, workers: int | None = None,
              dask_address: str | None = None, **options: object) -> BuildSummary:
    """Run the build flow in this process, in local worker processes, or on a cluster."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        runner = DaskTaskRunner(address=dask_address)
        return build_flow.with_options(task_runner=runner)(
            inputs=inputs, out=out, parallel=True, **options)
    workers = default_workers() if workers is None else workers
    n_documents = len(discover_documents(inputs, _archive(options)))
    if workers <= 1 or n_documents < MIN_PARALLEL_DOCUMENTS:
        return build_flow(inputs=inputs, out=out, **options)
    from prefect_dask import DaskTaskRunner

    runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                            "processes": True, "dashboard_address": None})
    return build_flow.with_options(task_runner=runner)(
        inputs=inputs, out=out, parallel=True, **options)


def _archive(options: dict[str, object]) -> Path | None:
    archive = options.get("archive")
    return Path(str(archive)) if archive else None
