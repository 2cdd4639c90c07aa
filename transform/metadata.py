"""Report metadata from the narrative: title, body, year covered, date of issue.

The title is the first line or lines before the first section heading ('定州市东亭镇' and
'2021年政府信息公开工作年度报告' may be two lines). The body's name is the title without
the year and the report words, as written ('市中区孟庄镇'). The year is the year the
report *covers*: from the title, else from the opening of the text. The date of issue is
the signature date at the end, when printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from extract.document import Document, Paragraph
from transform.labels import nfkc

REPORT_WORDS = re.compile(
    r"(?:关于)?(?:(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年度?\s*"
    r"(?:的)?(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?(?:报告|年报)"
)
TITLE_MARK = re.compile(r"(政府信息公开|政务公开|信息公开).{0,8}(年度报告|年报|报告)")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})年")
CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
DATE = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
CN_DATE = re.compile(r"([〇零○O一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月"
                     r"([一二三四五六七八九十]{1,3})日")
BLANKS = re.compile(r"[\s\u00a0\u2002\u3000]+")
HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|第[一二三四五六七八九十]+)")


@dataclass(frozen=True)
class Metadata:
    title: str | None
    org_name: str | None
    report_year: int | None
    published_date: date | None
    looks_like_report: bool


@lru_cache(maxsize=4096)
def _nfkc(text: str) -> str:
    """NFKC of a paragraph, memoised: the title search, the year search and the report
    test each read the opening paragraphs again."""
    return nfkc(text)


@lru_cache(maxsize=4096)
def _clean(text: str) -> str:
    return BLANKS.sub("", _nfkc(text))


def find_title(paragraphs: list[Paragraph]) -> tuple[str | None, int]:
    """The title and how many leading paragraphs it uses.

    Usually the first line (or first few short lines) ending in the report words. Pages
    from portals may open with breadcrumbs and dates, so a line within the first dozen
    that reads as a report title wins over the bare first line.
    """
    for count, para in enumerate(paragraphs[:15], start=1):
        text = _clean(para.text)
        if (len(text) <= 60 and TITLE_MARK.search(text) and not HEADING.match(para.text)
                and (YEAR.search(text) or CN_YEAR.search(text))):
            return _join_title(paragraphs, count), count
    lines: list[str] = []
    for count, para in enumerate(paragraphs[:4], start=1):
        text = _clean(para.text)
        if not text:
            continue
        if HEADING.match(para.text) or len(text) > 60:
            break
        lines.append(text)
        if TITLE_MARK.search(text) or "报告" in text:
            return "".join(lines), count
    first = paragraphs[0].text if paragraphs else ""
    if first and not HEADING.match(first) and len(_clean(first)) <= 60:
        return _clean(first) or None, 1
    return None, 0


def _join_title(paragraphs: list[Paragraph], count: int) -> str:
    """A title line, with the body's name when it stands alone on the line above."""
    title = _clean(paragraphs[count - 1].text)
    if count >= 2 and TITLE_MARK.match(title) is None and REPORT_WORDS.match(title):
        above = _clean(paragraphs[count - 2].text)
        if 2 <= len(above) <= 30 and not YEAR.search(above) and not HEADING.match(above):
            return above + title
    return title


TITLE_NOISE = re.compile(
    r"^(?:关于|(?:19|20)\d{2}\s*年度?|[〇零○一二三四五六七八九]{4}年度?|[（(](?:19|20)\d{2}年?度?[)）]|的)"
    r"|(?:关于|(?:19|20)\d{2}\s*年度?|[〇零○一二三四五六七八九]{4}年度?|[（(](?:19|20)\d{2}年?度?[)）]"
    r"|的|[-—_－]+)$"
)


def org_from_title(title: str | None) -> str | None:
    """The body's name as the title writes it: the title without the year, the report
    words and connectors ('孟庄镇人民政府关于2020年度…的年度报告' → '孟庄镇人民政府')."""
    if not title:
        return None
    match = REPORT_WORDS.search(title) or TITLE_MARK.search(title)
    if match is None:
        return None
    before, after = title[: match.start()], title[match.end():]
    name = _strip_noise(before) or _strip_noise(after)
    return name or None


def _strip_noise(text: str) -> str:
    text = text.strip("《》“”\"'：: ")
    while True:
        cleaned = TITLE_NOISE.sub("", text).strip("《》“”\"'（）()：: ")
        if cleaned == text:
            return text
        text = cleaned


def _cn_number(text: str) -> int:
    if len(text) == 4 and all(c in CN_DIGITS for c in text):
        return int("".join(str(CN_DIGITS[c]) for c in text))
    value = 0
    if "十" in text:
        tens, _, ones = text.partition("十")
        value = (CN_DIGITS.get(tens, 1) if tens else 1) * 10
        return value + (CN_DIGITS.get(ones, 0) if ones else 0)
    return CN_DIGITS.get(text, 0)


def find_year(title: str | None, paragraphs: list[Paragraph]) -> int | None:
    for text in ([title] if title else []):
        match = YEAR.search(text)
        if match:
            return int(match.group(1))
        cn = re.search(r"([〇零○一二三四五六七八九]{4})年", text)
        if cn:
            return _cn_number(cn.group(1))
    for para in paragraphs[:12]:
        match = YEAR.search(_nfkc(para.text))
        if match:
            return int(match.group(1))
    return None


def find_published_date(paragraphs: list[Paragraph], report_year: int | None) -> date | None:
    """The signature date among the last lines (a date alone on its line)."""
    for para in reversed(paragraphs[-6:]):
        text = _clean(para.text)
        if len(text) > 20:
            continue
        found = DATE.search(text)
        parts = (int(found.group(1)), int(found.group(2)), int(found.group(3))) if found else None
        if parts is None:
            cn = CN_DATE.search(text)
            if cn:
                parts = (_cn_number(cn.group(1)), _cn_number(cn.group(2)), _cn_number(cn.group(3)))
        if parts is None:
            continue
        try:
            issued = date(*parts)
        except ValueError:
            continue
        if report_year is None or report_year <= issued.year <= report_year + 2:
            return issued
    return None


def _opening_reads_like_report(paragraphs: list[Paragraph]) -> bool:
    """The report wording in the opening paragraphs (asked only when the title lacks it,
    since folding forty paragraphs costs more than everything else here)."""
    text = "".join(_clean(p.text) for p in paragraphs[:40])
    return "政府信息公开" in text and ("年度报告" in text or "主动公开" in text)


def read_metadata(doc: Document) -> tuple[Metadata, int]:
    """Metadata and the number of leading paragraphs that form the title."""
    paragraphs = doc.paragraphs
    title, used = find_title(paragraphs)
    year = find_year(title, paragraphs)
    looks = bool(TITLE_MARK.search(title or "")) or _opening_reads_like_report(paragraphs)
    meta = Metadata(
        title=title,
        org_name=org_from_title(title),
        report_year=year,
        published_date=find_published_date(paragraphs, year),
        looks_like_report=looks,
    )
    return meta, used
