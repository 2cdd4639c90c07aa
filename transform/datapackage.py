"""What every release says about itself: datapackage.json and README.md.

Both are generated from the one metadata source, transform/schema.py (and the template
map for the codes), so the dataset never describes a column the code does not write, or
the other way round.

* ``datapackage.json`` is a Frictionless Data Package: one resource per table (its
  folder of hive-partitioned Parquet files, or one file), with every field's type,
  description, unit, Chinese label and allowed codes. ``frictionless validate`` reads
  the Parquet and checks it against these schemas.
* ``README.md`` is the data dictionary in prose, with the cross-template rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gongkai import __version__
from transform.dictionary import code_values, render_dictionary
from transform.schema import PARTITION, TABLES, Column, TableSpec
from transform.template_map import load_template_map

FRICTIONLESS_TYPES = {"string": "string", "int32": "integer", "int64": "integer",
                      "float64": "number", "bool": "boolean", "date": "date",
                      "timestamp": "datetime", "bbox": "array"}
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}


def field_descriptor(column: Column) -> dict[str, Any]:
    """A column as a Frictionless field.

    A nullable integer column is declared ``number``: Parquet keeps it as an integer,
    but readers that go through pandas (Frictionless among them) see a null-holding
    integer column as floating point. ``gongkai:type`` keeps the exact Parquet type.
    """
    kind = FRICTIONLESS_TYPES[column.type]
    if kind == "integer" and column.nullable:
        kind = "number"
    field: dict[str, Any] = {"name": column.name, "type": kind,
                             "description": column.description,
                             "gongkai:type": column.type}
    if column.zh:
        field["title"] = column.zh
    if column.unit:
        field["gongkai:unit"] = column.unit
    if not column.nullable:
        field["constraints"] = {"required": True}
    if column.codes:
        values = code_values(column.codes, load_template_map())
        if values:
            field.setdefault("constraints", {})["enum"] = values
    return field


def resource_descriptor(spec: TableSpec) -> dict[str, Any]:
    """One table. A partitioned table is its folder: the files hold every column but the
    partition key, which readers add back from the folder names, last."""
    columns = list(spec.columns)
    if spec.partitioned:
        columns = [c for c in columns if c.name != PARTITION] + [
            c for c in columns if c.name == PARTITION]
    resource: dict[str, Any] = {
        "name": spec.name.replace("_", "-"),
        "title": spec.name,
        "description": spec.description,
        "path": spec.name if spec.partitioned else f"{spec.name}/part-0.parquet",
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        # An empty string is a value here (a blank cell's raw text), never a missing one.
        "schema": {"fields": [field_descriptor(c) for c in columns],
                   "primaryKey": list(spec.key), "missingValues": []},
    }
    if spec.partitioned:
        resource["gongkai:partitioning"] = {"flavor": "hive", "columns": [PARTITION]}
    return resource


def datapackage(manifest: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "gongkai",
        "title": "Chinese government open-information annual reports (政府信息公开工作年度报告)",
        "description": "Tables 二/三/四 of the national template read cell by cell, the "
                       "narrative, and the checks the template demands. See README.md.",
        "version": manifest.get("parser_version", __version__),
        "created": manifest.get("built_at"),
        "licenses": [LICENSE],
        "resources": [resource_descriptor(spec) for spec in TABLES.values()],
    }


def write_descriptors(release: Path, manifest: dict[str, Any]) -> None:
    """datapackage.json and README.md into a release folder (before it is published)."""
    (release / "datapackage.json").write_text(
        json.dumps(datapackage(manifest), ensure_ascii=False, indent=2, sort_keys=False) + "\n",
        encoding="utf-8")
    (release / "README.md").write_text(render_dictionary(), encoding="utf-8")
