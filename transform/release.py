"""The driver's side of a build: write results as they arrive, then the corpus tables.

Batches come back in report_id order and their rows go straight into the release's
Parquet files (:class:`transform.write.TableWriter`); only per-term counts stay in
memory, and the ``reports`` rows (one per document) and a bounded sample of shingles wait
on disk until the end (:mod:`transform.spill`). Once every document is in, the
corpus-wide tables are computed in pieces:

* ``term_idf`` from the summed term counts;
* ``keywords``: the ``terms`` table is read back in chunks of whole reports and each
  chunk is scored (in a worker) with the corpus IDF;
* ``text_reuse``: the ``sections`` table is read back in chunks, each turned (in a
  worker) into LSH band keys; candidate pairs come from shared keys, and only the texts
  of candidates are read again to verify them exactly;
* ``reports.duplicate_of``: only reports of the same body and year are compared, with
  only their own facts read back.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from transform.batch import DOCUMENT_TABLES, BatchOutput
from transform.duplicates import FACT_TABLES, body_year_groups, body_year_key, mark_duplicates
from transform.keywords import idf_rows
from transform.memory import phase, release_memory
from transform.parser_version import parser_version
from transform.plan import BuildPlan
from transform.reuse import (
    Signatures,
    candidate_codes,
    common_from_counts,
    comparable_text,
    reuse_rows,
    sample_step,
    verify_codes,
)
from transform.schema import PARTITION, TABLE_ORDER, TABLES
from transform.spill import SampleSpill, SignatureSpill, SpillFolder
from transform.write import TableWriter, arrow_table

SPILL_DIR = ".spill"  # what only the end of the build needs, on disk until then; removed
COLLECT_EVERY = 20  # batches between collections of the garbage tasks leave behind
COMPACT_TERM_PARTS = 64  # merge the per-batch term counts every so many batches
DUPLICATE_READ_REPORTS = 20_000  # copy candidates of a year read in one pass over its files
DUPLICATE_CHUNK_REPORTS = 250  # copy candidates whose rows are turned into Python at once
DUPLICATE_FIELDS = ("report_id", "admin_code", "body_level", "org_name", "report_year",
                    "parse_status", "template", "source_format", "n_warnings")
REUSE_FIELDS = ("report_id", "org_name", "admin_code", "body_level", "report_year")


class ReleaseBuilder:
    """Everything a build writes into one staging folder."""

    def __init__(self, plan: BuildPlan, staging: Path) -> None:
        self.plan = plan
        self.staging = staging
        self.writers = {name: TableWriter(name, staging / name) for name in DOCUMENT_TABLES}
        self.spill = SpillFolder(staging / SPILL_DIR)
        self.reports = self.spill.table("reports", TABLES["reports"].arrow_schema())
        self.term_parts: list[pa.Table] = []
        self.term_reports = 0
        self.samples = SampleSpill(self.spill)
        self._common: dict[str, np.ndarray] | None = None
        self._idf: list[dict[str, Any]] | None = None
        self.signatures = SignatureSpill(self.spill)
        self.checks: dict[str, dict[str, int]] = {}
        self.n_parsed = 0
        self.n_cached = 0
        self.n_batches = 0
        self.row_counts: dict[str, int] = {}
        step = sample_step(len(plan.refs))
        self.sample_step = step
        self.sample_ids = frozenset(ref.sha256 for ref in plan.refs[::step] if ref.sha256)
        self.keywords = TableWriter("keywords", staging / "keywords")

    # -- documents -------------------------------------------------------------------
    def sampled(self, refs: list[Any]) -> frozenset[str]:
        """Which of these documents feed the stock-phrase sample."""
        return frozenset(r.sha256 for r in refs if r.sha256 in self.sample_ids)

    def add_batch(self, out: BatchOutput) -> None:
        for name in DOCUMENT_TABLES:
            self.writers[name].append(out.tables[name])
        self.reports.append(out.tables["reports"])
        terms = out.tables["terms"]
        self.term_reports += pc.count_distinct(terms.column("report_id")).as_py() \
            if terms.num_rows else 0
        self.term_parts.append(out.term_counts)
        if len(self.term_parts) >= COMPACT_TERM_PARTS:
            self.term_parts = [_sum_counts(self.term_parts)]
        for kind, part in out.shingle_sample.items():
            self.samples.add(kind, part)
        for name, counts in out.check_verdicts.items():
            into = self.checks.setdefault(name, {"passed": 0, "failed": 0, "unknown": 0})
            for verdict, n in counts.items():
                into[verdict] += n
        self.n_parsed += out.n_parsed
        self.n_cached += out.n_cached
        self.n_batches += 1
        if self.n_batches % COLLECT_EVERY == 0:
            # Each task leaves reference cycles behind (a finished future and its state,
            # the engine's records), which Python collects only when its heap has grown
            # by a quarter; collected here, their memory goes back at once.
            gc.collect()
            release_memory()

    def close_documents(self) -> None:
        """Finish the document tables' files, so they can be read back."""
        for name, writer in self.writers.items():
            writer.close()
            self.row_counts[name] = writer.n_rows

    # -- corpus-wide inputs ----------------------------------------------------------
    def term_idf(self) -> list[dict[str, Any]]:
        """``term_idf`` rows, from the term counts of every document (computed once: the
        keywords phase needs them, and the table is written at the end)."""
        if self._idf is None:
            counts = _sum_counts(self.term_parts) if self.term_parts else None
            self.term_parts = []
            if counts is None or counts.num_rows == 0:
                self._idf = []
            else:
                self._idf = idf_rows(counts.to_pandas().set_index("term"), self.term_reports)
        return self._idf

    def common_shingles(self) -> dict[str, np.ndarray]:
        """Per section kind, the stock shingles of the sample (computed once: the
        signatures leave them out, and so does the check of every candidate pair)."""
        if self._common is None:
            self._common = {kind: common_from_counts([part], self.sample_step)
                            for kind, part in self.samples.take().items()}
        return self._common

    def chunks(self, name: str, max_rows: int, columns: list[str]) -> Iterator[pa.Table]:
        """A document table read back in chunks of about ``max_rows`` (up to the end of
        the report that row ``max_rows`` belongs to), never splitting a report, with its
        year column; in published order (year, then report_id). A chunk may span years:
        a task per year partition would cost more than its rows. A file's record batch
        (up to 65,536 rows) may give several chunks."""
        pending: list[pa.Table] = []
        size = 0
        for year, path in _partition_files(self.staging / name):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=65536, columns=columns):
                pending.append(_with_year(pa.Table.from_batches([batch]), year))
                size += batch.num_rows
                while size > max_rows:
                    table = pa.concat_tables(pending)
                    cut = _report_start_from(table, max_rows)
                    if cut < 0:  # the report at max_rows may go on in the next batch
                        break
                    yield table.slice(0, cut)
                    pending, size = [table.slice(cut)], table.num_rows - cut
        if size:
            yield pa.concat_tables(pending)

    def add_keywords(self, table: pa.Table) -> None:
        self.keywords.append(table)

    def add_signatures(self, found: list[Signatures]) -> None:
        for sig in found:
            self.signatures.add(sig)

    # -- the rest, in the driver -----------------------------------------------------
    def finish(self, fetch_logs: tuple[Path, ...] = ()) -> dict[str, Any]:
        """Write the corpus tables, ``reports`` and ``fetches``; return the manifest."""
        self.keywords.close()
        self.row_counts["keywords"] = self.keywords.n_rows
        idf = self.term_idf()
        self._write("term_idf", arrow_table("term_idf", idf))
        reports = self.reports.take()
        with phase("text reuse", self.row_counts.get("sections", 0)):
            reuse = self._text_reuse(reports)
        self.spill.remove()
        self._write("text_reuse", arrow_table("text_reuse", reuse))
        with phase("copy detection", reports.num_rows):
            reports = self._mark_duplicates(reports)
        self._write("reports", reports)
        self._write_fetches(fetch_logs)
        return self.manifest(reports)

    def _write(self, name: str, table: pa.Table) -> None:
        writer = TableWriter(name, self.staging / name)
        writer.append(table)
        writer.close()
        self.row_counts[name] = writer.n_rows

    def _text_reuse(self, reports: pa.Table) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        commons = self.common_shingles()
        for kind in self.signatures.kinds():
            keys, bands = self.signatures.take(kind)
            names, codes = candidate_codes(keys, bands)
            del keys, bands
            if not len(codes):
                continue
            n = len(names)
            involved = np.unique(np.concatenate(np.divmod(codes, n)))
            texts = self._comparable_texts(kind, names, involved)
            found = verify_codes(codes, n, texts,
                                 commons.get(kind, np.empty(0, dtype=np.uint64)))
            del codes
            pairs = [(names[a], names[b], sim, own) for a, b, sim, own in found]
            by_name = {names[i]: texts.get(i, "") for a, b, *_ in found for i in (a, b)}
            del texts
            info = _rows_of(reports, set(by_name), REUSE_FIELDS)
            rows += reuse_rows(kind, pairs, by_name, info)
        return sorted(rows, key=lambda r: (r["report_id"], r["other_report_id"], r["section"]))

    def _comparable_texts(self, kind: str, names: list[str],
                          involved: np.ndarray) -> dict[int, str]:
        """Comparable text of the ``kind`` sections of the reports at these positions of
        ``names``, by position: read a batch at a time, so only the comparable texts
        are ever held whole."""
        wanted = {names[i]: i for i in involved.tolist()}
        dataset = ds.dataset(self.staging / "sections", format="parquet",
                             partitioning="hive")
        condition = ds.field("report_id").isin(sorted(wanted)) & (ds.field("section") == kind)
        texts: dict[int, str] = {}
        for batch in dataset.to_batches(columns=["report_id", "text"], filter=condition,
                                        batch_readahead=2, fragment_readahead=1):
            for rid, text in zip(batch.column("report_id").to_pylist(),
                                 batch.column("text").to_pylist(), strict=True):
                texts[wanted[rid]] = comparable_text(text)
        return texts

    def _mark_duplicates(self, reports: pa.Table) -> pa.Table:
        """``duplicate_of`` for every report: only reports of the same body and year are
        compared, so only those candidates' facts are read, a year's partition at a time
        (``DUPLICATE_READ_REPORTS`` candidates per pass over its files), and turned into
        Python rows ``DUPLICATE_CHUNK_REPORTS`` at a time."""
        by_year: dict[int, list[list[dict[str, Any]]]] = {}
        for group in body_year_groups(_candidates(reports)):
            by_year.setdefault(group[0]["report_year"], []).append(group)
        marks: dict[str, str] = {}
        for year in sorted(by_year):
            for read in _group_chunks(by_year[year], DUPLICATE_READ_REPORTS):
                rows = _CandidateRows(self, year, read)
                for chunk in _group_chunks(body_year_groups(read), DUPLICATE_CHUNK_REPORTS):
                    tables = rows.tables(chunk)
                    mark_duplicates(tables)
                    marks.update((m["report_id"], m["duplicate_of"]) for m in chunk
                                 if m["duplicate_of"])
        column = pa.array([marks.get(rid) for rid in reports.column("report_id").to_pylist()],
                          type=pa.string())
        index = reports.schema.get_field_index("duplicate_of")
        return reports.set_column(index, reports.schema.field(index), column)

    def _write_fetches(self, logs: tuple[Path, ...]) -> None:
        writer = TableWriter("fetches", self.staging / "fetches")
        names = TABLES["fetches"].column_names
        for log in logs:
            table = pq.read_table(log)
            writer.append(arrow_table("fetches", [
                {k: row.get(k) for k in names} for row in table.to_pylist()]))
        writer.close()
        self.row_counts["fetches"] = writer.n_rows

    def manifest(self, reports: pa.Table) -> dict[str, Any]:
        """What a release holds: versions, inputs, row counts and check failure rates."""
        statuses: dict[str, int] = {}
        for status in reports.column("parse_status").to_pylist():
            statuses[status] = statuses.get(status, 0) + 1
        inputs = sorted(zip(reports.column("source_uri").to_pylist(),
                            reports.column("report_id").to_pylist(), strict=True))
        return {
            "parser_version": parser_version(),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "inputs": [{"uri": uri, "sha256": sha} for uri, sha in inputs],
            "inputs_digest": self.plan.digest,
            "documents_digest": self.plan.documents_digest,
            "terms": self.plan.terms,
            "row_counts": {name: self.row_counts.get(name, 0) for name in TABLE_ORDER},
            "parse_status": dict(sorted(statuses.items())),
            "checks": {name: {**counts, "share_failed": round(
                counts["failed"] / max(1, sum(counts.values())), 4)}
                for name, counts in sorted(self.checks.items())},
        }


