"""The synthetic corpus: deterministic, keys that agree with themselves and with the
template map, and a build of it that scores (almost) perfectly against its keys.

The keys are checked with arithmetic written here, not with the generator's own, so a
mistake in the generator's checks cannot hide behind itself.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from gongkai.synth import reports as synth
from gongkai.synth.render import RenderError, render_txt
from tests.conftest import ROOT, SCORER
from transform.build import build_dataset
from transform.labels import normalise_label

VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
TEMPLATE_MAP = ROOT / "transform" / "template_map.yaml"
CHECK_NAMES = ("applications.balance", "applications.total_row",
               "applications.total_column", "reviews_litigation.total")
SCORE_LINE = re.compile(r"score: cells (\d+)/(\d+) .*metadata (\d+)/(\d+) .*checks (\d+)/(\d+)"
                        r" .*reports found (\d+), missing (\d+)")


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# ------------------------------------------------------------------ determinism


def test_same_seed_gives_byte_identical_files(tmp_path: Path):
    formats = ("txt", "html", "docx")
    first = synth.write_corpus(6, tmp_path / "a", formats, seed=7)
    synth.write_corpus(6, tmp_path / "b", formats, seed=7)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert [p.suffix for p in first] == [".txt", ".html", ".docx"] * 2
    assert {p.name.split(".")[0] for p in first} == {
        p.stem for p in (tmp_path / "a" / "keys").glob("*.json")}
    other = synth.write_corpus(6, tmp_path / "c", formats, seed=8)
    assert first[0].read_bytes() != other[0].read_bytes()


def test_report_does_not_depend_on_corpus_size():
    small = synth.synth_report(synth.report_rng(3, 4), 4)
    again = synth.synth_report(synth.report_rng(3, 4), 4)
    assert render_txt(small.document) == render_txt(again.document)
    assert small.key == again.key


# ------------------------------------------------------------------ keys


def independent_checks(key: dict) -> dict[str, bool | None]:
    """The contract's four checks, from the key's values alone."""
    apps, reviews = key["applications"], key["reviews_litigation"]
    applicants = ["natural_person", "commercial", "research", "social_welfare",
                  "legal_services", "other_org"]
    columns = [*applicants, "total"]
    leaves = [r for r in apps if r.split(".")[0] in ("denied", "unable", "not_processed")]
    components = ["granted", "partially_granted", *leaves, "other"]

    def scope(left: list, right: list) -> bool | None:
        if any(v is None for v in left + right):
            return None
        return sum(left) == sum(right)

    def verdict(results: list) -> bool | None:
        return False if False in results else True if True in results else None

    return {
        "applications.balance": verdict([scope(
            [apps["new_received"][c], apps["carried_over"][c]],
            [apps["total"][c], apps["carried_forward"][c]]) for c in columns]),
        "applications.total_row": verdict([scope(
            [apps[r][c] for r in components], [apps["total"][c]]) for c in columns]),
        "applications.total_column": verdict([scope(
            [apps[r][c] for c in applicants], [apps[r]["total"]]) for r in apps]),
        "reviews_litigation.total": verdict([scope(
            [reviews[p][o] for o in ("upheld", "corrected", "other", "pending")],
            [reviews[p]["total"]]) for p in reviews]),
    }


@pytest.fixture(scope="module")
def keys() -> list[dict]:
    return [synth.synth_report(synth.report_rng(21, i), i, error_share=0.1).key
            for i in range(400)]


def test_keys_are_valid_and_self_consistent(keys: list[dict]):
    places = synth.load_places()
    by_code = {t.admin_code: t for t in places.eligible}
    for key in keys:
        template = key["template"]
        assert template == ("2019" if key["report_year"] <= 2020 else "2021") or (
            key["report_year"] == 2020 and template == "2021")
        assert key["body_level"] == "township"
        town = by_code[key["admin_code"]]
        assert key["township"] == town.name
        assert key["county"] in (None, town.county)
        assert set(key["checks"]) == set(CHECK_NAMES)
        assert key["checks"] == independent_checks(key), key["source"]
        assert bool(key["deliberate_errors"]) == (False in key["checks"].values())
        layout = synth.ACTIVE_LAYOUT[template]
        assert {i: set(m) for i, m in key["active_disclosure"].items()} == {
            i: set(m) for i, m in layout.items()}
        assert set(key["active_disclosure_raw"]) == set(layout)
        assert list(key["applications"]) == list(synth.KEY_APPLICATION_ROWS[template])
        for row in key["applications"].values():
            assert list(row) == list(synth.COLUMNS)
            assert all(v is None or (isinstance(v, int) and v >= 0) for v in row.values())
        if template == "2021":  # 三(六) is derived: the sum of its three rows
            for c in synth.COLUMNS:
                parts = [key["applications"][r][c] for r in synth.OTHER_2021]
                want = None if None in parts else sum(parts)
                assert key["applications"]["other"][c] == want
        assert [list(v) for v in key["reviews_litigation"].values()] == [
            list(synth.OUTCOMES)] * 3
        assert key["sections"] and len(set(key["sections"])) == len(key["sections"])
        assert key["source"].endswith(".txt")


def test_the_corpus_varies_like_real_reports(keys: list[dict]):
    """Both forms, a 2020 report on the 2021 form, blanks, money in 元 and 万元, errors,
    appendices, preambles, dates: a corpus that only ever showed the clean form would
    measure nothing."""
    raws = [raw for k in keys for item in k["active_disclosure_raw"].values()
            for raw in item.values()]
    values = [v for k in keys for row in k["applications"].values() for v in row.values()]
    assert {k["template"] for k in keys} == {"2019", "2021"}
    assert any(k["report_year"] == 2020 and k["template"] == "2021" for k in keys)
    assert None in values and any(v and v > 0 for v in values if v is not None)
    assert any(r.strip().endswith("元") and "万" not in r for r in raws)
    assert any("万" in r for r in raws)
    assert any("\u00a0" in r for r in raws) and any("\n" in r for r in raws)
    assert 0.04 < sum(bool(k["deliberate_errors"]) for k in keys) / len(keys) < 0.2
    assert any("appendix" in k["sections"] for k in keys)
    assert any(k["sections"][0] == "preamble" for k in keys)
    assert any(k["published_date"] for k in keys)
    assert any(k["county"] for k in keys) and any(k["county"] is None for k in keys)


def test_printed_labels_are_labels_of_the_template_map():
    """The generator prints only wordings the template map lists (after the map's own
    normalisation), so a miss in the benchmark is the pipeline's, not an invented label."""
    tmap = yaml.safe_load(TEMPLATE_MAP.read_text(encoding="utf-8"))

    def forms(entries: list[dict]) -> dict[str, set[str]]:
        return {e["code"]: {normalise_label(x) for x in [e["label_zh"], *e.get("variants", [])]}
                for e in entries}

    active, apps = tmap["active_disclosure"], tmap["applications"]
    items, metrics, rows = forms(active["items"]), forms(active["metrics"]), forms(apps["rows"])
    for code, labels in synth.ACTIVE_ITEM_LABELS.items():
        assert {normalise_label(x) for x in labels} <= items[code], code
    for code, labels in synth.ACTIVE_METRIC_LABELS.items():
        assert {normalise_label(x) for x in labels} <= metrics[code], code
    for code, labels in synth.APPLICATION_ROW_LABELS.items():
        assert {normalise_label(x) for x in labels} <= rows[code], code
    groups = {normalise_label(g["label_zh"]) for g in apps["groups"]}
    assert {normalise_label(x) for x in synth.APPLICATION_GROUP_LABELS.values()} <= groups
    proceedings = forms(tmap["reviews_litigation"]["proceedings"])
    for code, labels in synth.PROCEEDING_LABELS.items():
        assert {normalise_label(x) for x in labels} <= proceedings[code], code
    for section in ("active_disclosure", "applications", "reviews_litigation"):
        titles = {normalise_label(x) for x in
                  [tmap[section]["title_zh"], *tmap[section]["title_variants"]]}
        printed = {normalise_label(w) for w, _ in synth.SECTION_HEADINGS[section]}
        assert printed <= titles, section


