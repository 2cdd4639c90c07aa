"""The units of work of a build, run wherever the work is (this process or a worker).

* :func:`process_batch` reads a batch of documents (each under the per-document limits,
  or from the per-document cache) and returns their rows as Arrow tables, with the
  little the corpus-wide tables need from them (term counts, a sample of shingles).
* :func:`keyword_chunk` and :func:`signature_chunk` compute the corpus-wide tables in
  pieces once every document has been read: keywords need the corpus IDF, copied text
  needs the corpus's stock phrases.

Each returns only what the driver writes or aggregates, so a batch's memory is freed as
soon as its rows are written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from transform.cache import ResultCache
from transform.isolation import IN_PROCESS, Limits, run_batch
from transform.plan import DocumentRef
from transform.problems import Problem
from transform.report import ReportRows, Source, failed_rows, process_source
from transform.reuse import Signatures, comparable_text, sample_counts, signatures
from transform.template_map import load_template_map
from transform.write import arrow_table, document_rows_table, frame_table

#: Documents of a batch whose rows are held as Python objects at once.
PART_DOCUMENTS = 50
# Tables with rows for each document; the corpus-wide ones are computed afterwards.
DOCUMENT_TABLES = ("active_disclosure", "applications", "reviews_litigation", "sections",
                   "terms", "narrative_facts", "checks", "problems")


@dataclass
class BatchOutput:
    """What a batch of documents gave, ready to be written and aggregated."""

    tables: dict[str, pa.Table]  # reports and every document table, in report_id order
    term_counts: pa.Table  # term, n_reports, total_count over this batch
    shingle_sample: dict[str, tuple[np.ndarray, np.ndarray, int]] = field(
        default_factory=dict)  # per section kind: sample_counts of the sampled reports
    n_parsed: int = 0
    n_cached: int = 0
    check_verdicts: dict[str, dict[str, int]] = field(default_factory=dict)


def load_source(ref: DocumentRef) -> Source:
    return Source(uri=ref.uri, data=Path(ref.path).read_bytes(), ingested_at=ref.ingested_at)


def read_documents(refs: list[DocumentRef], terms: str = "cut", cache: Path | None = None,
                   forced: dict[int, Problem] | None = None,
                   on_document: Callable[[int | None], None] | None = None,
                   ) -> tuple[list[ReportRows], int, int]:
    """Each document's rows, parsed here (or from the cache when this parser read it
    before), and how many were parsed and how many came from the cache.

    ``forced`` are documents already stopped by a limit (by index): they get their
    failed row unread. ``on_document`` is told each document's index as it starts, and
    None once the last is done, so a watching process can time each one.
    """
    tmap = load_template_map()
    store = ResultCache(cache) if cache is not None else None
    forced = forced or {}
    results, n_parsed, n_cached = [], 0, 0
    for index, ref in enumerate(refs):
        if on_document is not None:
            on_document(index)
        source = load_source(ref)
        rows = store.get(source.report_id, terms) if store else None
        if rows is None:
            n_parsed += 1
            if index in forced:
                rows = failed_rows(source, [forced[index]])
            else:
                rows = process_source(source, tmap, terms)
                if store:
                    store.put(source.report_id, terms, rows)
        else:
            n_cached += 1
            rows.report.update(source_uri=source.uri, ingested_at=source.ingested_at)
        _note_copies(rows, ref.also_at)
        results.append(rows)
    if on_document is not None:
        on_document(None)
    return results, n_parsed, n_cached


def _note_copies(rows: ReportRows, also_at: tuple[str, ...]) -> None:
    problems = rows.tables.setdefault("problems", [])
    for uri in also_at:
        problems.append({"seq": len(problems), "stage": "read", "code": "identical_source",
                         "message": f"same bytes also at {uri}", "location": None})
        rows.report["n_warnings"] += 1


def document_tables(results: list[ReportRows]) -> dict[str, pa.Table]:
    """Rows of ``reports`` and of every document table, with report_id and report_year."""
    parts: dict[str, list[tuple[Any, Any, list[dict[str, Any]]]]] = {
        name: [] for name in DOCUMENT_TABLES}
    for result in results:
        rid, year = result.report["report_id"], result.report["report_year"]
        for name, table_rows in result.tables.items():
            if table_rows:
                parts[name].append((rid, year, table_rows))
    tables = {"reports": arrow_table("reports", [r.report for r in results])}
    tables.update((name, document_rows_table(name, table_parts))
                  for name, table_parts in parts.items())
    return tables


def check_verdicts(checks: pa.Table) -> dict[str, dict[str, int]]:
    """Per check, how many reports passed, failed, or could not be checked."""
    verdicts: dict[tuple[str, str], list[bool | None]] = {}
    for rid, name, passed in zip(checks.column("report_id").to_pylist(),
                                 checks.column("check").to_pylist(),
                                 checks.column("passed").to_pylist(), strict=True):
        verdicts.setdefault((rid, name), []).append(passed)
    counts: dict[str, dict[str, int]] = {}
    for (_, name), values in verdicts.items():
        verdict = "failed" if False in values else "passed" if True in values else "unknown"
        counts.setdefault(name, {"passed": 0, "failed": 0, "unknown": 0})[verdict] += 1
    return counts


def term_counts(terms: pa.Table) -> pa.Table:
    """Per term: the reports using it and its occurrences (summed over POS tags)."""
    if terms.num_rows == 0:
        return pa.table({"term": pa.array([], pa.string()),
                         "n_reports": pa.array([], pa.int64()),
                         "total_count": pa.array([], pa.int64())})
    grouped = terms.group_by("term").aggregate([("report_id", "count_distinct"),
                                                 ("count", "sum")])
    return pa.table({"term": grouped.column("term"),
                     "n_reports": grouped.column("report_id_count_distinct").cast(pa.int64()),
                     "total_count": grouped.column("count_sum").cast(pa.int64())})


def process_batch(refs: list[DocumentRef], terms: str = "cut", cache: Path | None = None,
                  limits: Limits = IN_PROCESS,
                  sampled: frozenset[str] = frozenset()) -> BatchOutput:
    """Read a batch, in a parser process under ``limits`` (or here when there are none);
    ``sampled`` are the report_ids whose sections feed the stock-phrase sample of
    copied-text detection."""
    if limits.isolated:
        return run_batch(refs, terms, cache, limits, sampled)
    return process_batch_here(refs, terms, cache, sampled)


def process_batch_here(refs: list[DocumentRef], terms: str = "cut",
                       cache: Path | None = None, sampled: frozenset[str] = frozenset(),
                       forced: dict[int, Problem] | None = None,
                       on_document: Callable[[int | None], None] | None = None,
                       ) -> BatchOutput:
    """:func:`process_batch` in this process (a parser process runs it under limits).

    The documents are read ``PART_DOCUMENTS`` at a time and each part's rows turned
    into Arrow tables at once: a document's rows are thousands of small Python objects,
    and a whole batch of them held together is what set a parser process's size.
    """
    forced = forced or {}
    parts: dict[str, list[pa.Table]] = {}
    sample: dict[str, list[str]] = {}
    n_parsed = n_cached = 0
    for start in range(0, len(refs), PART_DOCUMENTS):
        part = refs[start:start + PART_DOCUMENTS]
        part_forced = {i - start: problem for i, problem in forced.items()
                       if start <= i < start + len(part)}

        def started(index: int | None, start: int = start) -> None:
            if on_document is not None and index is not None:
                on_document(index + start)

        results, parsed, cached = read_documents(part, terms, cache, part_forced, started)
        n_parsed, n_cached = n_parsed + parsed, n_cached + cached
        for name, table in document_tables(results).items():
            parts.setdefault(name, []).append(table)
        for result in results:
            if result.report["report_id"] in sampled:
                kinds = {row["section"]: row["text"]
                         for row in result.tables.get("sections", [])}
                for kind, text in kinds.items():
                    sample.setdefault(kind, []).append(comparable_text(text))
        del results
    if on_document is not None:
        on_document(None)
    tables = {name: pa.concat_tables(tables) for name, tables in parts.items()} if parts \
        else document_tables([])
    return BatchOutput(
        tables=tables, term_counts=term_counts(tables["terms"]),
        shingle_sample={kind: sample_counts(texts) for kind, texts in sorted(sample.items())},
        n_parsed=n_parsed, n_cached=n_cached, check_verdicts=check_verdicts(tables["checks"]))


def keyword_chunk(terms: pa.Table, idf: pa.Table) -> pa.Table:
    """``keywords`` rows of the reports in ``terms`` (all of each report's rows)."""
    import pandas as pd  # here: a parser process reading documents never needs it

    from transform.keywords import keyword_frame

    frame = terms.select(["report_id", "section", "term", "count", "report_year"]).to_pandas()
    weights = pd.Series(idf.column("idf").to_numpy(), index=idf.column("term").to_pylist(),
                        name="idf")
    return frame_table("keywords", keyword_frame(frame, weights))


def signature_chunk(sections: pa.Table, common: dict[str, np.ndarray]) -> list[Signatures]:
    """LSH band keys of the sections in this chunk, one :class:`Signatures` per kind."""
    kinds: dict[str, dict[str, str]] = {}
    for rid, kind, text in zip(sections.column("report_id").to_pylist(),
                               sections.column("section").to_pylist(),
                               sections.column("text").to_pylist(), strict=True):
        kinds.setdefault(kind, {})[rid] = comparable_text(text)
    empty = np.empty(0, dtype=np.uint64)
    return [signatures(kind, texts, common.get(kind, empty))
            for kind, texts in sorted(kinds.items())]
