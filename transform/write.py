"""Write the dataset: deterministic Parquet, published atomically.

Layout under ``out``::

    out/releases/<UTC build id>/<table>/report_year=2020/part-0.parquet
    out/current -> releases/<build id>          (switched with one atomic rename)
    out/<table> -> current/<table>              (stable paths researchers read)

A build writes a complete new release beside the published one, then repoints
``current``; a crash at any moment leaves ``out/<table>`` showing the previous release
whole. Files are byte-identical for identical inputs: rows are sorted, schemas are
explicit, and nothing time-dependent goes into the Parquet files.
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
        os.replace(staging, release)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return release


def publish(release: Path, out: Path) -> None:
    """Point ``out/current`` at ``release`` atomically and make sure the stable table
    paths exist."""
    tmp = out / f".current.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(release, out), tmp)
    os.replace(tmp, out / "current")
    for name in (*TABLE_ORDER, "MANIFEST.json"):
        link = out / name
        target = os.path.join("current", name)
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        elif link.exists() or link.is_symlink():
            link.unlink()
        os.symlink(target, link)


def prune_releases(out: Path, keep: int = KEEP_RELEASES) -> list[Path]:
    """Remove all but the newest ``keep`` releases (never the published one)."""
    releases = out / "releases"
    if not releases.exists():
        return []
    current = (out / "current").resolve() if (out / "current").exists() else None
    finished = sorted(p for p in releases.iterdir() if not p.name.endswith(".partial"))
    stale = [p for p in finished[:-keep] if p.resolve() != current]
    stale += [p for p in releases.iterdir() if p.name.endswith(".partial")]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def sort_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stable order by report: rows keep the order they were produced in within it."""
    return sorted(rows, key=lambda r: r.get("report_id", ""))