def _sum_counts(parts: list[pa.Table]) -> pa.Table:
    table = pa.concat_tables(parts)
    grouped = table.group_by("term").aggregate([("n_reports", "sum"), ("total_count", "sum")])
    return pa.table({"term": grouped.column("term"),
                     "n_reports": grouped.column("n_reports_sum"),
                     "total_count": grouped.column("total_count_sum")})


def _partition_files(directory: Path) -> list[tuple[int | None, Path]]:
    """(year, file) of a table's files, in year order (None for an unpartitioned one)."""
    if (directory / "part-0.parquet").exists():
        return [(None, directory / "part-0.parquet")]
    found = []
    for sub in directory.glob(f"{PARTITION}=*"):
        found.append((int(sub.name.split("=", 1)[1]), sub / "part-0.parquet"))
    return sorted(found)


def _candidates(reports: pa.Table) -> list[dict[str, Any]]:
    """The reports that share their body and year with another (the only ones copy
    detection compares), as rows; the others are never turned into Python rows."""
    fields = reports.select(list(DUPLICATE_FIELDS))
    keys = [body_year_key(row) for row in fields.select(
        ["admin_code", "body_level", "org_name", "report_year", "parse_status"]).to_pylist()]
    counts: dict[tuple, int] = {}
    for key in keys:
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    chosen = [i for i, key in enumerate(keys) if key is not None and counts[key] > 1]
    return fields.take(pa.array(chosen, pa.int64())).to_pylist()


