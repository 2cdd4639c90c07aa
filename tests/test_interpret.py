"""The template interpreter on documents built in the tests (content we own)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from extract.text_export import read_text_export
from tests.export_writer import (
    APPLICATION_ROWS_2019,
    applications_table,
    reviews_table,
    text_export,
)
from transform.report import ReportRows, Source, interpret_document
from transform.template_map import load_template_map

TITLE = "红椿镇2020年政府信息公开工作年度报告"
ACTIVE_2019 = [
    ["第二十条第（一）项"],
    ["信息内容", "本年新\n制作数量", "本年新\n公开数量", "对外公开总数量"],
    ["规章", "0", "0", "0"],
    ["规范性文件", "2", "2", "5"],
    ["第二十条第（五）项"],
    ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
    ["行政许可", "12", "+3", "571"],
    ["其他对外管理服务事项", "0", "−2", "0"],
    ["第二十条第（六）项"],
    ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
    ["行政处罚", "9", "9", "1,204"],
    ["行政强制", "3", "0", "0"],
    ["第二十条第（八）项"],
    ["信息内容", "上一年项目数量", "本年增/减"],
    ["行政事业性收费", "0", "0"],
    ["第二十条第（九）项"],
    ["信息内容", "采购项目数量", "采购总金额"],
    ["政府集中采购", "14", "905万"],
]
ACTIVE_2021 = [
    ["第二十条第（一）项"],
    ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
    ["规章", "0", "0", "0"],
    ["行政规范性文件", "3", "1", "20"],
    ["第二十条第（五）项"],
    ["信息内容", "本年处理决定数量"],
    ["行政许可", "300"],
    ["第二十条第（六）项"],
    ["信息内容", "本年处理决定数量"],
    ["行政处罚", "4"],
    ["行政强制", "0"],
    ["第二十条第（八）项"],
    ["信息内容", "本年收费金额（单位：万元）"],
    ["行政事业性收费", "251000元"],
]
ROWS_2021 = [r for r in APPLICATION_ROWS_2019 if "其他处理" not in r[-1]]
ROWS_2021[20:20] = [
    ["", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"],
    ["", "", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"],
    ["", "", "3.其他"],
]


def interpret(blocks) -> ReportRows:
    data = text_export(blocks)
    source = Source("test.txt", data, datetime(2024, 1, 1, tzinfo=UTC))
    return interpret_document(source, read_text_export(data), load_template_map())


def facts(rows: ReportRows, table: str, k1: str, k2: str) -> dict[tuple[str, str], float | None]:
    return {(f[k1], f[k2]): f["value"] for f in rows.tables[table]}


def codes(rows: ReportRows) -> list[str]:
    return [p["code"] for p in rows.tables["problems"]]


def report_2019(active=ACTIVE_2019, applications=None, reviews=None, extra=()):
    return [TITLE, "一、总体情况", "正文。", "二、主动公开政府信息情况", active,
            "三、收到和处理政府信息公开申请情况", applications or applications_table(),
            "四、政府信息公开行政复议、行政诉讼情况", reviews or reviews_table(), *extra]


def test_2019_active_disclosure_values_signs_and_money_units():
    rows = interpret(report_2019())
    got = facts(rows, "active_disclosure", "item", "metric")
    assert rows.report["template"] == "2019"
    assert got[("normative_documents", "total_published")] == 5
    assert got[("admin_licensing", "change_this_year")] == 3
    assert got[("other_admin_services", "change_this_year")] == -2
    assert got[("admin_penalty", "decisions")] == 1204
    assert got[("central_procurement", "procurement_amount")] == 905
    units = {(f["item"], f["metric"]): f["unit"] for f in rows.tables["active_disclosure"]}
    assert units[("central_procurement", "procurement_amount")] == "10k_yuan"
    assert ("admin_fees", "decisions") not in got
    articles = {f["item"]: f["article"] for f in rows.tables["active_disclosure"]}
    assert articles["admin_coercion"] == "20.6" and articles["central_procurement"] == "20.9"
    assert rows.report["parse_status"] == "ok"


def test_2021_template_fee_in_yuan_becomes_10k_yuan_and_other_is_derived():
    values = {i: ["1", "0", "0", "0", "0", "0", "1"] for i in (20, 21, 22)}
    rows = interpret([TITLE.replace("2020", "2021"), "一、总体情况", "正文。", ACTIVE_2021,
                      applications_table(values, ROWS_2021), reviews_table()])
    assert rows.report["template"] == "2021"
    got = facts(rows, "active_disclosure", "item", "metric")
    assert got[("admin_fees", "fee_amount")] == pytest.approx(25.1)
    assert got[("normative_documents", "in_force")] == 20
    apps = {(f["row"], f["applicant"]): f for f in rows.tables["applications"]}
    assert apps[("other.no_correction", "natural_person")]["value"] == 1
    assert apps[("other.other", "total")]["value"] == 1
    assert apps[("other", "natural_person")]["value"] == 3
    assert apps[("other", "natural_person")]["derived"] is True
    assert apps[("other.unpaid_fee", "natural_person")]["derived"] is False


def test_unstated_money_unit_is_never_guessed():
    active = [r if r[0] != "政府集中采购" else ["政府集中采购", "2", "1500"] for r in ACTIVE_2019]
    rows = interpret(report_2019(active=active))
    fact = next(f for f in rows.tables["active_disclosure"]
                if f["metric"] == "procurement_amount")
    assert fact["value"] == 1500 and fact["unit"] == "unstated"
    assert "unit_unstated" in codes(rows)


def test_repeated_row_is_summed_and_unmapped_row_kept_in_problems():
    active = [*ACTIVE_2019, ["政府集中采购", "1", "5万"], ["其他主动公开文件", "7", "7"]]
    rows = interpret(report_2019(active=active))
    got = facts(rows, "active_disclosure", "item", "metric")
    assert got[("central_procurement", "procurement_projects")] == 15
    assert got[("central_procurement", "procurement_amount")] == 910
    assert "duplicate_row_summed" in codes(rows)
    unmapped = [p for p in rows.tables["problems"] if p["code"] == "unmapped_row"]
    assert unmapped and "其他主动公开文件" in unmapped[0]["message"]


def test_blank_is_null_not_zero_and_checks_skip_blank_scopes():
    values = {i: ["0", "", "", "", "", "", ""] for i in range(23)}
    values[0] = ["1", "0", "0", "0", "0", "0", "1"]
    values[2] = ["1", "0", "0", "0", "0", "0", "1"]
    values[21] = ["1", "", "", "", "", "", ""]
    rows = interpret(report_2019(applications=applications_table(values)))
    apps = facts(rows, "applications", "row", "applicant")
    assert apps[("carried_over", "commercial")] is None
    assert apps[("total", "natural_person")] == 1
    by_check: dict[str, list] = {}
    for c in rows.tables["checks"]:
        by_check.setdefault(c["check"], []).append(c["passed"])
    assert True in by_check["applications.balance"] and False not in by_check[
        "applications.balance"]
    assert by_check["applications.total_column"].count(True) == 2
    assert None in by_check["applications.total_column"]


def test_failing_arithmetic_is_a_failed_check_and_a_problem():
    values = {0: ["2", "0", "0", "0", "0", "0", "2"], 2: ["1", "0", "0", "0", "0", "0", "1"],
              21: ["1", "0", "0", "0", "0", "0", "1"]}
    rows = interpret(report_2019(applications=applications_table(values)))
    failed = [c for c in rows.tables["checks"]
              if c["check"] == "applications.balance" and c["passed"] is False]
    assert {c["scope"] for c in failed} == {"natural_person", "total"}
    assert failed[0]["expected"] == 2 and failed[0]["actual"] == 1
    assert "check_failed" in codes(rows)


def test_reviews_one_row_per_proceeding_layout():
    table = [["", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
             ["行政复议", "1", "0", "0", "0", "1"],
             ["未经复议直接起诉", "0", "0", "0", "2", "2"],
             ["复议后起诉", "0", "1", "0", "0", "1"]]
    rows = interpret(report_2019(reviews=table))
    got = facts(rows, "reviews_litigation", "proceeding", "outcome")
    assert got[("litigation_direct", "pending")] == 2
    assert got[("litigation_after_review", "corrected")] == 1
    assert len(got) == 15


def test_tables_found_without_headings_in_an_appendix_and_split_in_pieces():
    blocks = [TITLE, "一、总体情况", "正文。", "附件：情况统计表",
              ACTIVE_2019[:8], ACTIVE_2019[8:], "附表二", applications_table(), reviews_table()]
    rows = interpret(blocks)
    assert len(rows.tables["active_disclosure"]) == 22
    assert len(rows.tables["applications"]) == 23 * 7
    assert len(rows.tables["reviews_litigation"]) == 15
    assert rows.report["parse_status"] == "ok"
    sections = [s["section"] for s in rows.tables["sections"]]
    assert sections[:2] == ["overview", "appendix"]


def test_hybrid_table_goes_to_nearest_template_with_a_problem():
    active = [[*r] for r in ACTIVE_2019]
    active[1] = ["信息内容", "本年新制发数量", "本年新公开数量", "对外公开总数量"]
    rows = interpret(report_2019(active=active))
    assert rows.report["template"] == "2019"
    assert "template_hybrid" in codes(rows)


def test_document_without_tables_is_pre2019_or_unknown():
    report = interpret(["某县2017年政府信息公开工作年度报告", "一、概述", "我县政府信息公开工作。"])
    assert report.report["template"] == "pre2019"
    assert "no_standard_tables" in codes(report)
    other = interpret(["关于召开会议的通知", "各单位：定于下周召开会议。"])
    assert other.report["template"] == "unknown"
    assert "not_a_report" in codes(other)


def test_every_fact_is_traceable_to_its_cell():
    data = text_export(report_2019())
    doc = read_text_export(data)
    rows = interpret_document(Source("t.txt", data, datetime(2024, 1, 1, tzinfo=UTC)), doc,
                              load_template_map())
    for table in ("active_disclosure", "applications", "reviews_litigation"):
        for fact in rows.tables[table]:
            cell = doc.tables[fact["table_index"]].rows[fact["cell_row"]]
            found = [c for c in cell if c.col == fact["cell_col"]]
            assert found and found[0].source_text == fact["raw"], fact


@pytest.mark.parametrize(
    ("lines", "title", "org", "year"),
    [
        (["首页 > 政务公开 > 年度报告", "发布时间：2021-01-20",
          "孟庄镇2020年政府信息公开工作年度报告", "一、总体情况"],
         "孟庄镇2020年政府信息公开工作年度报告", "孟庄镇", 2020),
        (["2020年孟庄镇政府信息公开工作年度报告", "一、总体情况"],
         "2020年孟庄镇政府信息公开工作年度报告", "孟庄镇", 2020),
        (["定州市东亭镇", "2021年政府信息公开工作年度报告", "一、总体情况"],
         "定州市东亭镇2021年政府信息公开工作年度报告", "定州市东亭镇", 2021),
        (["孟庄镇人民政府政府信息公开工作2019年度报告", "一、总体情况"],
         "孟庄镇人民政府政府信息公开工作2019年度报告", "孟庄镇人民政府", 2019),
    ],
)
def test_title_org_and_year(lines, title, org, year):
    from extract.text_export import parse_text_export
    from transform.metadata import read_metadata

    meta, _ = read_metadata(parse_text_export("\n".join(lines)))
    assert (meta.title, meta.org_name, meta.report_year) == (title, org, year)


@pytest.mark.parametrize(
    ("title", "org"),
    [
        ("市中区孟庄镇2020年度政府信息公开工作年度报告", "市中区孟庄镇"),
        ("孟庄镇人民政府关于2020年度政府信息公开工作的年度报告", "孟庄镇人民政府"),
        ("孟庄镇政府信息公开工作2020年度报告", "孟庄镇"),
        ("2020年政府信息公开工作年度报告（孟庄镇）", "孟庄镇"),
        ("孟庄镇2020年政府信息公开年报", "孟庄镇"),
        ("孟庄镇二〇二〇年政府信息公开工作年度报告", "孟庄镇"),
        ("政府信息公开工作年度报告", None),
    ],
)
def test_org_from_title(title, org):
    from transform.metadata import org_from_title

    assert org_from_title(title) == org


def test_table_continued_after_a_page_footer_is_one_table():
    apps = applications_table()
    blocks = [TITLE, "一、总体情况", "正文。", ACTIVE_2019, apps[:12], "- 3 -",
              apps[:3] + apps[12:], reviews_table()]
    rows = interpret(blocks)
    assert len(rows.tables["applications"]) == 23 * 7
    assert not [p for p in rows.tables["problems"] if p["code"] in ("duplicate_table",
                                                                      "duplicate_row_ignored")]


def test_ocr_low_confidence_and_failing_sums_need_review():
    from dataclasses import replace

    values = {0: ["2", "0", "0", "0", "0", "0", "2"], 2: ["1", "0", "0", "0", "0", "0", "1"],
              21: ["1", "0", "0", "0", "0", "0", "1"]}
    data = text_export(report_2019(applications=applications_table(values)))
    doc = read_text_export(data)
    doc.text_source = "ocr"
    table = doc.tables[1]
    table.rows[-1] = [replace(c, confidence=0.3 if c.col == 1 else 0.95) for c in table.rows[-1]]
    rows = interpret_document(Source("scan.pdf", data, datetime(2024, 1, 1, tzinfo=UTC)), doc,
                              load_template_map())
    assert rows.report["text_source"] == "ocr"
    review = [p for p in rows.tables["problems"] if p["code"] == "needs_review"]
    assert any("carried_forward/natural_person" in p["message"] and "0.30" in p["message"]
               for p in review)
    assert any("applications.balance [natural_person]" in p["message"] for p in review)
    confident = [f for f in rows.tables["applications"] if f["row"] == "carried_forward"]
    assert {f["confidence"] for f in confident} == {0.3, 0.95}
    native = interpret(report_2019(applications=applications_table(values)))
    assert "needs_review" not in codes(native)


def test_table_four_printed_all_blank_gives_fifteen_nulls_not_a_missing_table():
    from datetime import UTC, datetime

    from tests.export_writer import reviews_table, text_export
    from transform.report import Source, process_source

    data = text_export(["某镇2021年政府信息公开工作年度报告",
                        "四、政府信息公开行政复议、行政诉讼情况", reviews_table([""] * 15)])
    rows = process_source(Source("x.txt", data, datetime.now(UTC)))
    facts = rows.tables["reviews_litigation"]
    assert len(facts) == 15 and all(f["value"] is None for f in facts)
    assert {(f["proceeding"], f["outcome"]) for f in facts} >= {
        ("admin_review", "total"), ("litigation_after_review", "upheld")}
    missing = [p for p in rows.tables["problems"] if p["code"] == "table_missing"]
    assert all("reviews_litigation" not in p["message"] for p in missing)
