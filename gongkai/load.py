"""A table as a DataFrame, already joined with what researchers filter on.

    from gongkai import load
    apps = load("applications")                       # the published release
    old = load("applications", release="20260101T020000000000Z")   # a pinned release

Every table keyed by report_id comes with the report's body, place, level, year and
template (and ``duplicate_of``, so copies can be dropped with one filter), so a first
comparison across townships needs no join.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from transform.schema import TABLES
from transform.storage import POINTER_OBJECT, Store, is_remote

DEFAULT_DATASET = Path(__file__).resolve().parents[1] / "data" / "dataset"
REPORT_COLUMNS = ("org_name", "township", "county", "city", "province", "admin_code",
                  "body_level", "report_year", "template", "parse_status", "duplicate_of")


def release_path(dataset: str | Path = DEFAULT_DATASET,
                 release: str | None = None) -> Path | str:
    """The folder of a release: the published one, or ``releases/<release>``. For a
    dataset on an object store (``s3://bucket/prefix``), its URL."""
    if is_remote(dataset):
        store = Store.at(dataset)
        name = release or (store.read_text(POINTER_OBJECT) or "").strip()
        if not name or not store.exists("releases", name, "MANIFEST.json"):
            raise FileNotFoundError(f"no release {name or '(published)'!r} at {dataset}")
        return store.url("releases", name)
    dataset = Path(dataset)
    if release is None:
        for pointer in ("latest", "current"):
            if (dataset / pointer).exists():
                return (dataset / pointer).resolve()
        return dataset
    path = dataset / "releases" / release
    if not path.is_dir():
        raise FileNotFoundError(f"no release {release!r} under {dataset / 'releases'}")
    return path


def releases(dataset: str | Path = DEFAULT_DATASET) -> list[str]:
    """Release names, oldest first (failed ones included; see their FAILED.json)."""
    if is_remote(dataset):
        return Store.at(dataset).listdir("releases")
    folder = Path(dataset) / "releases"
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.name.endswith(".partial")) if folder.exists() else []


def load(table: str, dataset: str | Path = DEFAULT_DATASET, release: str | None = None,
         with_reports: bool = True) -> pd.DataFrame:
    """``table`` of a release, joined with the reports' metadata (unless ``reports``)."""
    if table not in TABLES:
        raise KeyError(f"no table {table!r}; tables: {', '.join(TABLES)}")
    root = str(release_path(dataset, release))
    frame = pd.read_parquet(f"{root}/{table}")
    if "report_year" in frame.columns:
        frame["report_year"] = frame["report_year"].astype("int32")
    columns = TABLES[table].column_names
    frame = frame[[c for c in columns if c in frame.columns]]
    if not with_reports or table == "reports" or "report_id" not in frame.columns:
        return frame
    reports = pd.read_parquet(f"{root}/reports")
    reports["report_year"] = reports["report_year"].astype("int32")
    extra = ["report_id", *(c for c in REPORT_COLUMNS if c not in frame.columns)]
    return frame.merge(reports[extra], on="report_id", how="left", validate="many_to_one")
