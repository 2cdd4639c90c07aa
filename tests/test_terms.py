"""Segmentation: domain terms stay whole, counts are exact, non-terms never appear."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from extract.readers import read_document
from tests.conftest import ROOT, seed_paths
from transform.lexicon import build_lexicon, read_userdict, render_userdict
from transform.terms import LOADS, count_terms, section_terms, tokenizer
from transform.vocabulary import LAW_TITLE, fold_width, stopwords

REQUIRED = ("政府信息公开", "依申请公开", "三安全一稳定")
PUNCTUATION = re.compile(r"^[\W_]+$")


def recount(text: str, term: str) -> int:
    """Occurrences counted with str.count, outside laws cited in 《》 (which are one term)."""
    return LAW_TITLE.sub(" ", fold_width(text)).count(term)


def terms_frame(dataset: Path) -> pd.DataFrame:
    return pd.read_parquet(dataset / "terms")


def test_required_terms_counted_exactly_in_every_seed_section(seed_dataset: Path):
    sections = pd.read_parquet(seed_dataset / "sections")
    terms = terms_frame(seed_dataset)
    counted = terms.groupby(["report_id", "section", "term"])["count"].sum().to_dict()
    occurrences = 0
    for row in sections.itertuples():
        for term in (*REQUIRED, "主动公开", "政务公开", "保密审查"):
            expected = recount(row.text, term)
            occurrences += expected
            assert counted.get((row.report_id, row.section, term), 0) == expected, (
                row.report_id[:8], row.section, term)
    assert occurrences > 80  # the seeds use these terms often: the check is not vacuous


@pytest.mark.parametrize("path", seed_paths(), ids=lambda p: p.name[:3])
def test_required_terms_whole_in_the_tables_too(path: Path):
    """三安全一稳定 is printed only in table 三 of the seeds: cut the whole document."""
    text = read_document(path.read_bytes()).plain_text()
    counts = Counter()
    for (term, _), n in count_terms(text).items():
        counts[term] += n
    for term in REQUIRED:
        assert counts[term] == recount(text, term)
    assert counts["三安全一稳定"] >= 1
    fragments = {"安全一稳定", "三安全", "一稳定", "申请公开", "政府信息"}
    # '政府信息' may occur on its own (主动公开政府信息); a fragment of 三安全一稳定 never.
    assert not fragments - {"政府信息", "申请公开"} & set(counts)


def test_no_punctuation_stop_word_single_character_or_number(seed_dataset: Path):
    terms = terms_frame(seed_dataset)
    assert len(terms) > 500
    stop = stopwords()
    for term in terms["term"]:
        assert len(term) >= 2, term
        assert not PUNCTUATION.match(term), term
        assert term not in stop, term
        assert not re.fullmatch(r"[\d.,%]+(?:年|月|日|条|个|件|项|次|余)?", term), term
        assert term == fold_width(term), term


def test_full_and_half_width_forms_are_one_term():
    a = count_terms("全年受理ＡＰＰ咨询，１２３４５热线转办。")
    b = count_terms("全年受理APP咨询，12345热线转办。")
    assert a == b
    assert a[("12345热线", None)] == 1


def test_laws_and_place_names_stay_whole():
    text = "依据《中华人民共和国政府信息公开条例》，孟庄镇和东华门街道加强政务新媒体管理。"
    terms = {t for t, _ in count_terms(text)}
    assert "《中华人民共和国政府信息公开条例》" in terms
    assert {"孟庄镇", "东华门街道", "政务新媒体"} <= terms
    assert "条例" not in terms  # the law is not also cut into pieces


def test_numbers_are_not_terms():
    terms = {t for t, _ in count_terms("2020年共公开信息1,800条，占96.02%，第一批三十项。")}
    assert not any(re.search(r"\d", t) for t in terms)
    assert "三十项" not in terms and "第一批" not in terms


def test_pos_tags_and_counts_match_plain_cut():
    text = "2021年，我镇依申请公开政府信息12件，依法保障群众知情权，召开政策解读会议3次。"
    plain = count_terms(text)
    tagged = count_terms(text, pos=True)
    assert all(tag is None for _, tag in plain)
    assert all(tag for _, tag in tagged)
    assert tagged[("依申请公开", "nz")] == 1
    by_term = Counter()
    for (term, _), n in tagged.items():
        by_term[term] += n
    # POS tagging may cut an unknown word differently, never the anchors.
    for term in ("依申请公开", "政策解读"):
        assert by_term[term] == plain[(term, None)] == 1


def test_section_rows_are_sorted_and_deterministic():
    sections = [{"section": "overview", "text": "政务公开，政务公开，信息公开指南。"},
                {"section": "problems", "text": "保密审查不到位。"}]
    rows = section_terms(sections)
    assert rows == section_terms(sections)
    assert rows[0] == {"section": "overview", "term": "政务公开", "count": 2, "pos": None}
    assert [r["section"] for r in rows] == sorted(r["section"] for r in rows)


def test_dictionary_loaded_once_per_process():
    tokenizer()
    before = LOADS["userdict"]
    for _ in range(3):
        count_terms("红椿镇政府信息公开工作。")
    assert LOADS["userdict"] == before == 1


def test_shipped_userdict_is_current_and_covers_its_sources():
    words = build_lexicon()
    assert (ROOT / "transform" / "userdict.txt").read_text(encoding="utf-8") == (
        render_userdict(words)), "regenerate with: gongkai lexicon --write"
    entries = {w: tag for w, _, tag in read_userdict()}
    assert {"依申请公开", "三安全一稳定", "政务新媒体", "保密审查", "12345热线"} <= set(entries)
    assert {"予以公开", "行政处罚", "社会公益组织", "结果纠正"} <= set(entries)  # labels
    assert {"孟庄镇", "红椿镇", "东华门街道", "东华门街道办事处"} <= set(entries)  # places
    assert entries["孟庄镇"] == "ns"
    # No dictionary word swallows an anchor term.
    for word in entries:
        for anchor in REQUIRED:
            assert word == anchor or anchor not in word, word


def test_lexicon_command_prints_the_dictionary():
    proc = subprocess.run([sys.executable, "-m", "gongkai.cli", "lexicon"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    assert proc.stdout == (ROOT / "transform" / "userdict.txt").read_text(encoding="utf-8")


def test_build_with_parts_of_speech(tmp_path: Path):
    from tests.conftest import SAMPLES
    from transform.build import build_dataset

    build_dataset([SAMPLES / "001_d02d80bc81c3e6b4.txt"], tmp_path / "out", terms="pos")
    terms = terms_frame(tmp_path / "out")
    assert terms["pos"].notna().all()
    assert not terms.duplicated(["report_id", "section", "term", "pos"]).any()
    assert set(terms.loc[terms["term"] == "依申请公开", "pos"]) == {"nz"}
    keywords = pd.read_parquet(tmp_path / "out" / "keywords")
    assert not keywords.duplicated(["report_id", "section", "term"]).any()
