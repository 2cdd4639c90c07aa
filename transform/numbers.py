"""Reading one value cell.

Cells hold more than digits: full-width digits, thousands separators (ASCII and
full-width commas, spaces), decimals, signs ('+3', '-8', '−8'), units ('905万', '251000元',
'3件'), dashes and '无' for "nothing", and whitespace of every kind around all of it. A
blank, a dash or '无' is *not* zero: the value is null and the difference is kept in
``raw``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MONEY_UNITS = {"元": 1e-4, "万元": 1.0, "万": 1.0, "亿元": 1e4, "亿": 1e4, "千元": 0.1}
COUNT_UNITS = ("件", "条", "个", "项", "次", "人次", "宗", "份", "笔", "家")
NULL_TOKENS = {"", "-", "--", "---", "—", "——", "–", "/", "\\", "无", "空", "暂无", "null",
               "n/a", "na", "×", "x", "~", "－", "一"}
SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u3000\ufeff]+")
NUMBER = re.compile(
    r"^(?P<sign>[+\-])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<unit>万元|亿元|千元|元|万|亿|件|条|个|项|次|人次|宗|份|笔|家)?$"
)
SIGN_CHARS = str.maketrans({"−": "-", "﹣": "-", "－": "-", "‐": "-", "‑": "-", "﹢": "+",
                            "＋": "+"})
UNIT_IN_LABEL = re.compile(r"(?:单位\s*[:：]?\s*)?(万元|亿元|千元|元)")


@dataclass(frozen=True, slots=True)
class CellValue:
    """What a value cell says.

    ``status`` is ``number`` (value set), ``blank`` (empty, dash or 无: value null) or
    ``unparsed`` (text that is not a number: value null, reported as a problem).
    ``unit`` is the money unit the cell itself states, normalised to a factor name.
    """

    value: float | None
    status: str
    unit: str | None = None

    @property
    def is_number(self) -> bool:
        return self.status == "number"


BLANK = CellValue(None, "blank")


@lru_cache(maxsize=65536)
def parse_cell(text: str) -> CellValue:
    """Parse the text of one value cell (see module docstring for what is accepted).

    Memoised: every table is read several times over (to find headers, data rows and
    values) and reports print the same few cell texts ('0', '无', '12') again and again;
    the result is an immutable value, so sharing it is safe.
    """
    if text.isascii() and text.isdigit() and len(text) < 16:  # the common count, e.g. '12'
        return CellValue(float(text), "number")
    folded = unicodedata.normalize("NFKC", text).translate(SIGN_CHARS)
    compact = SPACES.sub("", folded).replace("，", ",")
    if compact.lower() in NULL_TOKENS or not compact.strip("-—_.·"):
        return BLANK
    compact = compact.rstrip("。;；")
    match = NUMBER.match(compact)
    if not match:
        return CellValue(None, "unparsed")
    digits = match.group("int").replace(",", "")
    number = float(f"{digits}.{match.group('frac')}" if match.group("frac") else digits)
    if not math.isfinite(number):  # a digit run too long for a float: not a count
        return CellValue(None, "unparsed")
    if match.group("sign") == "-":
        number = -number
    unit = match.group("unit")
    if unit in COUNT_UNITS:
        unit = None
    return CellValue(number + 0.0, "number", unit)


@lru_cache(maxsize=4096)
def unit_in_label(label: str) -> str | None:
    """The money unit a header states, e.g. '本年收费金额（单位：万元）' → '万元'."""
    match = UNIT_IN_LABEL.search(unicodedata.normalize("NFKC", label))
    return match.group(1) if match else None


def to_10k_yuan(value: float, unit: str) -> float:
    """Convert an amount in ``unit`` to 万元, rounding away binary noise."""
    return round(value * MONEY_UNITS[unit], 10)
