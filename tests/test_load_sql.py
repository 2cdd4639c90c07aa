"""`gongkai load` / `from gongkai import load` and `gongkai sql` on a built dataset."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from gongkai import load
from gongkai.load import releases
from gongkai.sql import connect, repl
from tests.conftest import ROOT

GONGKAI = ROOT / ".venv" / "bin" / "gongkai"


def test_load_joins_report_metadata(seed_dataset: Path):
    apps = load("applications", seed_dataset)
    plain = pd.read_parquet(seed_dataset / "applications")
    assert len(apps) == len(plain)
    for column in ("org_name", "township", "admin_code", "body_level", "report_year",
                   "template", "duplicate_of"):
        assert column in apps.columns
    reports = pd.read_parquet(seed_dataset / "reports").set_index("report_id")
    sample = apps.drop_duplicates("report_id")
    for row in sample.itertuples():
        assert row.org_name == reports.loc[row.report_id, "org_name"]
        assert row.template == reports.loc[row.report_id, "template"]
    granted = apps[(apps["row"] == "granted") & (apps["applicant"] == "total")]
    assert set(granted["township"]) == set(reports["township"].dropna())


def test_load_a_pinned_release_and_unknown_names(seed_dataset: Path):
    (name,) = releases(seed_dataset)
    assert len(load("reports", seed_dataset, release=name)) == 5
    with pytest.raises(KeyError):
        load("nope", seed_dataset)
    with pytest.raises(FileNotFoundError):
        load("reports", seed_dataset, release="19990101T000000000000Z")


def test_sql_views_for_every_table(seed_dataset: Path):
    con = connect(seed_dataset)
    views = {r[0] for r in con.execute(
        "select table_name from information_schema.tables").fetchall()}
    assert {"reports", "applications", "checks", "term_idf", "fetches"} <= views
    n = con.execute("select count(*) from applications where applicant = 'total'").fetchone()
    assert n[0] == len(load("applications", seed_dataset).query("applicant == 'total'"))
    year = con.execute("select min(report_year), max(report_year) from reports").fetchone()
    assert year == (2019, 2021)


def test_sql_prompt_reads_statements_and_survives_errors(seed_dataset: Path):
    con = connect(seed_dataset)
    out = io.StringIO()
    script = "select count(*) as n\nfrom reports;\nselect nonsense from nowhere;\n.tables\n"
    repl(con, io.StringIO(script), out)
    text = out.getvalue()
    assert "n\n5" in text.replace(" ", "")
    assert "error:" in text and "applications" in text


def test_cli_load_and_sql(seed_dataset: Path, tmp_path: Path):
    csv = tmp_path / "apps.csv"
    result = subprocess.run([str(GONGKAI), "load", "applications", "--out", str(seed_dataset),
                             "--csv", str(csv)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(csv)) == len(pd.read_parquet(seed_dataset / "applications"))
    result = subprocess.run([str(GONGKAI), "sql", "--out", str(seed_dataset), "-c",
                             "select template, count(*) as n from reports group by 1 "
                             "order by 1"], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "2019" in result.stdout and "2021" in result.stdout
