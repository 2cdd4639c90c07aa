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
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
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


def _write_file(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", use_dictionary=True,
                   write_statistics=True, store_schema=True)


def _write_table(name: str, table: pa.Table, directory: Path) -> None:
    if TABLES[name].partitioned:
        _write_partitioned(table, directory)
    else:
        _write_file(table, directory / "part-0.parquet")


def _write_partitioned(table: pa.Table, directory: Path) -> None:
    years = [UNKNOWN_YEAR if y is None else y for y in table.column(PARTITION).to_pylist()]
    data = table.drop_columns([PARTITION])
    groups: dict[int, list[int]] = {}
    for i, year in enumerate(years):
        groups.setdefault(year, []).append(i)
    if not groups:
        groups[UNKNOWN_YEAR] = []
    for year in sorted(groups):
        subset = data.take(pa.array(groups[year], type=pa.int64()))
        _write_file(subset, directory / f"{PARTITION}={year}" / "part-0.parquet")


def new_release_dir(out: Path) -> Path:
    releases = out / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return releases / stamp


def write_release(tables: dict[str, list[dict[str, Any]]], out: Path,
                  manifest: dict[str, Any]) -> Path:
    """Write every table into a fresh release directory (not yet published)."""
    release = new_release_dir(out)
    staging = release.with_name(release.name + ".partial")
    staging.mkdir(parents=True)
    try:
        for name in TABLE_ORDER:
            _write_table(name, arrow_table(name, tables.get(name, [])), staging / name)
        (staging / "MANIFEST.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str),
            encoding="utf-8")
        write_descriptors(staging, manifest)
        os.replace(staging, release)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return release


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


def sort_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stable order by report: rows keep the order they were produced in within it."""
    return sorted(rows, key=lambda r: r.get("report_id", ""))
