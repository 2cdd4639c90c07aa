"""The crawl flow, and the nightly flow that crawls and then builds.

Thin wiring over ``crawl.crawler.crawl`` and the build flow; ``gongkai serve`` registers
the nightly flow as a Prefect deployment on a cron schedule.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from crawl.archive import Archive
from crawl.crawler import CrawlSummary, crawl
from crawl.sources import load_sources
from flows.build import run_build
from transform.build import BuildSummary


@task(name="crawl-sites", cache_policy=NO_CACHE)
def crawl_task(sources: Path, archive: Path) -> CrawlSummary:
    return crawl(load_sources(sources), Archive(archive))


@flow(name="gongkai-crawl", log_prints=True, validate_parameters=False)
def crawl_flow(sources: str, archive: str) -> CrawlSummary:
    """Crawl every site of the sources file into the raw archive."""
    return crawl_task(Path(sources), Path(archive))


@flow(name="gongkai-nightly", log_prints=True, validate_parameters=False)
def nightly_flow(sources: str, archive: str, out: str, inputs: list[str] | None = None,
                 terms: str = "cut", workers: int | None = None) -> BuildSummary:
    """Crawl, then build the dataset from the archive (and any local ``inputs``); only
    documents the parser has not read before are parsed, by ``workers`` parser
    processes (one per core by default), as ``gongkai build`` does."""
    summary = crawl_flow(sources, archive)
    print(f"crawl: {summary.n_documents} documents, {summary.n_new_bodies} new bodies, "
          f"{summary.n_not_modified} unchanged, {summary.n_errors} errors")
    return run_build(list(inputs or []), out, workers=workers, terms=terms, archive=archive)
