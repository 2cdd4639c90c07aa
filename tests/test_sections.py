"""Narrative sections: headings recognised by what they say, not by their numbers."""

from __future__ import annotations

from extract.text_export import parse_text_export
from transform.metadata import read_metadata
from transform.sections import split_sections


def sections_of(text: str) -> dict[str, str]:
    doc = parse_text_export(text)
    _, title_lines = read_metadata(doc)
    return {s.section: s.text for s in split_sections(doc, title_lines)}


def test_numbered_unnumbered_arabic_and_article_50_wordings():
    text = "\n".join([
        "某镇2021年政府信息公开工作年度报告",
        "一、总体情况", "概况正文。",
        "行政机关主动公开政府信息的情况", "主动正文。",
        "三、收到和处理政府信息公开申请情况",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼的情况",
        "存在的主要问题及改进情况", "问题正文。",
        "6、 其他需要报告的事项", "无",
    ])
    got = sections_of(text)
    assert list(got) == ["overview", "active_disclosure", "applications", "reviews_litigation",
                         "problems", "other_matters"]
    assert got["overview"] == "概况正文。"
    assert got["problems"] == "问题正文。"
    assert got["other_matters"] == "无"


def test_preamble_free_form_headings_and_appendix():
    text = "\n".join([
        "陡水镇2020年政府信息公开工作年度报告",
        "2020年，我镇认真按照要求。",
        "一、统一认识，加强领导，确保政府信息公开落到实处", "正文一。",
        "二、突出重点，明确形式，规范程序，不断深化政府信息公开。", "正文二。",
        "1、促进了领导决策的民主化、科学化。",
        "三、政府信息公开工作存在主要问题及改进措施", "问题。",
        "附件1：领导小组名单", "组长：某某",
    ])
    got = sections_of(text)
    assert list(got) == ["preamble", "overview", "problems", "appendix"]
    assert "正文二。" in got["overview"] and "1、促进了领导决策" in got["overview"]
    assert got["preamble"] == "2020年，我镇认真按照要求。"


def test_sub_items_with_section_words_are_not_headings():
    text = "\n".join(["某镇2020年政府信息公开工作年度报告", "一、总体情况",
                      "（一）主动公开政府信息情况。2020年共公开政府信息1800条。"])
    got = sections_of(text)
    assert list(got) == ["overview"]
    assert "1800条" in got["overview"]