def _group_chunks(groups: list[list[dict[str, Any]]],
                  size: int) -> Iterator[list[dict[str, Any]]]:
    """Whole groups, gathered into chunks of about ``size`` reports."""
    chunk: list[dict[str, Any]] = []
    for group in groups:
        chunk.extend(group)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _report_start_from(table: pa.Table, at: int) -> int:
    """Index of the first row at or after ``at`` that starts a report (its report_id
    differs from the row before), or -1 when none does."""
    if at <= 0 or at >= table.num_rows:
        return -1
    ids = table.column("report_id").slice(at - 1).combine_chunks()
    changed = pc.not_equal(ids.slice(0, len(ids) - 1), ids.slice(1))
    first = pc.index(changed, True).as_py()
    return -1 if first < 0 else at + first


def _with_year(table: pa.Table, year: int | None) -> pa.Table:
    if year is None or PARTITION in table.column_names:
        return table
    value = None if year == 0 else year
    return table.append_column(PARTITION, pa.array([value] * table.num_rows, pa.int32()))


def _rows_of(reports: pa.Table, ids: set[str], fields: tuple[str, ...]) -> dict[str, dict]:
    if not ids:
        return {}
    chosen = reports.filter(pc.is_in(reports.column("report_id"),
                                     value_set=pa.array(sorted(ids), pa.string())))
    return {row["report_id"]: row for row in chosen.select(list(fields)).to_pylist()}


