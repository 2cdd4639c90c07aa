"""Write the dataset: deterministic Parquet, published atomically.

Layout under ``out``::

    out/releases/<UTC build id>/<table>/report_year=2020/part-0.parquet
    out/releases/<UTC build id>/{MANIFEST.json, datapackage.json, README.md}
    out/latest -> releases/<build id>           (switched with one atomic rename)
    out/current -> latest                       (the same, under its older name)
    out/<table> -> latest/<table>               (stable paths researchers read)

A build writes a complete new release beside the published one; only when the release
passes its quality gates (transform/gates.py) is ``latest`` repointed. A crash at any
moment leaves ``out/<table>`` showing the previous release whole, and a release that
fails its gates is kept, marked with FAILED.json, and never published. Files are
byte-identical for identical inputs: rows are sorted, schemas are explicit, and nothing
time-dependent goes into the Parquet files.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transform.datapackage import write_descriptors
from transform.schema import PARTITION, TABLE_ORDER, TABLES

# The year partition cannot be null: pandas cannot read a hive dataset with a null
# partition next to integer ones, and DuckDB cannot read files outside the partition
# folders. Documents whose year is unknown are therefore published under year 0.
UNKNOWN_YEAR = 0
KEEP_RELEASES = 5


def arrow_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows → an Arrow table with the registry's schema (unknown keys are an error)."""
    spec = TABLES[name]
    schema = spec.arrow_schema()
    columns = {col: [row.get(col) for row in rows] for col in spec.column_names}
    extra = set().union(*(row.keys() for row in rows)) - set(spec.column_names) if rows else set()
    if extra:
        raise ValueError(f"{name}: columns not in the schema registry: {sorted(extra)}")
    return pa.Table.from_pydict(columns, schema=schema)


def frame_table(name: str, frame: Any) -> pa.Table:
    """A pandas frame with exactly the registry's columns → an Arrow table of its schema."""
    spec = TABLES[name]
    if list(frame.columns) != list(spec.column_names):
        raise ValueError(f"{name}: columns {list(frame.columns)} are not the registry's "
                         f"{list(spec.column_names)}")
    if frame.empty:
        return spec.arrow_schema().empty_table()
    return pa.Table.from_pandas(frame, schema=spec.arrow_schema(), preserve_index=False)


def document_rows_table(name: str, parts: list[tuple[Any, Any, list[dict[str, Any]]]],
                        ) -> pa.Table:
    """Rows of many documents → one Arrow table, with each part's ``report_id`` and
    ``report_year`` filled in: the same as :func:`arrow_table` over the rows with those two
    keys added, without building a new dict per row (a batch has hundreds of thousands)."""
    spec = TABLES[name]
    allowed = set(spec.column_names)
    for _, _, rows in parts:
        for row in rows:
            if not row.keys() <= allowed:
                raise ValueError(f"{name}: columns not in the schema registry: "
                                 f"{sorted(set(row) - allowed)}")
    columns: dict[str, list[Any]] = {}
    for col in spec.column_names:
        if col == "report_id":
            columns[col] = [rid for rid, _, rows in parts for _ in range(len(rows))]
        elif col == PARTITION:
            columns[col] = [year for _, year, rows in parts for _ in range(len(rows))]
        else:
            columns[col] = [row.get(col) for _, _, rows in parts for row in rows]
    return pa.Table.from_pydict(columns, schema=spec.arrow_schema())


def _writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    path.parent.mkdir(parents=True, exist_ok=True)
    return pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=True,
                            write_statistics=True, store_schema=True)


