"""The shortcuts the hot paths take give exactly what the plain computation gives.

Memoised cuts, pruned fuzzy matching, the quick NFKC, the shared cells and the cell-text
memo are each checked against the straightforward computation they replace.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from extract.html_reader import _memo_cell_text, _text_stats, cell_text, read_html
from extract.sniff import CONTROL_CHARS
from extract.text_export import read_text_export
from tests.conftest import seed_paths
from transform.labels import (
    WIDE_PUNCTUATION,
    LabelIndex,
    nfkc,
    normalise_label,
    similarity,
    similarity_bound,
)
from transform.numbers import CellValue, parse_cell
from transform.report import _non_space_chars
from transform.template_map import load_template_map
from transform.terms import count_terms, pos_tokenizer, tokenizer
from transform.vocabulary import fold_width, is_term

WIDE = "".join(wide for wide, _ in WIDE_PUNCTUATION)
# Characters that compose, decompose or reorder under NFKC, mixed with the wide forms.
TRICKY = (WIDE + "e\u0301\u0300\u0327\u0323a\u3099\u309a\uff76\uff9e\u1100\u1161\u11a8"
          "か㍿ﬁ２Ａ政府 \n")


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(TRICKY)) | st.text())
def test_quick_nfkc_is_nfkc(text: str):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_quick_nfkc_on_the_seed_text():
    for path in seed_paths():
        text = path.read_text(encoding="utf-8")
        assert nfkc(text) == unicodedata.normalize("NFKC", text)


LABEL_CHARS = st.sampled_from("保护第三方合法权益属于行政查询事项申请公开其他")


@settings(max_examples=300)
@given(st.text(alphabet=LABEL_CHARS, max_size=12), st.text(alphabet=LABEL_CHARS, max_size=12))
def test_similarity_bound_is_an_upper_bound(a: str, b: str):
    bound = similarity_bound(Counter(a), len(a), Counter(b), len(b))
    assert similarity(a, b) <= bound + 1e-12


def _unpruned_fuzzy(index: LabelIndex, form: str) -> str | None:
    """LabelIndex._fuzzy scoring every candidate."""
    if len(form) < 2:
        return None
    return index.best(sorted(((similarity(form, c), code) for c, code in index.forms),
                             reverse=True))


def _indexes() -> list[LabelIndex]:
    tmap = load_template_map()
    return [tmap.item_index, tmap.metric_index, tmap.applicant_index,
            tmap.application_group_index, tmap.proceeding_index, tmap.outcome_index,
            *(tmap.application_row_index(g) for g in
              (None, *(e.code for e in tmap.application_groups)))]


def test_pruned_fuzzy_matching_finds_what_scoring_everything_finds():
    rng = random.Random(7)
    for index in _indexes():
        forms = [form for form, _ in index.forms]
        alphabet = "".join(set("".join(forms))) + "的了和与"
        for form in forms:
            for _ in range(15):
                chars = list(form)
                for _ in range(rng.randint(1, 3)):  # replace, drop or add a character
                    i = rng.randrange(len(chars) + 1)
                    op = rng.choice("rda")
                    if op == "r" and i < len(chars):
                        chars[i] = rng.choice(alphabet)
                    elif op == "d" and i < len(chars) and len(chars) > 1:
                        del chars[i]
                    else:
                        chars.insert(i, rng.choice(alphabet))
                typo = normalise_label("".join(chars))
                assert index._fuzzy(typo) == _unpruned_fuzzy(index, typo), (form, typo)


def _plain_count_terms(text: str, pos: bool = False) -> Counter:
    """count_terms cutting every stretch afresh with jieba (no memo, no run splitting)."""
    from transform.terms import _pieces

    found, stretches = _pieces(fold_width(text))
    counts: Counter = Counter()
    for term, tag in found:
        counts[(term, tag if pos else None)] += 1
    for stretch in stretches:
        if pos:
            for pair in pos_tokenizer().cut(stretch, HMM=True):
                if is_term(pair.word.strip()):
                    counts[(pair.word.strip(), pair.flag)] += 1
        else:
            for word in tokenizer().cut(stretch, HMM=True):
                if is_term(word.strip()):
                    counts[(word.strip(), None)] += 1
    return counts


@pytest.mark.parametrize("path", seed_paths()[:3], ids=lambda p: p.name[:3])
def test_memoised_cuts_equal_plain_cuts(path: Path):
    text = read_text_export(path.read_bytes()).plain_text()
    mixed = text + "\n全年受理ＡＰＰ咨询，１２３４５热线转办 2020年共公开信息1,800条。abc-def_1.5%"
    for _ in range(2):  # the second time from the memo
        plain = _plain_count_terms(mixed)
        memo = count_terms(mixed)
        assert memo == plain
        assert list(memo) == list(plain)  # same order of first appearance too
    assert count_terms(mixed, pos=True) == _plain_count_terms(mixed, pos=True)


@given(st.text(alphabet=st.sampled_from("0123456789 ,.+-万元件一二〇٣२")))
def test_parse_cell_fast_path_agrees_with_the_full_parse(text: str):
    parsed = parse_cell(text)
    padded = parse_cell(" " + text)  # never takes the plain-digits path
    assert parsed == padded
    if text.isascii() and text.isdigit():
        assert parsed == CellValue(float(text), "number")


@given(st.text())
def test_non_space_count(text: str):
    assert _non_space_chars(text) == sum(1 for ch in text if not ch.isspace())


@given(st.text(alphabet=st.characters(max_codepoint=0x3000)))
def test_control_character_count(text: str):
    expected = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    assert len(CONTROL_CHARS.findall(text)) == expected


def test_shared_text_export_cells_read_like_fresh_ones():
    data = seed_paths()[0].read_bytes()
    first, second = read_text_export(data), read_text_export(data)
    assert first == second
    for table in first.tables:
        for row in table.rows:
            assert len({id(c) for c in row}) == len(row)  # distinct cells within a row


PAGE = """<html><body><div class="nav"><a href="/">首页</a> <a href="/x">政务公开</a></div>
<div id="zoom"><p>某某镇2021年政府信息公开工作年度报告</p>
<table border="1"><tr><td style="white-space:pre">  1  2 </td><td><p>本年 新收</p><br>
<span>申请</span></td><td>３</td></tr>
<tr><td rowspan="2"><a href="#n">注</a>1</td><td>2</td><td>&nbsp;3&#13;4</td></tr>
<tr><td><div>5</div><div>6</div></td><td>7</td></tr></table>
<table><tr><td>8</td><td>9</td></tr><tr><td>10</td><td>11</td></tr></table>
<p>二、主动公开政府信息情况</p></div></body></html>"""


@pytest.mark.parametrize("preserve", [False, True])
def test_memoised_cell_text_equals_walking_the_cell(preserve: bool):
    root = etree.fromstring(PAGE, etree.HTMLParser(remove_comments=True))
    for _ in range(2):
        for td in root.iter("td", "th"):
            assert _memo_cell_text(td, preserve) == cell_text(td, preserve)


def test_tables_counted_whole_give_the_same_text_counts():
    root = etree.fromstring(PAGE, etree.HTMLParser(remove_comments=True))
    body = root.find("body")
    full = _text_stats(body)
    tables = list(body.iter("table"))
    part = _text_stats(body, [t for t in tables if not any(True for _ in t.iter("a"))])
    assert len(part) < len(full)
    assert [el for el in full if el in part] == list(part)
    for el, counts in part.items():
        assert counts == full[el]


def test_html_reading_is_repeatable():
    data = PAGE.encode()
    assert read_html(data) == read_html(data)