# ------------------------------------------------------------------ the benchmark


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """60 reports in txt, html and docx (a tenth with a deliberate error), built once."""
    root = tmp_path_factory.mktemp("synth")
    synth.write_corpus(60, root, ("txt", "html", "docx"), seed=11, error_share=0.1)
    build_dataset([root / "reports"], root / "built", terms="none")
    result = subprocess.run([str(VENV_PYTHON), str(SCORER), "--dataset", str(root / "built"),
                             "--gold", str(root / "keys"), "--quiet"],
                            capture_output=True, text=True, check=False)
    return root, root / "built", result.stdout


def test_built_corpus_scores_against_its_keys(built: tuple[Path, Path, str]):
    _, _, stdout = built
    match = SCORE_LINE.search(stdout)
    assert match, stdout[-3000:]
    ok, total, meta_ok, meta_all, chk_ok, chk_all, found, missing = map(int, match.groups())
    assert found == 60 and missing == 0, stdout[-3000:]
    assert total > 60 * 190
    assert ok / total >= 0.999, stdout[-3000:]
    assert meta_ok == meta_all and chk_ok == chk_all, stdout[-3000:]


def test_deliberate_errors_are_flagged(built: tuple[Path, Path, str]):
    root, out, _ = built
    reports = pd.read_parquet(out / "reports")
    checks = pd.read_parquet(out / "checks")
    ids = {Path(u).name.split(".")[0]: rid
           for u, rid in zip(reports.source_uri, reports.report_id, strict=True)}
    flagged = 0
    for path in sorted((root / "keys").glob("*.json")):
        key = json.loads(path.read_text(encoding="utf-8"))
        failing = {name for name, verdict in key["checks"].items() if verdict is False}
        assert bool(key["deliberate_errors"]) == bool(failing), path.name
        if not failing:
            continue
        flagged += 1
        mine = checks[checks.report_id == ids[path.stem]]
        failed_built = set(mine[mine.passed.eq(False)].check)
        assert failing == failed_built, path.name
    assert flagged >= 2


