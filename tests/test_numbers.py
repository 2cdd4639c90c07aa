"""Value cells: what counts as a number, a blank, or text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from transform.numbers import parse_cell, to_10k_yuan, unit_in_label

SPACES = st.sampled_from(["", " ", "\u00a0", "\u2002", "\u3000", "\n", "\t", "\u00a0\n\n"])
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(
    ("text", "value", "status", "unit"),
    [
        ("0", 0.0, "number", None),
        ("\u00a00", 0.0, "number", None),
        ("\u3000\u3000\n0", 0.0, "number", None),
        ("571", 571.0, "number", None),
        ("１２３", 123.0, "number", None),
        ("1,234", 1234.0, "number", None),
        ("1，234", 1234.0, "number", None),
        ("12.5", 12.5, "number", None),
        ("+3", 3.0, "number", None),
        ("-8", -8.0, "number", None),
        ("−8", -8.0, "number", None),
        ("－8", -8.0, "number", None),
        ("905万", 905.0, "number", "万"),
        ("251000元", 251000.0, "number", "元"),
        ("3.5万元", 3.5, "number", "万元"),
        ("12件", 12.0, "number", None),
        ("", None, "blank", None),
        ("\u00a0", None, "blank", None),
        ("—", None, "blank", None),
        ("——", None, "blank", None),
        ("-", None, "blank", None),
        ("/", None, "blank", None),
        ("无", None, "blank", None),
        ("见附件", None, "unparsed", None),
        ("1.2.3", None, "unparsed", None),
    ],
)
def test_parse_cell_examples(text: str, value: float | None, status: str, unit: str | None):
    parsed = parse_cell(text)
    assert parsed.status == status
    assert parsed.unit == unit
    if value is None:
        assert parsed.value is None
    else:
        assert parsed.value == pytest.approx(value)


@given(n=st.integers(min_value=-10**9, max_value=10**9), before=SPACES, after=SPACES,
       fullwidth=st.booleans(), plus=st.booleans())
def test_integers_survive_whitespace_width_and_sign(n, before, after, fullwidth, plus):
    text = str(n)
    if plus and n >= 0:
        text = "+" + text
    if fullwidth:
        text = text.translate(FULLWIDTH)
    parsed = parse_cell(before + text + after)
    assert parsed.status == "number"
    assert parsed.value == float(n)


@given(n=st.integers(min_value=1000, max_value=10**12))
def test_thousands_separators(n):
    assert parse_cell(f"{n:,}").value == float(n)


@given(x=st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False))
def test_decimals(x):
    parsed = parse_cell(str(x))
    assert parsed.status == "number"
    assert math.isclose(parsed.value, float(x), rel_tol=1e-12, abs_tol=1e-12)


@given(st.text(max_size=30))
def test_never_raises_and_status_is_consistent(text):
    parsed = parse_cell(text)
    assert parsed.status in {"number", "blank", "unparsed"}
    assert (parsed.value is not None) == (parsed.status == "number")


def test_money_conversion_to_10k_yuan():
    assert to_10k_yuan(251000, "元") == pytest.approx(25.1)
    assert to_10k_yuan(905, "万") == 905
    assert to_10k_yuan(2, "亿元") == 20000


def test_unit_in_header_label():
    assert unit_in_label("本年收费金额（单位：万元）") == "万元"
    assert unit_in_label("采购总金额(元)") == "元"
    assert unit_in_label("采购总金额") is None
