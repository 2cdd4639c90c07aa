"""Quality gates: a release is published only if it is no worse than the one it replaces.

A nightly run must never publish a regression. Before ``latest`` moves, the new release
must pass every gate:

* every table is readable: each is read back from disk, every row, and has as many rows
  as the release's MANIFEST says;
* no contract column is missing from any table (every column of transform/schema.py);
* the share of reports parsed ``ok`` does not fall below the published release's.

A failing release is kept, marked with FAILED.json listing the reasons, and the dataset
keeps serving the previous release.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq

from transform.schema import TABLES

SHARE_TOLERANCE = 1e-9


def _manifest(release: Path) -> dict:
    path = release / "MANIFEST.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _read_through(path: Path, partitioned: bool) -> tuple[list[str], int]:
    """Every row of a table read back, one row group of one file at a time (a dataset
    scan reads ahead several files and batches at once: over a gigabyte for the terms of
    100,000 reports), and its columns with the partition key included."""
    dataset = ds.dataset(path, format="parquet", partitioning="hive" if partitioned else None)
    n_rows = 0
    for file in sorted(dataset.files):
        parquet = pq.ParquetFile(file)
        for group in range(parquet.num_row_groups):
            n_rows += parquet.read_row_group(group).num_rows
    return dataset.schema.names, n_rows


def ok_share(release: Path | dict) -> float | None:
    """Share of reports parsed ok, from a release's MANIFEST (None without reports)."""
    manifest = release if isinstance(release, dict) else _manifest(release)
    counts = manifest.get("parse_status", {})
    total = sum(counts.values())
    return counts.get("ok", 0) / total if total else None


def quality_gates(release: Path, published: Path | None = None,
                  published_manifest: dict | None = None) -> list[str]:
    """The reasons ``release`` must not be published (empty when it passes); the
    published release is given by its folder or by its MANIFEST."""
    reasons: list[str] = []
    expected_rows = _manifest(release).get("row_counts", {})
    for name, spec in TABLES.items():
        try:
            columns, n_rows = _read_through(release / name, spec.partitioned)
        except Exception as exc:  # any failure to read is the gate failing
            reasons.append(f"table {name} is not readable: {type(exc).__name__}: {exc}")
            continue
        missing = [c for c in spec.column_names if c not in columns]
        if missing:
            reasons.append(f"table {name} lacks contract columns {missing}")
        if name in expected_rows and expected_rows[name] != n_rows:
            reasons.append(f"table {name} has {n_rows} rows, its manifest says "
                           f"{expected_rows[name]}")
    if published_manifest is None and published is not None and \
            (published / "MANIFEST.json").exists():
        published_manifest = _manifest(published)
    if published_manifest:
        before, after = ok_share(published_manifest), ok_share(release)
        if before is not None and after is not None and after < before - SHARE_TOLERANCE:
            reasons.append(f"share of reports parsed ok fell from {before:.2%} to {after:.2%} "
                           f"(published release built {published_manifest.get('built_at')})")
    return reasons
