"""Synthetic narrative: deterministic, realistic lengths, independent reports differ as wholes,
near-copies stay near, and the facts the text states can be found in it."""

from __future__ import annotations

import random
import re

import pytest

from gongkai.synth.narrative import (
    ACTIVE_RANGE,
    OVERVIEW_RANGE,
    PROBLEMS_RANGE,
    SECTION_KEYS,
    Body,
    mutate,
    random_body,
    report_narrative,
    section_texts,
)


def grams(text: str, n: int = 5) -> set[str]:
    return {text[i:i + n] for i in range(len(text) - n + 1)}


def jaccard(a: str, b: str) -> float:
    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga | gb) if ga | gb else 1.0


def shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def report(seed: int) -> tuple[Body, dict[str, str], dict[str, object]]:
    rng = random.Random(seed)
    body = random_body(rng)
    sections, facts = report_narrative(body, rng.randint(2019, 2023), rng)
    return body, sections, facts


REPORTS = [report(seed) for seed in range(50)]


def test_same_seed_same_text_different_seed_different_text():
    assert report(7) == report(7)
    body = Body("孟庄镇人民政府", "孟庄镇", "市中区")
    first = section_texts(body, 2020, random.Random(1))
    assert first == section_texts(body, 2020, random.Random(1))
    assert first != section_texts(body, 2020, random.Random(2))
    assert report(7)[1] != report(8)[1]


def test_bodies_are_plausible_townships():
    for body, _, _ in REPORTS:
        assert re.fullmatch(r"\w\w(镇|乡|街道)", body.short)
        if body.short.endswith("街道"):
            assert body.name == body.short + "办事处"
        else:
            assert body.name == body.short + "人民政府"
        assert body.county[-1] in "县区市"


def test_sections_and_lengths():
    for body, sections, _ in REPORTS:
        assert tuple(sections) == SECTION_KEYS
        assert all(text.strip() for text in sections.values())
        assert OVERVIEW_RANGE[0] <= len(sections["overview"]) <= OVERVIEW_RANGE[1]
        assert ACTIVE_RANGE[0] <= len(sections["active_disclosure"]) <= ACTIVE_RANGE[1]
        assert PROBLEMS_RANGE[0] <= len(sections["problems"]) <= PROBLEMS_RANGE[1]
        assert "{" not in "".join(sections.values()) and "[" not in "".join(sections.values())
        assert body.short in sections["overview"] or "我" in sections["overview"]


def test_vocabulary_of_the_domain():
    text = "".join("".join(s.values()) for _, s, _ in REPORTS)
    for term in ("政府信息公开", "依申请公开", "主动公开", "政务公开", "保密审查", "政策解读",
                 "政务新媒体", "信息公开指南", "微信公众号", "12345", "三安全一稳定",
                 "行政规范性文件", "《中华人民共和国政府信息公开条例》"):
        assert term in text, term


def test_independent_overviews_share_phrases_not_text():
    rng = random.Random(2024)
    scores = []
    for _ in range(30):
        i, j = rng.sample(range(len(REPORTS)), 2)
        scores.append(jaccard(REPORTS[i][1]["overview"], REPORTS[j][1]["overview"]))
    assert sum(scores) / len(scores) < 0.2
    assert max(scores) < 0.35
    assert min(scores) > 0  # like real reports, they do share stock phrases


def test_mutate_changes_a_few_words_only():
    for seed, (_, sections, _) in enumerate(REPORTS[:20]):
        text = sections["overview"]
        copy = mutate(text, 5, random.Random(seed))
        assert copy != text
        assert jaccard(text, copy) > 0.6
        assert mutate(text, 5, random.Random(seed)) == copy


def test_mutate_keeps_the_rest_byte_identical():
    text = "我镇认真贯彻落实条例，进一步加强政府信息公开工作，全年共公开政府信息1800条。"
    for seed in range(20):
        copy = mutate(text, 1, random.Random(seed))
        assert copy != text
        prefix = shared_prefix(text, copy)
        suffix = shared_prefix(text[::-1], copy[::-1])
        # one contiguous change of at most a short phrase or a number
        assert len(text) - prefix - suffix <= 4, copy
    assert mutate(text, 0, random.Random(3)) == text


@pytest.mark.parametrize("n_changes", [1, 5, 40])
def test_mutate_without_table_words_still_changes(n_changes):
    text = "孟庄镇人民政府地址位于市中区孟庄镇驻地，邮编二七七一零零。"
    copy = mutate(text, n_changes, random.Random(1))
    assert copy != text


def test_stated_facts_appear_in_the_text():
    seen = {"items": 0, "comma": 0, "phone": 0, "fee": 0, "no_fee": 0}
    for _, sections, facts in REPORTS:
        items = facts["items_disclosed"]
        if items is not None:
            assert isinstance(items, int)
            where = sections["active_disclosure"]
            printed = {str(items), f"{items:,}"}
            assert any(p in where for p in printed)
            seen["items"] += 1
            seen["comma"] += f"{items:,}" in where and items >= 1000
        phone = facts["contact_phone"]
        if phone is not None:
            assert isinstance(phone, str) and re.fullmatch(r"0\d{2,3}-?\d{7,8}", phone)
            assert phone in re.sub(r"[()（）]", "", sections["other_matters"])
            seen["phone"] += 1
        fee = facts["processing_fee_yuan"]
        if fee is None:
            assert "信息处理费" not in sections["other_matters"]
        else:
            assert isinstance(fee, float) and "信息处理费" in sections["other_matters"]
            if fee == 0:
                assert re.search(r"未收取|费0元", sections["other_matters"])
            else:
                amount = f"{fee:.2f}" if fee != int(fee) else str(int(fee))
                assert f"{amount}元" in sections["other_matters"]
            seen["fee"] += 1
        if phone is None and fee is None:
            seen["no_fee"] += 1
    assert all(count > 0 for count in seen.values()), seen