class TableWriter:
    """One table written as its rows arrive, in row groups of a fixed size.

    Rows are appended in their final order (the build hands documents out in report_id
    order and takes their results back in that order), so nothing is ever sorted or held
    whole: each year partition buffers less than one row group. Row groups are cut by
    row count, not by batch, so the bytes do not depend on how the work was split.
    """

    def __init__(self, name: str, directory: Path) -> None:
        self.spec = TABLES[name]
        self.name = name
        self.directory = directory
        self.schema = self.spec.arrow_schema()
        self.file_schema = (self.schema.remove(self.schema.get_field_index(PARTITION))
                            if self.spec.partitioned else self.schema)
        self.writers: dict[int, pq.ParquetWriter] = {}
        self.buffers: dict[int, list[pa.Table]] = {}
        self.buffered: dict[int, int] = {}
        self.n_rows = 0
        self.group_rows = self.spec.row_group_rows

    def append(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        table = table.select(self.schema.names).cast(self.schema)
        self.n_rows += table.num_rows
        if not self.spec.partitioned:
            self._buffer(-1, table)
            return
        years = pc.fill_null(table.column(PARTITION), UNKNOWN_YEAR)
        data = table.drop_columns([PARTITION])
        for year in sorted(pc.unique(years).to_pylist()):
            self._buffer(year, data.filter(pc.equal(years, year)))

    def _buffer(self, key: int, table: pa.Table) -> None:
        self.buffers.setdefault(key, []).append(table)
        self.buffered[key] = self.buffered.get(key, 0) + table.num_rows
        if self.buffered[key] >= self.group_rows:
            self._flush(key, final=False)

    def _flush(self, key: int, final: bool) -> None:
        """Write whole row groups (and, when ``final``, the remainder)."""
        parts = self.buffers.pop(key, [])
        pending = pa.concat_tables(parts) if parts else self.file_schema.empty_table()
        size = self.group_rows
        cut = pending.num_rows if final else pending.num_rows - pending.num_rows % size
        writer = self.writers.get(key)
        if writer is None and (cut or final):
            writer = self.writers[key] = _writer(self._path(key), self.file_schema)
        for start in range(0, cut, size):
            writer.write_table(pending.slice(start, min(size, cut - start)),
                               row_group_size=size)
        rest = pending.slice(cut)
        self.buffers[key] = [rest] if rest.num_rows else []
        self.buffered[key] = rest.num_rows

    def _path(self, key: int) -> Path:
        if key == -1:
            return self.directory / "part-0.parquet"
        return self.directory / f"{PARTITION}={key}" / "part-0.parquet"

    def close(self) -> None:
        """Write what is buffered; a table that never had a row still gets a file."""
        keys = sorted(set(self.buffers) | set(self.writers))
        if not keys:
            keys = [-1 if not self.spec.partitioned else UNKNOWN_YEAR]
        for key in keys:
            self._flush(key, final=True)
        for key in sorted(self.writers):
            self.writers.pop(key).close()


def release_id() -> str:
    """A release is named by the UTC time its build started writing it."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def finish_release(staging: Path, manifest: dict[str, Any]) -> None:
    """The descriptors every release carries, written once its tables are complete."""
    (staging / "MANIFEST.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str),
        encoding="utf-8")
    write_descriptors(staging, manifest)


POINTER = "latest"
ALIASES = ("current",)
DESCRIPTORS = ("MANIFEST.json", "datapackage.json", "README.md")


def published_release(out: Path) -> Path | None:
    """The release ``out/<table>`` shows now, if any."""
    for name in (POINTER, *ALIASES):
        pointer = out / name
        if pointer.exists():
            return pointer.resolve()
    return None


def _replace_link(link: Path, target: str) -> None:
    """Make ``link`` a symlink to ``target`` with one atomic rename."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)
    tmp = link.with_name(f".{link.name}.{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def publish(release: Path, out: Path) -> None:
    """Point ``out/latest`` at ``release`` atomically and make sure the stable paths
    exist."""
    _replace_link(out / POINTER, os.path.relpath(release, out))
    for alias in ALIASES:
        _replace_link(out / alias, POINTER)
    for name in (*TABLE_ORDER, *DESCRIPTORS):
        _replace_link(out / name, os.path.join(POINTER, name))


def mark_failed(release: Path, reasons: list[str]) -> None:
    """Keep a release that failed its gates, saying why (it is never published)."""
    (release / "FAILED.json").write_text(
        json.dumps({"reasons": reasons}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8")


def prune_releases(out: Path, keep: int = KEEP_RELEASES) -> list[Path]:
    """Remove all but the newest ``keep`` releases (never the published one)."""
    releases = out / "releases"
    if not releases.exists():
        return []
    published = published_release(out)
    finished = sorted(p for p in releases.iterdir() if not p.name.endswith(".partial"))
    stale = [p for p in finished[:-keep] if p.resolve() != published]
    stale += [p for p in releases.iterdir() if p.name.endswith(".partial")]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale
