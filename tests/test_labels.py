"""Label normalisation and matching against the template map."""

from __future__ import annotations

import pytest

from transform.labels import LabelIndex, normalise_label
from transform.template_map import load_template_map


@pytest.mark.parametrize(
    ("printed", "normal"),
    [
        ("三、本年度办理结果", "本年度办理结果"),
        ("三\n、\n本\n年\n度\n办\n理\n结\n果", "本年度办理结果"),
        ("本年 度办 理结 果", "本年度办理结果"),
        ("（三） 不予 公开", "不予公开"),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "部分公开"),
        ("本年收费金额（单位：万元）", "本年收费金额"),
        ("6、 其他需要报告的事项", "其他需要报告的事项"),
        ("商业\n企业", "商业企业"),
        ("属于三类内部事务信息", "属于三类内部事务信息"),
    ],
)
def test_normalise_label(printed: str, normal: str):
    assert normalise_label(printed) == normal


def test_quotes_are_alike():
    assert normalise_label("3.危及“三安全一稳定”") == normalise_label('危及"三安全一稳定"')
    assert normalise_label("危及‘三安全一稳定’") == normalise_label('危及"三安全一稳定"')


def test_fuzzy_match_accepts_typos_but_not_ties():
    index = LabelIndex([("a", ["保护第三方合法权益"]), ("b", ["属于行政查询事项"])])
    assert index.match("保护第三方合法权利") == "a"  # one character off
    assert index.match("完全不同的文字") is None
    tie = LabelIndex([("x", ["甲乙丙丁"]), ("y", ["甲乙丙戊"])])
    assert tie.match("甲乙丙己") is None


def test_every_map_label_matches_its_own_code():
    tmap = load_template_map()
    for entry in tmap.items:
        for label in entry.labels:
            assert tmap.item_index.match(label) == entry.code, label
    for entry in tmap.metrics:
        for label in entry.labels:
            assert tmap.metric_index.match(label) == entry.code, label
    for entry in tmap.application_rows:
        for label in entry.labels:
            assert tmap.application_row_index(entry.group).match(label) == entry.code, label


def test_map_codes_are_unique_and_versions_known():
    tmap = load_template_map()
    for group in (tmap.items, tmap.metrics, tmap.applicants, tmap.application_rows,
                  tmap.proceedings, tmap.outcomes):
        codes = [e.code for e in group]
        assert len(codes) == len(set(codes))
        for entry in group:
            assert set(entry.templates) <= {"2019", "2021"}
    for version, layout in tmap.active_layout.items():
        for item, metrics in layout.items():
            assert version in tmap.entry("item", item).templates
            for metric in metrics:
                assert version in tmap.entry("metric", metric).templates


def test_ocr_look_alikes_are_read_as_the_label_character():
    tmap = load_template_map()
    labels = "".join(label for group in (tmap.items, tmap.metrics, tmap.applicants,
                                         tmap.application_groups, tmap.application_rows,
                                         tmap.proceedings, tmap.outcomes)
                     for entry in group for label in entry.labels)
    assert tmap.ocr_confusables
    for misread, printed in tmap.ocr_confusables.items():
        assert misread not in labels and printed in labels, (misread, printed)
    rows = tmap.application_row_index("not_processed")
    assert rows.match("2.重复甲请") == rows.match("2.重复申请") is not None
    assert tmap.applicant_index.match("自然入") == "natural_person"
    # without the map, the same misreading is too far from the label to be matched
    plain = LabelIndex((r.code, r.labels) for r in tmap.application_rows
                       if r.group == "not_processed")
    assert plain.match("2.重复甲请") is None