class _CandidateRows:
    """The rows copy detection compares, for some candidates of one year, read in one
    pass over that year's files.

    Report ids become small integer codes as the rows are read, and the fact labels
    dictionary-encoded, so the facts of thousands of reports take tens of megabytes.
    Derived rows are never compared and are not read; narrative text is read only for
    candidates without a single fact (copies are told apart by their text only then).
    """

    def __init__(self, builder: ReleaseBuilder, year: int, reports: list[dict[str, Any]]):
        self.ids = pa.array(sorted({m["report_id"] for m in reports}), pa.string())
        self.id_list = self.ids.to_pylist()
        self.facts = {name: self._coded(builder.staging / name, year, [*keys, "value"], keys,
                                        facts_only=True)
                      for name, keys in FACT_TABLES.items()}
        with_facts = set()
        for table in self.facts.values():
            with_facts.update(np.unique(table.column("code").to_numpy()).tolist())
        factless = [i for i in range(len(self.ids)) if i not in with_facts]
        self.texts = self._coded(builder.staging / "sections", year, ["text"], (),
                                 only=self.ids.take(pa.array(factless, pa.int64())),
                                 ) if factless else None

    def _coded(self, directory: Path, year: int, columns: list[str], labels: tuple[str, ...],
               facts_only: bool = False, only: pa.Array | None = None) -> pa.Table:
        """Rows of the candidates (or of ``only`` of them) in one year's file of a table,
        read a batch at a time with their report ids coded."""
        wanted = self.ids if only is None else only
        path = directory / f"{PARTITION}={year}" / "part-0.parquet"
        read = ["report_id", *columns, *(["derived"] if facts_only else [])]
        parts = []
        if path.exists():
            for batch in pq.ParquetFile(path).iter_batches(batch_size=65536, columns=read):
                keep = pc.is_in(batch.column("report_id"), value_set=wanted)
                if facts_only:  # derived rows are never compared
                    keep = pc.and_(keep, pc.invert(pc.fill_null(batch.column("derived"), False)))
                batch = batch.filter(keep)
                if not batch.num_rows:
                    continue
                code = pc.index_in(batch.column("report_id"), value_set=self.ids)
                parts.append(pa.table(
                    {"code": code.cast(pa.int32()),
                     **{c: pc.dictionary_encode(batch.column(c)) if c in labels
                        else batch.column(c) for c in columns}}))
        if not parts:
            return pa.table({"code": pa.array([], pa.int32()),
                             **{c: pa.array([], pa.float64() if c == "value" else pa.string())
                                for c in columns}})
        return pa.concat_tables(parts)

    def tables(self, chunk: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Rows of ``chunk``'s reports, as :func:`transform.duplicates.mark_duplicates`
        takes them."""
        codes = pc.index_in(pa.array([m["report_id"] for m in chunk], pa.string()),
                            value_set=self.ids)
        tables: dict[str, list[dict[str, Any]]] = {"reports": chunk}
        sources = dict(self.facts)
        if self.texts is not None:
            sources["sections"] = self.texts
        for name, table in sources.items():
            chosen = table.filter(pc.is_in(table.column("code"), value_set=codes))
            rows = chosen.drop_columns(["code"]).to_pylist()
            ids = self.id_list
            for row, code in zip(rows, chosen.column("code").to_pylist(), strict=True):
                row["report_id"] = ids[code]
            tables[name] = rows
        return tables
