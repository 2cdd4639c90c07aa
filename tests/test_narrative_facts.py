"""Facts read from the prose: items disclosed, contact phone, 信息处理费."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from transform.narrative_facts import extract_facts


def facts_of(*sentences: str) -> list[dict]:
    return extract_facts([{"section": "overview", "text": "\n".join(sentences)}])


def primary(rows: list[dict], fact: str) -> dict:
    (row,) = [r for r in rows if r["fact"] == fact and r["is_primary"]]
    return row


def test_seed_items_disclosed(seed_dataset: Path):
    facts = pd.read_parquet(seed_dataset / "narrative_facts")
    reports = pd.read_parquet(seed_dataset / "reports")[["report_id", "source_uri"]]
    facts = facts.merge(reports, on="report_id")
    facts["seed"] = facts["source_uri"].map(lambda u: Path(u).name[:3])
    items = facts[(facts["fact"] == "items_disclosed") & facts["is_primary"]]
    got = dict(zip(items["seed"], items["value"], strict=True))
    assert got["001"] == 1800
    assert got["002"] == 854
    row = items[items["seed"] == "002"].iloc[0]
    assert "共计公开各类政府信息854条" in row["sentence"]
    assert row["unit"] == "count" and not row["approximate"]
    phones = facts[facts["fact"] == "contact_phone"]
    assert "0312-2622317" in set(phones["text"])  # seed 003: 东亭镇人民政府（0312-2622317）


def test_the_stated_total_is_primary_not_the_parts():
    rows = facts_of("通过政府网站公开信息300条。",
                    "全年共公开政府信息1,205条，其中工作动态类的信息820条。")
    items = [r for r in rows if r["fact"] == "items_disclosed"]
    assert [r["value"] for r in items] == [300, 1205]
    assert primary(rows, "items_disclosed")["value"] == 1205
    assert [r["ordinal"] for r in items] == [0, 1]


@pytest.mark.parametrize(("sentence", "value", "approximate"), [
    ("共公开政府信息1800条。", 1800, False),
    ("主动公开政府信息约300余条。", 300, True),
    ("累计发布政务信息２５６条。", 256, False),
    ("本年度主动公开各类文件 42 条。", 42, False),
])
def test_items_disclosed_wordings(sentence: str, value: float, approximate: bool):
    row = primary(facts_of(sentence), "items_disclosed")
    assert row["value"] == value and row["approximate"] is approximate


def test_subcounts_without_a_disclosure_verb_are_not_items():
    assert not facts_of("工作动态类的信息820条，公告公示类的信息33条。")


@pytest.mark.parametrize(("sentence", "phone"), [
    ("联系电话：0531-86012345。", "0531-86012345"),
    ("咨询电话：(0312)2622317", "0312-2622317"),
    ("如有疑问请联系我镇党政办（0915－4841407）。", "0915-4841407"),
    ("受理电话13912345678。", "13912345678"),
])
def test_phones(sentence: str, phone: str):
    assert primary(facts_of(sentence), "contact_phone")["text"] == phone


def test_numbers_that_are_not_phones():
    assert not facts_of("按时办结12345和4411111政府热线交办单2020件。")
    assert not facts_of("共投入资金12345678元用于平台建设。")


@pytest.mark.parametrize(("sentence", "value"), [
    ("本年度未收取信息处理费。", 0.0),
    ("依申请公开政府信息没有收取任何费用。", 0.0),
    ("本年度共收取信息处理费120元。", 0.012),
    ("收取信息处理费0.5万元。", 0.5),
])
def test_processing_fee_in_10k_yuan(sentence: str, value: float):
    row = primary(facts_of(sentence), "processing_fee")
    assert row["value"] == pytest.approx(value)
    assert row["unit"] == "10k_yuan"


def test_a_phone_stated_twice_is_one_row():
    rows = facts_of("联系电话：0531-86012345。", "咨询电话：0531－86012345。")
    assert len([r for r in rows if r["fact"] == "contact_phone"]) == 1


def test_local_number_after_the_word_phone():
    assert primary(facts_of("监督电话：4841407。"), "contact_phone")["text"] == "4841407"
