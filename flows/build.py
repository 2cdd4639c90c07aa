"""The build flow: inputs → per-document processing in batches → one published release.

Thin wiring over ``transform.build``: every step is a plain function that tests call
directly. Batches keep Prefect's per-task overhead small next to the parsing work.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from transform.build import (
    BuildSummary,
    assemble,
    discover_inputs,
    process_paths,
    publish_dataset,
)
from transform.report import ReportRows

BATCH_SIZE = 50


@task(name="process-documents", cache_policy=NO_CACHE, retries=0)
def process_batch(paths: list[Path], terms: str = "cut") -> list[ReportRows]:
    return process_paths(paths, terms)


@task(name="publish-dataset", cache_policy=NO_CACHE)
def publish_task(results: list[ReportRows], paths: list[Path], out: Path) -> BuildSummary:
    return publish_dataset(assemble(results), paths, out)


@flow(name="gongkai-build", log_prints=True, validate_parameters=False)
def build_flow(inputs: list[str], out: str, batch_size: int = BATCH_SIZE,
               terms: str = "cut") -> BuildSummary:
    """Read every report under ``inputs`` and publish the dataset at ``out``."""
    paths = discover_inputs(inputs)
    batches = [paths[i:i + batch_size] for i in range(0, len(paths), batch_size)]
    results: list[ReportRows] = []
    for batch in batches:
        results.extend(process_batch(batch, terms))
    return publish_task(results, paths, Path(out))
