"""The published tables against the contract: columns, codes, docs generated from one source."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.conftest import ROOT
from transform.dictionary import render_dictionary
from transform.problems import CODES
from transform.schema import TABLES
from transform.template_map import load_template_map

CONTRACT_COLUMNS = {
    "reports": ["report_id", "source_uri", "source_format", "title", "org_name", "township",
                "county", "city", "province", "admin_code", "body_level", "report_year",
                "template", "published_date", "parse_status", "n_warnings", "parser_version",
                "ingested_at"],
    "active_disclosure": ["report_id", "article", "item", "metric", "value", "unit", "raw",
                          "item_label_zh", "metric_label_zh", "page", "table_index",
                          "cell_row", "cell_col", "bbox"],
    "applications": ["report_id", "row", "applicant", "value", "raw", "row_label_zh",
                     "applicant_label_zh"],
    "reviews_litigation": ["report_id", "proceeding", "outcome", "value", "raw"],
    "sections": ["report_id", "section", "heading", "text", "n_chars"],
    "terms": ["report_id", "section", "term", "count", "pos"],
    "checks": ["report_id", "check", "scope", "passed", "expected", "actual", "detail"],
    "problems": ["report_id", "stage", "code", "message", "location"],
}


def test_every_contract_column_is_published(seed_dataset: Path):
    assert set(CONTRACT_COLUMNS) <= set(TABLES)
    for table, columns in CONTRACT_COLUMNS.items():
        frame = pd.read_parquet(seed_dataset / table)
        missing = set(columns) - set(frame.columns)
        assert not missing, (table, missing)


def test_codes_in_data_are_declared(seed_dataset: Path):
    tmap = load_template_map()
    active = pd.read_parquet(seed_dataset / "active_disclosure")
    assert set(active["item"]) <= {e.code for e in tmap.items}
    assert set(active["metric"]) <= {e.code for e in tmap.metrics}
    assert set(active["unit"]) <= {"count", "10k_yuan", "unstated"}
    apps = pd.read_parquet(seed_dataset / "applications")
    assert set(apps["row"]) <= {e.code for e in tmap.application_rows}
    assert set(apps["applicant"]) == {e.code for e in tmap.applicants}
    reviews = pd.read_parquet(seed_dataset / "reviews_litigation")
    assert set(reviews["outcome"]) == {e.code for e in tmap.outcomes}
    checks = pd.read_parquet(seed_dataset / "checks")
    assert set(checks["check"]) == {c.name for c in tmap.checks}
    problems = pd.read_parquet(seed_dataset / "problems")
    assert set(problems["code"]) <= set(CODES)


def test_data_dictionary_is_generated_and_current():
    committed = (ROOT / "docs" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    regenerate = "run: .venv/bin/gongkai describe > docs/DATA_DICTIONARY.md"
    assert committed == render_dictionary(), regenerate
    for name, spec in TABLES.items():
        assert f"## `{name}`" in committed
        for column in spec.columns:
            assert f"| `{column.name}` |" in committed


def test_terms_keep_domain_words_whole_and_drop_noise(seed_dataset: Path):
    terms = pd.read_parquet(seed_dataset / "terms")
    assert {"政府信息公开", "依申请公开"} <= set(terms["term"])
    assert not terms["term"].str.fullmatch(r"[\d.,%]+|[，。、；：！？（）《》“”]").any()
    assert (terms["count"] > 0).all()
