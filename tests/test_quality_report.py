"""The quality report: its numbers match the data, its links work, and a browser renders it.

The dataset is the seeds plus inputs chosen so every section has something to show: two
unreadable files, a report whose sums do not add up (under a file name full of HTML
metacharacters), an HTML copy of a seed (a duplicate) and a few reports with copied
narrative. The expected numbers are computed here from the Parquet tables, not by the
module's own helpers, so a wrong formula cannot agree with itself.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import lxml.html
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from extract.text_export import read_text_export
from gongkai.quality_report import render_quality_report, write_quality_report
from tests.conftest import ROOT, SAMPLES, seed_paths
from tests.export_writer import applications_table, reviews_table, text_export
from tests.narrative_corpus import copy_corpus
from tests.render_html import render_portal_page
from transform.build import build_dataset

ARTIFACT = ROOT / "test-artifacts" / "quality_report.png"
CHART_IDS = {"chart-coverage", "chart-template", "chart-body-level", "chart-parse-status",
             "chart-problems", "chart-checks"}
FIGURE_IDS = {"fig-documents", "fig-share-ok", "fig-share-partial", "fig-share-failed",
              "fig-share-failing-checks", "fig-problems", "fig-duplicates", "fig-reuse-pairs"}
ODD_NAME = 'odd <&> "name".txt'


def unbalanced_report() -> bytes:
    """A 2020 report whose 一 + 二 ≠ 三(七) + 四 and whose 行政复议 outcomes ≠ 总计."""
    return text_export([
        "马家镇2020年政府信息公开工作年度报告", "一、总体情况",
        "本镇认真贯彻落实《中华人民共和国政府信息公开条例》。",
        "三、收到和处理政府信息公开申请情况",
        applications_table({0: ["3", "0", "0", "0", "0", "0", "3"]}),
        "四、政府信息公开行政复议、行政诉讼情况",
        reviews_table(["1", "0", "0", "0", "0"] + ["0"] * 10)])


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("quality")
    inputs = folder / "in"
    shutil.copytree(SAMPLES, inputs / "seeds")
    bad = inputs / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "random.docx").write_bytes(random.Random(11).randbytes(4096))
    (bad / ODD_NAME).write_bytes(unbalanced_report())
    seed = seed_paths()[0]
    (inputs / "seeds" / f"{seed.stem}.html").write_bytes(
        render_portal_page(read_text_export(seed.read_bytes())))
    copy_corpus(n_reports=4, n_sources=1).write(inputs / "copies")
    out = folder / "out"
    build_dataset([inputs], out)
    return out


@pytest.fixture(scope="module")
def page(dataset: Path) -> str:
    return render_quality_report(dataset)


@pytest.fixture(scope="module")
def tables(dataset: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(dataset / name)
            for name in ("reports", "problems", "checks", "text_reuse")}


def is_false(value: object) -> bool:
    return isinstance(value, bool | np.bool_) and not value


def figures(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found = tree.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " figure ")]')
    return {el.get("id"): el.get("data-value") for el in found}


def body_rows(tree: lxml.html.HtmlElement, section: str) -> list[list[str]]:
    """The cell texts of the first table of a section."""
    table = tree.xpath(f'//section[@id="{section}"]//table')[0]
    return [[td.text_content().strip() for td in tr.xpath("./td")]
            for tr in table.xpath("./tbody/tr")]


def test_headline_figures_match_the_tables(page: str, tables: dict[str, pd.DataFrame]):
    reports, problems, checks = tables["reports"], tables["problems"], tables["checks"]
    n = len(reports)
    failing = checks.loc[checks["passed"].map(is_false), "report_id"].nunique()
    expected = {
        "fig-documents": n,
        "fig-share-ok": (reports["parse_status"] == "ok").sum() / n,
        "fig-share-partial": (reports["parse_status"] == "partial").sum() / n,
        "fig-share-failed": (reports["parse_status"] == "failed").sum() / n,
        "fig-share-failing-checks": failing / n,
        "fig-problems": len(problems),
        "fig-duplicates": reports["duplicate_of"].notna().sum(),
        "fig-reuse-pairs": len(tables["text_reuse"]),
    }
    # The inputs were chosen so that none of these is trivially zero.
    assert n == 5 + 3 + 1 + 4 + 2
    assert all(expected[k] > 0 for k in expected if k != "fig-share-failed") and failing == 1
    assert (reports["parse_status"] == "failed").sum() == 2
    found = figures(lxml.html.fromstring(page))
    assert set(found) == FIGURE_IDS
    for key, value in expected.items():
        assert float(found[key]) == pytest.approx(float(value), abs=1e-6), key


def test_header_names_the_release_and_parser(page: str, dataset: Path):
    manifest = json.loads((dataset / "current" / "MANIFEST.json").read_text(encoding="utf-8"))
    release = (dataset / "current").resolve().name
    meta = lxml.html.fromstring(page).xpath('//dl[@id="release-meta"]')[0]
    assert meta.get("data-release") == release
    text = meta.text_content()
    assert manifest["parser_version"] in text and manifest["built_at"] in text
    assert "published" in text


def test_coverage_matrix_counts_reports_by_province_and_year(page: str,
                                                             tables: dict[str, pd.DataFrame]):
    reports = tables["reports"]
    reports = reports[reports["duplicate_of"].isna()]
    names = pd.read_csv(ROOT / "data" / "gazetteer" / "provinces.csv", dtype=str)
    by_code = dict(zip(names["code"], names["name"], strict=True))
    expected: dict[tuple[str, str], int] = {}
    for province, code, year in zip(reports["province"], reports["admin_code"],
                                    reports["report_year"], strict=True):
        name = province if isinstance(province, str) else (
            by_code.get(code[:2]) if isinstance(code, str) else None) or "unknown"
        label = "unknown" if int(year) == 0 else str(year)
        expected[name, label] = expected.get((name, label), 0) + 1
    tree = lxml.html.fromstring(page)
    table = tree.xpath('//section[@id="coverage"]//table')[0]
    years = [th.text_content() for th in table.xpath("./thead/tr/th")][1:-1]
    found = {}
    for cells in body_rows(tree, "coverage")[:-1]:  # the last row is the total
        for year, cell in zip(years, cells[1:-1], strict=True):
            if cell:
                found[cells[0], year] = int(cell)
    assert found == expected
    assert {"山东省", "陕西省", "江西省", "河北省", "山西省"} <= {p for p, _ in found}
    assert body_rows(tree, "coverage")[-1][-1] == str(len(reports))


def test_problem_codes_and_checks_tables(page: str, tables: dict[str, pd.DataFrame],
                                         dataset: Path):
    tree = lxml.html.fromstring(page)
    problems = tables["problems"]
    expected = {code: (len(g), g["report_id"].nunique()) for code, g in problems.groupby("code")}
    found = {r[0]: (int(r[2]), int(r[3])) for r in body_rows(tree, "problems")}
    assert found == expected
    assert {"empty_file", "unsupported_format", "check_failed"} <= set(found)
    manifest = json.loads((dataset / "MANIFEST.json").read_text(encoding="utf-8"))["checks"]
    rows = {r[0]: r for r in body_rows(tree, "checks")}
    assert set(rows) == set(manifest)
    for name, counts in manifest.items():
        passed, failed, unknown, share = rows[name][1:5]
        assert (int(passed), int(failed), int(unknown)) == (
            counts["passed"], counts["failed"], counts["unknown"]), name
        assert share == f"{counts['share_failed']:.1%}"
    assert int(rows["applications.balance"][2]) == 1


def test_worst_documents_link_to_their_sources(page: str, tables: dict[str, pd.DataFrame]):
    reports, problems, checks = tables["reports"], tables["problems"], tables["checks"]
    score = (problems.groupby("report_id").size()
             .add(checks[checks["passed"].map(is_false)].groupby("report_id").size(),
                  fill_value=0))
    score = score[score > 0]
    tree = lxml.html.fromstring(page)
    rows = tree.xpath('//section[@id="worst"]//tbody/tr')
    assert len(rows) == min(20, len(score))
    top = [int(r[5]) + int(r[6]) for r in body_rows(tree, "worst")]
    assert top == sorted(top, reverse=True) and top[0] == score.max()
    uris = set(reports["source_uri"])
    links = tree.xpath('//section[@id="worst"]//a[@class="source"]')
    assert len(links) == len(rows)
    for link in links:
        href = link.get("href")
        assert href.startswith("file:///"), href
        path = unquote(urlparse(href).path)
        assert Path(path).is_file() and path in uris
    # The odd file name is linked, escaped in the markup and intact in the DOM.
    odd = [a for a in links if a.text_content() == ODD_NAME]
    assert len(odd) == 1
    assert "odd &lt;&amp;&gt; &quot;name&quot;.txt" in page and ODD_NAME not in page
    assert "马家镇" in tree.xpath('//section[@id="worst"]')[0].text_content()


def test_reuse_and_duplicates_sections(page: str, tables: dict[str, pd.DataFrame]):
    tree = lxml.html.fromstring(page)
    reuse, reports = tables["text_reuse"], tables["reports"]
    text = tree.xpath('//section[@id="reuse"]')[0].text_content()
    assert f"{len(reuse)} pairs" in text
    assert len(body_rows(tree, "reuse")) == min(15, len(reuse))
    copies = reports[reports["duplicate_of"].notna()]
    dupes = body_rows(tree, "duplicates")
    assert len(dupes) == len(copies) == 1
    assert dupes[0][2] == copies["source_format"].item()
    assert {dupes[0][2], dupes[0][4]} == {"txt", "html"}  # the seed and its HTML copy


def test_page_is_self_contained_and_every_chart_is_inline_svg(page: str):
    tree = lxml.html.fromstring(page)
    charts = tree.xpath('//figure[@class="chart"]')
    assert {c.get("id") for c in charts} == CHART_IDS
    for chart in charts:
        assert chart.xpath("./svg") and chart.xpath("./figcaption"), chart.get("id")
    assert not tree.xpath("//script | //link | //img | //iframe | //@src")
    ids = tree.xpath("//@id")
    assert len(ids) == len(set(ids)), "duplicate ids across the inline SVGs"
    assert "url(http" not in page and "@import" not in page


def test_same_dataset_same_page_and_releases_by_name(page: str, dataset: Path):
    assert render_quality_report(dataset) == page
    release = (dataset / "current").resolve().name
    assert render_quality_report(dataset, release=release) == page
    with pytest.raises(ValueError):
        render_quality_report(dataset, release="../current")
    with pytest.raises(FileNotFoundError):
        render_quality_report(dataset, release="19700101T000000Z")


def test_missing_tables_and_an_empty_dataset_still_render(tmp_path: Path, dataset: Path):
    copy = tmp_path / "copy"
    shutil.copytree(dataset, copy, symlinks=True)
    release = (copy / "current").resolve()
    shutil.rmtree(release / "checks")
    shutil.rmtree(release / "text_reuse")
    tree = lxml.html.fromstring(render_quality_report(copy))
    assert "MANIFEST.json" in tree.xpath('//section[@id="checks"]')[0].text_content()
    assert figures(tree)["fig-reuse-pairs"] == ""
    (tmp_path / "none").mkdir()
    build_dataset([tmp_path / "none"], tmp_path / "empty")
    out = write_quality_report(tmp_path / "empty", tmp_path / "site" / "quality.html")
    tree = lxml.html.fromstring(out.read_text(encoding="utf-8"))
    assert figures(tree)["fig-documents"] == "0"
    assert {c.get("id") for c in tree.xpath('//figure[@class="chart"]')} == CHART_IDS


def chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is not on PATH: the quality report is checked in a real browser. "
                    "Run scripts/setup (it installs Debian's chromium package) or "
                    "`apt-get install -y chromium`.")
    command = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--hide-scrollbars",
               f"--user-data-dir={user_data}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_chromium_renders_the_page(tmp_path: Path, dataset: Path):
    html_path = write_quality_report(dataset, tmp_path / "quality.html")
    url = html_path.resolve().as_uri()
    dom = chromium("--dump-dom", url, user_data=tmp_path / "profile-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    tree = lxml.html.fromstring(dom.stdout)
    rendered = {el.get("id") for el in tree.xpath('//figure[@class="chart"]')
                if el.xpath(".//*[local-name()='svg']")}
    assert rendered == CHART_IDS
    assert set(figures(tree)) == FIGURE_IDS
    png = tmp_path / "quality.png"
    shot = chromium(f"--screenshot={png}", "--window-size=1280,4000", url,
                    user_data=tmp_path / "profile-shot")
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-2000:]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, ARTIFACT)
    assert png.stat().st_size > 20_000
    with Image.open(png) as image:
        assert image.size == (1280, 4000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 200, "the screenshot is nearly one colour"