def test_metadata_matches_the_keys(built: tuple[Path, Path, str]):
    """Fields the scorer does not score are still what the keys say."""
    root, out, _ = built
    reports = pd.read_parquet(out / "reports")
    sections = pd.read_parquet(out / "sections")
    for rep in reports.itertuples():
        key = json.loads((root / "keys" / f"{Path(rep.source_uri).stem}.json").read_text(
            encoding="utf-8"))
        assert rep.parse_status == "ok"
        for name in ("org_name", "county", "city", "province"):
            got = getattr(rep, name)
            assert (None if pd.isna(got) else got) == key[name], (rep.source_uri, name)
        published = None if pd.isna(rep.published_date) else str(rep.published_date)[:10]
        assert published == key["published_date"], rep.source_uri
        mine = sections[sections.report_id == rep.report_id].sort_values("position")
        assert list(mine.section) == key["sections"], rep.source_uri


# ------------------------------------------------------------------ pdf and the command


def test_pdf_without_libreoffice_is_refused_or_skipped(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(synth, "pdf_available", lambda: False)
    with pytest.raises(RenderError, match="LibreOffice"):
        synth.write_corpus(2, tmp_path / "a", ("txt", "pdf"))
    assert not (tmp_path / "a").exists()
    code = synth.main(["--n", "2", "--out", str(tmp_path / "b"), "--formats", "txt,pdf"])
    assert code == 0
    assert "pdf needs LibreOffice" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "b" / "reports").iterdir()) == [
        "synth_0_000000.txt", "synth_0_000001.txt"]
    assert synth.main(["--n", "1", "--out", str(tmp_path / "c"), "--formats", "pdf"]) == 2


def test_command_line_entry_point(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "gongkai.synth.reports", "--n", "3", "--out", str(tmp_path),
         "--formats", "html", "--seed", "5"], capture_output=True, text=True, cwd=ROOT,
        check=False)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "reports").glob("synth_5_*.html"))) == 3
    assert len(list((tmp_path / "keys").glob("synth_5_*.json"))) == 3
