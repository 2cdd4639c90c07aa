"""Synthetic annual reports with answer keys: a demo corpus and an accuracy benchmark.

Why: five real seeds show what reports look like but cannot measure accuracy at scale,
and the pipeline's readers and interpreter must be judged on thousands of documents
whose every cell is known. Each synthetic report is a real township (镇/乡/街道, from the
gazetteer) writing its annual report on the national form of its year, with:

* tables 二, 三 and 四 laid out and merged like the official Word template, holding
  random but consistent figures (一 + 二 = 三(七) + 四 per column, 三(一)…(六) add up to
  三(七), columns add up to 总计, outcomes add up to 总计): mostly small numbers and zeros,
  as townships report, blanks (null, never zero) where real reports leave cells empty,
  money in 元 or 万元;
* the variation real reports show: label variants of the template map, stray spaces and
  line breaks inside labels and around numbers (NBSP, U+2002, U+3000), signed changes,
  thousands separators, full-width digits, dashes and 无 for blanks, headings
  misnumbered, unnumbered or reworded, tables in an appendix (with or without headings of
  their own), table 二 split into one table per article, table 四 turned round (one row
  per proceeding), a preamble, a signature and date, titles of several shapes (county
  named or not, the body's name on a line of its own, the year in brackets), the text
  export's bookmark artefact, a 2020 report already on the 2021 form;
* narrative prose from :mod:`gongkai.synth.narrative`, with the sentences about requests
  and reviews written from the tables so the prose does not contradict them;
* a share of reports with a deliberate arithmetic error (a total off by some amount),
  whose key keeps the printed values and records the failing checks.

The answer key (``keys/<stem>.json``) has the format of ``shared/gold``: metadata as the
pipeline should output it (place names only where the document itself names them, the
12-digit code only where the document determines it), every cell of the three tables,
the checks recomputed from those cells, the sections present, notes.

Left out on purpose, because the pipeline does not read them yet (reported, not worked
around): a table 四 whose fifteen cells are all blank (no facts at all instead of nulls),
and in PDFs a table row broken across a page break (the part on the next page is lost).

Determinism: every choice is drawn from the ``random.Random`` passed in, and
:func:`write_corpus` seeds one generator per report from ``(seed, index)``, so report
``i`` is the same whatever ``n`` is, and the same seed gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from gongkai.synth.narrative import Body, mutate, report_narrative
from gongkai.synth.render import (
    FORMATS,
    Para,
    RenderError,
    SynthDocument,
    TableBlock,
    TCell,
    pdf_available,
    render,
    render_pdfs,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GAZETTEER_DIR = PROJECT_ROOT / "data" / "gazetteer"
YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)
#: Share of 2020 reports already written on the 2021 form.
EARLY_2021_FORM = 0.05
#: Shares of other layouts real reports use: table 四 as one row per proceeding, table 二
#: as one table per article, appendix tables without headings of their own (share of the
#: appendix reports), the year in brackets after the title.
REVIEWS_BY_ROW = 0.05
ACTIVE_SPLIT = 0.1
BARE_APPENDIX = 0.3
TITLE_YEAR_AFTER = 0.05

# --------------------------------------------------------------------------------------
# Printed labels. Only labels and variants of transform/template_map.yaml (compared after
# its normalisation: numbering, spaces and parenthesised notes aside); a test holds the
# generator to that.
# --------------------------------------------------------------------------------------

ACTIVE_ITEM_LABELS: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",),
    "normative_documents": ("规范性文件", "行政规范性文件"),
    "admin_licensing": ("行政许可",),
    "other_admin_services": ("其他对外管理服务事项", "其他对外管理服务"),
    "admin_penalty": ("行政处罚",),
    "admin_coercion": ("行政强制",),
    "admin_fees": ("行政事业性收费", "行政事业收费"),
    "central_procurement": ("政府集中采购", "集中采购"),
}
#: The 2021 form prints 行政规范性文件.
NORMATIVE_2021 = ("行政规范性文件", "规范性文件")
ACTIVE_METRIC_LABELS: dict[str, tuple[str, ...]] = {
    "made_this_year": ("本年新制作数量", "本年制作数量", "新制作数量"),
    "published_this_year": ("本年新公开数量", "本年公开数量", "新公开数量"),
    "total_published": ("对外公开总数量", "对外公开数量", "公开总数量"),
    "issued_this_year": ("本年制发件数", "本年新制发件数", "本年制发数量", "本年新制发数量"),
    "repealed_this_year": ("本年废止件数", "本年废止数量"),
    "in_force": ("现行有效件数", "现行有效数量"),
    "prior_year_items": ("上一年项目数量", "上年项目数量", "上一年度项目数量"),
    "change_this_year": ("本年增/减", "本年增减", "本年增加/减少", "增/减"),
    "decisions": ("处理决定数量", "本年处理决定数量", "本年度处理决定数量", "处理决定件数"),
    "fee_amount": ("本年收费金额（单位：万元）", "本年收费金额", "收费金额"),
    "procurement_projects": ("采购项目数量", "采购项目数"),
    "procurement_amount": ("采购总金额", "采购总金额（万元）", "采购金额"),
}
#: Table 二 per template: (article caption, items), and each item's metrics in order.
ARTICLES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "2019": (("（一）", ("regulations", "normative_documents")),
             ("（五）", ("admin_licensing", "other_admin_services")),
             ("（六）", ("admin_penalty", "admin_coercion")),
             ("（八）", ("admin_fees",)),
             ("（九）", ("central_procurement",))),
    "2021": (("（一）", ("regulations", "normative_documents")),
             ("（五）", ("admin_licensing",)),
             ("（六）", ("admin_penalty", "admin_coercion")),
             ("（八）", ("admin_fees",))),
}
ACTIVE_LAYOUT: dict[str, dict[str, tuple[str, ...]]] = {
    "2019": {
        "regulations": ("made_this_year", "published_this_year", "total_published"),
        "normative_documents": ("made_this_year", "published_this_year", "total_published"),
        "admin_licensing": ("prior_year_items", "change_this_year", "decisions"),
        "other_admin_services": ("prior_year_items", "change_this_year", "decisions"),
        "admin_penalty": ("prior_year_items", "change_this_year", "decisions"),
        "admin_coercion": ("prior_year_items", "change_this_year", "decisions"),
        "admin_fees": ("prior_year_items", "change_this_year"),
        "central_procurement": ("procurement_projects", "procurement_amount"),
    },
    "2021": {
        "regulations": ("issued_this_year", "repealed_this_year", "in_force"),
        "normative_documents": ("issued_this_year", "repealed_this_year", "in_force"),
        "admin_licensing": ("decisions",),
        "admin_penalty": ("decisions",),
        "admin_coercion": ("decisions",),
        "admin_fees": ("fee_amount",),
    },
}

APPLICANTS: tuple[str, ...] = (
    "natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org",
)
COLUMNS: tuple[str, ...] = (*APPLICANTS, "total")
APPLICATIONS_NOTE = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",)
APPLICANT_HEADER_LABELS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
#: Row code → printed labels (first = the national form's wording).
APPLICATION_ROW_LABELS: dict[str, tuple[str, ...]] = {
    "new_received": ("一、本年新收政府信息公开申请数量", "一、本年新收申请数量"),
    "carried_over": ("二、上年结转政府信息公开申请数量", "二、上年结转申请数量"),
    "granted": ("（一）予以公开",),
    "partially_granted": ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                          "（二）部分公开"),
    "denied.state_secret": ("1.属于国家秘密",),
    "denied.prohibited_by_law": ("2.其他法律行政法规禁止公开", "2.其他法律、行政法规禁止公开"),
    "denied.safety_stability": ("3.危及“三安全一稳定”", '3.危及"三安全一稳定"',
                                "3.危及三安全一稳定"),
    "denied.third_party_rights": ("4.保护第三方合法权益",),
    "denied.internal_affairs": ("5.属于三类内部事务信息",),
    "denied.process_information": ("6.属于四类过程性信息",),
    "denied.enforcement_files": ("7.属于行政执法案卷",),
    "denied.admin_inquiry": ("8.属于行政查询事项",),
    "unable.not_held": ("1.本机关不掌握相关政府信息",),
    "unable.needs_creation": ("2.没有现成信息需要另行制作",),
    "unable.unclear_after_correction": ("3.补正后申请内容仍不明确",),
    "not_processed.petition_complaint": ("1.信访举报投诉类申请",),
    "not_processed.duplicate": ("2.重复申请",),
    "not_processed.publication": ("3.要求提供公开出版物",),
    "not_processed.excessive": ("4.无正当理由大量反复申请",),
    "not_processed.confirm_or_reissue": ("5.要求行政机关确认或重新出具已获取信息",),
    "other": ("（六）其他处理",),
    "other.no_correction": ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                            "1.申请人无正当理由逾期不补正"),
    "other.unpaid_fee": ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                         "2.申请人逾期未按收费通知要求缴纳费用"),
    "other.other": ("3.其他",),
    "total": ("（七）总计",),
    "carried_forward": ("四、结转下年度继续办理", "四、结转下年度继续办理数量"),
}
APPLICATION_GROUP_LABELS: dict[str, str] = {
    "results": "三、本年度办理结果", "denied": "（三）不予公开", "unable": "（四）无法提供",
    "not_processed": "（五）不予处理", "other": "（六）其他处理",
}
DENIED = tuple(c for c in APPLICATION_ROW_LABELS if c.startswith("denied."))
UNABLE = tuple(c for c in APPLICATION_ROW_LABELS if c.startswith("unable."))
NOT_PROCESSED = tuple(c for c in APPLICATION_ROW_LABELS if c.startswith("not_processed."))
OTHER_2021 = ("other.no_correction", "other.unpaid_fee", "other.other")
#: The leaves of 三 that add up to 三(七), per template (2021: 三(六) printed as three rows).
LEAVES: dict[str, tuple[str, ...]] = {
    "2019": ("granted", "partially_granted", *DENIED, *UNABLE, *NOT_PROCESSED, "other"),
    "2021": ("granted", "partially_granted", *DENIED, *UNABLE, *NOT_PROCESSED, *OTHER_2021),
}
#: Rows of 三 in printed order (and the key's order; 2021 adds the derived 三(六)).
APPLICATION_ROWS: dict[str, tuple[str, ...]] = {
    "2019": ("new_received", "carried_over", *LEAVES["2019"], "total", "carried_forward"),
    "2021": ("new_received", "carried_over", *LEAVES["2021"], "total", "carried_forward"),
}
KEY_APPLICATION_ROWS: dict[str, tuple[str, ...]] = {
    "2019": APPLICATION_ROWS["2019"],
    "2021": ("new_received", "carried_over", *LEAVES["2021"], "other", "total", "carried_forward"),
}
#: How often a request ends in each way (township reports: mostly granted or not held).
LEAF_WEIGHTS: dict[str, float] = {
    "granted": 50, "partially_granted": 8, "denied.state_secret": 0.4,
    "denied.prohibited_by_law": 0.5, "denied.safety_stability": 0.4,
    "denied.third_party_rights": 1.5, "denied.internal_affairs": 1.5,
    "denied.process_information": 2, "denied.enforcement_files": 0.4,
    "denied.admin_inquiry": 1.5, "unable.not_held": 18, "unable.needs_creation": 2,
    "unable.unclear_after_correction": 1.5, "not_processed.petition_complaint": 4,
    "not_processed.duplicate": 2, "not_processed.publication": 0.4,
    "not_processed.excessive": 0.4, "not_processed.confirm_or_reissue": 1, "other": 4,
    "other.no_correction": 2, "other.unpaid_fee": 0.3, "other.other": 2,
}

PROCEEDINGS: tuple[str, ...] = ("admin_review", "litigation_direct", "litigation_after_review")
OUTCOMES: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
OUTCOME_LABELS: tuple[str, ...] = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
PROCEEDING_LABELS: dict[str, tuple[str, ...]] = {
    "litigation_direct": ("未经复议直接起诉", "未经复议直接提起诉讼"),
    "litigation_after_review": ("复议后起诉", "复议后提起诉讼"),
}

#: Section headings: code → wordings (the form's first; others as reports word them).
#: The second column says whether the wording may stand without a number (a long one is
#: only ever printed numbered).
SECTION_HEADINGS: dict[str, tuple[tuple[str, bool], ...]] = {
    "overview": (("总体情况", True), ("基本情况", True)),
    "active_disclosure": (("主动公开政府信息情况", True),
                          ("行政机关主动公开政府信息的情况", True), ("主动公开情况", True)),
    "applications": (("收到和处理政府信息公开申请情况", True),
                     ("行政机关收到和处理政府信息公开申请的情况", True), ("依申请公开情况", True)),
    "reviews_litigation": (("政府信息公开行政复议、行政诉讼情况", True),
                           ("因政府信息公开工作被申请行政复议、提起行政诉讼的情况", False),
                           ("行政复议、行政诉讼情况", True)),
    "problems": (("存在的主要问题及改进情况", True),
                 ("政府信息公开工作存在的主要问题及改进情况", True),
                 ("存在的主要问题及改进措施", True)),
    "other_matters": (("其他需要报告的事项", True), ("其它需要报告的事项", True)),
}
CN_NUMERALS = "一二三四五六七八九十"
BOOKMARK = "[bookmark: _GoBack]"
#: Names a city or county has in the gazetteer that are not places a report would name.
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
GENERIC_NAMES = {"市辖区", "城区", "郊区", "矿区", "新区", "开发区", "高新区", "经济开发区"}


# --------------------------------------------------------------------------------------
# The gazetteer: real townships and what names determine them
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Township:
    """A township-level unit with its ancestors' names as the gazetteer has them."""

    code: str  # 9 digits; the 12-digit admin_code adds "000"
    name: str
    county: str
    city: str
    province: str

    @property
    def admin_code(self) -> str:
        return self.code + "000"

    @property
    def ancestors(self) -> tuple[str, str, str]:
        return self.county, self.city, self.province


@dataclass(frozen=True)
class Places:
    """The townships a report may be about, and every township by name (for telling
    whether a name in a title determines one unit)."""

    eligible: tuple[Township, ...]
    by_name: dict[str, tuple[Township, ...]]


def _read_csv(name: str) -> list[dict[str, str]]:
    with (GAZETTEER_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def load_places() -> Places:
    """Townships (镇/乡/街道) whose (county, name) pair is unique, in a county with a
    proper name of three or more characters and a city that is a real place.

    Why so strict: the key must state the admin code, so the pair printed in a title
    has to determine the unit; two-character county names (和县) and placeholder city
    names (县, 市辖区) would turn up inside ordinary words of the prose.
    """
    provinces = {r["code"]: r["name"] for r in _read_csv("provinces.csv")}
    cities = {r["code"]: r["name"] for r in _read_csv("cities.csv")}
    areas = {r["code"]: (r["name"], r["cityCode"]) for r in _read_csv("areas.csv")}
    everything: list[Township] = []
    for row in _read_csv("streets.csv"):
        county, city_code = areas[row["areaCode"]]
        everything.append(Township(row["code"], row["name"], county, cities.get(city_code, ""),
                                   provinces.get(row["provinceCode"], "")))
    pairs = Counter((t.county, t.name) for t in everything)
    by_name: dict[str, list[Township]] = {}
    for t in everything:
        by_name.setdefault(t.name, []).append(t)
        if t.name.endswith("街道"):
            by_name.setdefault(t.name + "办事处", []).append(t)
    eligible = [
        t for t in everything
        if t.name.endswith(("镇", "乡", "街道")) and len(t.name) >= 3
        and pairs[(t.county, t.name)] == 1
        and len(t.county) >= 3 and t.county.endswith(("县", "区", "市", "旗"))
        and t.county not in GENERIC_NAMES and t.city != "县"
        and not re.search(r"[（()）·]", t.name + t.county)
    ]
    eligible.sort(key=lambda t: t.code)
    return Places(tuple(eligible), {k: tuple(v) for k, v in by_name.items()})


def determined_unit(places: Places, written: str, stated: Sequence[str],
                    text: str) -> Township | None:
    """The township a body name determines, or None when several still fit.

    ``written`` is the township as the title writes it, ``stated`` the higher names the
    title puts before it, ``text`` all the document's text. Candidates must have every
    stated name among their ancestors; if several remain, those with most ancestor names
    (proper ones, two characters or more) found in the text are kept.
    """
    candidates = [t for t in places.by_name.get(written, ())
                  if all(name in t.ancestors for name in stated)]
    if len(candidates) > 1:
        scored = [(sum(1 for a in t.ancestors
                       if a not in GENERIC_NAMES and len(a) >= 2 and a in text), t)
                  for t in candidates]
        best = max(score for score, _ in scored)
        if best > 0:
            candidates = [t for score, t in scored if score == best]
    return candidates[0] if len(candidates) == 1 else None


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


def _split(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """``total`` units dealt one by one to slots with the given weights."""
    out = [0] * len(weights)
    for _ in range(total):
        out[rng.choices(range(len(weights)), weights=weights)[0]] += 1
    return out


Grid = dict[str, dict[str, int | None]]


def application_figures(rng: random.Random, template: str) -> Grid:
    """Table 三 as a body's real year would fill it: per applicant column, new plus
    carried-over requests are either answered (one result row each) or carried forward,
    so every identity the form states holds."""
    level = rng.choices(("none", "few", "some", "many"), weights=(55, 28, 13, 4))[0]
    new_total = {"none": 0, "few": rng.randint(1, 3), "some": rng.randint(4, 15),
                 "many": rng.randint(16, 60)}[level]
    new = _split(rng, new_total, (80, 9, 1, 2, 3, 5))
    leaves = LEAVES[template]
    grid: Grid = {row: {} for row in APPLICATION_ROWS[template]}
    carry_some = new_total > 0 and rng.random() < 0.2
    for i, column in enumerate(APPLICANTS):
        carried = rng.randint(0, 2) if carry_some and new[i] and rng.random() < 0.5 else 0
        available = new[i] + carried
        forward = rng.randint(0, min(2, available)) if available and rng.random() < 0.15 else 0
        answered = _split(rng, available - forward, [LEAF_WEIGHTS[leaf] for leaf in leaves])
        grid["new_received"][column] = new[i]
        grid["carried_over"][column] = carried
        for leaf, count in zip(leaves, answered, strict=True):
            grid[leaf][column] = count
        grid["total"][column] = sum(answered)
        grid["carried_forward"][column] = forward
    for row in grid.values():
        row["total"] = sum(row[c] or 0 for c in APPLICANTS)
    return grid


def review_figures(rng: random.Random) -> Grid:
    """Table 四: townships rarely face a review or a lawsuit over disclosure."""
    grid: Grid = {}
    busy = rng.random() < 0.15
    for proceeding in PROCEEDINGS:
        counts: dict[str, int | None] = {o: 0 for o in OUTCOMES[:-1]}
        if busy and rng.random() < (0.7 if proceeding == "admin_review" else 0.3):
            for outcome in rng.sample(OUTCOMES[:-1], rng.randint(1, 2)):
                counts[outcome] = rng.randint(1, 3)
        grid[proceeding] = {**counts, "total": sum(v or 0 for v in counts.values())}
    return grid


@dataclass
class Money:
    """An amount of money: its value in 万元 (the key) and the cell text."""

    wan: float
    text: str


def _money_text(rng: random.Random, yuan: int, header_has_unit: bool) -> Money:
    """An amount printed as reports print it: in 万元 (with or without the unit), as
    '万', or in 元 ('356000元' is 35.6 万元)."""
    wan = round(yuan / 10000, 6)
    plain = f"{wan:.4f}".rstrip("0").rstrip(".")
    options = [plain, f"{plain}万元", f"{plain}万", f"{yuan}元"]
    weights = (50, 20, 10, 20) if header_has_unit else (35, 30, 15, 20)
    text = rng.choices(options, weights=weights)[0]
    return Money(wan, text)


def active_figures(rng: random.Random, template: str) -> dict[str, dict[str, Any]]:
    """Table 二: a township makes no 规章, few normative documents, some licences and
    penalties, small fees and purchases. Values are ints, Money, or None (blank)."""
    small = lambda hi: rng.choice((0, 0, 0, rng.randint(0, hi)))  # noqa: E731
    out: dict[str, dict[str, Any]] = {}
    if template == "2019":
        made = small(3)
        out["regulations"] = {"made_this_year": 0, "published_this_year": 0, "total_published": 0}
        out["normative_documents"] = {"made_this_year": made, "published_this_year": made,
                                      "total_published": made + small(15)}
        for item, hi in (("admin_licensing", 1500), ("other_admin_services", 300),
                         ("admin_penalty", 120), ("admin_coercion", 15)):
            out[item] = {"prior_year_items": small(40),
                         "change_this_year": rng.choice((0, 0, 0, rng.randint(-3, 5))),
                         "decisions": small(hi)}
        out["admin_fees"] = {"prior_year_items": small(3), "change_this_year": 0}
        projects = small(20)
        out["central_procurement"] = {"procurement_projects": projects,
                                      "procurement_amount": None if projects == 0 else
                                      rng.randint(5, 200_000) * 100}
    else:
        out["regulations"] = {"issued_this_year": 0, "repealed_this_year": 0, "in_force": 0}
        out["normative_documents"] = {"issued_this_year": small(3),
                                      "repealed_this_year": small(2), "in_force": small(20)}
        for item, hi in (("admin_licensing", 1500), ("admin_penalty", 120),
                         ("admin_coercion", 15)):
            out[item] = {"decisions": small(hi)}
        fee = rng.choices(("zero", "blank", "amount"), weights=(55, 15, 30))[0]
        out["admin_fees"] = {"fee_amount": {"zero": 0, "blank": None,
                                            "amount": rng.randint(5, 50_000) * 10}[fee]}
    return out


# --------------------------------------------------------------------------------------
# How one report prints things
# --------------------------------------------------------------------------------------


@dataclass
class Style:
    """Everything about how one report is typed, decided once per report."""

    value_ws: str  # clean | nbsp | ensp | break | mixed
    blank: str  # what an empty value cell holds
    apps_blanks: str  # full | total_only | org_blank | zero_blank
    reviews_blank: bool  # zeros of table 四 left blank
    wrap_headers: bool  # narrow header cells broken over lines (商业\n企业)
    stray_spaces: bool  # stray spaces inside labels (社会公 益组织)
    group_label: str  # plain | vertical | spaced (本年 度办 理结 果)
    label_variants: bool  # variant wordings from the template map
    thousands: bool  # 1,571
    fullwidth: bool  # full-width digits in some cells
    plus_sign: bool  # 本年增/减 printed +3
    trailing_row: bool  # an empty row after tables, as some exports have
    no_regulations: bool  # the 规章 row left blank (townships make no 规章)
    numbering: str  # 1. | 1、
    quote: str  # “” | "" | none (危及三安全一稳定)

    @classmethod
    def draw(cls, rng: random.Random) -> Style:
        return cls(
            value_ws=rng.choices(("clean", "nbsp", "ensp", "break", "mixed"),
                                 weights=(40, 25, 10, 10, 15))[0],
            blank=rng.choices(("", "\u00a0", "—", "/", "-", "无"),
                              weights=(50, 25, 10, 7, 5, 3))[0],
            apps_blanks=rng.choices(("full", "total_only", "org_blank", "zero_blank"),
                                    weights=(72, 8, 10, 10))[0],
            reviews_blank=rng.random() < 0.05,
            wrap_headers=rng.random() < 0.35,
            stray_spaces=rng.random() < 0.2,
            group_label=rng.choices(("plain", "vertical", "spaced"), weights=(80, 12, 8))[0],
            label_variants=rng.random() < 0.3,
            thousands=rng.random() < 0.4,
            fullwidth=rng.random() < 0.03,
            plus_sign=rng.random() < 0.5,
            trailing_row=rng.random() < 0.1,
            no_regulations=rng.random() < 0.08,
            numbering=rng.choices(("1.", "1、"), weights=(85, 15))[0],
            quote=rng.choices(("curly", "straight", "none"), weights=(85, 10, 5))[0],
        )


class _Printer:
    """Turns figures and labels into cell texts for one report, recording raw texts."""

    def __init__(self, rng: random.Random, style: Style) -> None:
        self.rng, self.style = rng, style

    # values ------------------------------------------------------------------------

    def decorate(self, text: str) -> str:
        """Whitespace around a value as Word users leave it (seeds: '\\u00a00', '0\\u2002',
        '\\u3000\\u3000\\n0', NBSP + blank line + '0')."""
        rng, mode = self.rng, self.style.value_ws
        if mode == "mixed":
            mode = rng.choice(("clean", "nbsp", "ensp", "break"))
        if rng.random() < 0.01 and text:
            return "\u00a0\n\n" + text
        if mode == "nbsp":
            return rng.choice(("\u00a0" + text, text + "\u00a0"))
        if mode == "ensp":
            return rng.choice(("\u2002" + text, text + "\u2002"))
        if mode == "break":
            return rng.choice(("\u3000\u3000\n", " \u3000\n", "\u00a0\n", "\u3000")) + text
        return text

    def digits(self, text: str) -> str:
        if self.style.fullwidth and self.rng.random() < 0.3:
            return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        return text

    def count(self, value: int | None) -> str:
        if value is None:
            return self.decorate_blank()
        text = f"{value:,}" if value >= 1000 and self.style.thousands else str(value)
        return self.decorate(self.digits(text))

    def signed(self, value: int) -> str:
        if value > 0 and self.style.plus_sign:
            return self.decorate(f"+{value}")
        if value < 0:
            return self.decorate(self.rng.choice(("-", "−", "－")) + str(-value))
        return self.decorate(str(value))

    def decorate_blank(self) -> str:
        blank = self.style.blank
        return self.decorate(blank) if blank.strip() else blank

    # labels ------------------------------------------------------------------------

    def pick(self, options: Sequence[str]) -> str:
        if self.style.label_variants and len(options) > 1 and self.rng.random() < 0.5:
            return self.rng.choice(options[1:])
        return options[0]

    def label(self, text: str) -> str:
        """A label, sometimes with a stray space inside (never inside its numbering)."""
        if not self.style.stray_spaces or len(text) < 5 or self.rng.random() > 0.25:
            return text
        start = len(text) // 2
        at = self.rng.randint(start, len(text) - 1)
        return text[:at] + " " + text[at:]

    def header(self, text: str, width: int = 2, lines: int = 0) -> str:
        """A header label; in a narrow column broken into lines of ``width`` characters
        (商业/企业, 社会/公益/组织), or into two lines after ``width`` characters when
        ``lines`` is 2 (本年新/制作数量)."""
        if not self.style.wrap_headers or len(text) < 4 or "（" in text:
            return self.label(text)
        if lines == 2:
            return text[:width] + "\n" + text[width:]
        return "\n".join(text[i:i + width] for i in range(0, len(text), width))

    def numbered(self, text: str) -> str:
        if self.style.numbering == "1、":
            text = re.sub(r"^(\d)\.", r"\1、", text)
        if self.style.quote == "straight":
            text = text.replace("“", '"').replace("”", '"')
        elif self.style.quote == "none":
            text = text.replace("“", "").replace("”", "")
        return text


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def _trailing_row(width: int, rng: random.Random) -> list[TCell]:
    """An empty row an export leaves after a table (its last cell maybe whitespace)."""
    cells = [TCell("", c) for c in range(width)]
    cells[-1] = TCell(rng.choice(("", "\u2002 \u2002", " ")), width - 1)
    return cells


def active_table(p: _Printer, template: str, figures: dict[str, dict[str, Any]],
                 raw: dict[str, dict[str, str]],
                 values: dict[str, dict[str, Any]]) -> list[TableBlock]:
    """Table 二 with the form's merges: article captions across, a header row per
    article, a short row's last cell widened to the full width. Some reports print each
    article as a table of its own, one after the other."""
    width = 4
    rng = p.rng
    split = rng.random() < ACTIVE_SPLIT
    tables: list[TableBlock] = []
    for caption, items in ARTICLES[template]:
        if split or not tables:
            tables.append(TableBlock(width))
        table = tables[-1]
        table.rows.append([TCell(f"第二十条第{caption}项", 0, colspan=width)])
        metrics = ACTIVE_LAYOUT[template][items[0]]
        header = [p.header(p.pick(ACTIVE_METRIC_LABELS[m]), width=3, lines=2)
                  for m in metrics]
        if template == "2021" and metrics == ("decisions",):
            header = [p.label(p.pick(("本年处理决定数量", "处理决定数量", "本年度处理决定数量")))]
        if metrics == ("fee_amount",):
            header = [rng.choices(ACTIVE_METRIC_LABELS["fee_amount"], weights=(90, 7, 3))[0]]
        if metrics == ("procurement_projects", "procurement_amount"):
            header[1] = rng.choices(ACTIVE_METRIC_LABELS["procurement_amount"],
                                    weights=(85, 10, 5))[0]
        table.rows.append(_short_row(["信息内容", *header], width))
        for item in items:
            labels = (NORMATIVE_2021 if template == "2021" and item == "normative_documents"
                      else ACTIVE_ITEM_LABELS[item])
            cells = [p.label(p.pick(labels))]
            raw[item], values[item] = {}, {}
            for metric in metrics:
                text, value = _active_cell(p, item, metric, figures[item][metric], header)
                raw[item][metric], values[item][metric] = text, value
                cells.append(text)
            table.rows.append(_short_row(cells, width))
    if p.style.trailing_row:
        tables[-1].rows.append(_trailing_row(width, rng))
    # Kept on one page: the PDF reader glues the first row of a new page onto a last row
    # whose values are blank (a 规章 row left empty), taking it for a row cut in two.
    for table in tables:
        table.keep_rows = len(table.rows) - 1
    return tables


def _active_cell(p: _Printer, item: str, metric: str, figure: Any,
                 header: list[str]) -> tuple[str, Any]:
    """(cell text, key value) of one cell of table 二."""
    if item == "regulations" and p.style.no_regulations:
        return p.decorate_blank(), None  # townships make no 规章: some leave the row blank
    if metric == "change_this_year":
        return p.signed(figure), figure
    if metric in ("procurement_amount", "fee_amount"):
        if metric == "procurement_amount" and figure is None:
            return p.count(0), 0  # no purchases: the amount is 0
        if not figure:
            return p.count(figure), figure
        # In 元, 万元 or 万; with no unit in cell or header the key holds the number as
        # printed (the contract never guesses a factor of 10,000).
        money = _money_text(p.rng, figure, "万元" in header[-1])
        return p.decorate(money.text), money.wan
    return p.count(figure), figure


def _short_row(texts: list[str], width: int) -> list[TCell]:
    """A row of fewer cells than the table is wide: the last cell fills the rest."""
    cells = [TCell(t, i) for i, t in enumerate(texts)]
    last = cells[-1]
    cells[-1] = TCell(last.text, last.col, colspan=width - len(texts) + 1)
    return cells


def _group_label(p: _Printer) -> str:
    label = APPLICATION_GROUP_LABELS["results"]
    if p.style.group_label == "vertical":
        return "\n".join(label)
    if p.style.group_label == "spaced":
        return "本年 度办 理结 果"
    return label


def applications_table(p: _Printer, template: str,
                       printed: dict[str, dict[str, str]]) -> TableBlock:
    """Table 三 with the form's merges: the 勾稽关系 note over three rows and three
    columns, 自然人 and 总计 down two rows, group labels down their rows."""
    width = 10
    t = TableBlock(width, keep_rows=3)
    t.rows.append([TCell(APPLICATIONS_NOTE[0], 0, rowspan=3, colspan=3),
                   TCell("申请人情况", 3, colspan=7)])
    t.rows.append([TCell("自然人", 3, rowspan=2), TCell(p.label("法人或其他组织"), 4, colspan=5),
                   TCell("总\n计" if p.style.wrap_headers else "总计", 9, rowspan=2)])
    t.rows.append([TCell(p.header(p.label(name), 2), 4 + i)
                   for i, name in enumerate(APPLICANT_HEADER_LABELS)])
    leaves = LEAVES[template]
    results_rows = len(leaves) + 1
    groups = {"denied": DENIED, "unable": UNABLE, "not_processed": NOT_PROCESSED}
    if template == "2021":
        groups["other"] = OTHER_2021
    for row in APPLICATION_ROWS[template]:
        label = p.label(p.numbered(p.pick(APPLICATION_ROW_LABELS[row])))
        values = [TCell(printed[row][c], 3 + i) for i, c in enumerate(COLUMNS)]
        if row in ("new_received", "carried_over", "carried_forward"):
            t.rows.append([TCell(label, 0, colspan=3), *values])
            continue
        cells: list[TCell] = []
        if row == "granted":
            cells.append(TCell(_group_label(p), 0, rowspan=results_rows))
        group = next((g for g, members in groups.items() if row in members), None)
        if group is None:
            cells.append(TCell(label, 1, colspan=2))
        else:
            if row == groups[group][0]:
                cells.append(TCell(p.label(APPLICATION_GROUP_LABELS[group]), 1,
                                   rowspan=len(groups[group])))
            cells.append(TCell(label, 2))
        t.rows.append([*cells, *values])
    if p.style.trailing_row:
        t.rows.append(_trailing_row(width, p.rng))
    return t


def reviews_table(p: _Printer, printed: dict[str, dict[str, str]]) -> TableBlock:
    """Table 四 with the form's merges: 行政复议's five outcomes down two rows beside
    行政诉讼's two groups of five, then one row of fifteen values. Some reports turn it
    round: the outcomes across, one row per proceeding."""
    if p.rng.random() < REVIEWS_BY_ROW:
        t = TableBlock(6, keep_rows=3)
        t.rows.append([TCell("", 0), *(TCell(p.header(label, 2), 1 + j)
                                       for j, label in enumerate(OUTCOME_LABELS))])
        names = {"admin_review": "行政复议", **{k: p.pick(v) for k, v in PROCEEDING_LABELS.items()}}
        for proc in PROCEEDINGS:
            t.rows.append([TCell(names[proc], 0),
                           *(TCell(printed[proc][o], 1 + j) for j, o in enumerate(OUTCOMES))])
        return t
    width = 15
    t = TableBlock(width, keep_rows=3)
    t.rows.append([TCell("行政复议", 0, colspan=5), TCell("行政诉讼", 5, colspan=10)])
    outcomes = [p.header(label, 2) for label in OUTCOME_LABELS]
    t.rows.append([
        *(TCell(text, i, rowspan=2) for i, text in enumerate(outcomes)),
        TCell(p.pick(PROCEEDING_LABELS["litigation_direct"]), 5, colspan=5),
        TCell(p.pick(PROCEEDING_LABELS["litigation_after_review"]), 10, colspan=5),
    ])
    t.rows.append([TCell(p.header(label, 2), 5 + i)
                   for i, label in enumerate(OUTCOME_LABELS * 2)])
    t.rows.append([TCell(printed[proc][out], 5 * i + j)
                   for i, proc in enumerate(PROCEEDINGS) for j, out in enumerate(OUTCOMES)])
    if p.style.trailing_row:
        t.rows.append(_trailing_row(width, p.rng))
    return t


# --------------------------------------------------------------------------------------
# Checks (the key's own arithmetic, per the template map)
# --------------------------------------------------------------------------------------


def _verdict(results: list[bool | None]) -> bool | None:
    """Failed when any scope fails, passed when one passes, else unknown."""
    if False in results:
        return False
    return True if True in results else None


def _same(left: list[Any], right: list[Any]) -> bool | None:
    if any(v is None for v in left + right):
        return None
    return abs(sum(left) - sum(right)) <= 1e-6


def key_checks(template: str, applications: dict[str, dict[str, Any]],
               reviews: dict[str, dict[str, Any]]) -> dict[str, bool | None]:
    """The four checks of the contract, from a key's own values."""
    components = ["granted", "partially_granted", *DENIED, *UNABLE, *NOT_PROCESSED, "other"]
    rows = [r for r in KEY_APPLICATION_ROWS[template]]
    balance = [_same([applications["new_received"][c], applications["carried_over"][c]],
                     [applications["total"][c], applications["carried_forward"][c]])
               for c in COLUMNS]
    total_row = [_same([applications[r][c] for r in components], [applications["total"][c]])
                 for c in COLUMNS]
    total_column = [_same([applications[r][c] for c in APPLICANTS], [applications[r]["total"]])
                    for r in rows]
    review = [_same([reviews[p][o] for o in OUTCOMES[:-1]], [reviews[p]["total"]])
              for p in PROCEEDINGS]
    return {
        "applications.balance": _verdict(balance),
        "applications.total_row": _verdict(total_row),
        "applications.total_column": _verdict(total_column),
        "reviews_litigation.total": _verdict(review),
    }


# --------------------------------------------------------------------------------------
# Deliberate errors
# --------------------------------------------------------------------------------------


def _inject_error(rng: random.Random, template: str, apps: Grid, reviews: Grid) -> str | None:
    """Change one printed figure so that at least one check fails; the description."""
    kinds = ["apps_total", "apps_leaf", "apps_total_column", "apps_forward", "reviews_total"]
    rng.shuffle(kinds)
    for kind in kinds:
        table, grid = ("reviews", reviews) if kind == "reviews_total" else ("apps", apps)
        if kind == "reviews_total":
            row, column = rng.choice(PROCEEDINGS), "total"
        elif kind == "apps_total":
            row, column = "total", rng.choice((*COLUMNS[:2], "total"))
        elif kind == "apps_leaf":
            row, column = rng.choice(("granted", "unable.not_held")), rng.choice(COLUMNS[:2])
        elif kind == "apps_total_column":
            row, column = rng.choice(("new_received", "granted", "total")), "total"
        else:
            row, column = "carried_forward", rng.choice(("natural_person", "total"))
        value = grid[row][column]
        if value is None:
            continue
        delta = rng.choice((1, 1, 2, 3, 10, -1))
        if value + delta < 0:
            delta = abs(delta)
        before = key_checks(template, _with_derived(template, apps), reviews)
        grid[row][column] = value + delta
        after = key_checks(template, _with_derived(template, apps), reviews)
        broken = [name for name, verdict in after.items()
                  if verdict is False and before[name] is not False]
        if broken:
            where = f"{'applications' if table == 'apps' else 'reviews_litigation'}"
            return (f"{where}[{row}][{column}] printed {value + delta} instead of {value} "
                    f"(fails {', '.join(broken)})")
        grid[row][column] = value
    return None


def _with_derived(template: str, apps: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The key's rows of 三: in 2021 三(六) is the sum of its three rows (null if any
    is blank), as the contract derives it."""
    if template != "2021":
        return apps
    out = {row: dict(apps[row]) for row in apps}
    out["other"] = {}
    for c in COLUMNS:
        parts = [apps[r][c] for r in OTHER_2021]
        out["other"][c] = None if any(v is None for v in parts) else sum(parts)
    return {row: out[row] for row in KEY_APPLICATION_ROWS[template]}


# --------------------------------------------------------------------------------------
# Blanks
# --------------------------------------------------------------------------------------


def _apply_blanks(style: Style, apps: Grid, reviews: Grid) -> None:
    """Leave cells empty the way real reports do (the key then holds null)."""
    if style.apps_blanks == "total_only":
        for row in apps.values():
            for c in APPLICANTS:
                row[c] = None
    elif style.apps_blanks == "org_blank":
        for c in APPLICANTS[1:]:
            if all(row[c] == 0 for row in apps.values()):
                for row in apps.values():
                    row[c] = None
    elif style.apps_blanks == "zero_blank":
        for row in apps.values():
            for c in COLUMNS:
                if row[c] == 0:
                    row[c] = None
    # Only with a figure left in the row: a table 四 with all fifteen cells blank is read
    # as no facts at all (not as fifteen nulls), so the default corpus leaves it out.
    if style.reviews_blank and any(v for row in reviews.values() for v in row.values()):
        for row in reviews.values():
            for o in OUTCOMES:
                if row[o] == 0:
                    row[o] = None


# --------------------------------------------------------------------------------------
# Narrative sentences written from the tables
# --------------------------------------------------------------------------------------


def _applications_text(rng: random.Random, we: str, year: int,
                       apps: dict[str, dict[str, Any]]) -> str:
    new = apps["new_received"]["total"]
    carried = apps["carried_over"]["total"]
    forward = apps["carried_forward"]["total"]
    if not new and not carried:
        return rng.choice((f"本年度，{we}未收到政府信息公开申请。",
                           f"{year}年度{we}无依申请公开政府信息情况。",
                           "本年度未收到公民、法人或其他组织提出的政府信息公开申请。"))
    text = f"{year}年，{we}共收到政府信息公开申请{new or 0}件"
    if carried:
        text += f"，上年结转{carried}件"
    if forward:
        text += f"，结转下年度继续办理{forward}件，其余均已在法定期限内答复。"
    else:
        text += rng.choice(("，均已在法定期限内办结答复。", "，已全部按期答复。"))
    return text


def _reviews_text(rng: random.Random, we: str, year: int,
                  reviews: dict[str, dict[str, Any]]) -> str:
    review = reviews["admin_review"]["total"] or 0
    suits = (reviews["litigation_direct"]["total"] or 0) + (
        reviews["litigation_after_review"]["total"] or 0)
    if not review and not suits:
        return rng.choice((
            "本年度未发生因政府信息公开引起的行政复议、行政诉讼案件。",
            f"{year}年，{we}未发生涉及政府信息公开的行政复议和行政诉讼。",
            f"{year}年度，{we}没有因政府信息公开被申请行政复议或提起行政诉讼的情况。"))
    return f"{year}年，{we}因政府信息公开被申请行政复议{review}件，被提起行政诉讼{suits}件。"


def _preamble(template: str, year: int, org: str) -> str:
    letter = "国办公开办函〔2019〕60号" if template == "2019" else "国办公开办函〔2021〕30号"
    return (f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅"
            f"政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉"
            f"的通知》（{letter}）要求，由{org}编制。本报告所列数据的统计期限自{year}年1月1日起"
            f"至{year}年12月31日止。")


def _cn_date(d: date) -> str:
    """二〇二一年一月二十日, as official documents date themselves."""
    digits = "〇一二三四五六七八九"
    year = "".join(digits[int(ch)] for ch in str(d.year))

    def small(n: int) -> str:
        if n < 10:
            return CN_NUMERALS[n - 1]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_NUMERALS[tens - 1]) + "十" + (
            CN_NUMERALS[ones - 1] if ones else "")

    return f"{year}年{small(d.month)}月{small(d.day)}日"


# --------------------------------------------------------------------------------------
# One report
# --------------------------------------------------------------------------------------


@dataclass
class SynthReport:
    """One synthetic report: its document model, its answer key, its file name."""

    stem: str
    fmt: str
    document: SynthDocument
    key: dict[str, Any]
    overview: str = ""  # the 总体情况 text, so another report can copy it

    @property
    def filename(self) -> str:
        return f"{self.stem}.{self.fmt}"


@dataclass
class _Outline:
    """Paragraphs and tables in order, and the section each paragraph belongs to."""

    blocks: list[Para | TableBlock] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    def heading(self, text: str, section: str) -> None:
        self.blocks.append(Para(text, "heading"))
        self._enter(section)

    def text(self, text: str, section: str) -> None:
        lines = [line for line in text.split("\n") if line.strip()]
        self.blocks.extend(Para(line) for line in lines)
        if lines:
            self._enter(section)

    def tables(self, tables: Sequence[TableBlock]) -> None:
        self.blocks.extend(tables)

    def _enter(self, section: str) -> None:
        if section not in self.sections:
            self.sections.append(section)


def _numeral(i: int) -> str:
    return CN_NUMERALS[i] if i < len(CN_NUMERALS) else str(i + 1)


def _heading(rng: random.Random, section: str, number: str | None, variants: bool) -> str:
    """A section heading: the form's wording or another, numbered or not."""
    options = SECTION_HEADINGS[section]
    wording, bare_ok = options[0]
    if variants and rng.random() < 0.5:
        wording, bare_ok = rng.choice(options)
    if number is None and not bare_ok:
        number = "一、"
    return wording if number is None else f"{number}{wording}"


def _overview_measures(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Split the narrative's overview into its opening and (headline, body) measures, for
    reports that print each measure under its own top-level heading."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    measures: list[tuple[str, str]] = []
    for paragraph in paragraphs[1:]:
        body = re.sub(r"^(?:（[一二三四五六七八九十]+）|[一二三四五六七八九十]+是)", "", paragraph)
        headline, _, rest = body.partition("。")
        measures.append((headline, rest))
    return paragraphs[0], measures


def _standard_outline(rng: random.Random, outline: _Outline, texts: dict[str, str],
                      tables: dict[str, list[TableBlock]], numbering: str, variants: bool,
                      has_other: bool, notes: list[str]) -> None:
    """Sections 一…六 in the form's order, each table under its own heading (after a
    sentence or two, sometimes); numbered as the form does, or not quite."""
    order = ["overview", "active_disclosure", "applications", "reviews_litigation",
             "problems", *(["other_matters"] if has_other else [])]
    numbers: list[str | None] = [f"{_numeral(i)}、" for i in range(len(order))]
    if numbering == "partly_bare":
        for i in rng.sample(range(1, len(order)), rng.randint(1, 3)):
            numbers[i] = None
        notes.append("some headings unnumbered")
    elif numbering == "arabic_last":
        numbers[-1] = f"{len(order)}、"
        notes.append("last heading numbered in Arabic")
    elif numbering == "misnumbered":
        k = rng.randint(2, len(order) - 1)
        numbers[k] = numbers[k - 1]
        for i in range(k + 1, len(order)):
            numbers[i] = f"{_numeral(i - 1)}、"
        notes.append(f"headings misnumbered ({numbers[k]} twice)")
    lead = {"active_disclosure": 0.5, "applications": 0.5, "reviews_litigation": 0.35}
    for section, number in zip(order, numbers, strict=True):
        outline.heading(_heading(rng, section, number, variants), section)
        if section in tables:
            if rng.random() < lead[section]:
                outline.text(texts[section], section)
            outline.tables(tables[section])
        else:
            outline.text(texts[section], section)


def _narrative_before_appendix(rng: random.Random, outline: _Outline, texts: dict[str, str],
                               numbering: str, variants: bool, has_other: bool,
                               notes: list[str]) -> None:
    """The narrative of a report whose tables follow in an appendix: 总体情况 and the
    problems, or (like seed 002) an untitled opening, each measure under a top-level
    heading of its own, then the problems, perhaps under a repeated number."""
    notes.append("tables in an appendix after the narrative")
    opening, measures = _overview_measures(texts["overview"])
    if rng.random() < 0.5 and measures:
        notes.append("free-form overview: measures under top-level headings")
        outline.text(opening, "preamble")
        for i, (headline, rest) in enumerate(measures):
            outline.heading(f"{_numeral(i)}、{headline}", "overview")
            outline.text(rest, "overview")
        number = len(measures) - 1 if numbering == "misnumbered" else len(measures)
        if number != len(measures):
            notes.append("problems heading repeats the previous number")
    else:
        outline.heading(_heading(rng, "overview", "一、", variants), "overview")
        outline.text(texts["overview"], "overview")
        number = 1
    outline.heading(_heading(rng, "problems", f"{_numeral(number)}、", variants), "problems")
    outline.text(texts["problems"], "problems")
    if has_other:
        outline.heading(_heading(rng, "other_matters", f"{_numeral(number + 1)}、", variants),
                        "other_matters")
        outline.text(texts["other_matters"], "other_matters")


def _signature(rng: random.Random, year: int, government: str) -> tuple[date | None, list[Para]]:
    """The body and the date of issue under the text, when the report prints them (early
    the next year, now and then on 31 December; sometimes in Chinese numerals)."""
    if rng.random() >= 0.45:
        return None, []
    published = date(year + 1, rng.choice((1, 1, 1, 2, 3)), rng.randint(1, 28))
    if rng.random() < 0.1:
        published = date(year, 12, 31)
    when = _cn_date(published) if rng.random() < 0.25 else (
        f"{published.year}年{published.month}月{published.day}日")
    return published, [Para(government, "signature"), Para(when, "signature")]


def _appendix(rng: random.Random, outline: _Outline, tables: dict[str, list[TableBlock]],
              variants: bool, name_year: str, notes: list[str]) -> None:
    """The tables after an 附件 heading, under headings numbered afresh (一、二、三、),
    or with no headings of their own."""
    outline.heading(rng.choice(("附件：政府信息公开工作年度报告统计表",
                                "附件：政府信息公开工作年度报告数据表",
                                f"附件1：{name_year}年政府信息公开情况统计表")), "appendix")
    bare = rng.random() < BARE_APPENDIX
    if bare:
        notes.append("appendix tables without headings of their own")
    for j, section in enumerate(("active_disclosure", "applications", "reviews_litigation")):
        if not bare:
            outline.heading(_heading(rng, section, f"{_numeral(j)}、", variants), section)
        outline.tables(tables[section])


def synth_report(rng: random.Random, index: int, *, fmt: str = "txt", stem: str | None = None,
                 error_share: float = 0.05,
                 copy_of: tuple[str, str] | None = None) -> SynthReport:
    """One report (document model and key), every choice drawn from ``rng``.

    ``fmt`` is the format it will be written in (the key's ``source`` names the file, and
    a text export may carry the exporter's bookmark artefact); ``error_share`` is the
    chance of a deliberate arithmetic error. ``copy_of`` = (stem, overview text) makes this
    report's 总体情况 a copy of that one with a few words changed, as bodies do; the key
    records it in ``copied_from``.
    """
    places = load_places()
    stem = stem or f"synth_{index:06d}"
    town = rng.choice(places.eligible)
    year = rng.choice(YEARS)
    template = "2019" if year <= 2020 else "2021"
    if year == 2020 and rng.random() < EARLY_2021_FORM:
        template = "2021"
    style = Style.draw(rng)
    p = _Printer(rng, style)
    notes: list[str] = []

    unit = "街道" if town.name.endswith("街道") else town.name[-1]
    government = f"{town.name}办事处" if unit == "街道" else f"{town.name}人民政府"
    body = Body(name=government, short=town.name, county=town.county)
    we = f"我{unit}"

    # Figures, blanks, a deliberate error, then the printed cells.
    apps = application_figures(rng, template)
    reviews = review_figures(rng)
    errors: list[str] = []
    wants_error = rng.random() < error_share
    if not wants_error:
        _apply_blanks(style, apps, reviews)
    else:
        style.apps_blanks, style.reviews_blank = "full", False
        described = _inject_error(rng, template, apps, reviews)
        if described:
            errors.append(described)
    apps_printed = {row: {c: p.count(v) for c, v in cells.items()} for row, cells in apps.items()}
    reviews_printed = {proc: {o: p.count(v) for o, v in cells.items()}
                       for proc, cells in reviews.items()}
    active_raw: dict[str, dict[str, str]] = {}
    active_values: dict[str, dict[str, Any]] = {}
    tables = {
        "active_disclosure": active_table(p, template, active_figures(rng, template),
                                          active_raw, active_values),
        "applications": [applications_table(p, template, apps_printed)],
        "reviews_litigation": [reviews_table(p, reviews_printed)],
    }

    # Narrative.
    texts, _facts = report_narrative(body, year, rng)
    # A county-level city makes the bank's "省、市、{县}" read "省、市、市".
    texts = {k: v.replace("省、市、市", "省、市") for k, v in texts.items()}
    texts["applications"] = _applications_text(rng, we, year, apps)
    texts["reviews_litigation"] = _reviews_text(rng, we, year, reviews)
    texts["active_disclosure"] = "".join(
        s for s in re.split(r"(?<=。)", texts["active_disclosure"]) if "规范性文件" not in s)
    if copy_of is not None:
        texts["overview"] = mutate(copy_of[1], 4, rng)
        notes.append(f"总体情况 copied from {copy_of[0]} with a few words changed")

    # Outline: standard order, or narrative first and the tables in an appendix.
    outline = _Outline()
    layout = rng.choices(("standard", "appendix"), weights=(85, 15))[0]
    if copy_of is not None:  # a copied 总体情况 keeps its place, so the copy is visible
        layout = "standard"
    numbering = rng.choices(("numbered", "partly_bare", "arabic_last", "misnumbered"),
                            weights=(70, 10, 8, 12))[0]
    variants = rng.random() < 0.25
    if rng.random() < 0.35 or (layout == "appendix" and rng.random() < 0.5):
        outline.text(_preamble(template, year, government), "preamble")
        notes.append("opens with an unheaded preamble")
    has_other = rng.random() > 0.1
    if layout == "standard":
        _standard_outline(rng, outline, texts, tables, numbering, variants, has_other, notes)
    else:
        _narrative_before_appendix(rng, outline, texts, numbering, variants, has_other, notes)
    published, signature = _signature(rng, year, government)
    outline.blocks.extend(signature)
    if layout == "appendix":
        _appendix(rng, outline, tables, variants, f"{town.name}{year}", notes)

    # Title (chosen last: a title naming only the township must still determine it).
    body_text = "\n".join(_block_texts(outline.blocks))
    org, stated, title_blocks = _title(rng, town, government, year, body_text, places)
    blocks: list[Para | TableBlock] = [*title_blocks, *outline.blocks]
    if fmt == "txt" and rng.random() < 0.15:
        blocks = _with_bookmark(rng, blocks, active_raw)
        notes.append("text export carries a [bookmark: _GoBack] artefact")
    all_text = "\n".join(_block_texts(blocks))
    unit_found = determined_unit(places, _written_township(org, town), stated, all_text)
    if unit_found is None or unit_found.code != town.code:
        raise AssertionError(f"{org}: the document does not determine {town}")

    key_apps = _with_derived(template, apps)
    key_reviews = {proc: dict(cells) for proc, cells in reviews.items()}
    county = town.county if town.county in all_text else None
    city = (town.city if town.city not in PLACEHOLDER_CITIES and town.city in all_text
            else None)
    province = town.province if town.province in all_text else None
    if template == "2021" and year == 2020:
        notes.append("a 2020 report already on the 2021 form")
    notes.append(f"value whitespace {style.value_ws}; blanks {style.apps_blanks} "
                 f"(blank cell {style.blank!r})")
    key: dict[str, Any] = {
        "source": f"{stem}.{fmt}",
        "report_year": year,
        "template": template,
        "org_name": org,
        "township": town.name,
        "county": county,
        "city": city,
        "province": province,
        "admin_code": town.admin_code,
        "body_level": "township",
        "published_date": published.isoformat() if published else None,
        "active_disclosure": active_values,
        "active_disclosure_raw": active_raw,
        "applications": key_apps,
        "reviews_litigation": key_reviews,
        "checks": key_checks(template, key_apps, key_reviews),
        "sections": list(outline.sections),
        "deliberate_errors": errors,
        "notes": "; ".join(notes) + ".",
    }
    site = f"{town.county}人民政府" if county else "政府信息公开专栏"
    title_text = "".join(b.text for b in title_blocks if b.role == "title")
    notes.insert(0, f"title {title_text!r}")
    document = SynthDocument(title=title_text, blocks=blocks, site=site,
                             published=published or date(year + 1, 1, 20), author=government)
    key["copied_from"] = copy_of[0] if copy_of else None
    whole = not any(n.startswith("free-form overview") for n in notes)
    return SynthReport(stem=stem, fmt=fmt, document=document, key=key,
                       overview=texts["overview"] if whole else "")


def _block_texts(blocks: Sequence[Para | TableBlock]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Para):
            out.append(block.text)
        else:
            out.extend(cell.text for row in block.rows for cell in row)
    return out


def _written_township(org: str, town: Township) -> str:
    """The township as the body name writes it (X街道办事处 is looked up as such)."""
    return f"{town.name}办事处" if org.endswith(f"{town.name}办事处") else town.name


def _title(rng: random.Random, town: Township, government: str, year: int, body_text: str,
           places: Places) -> tuple[str, list[str], list[Para]]:
    """(body name as the title writes it, higher names it states, title paragraphs).

    A title naming only the township is used only when that, with the rest of the text,
    determines the unit; otherwise the county goes in front, as many reports do anyway.
    """
    form = rng.choices(("town", "government", "county", "city"), weights=(45, 20, 28, 7))[0]
    if form == "city" and town.city in PLACEHOLDER_CITIES:
        form = "county"
    org = {"town": town.name, "government": government,
           "county": town.county + town.name,
           "city": town.city + town.county + town.name}[form]
    stated = {"town": [], "government": [], "county": [town.county],
              "city": [town.city, town.county]}[form]
    if not stated:
        found = determined_unit(places, _written_township(org, town), [], org + body_text)
        if found is None or found.code != town.code:
            org, stated = town.county + town.name, [town.county]
    pattern = rng.choices(("{org}{y}年度政府信息公开工作年度报告",
                           "{org}{y}年政府信息公开工作年度报告",
                           "{org}{y}年度政府信息公开年度报告",
                           "{org}关于{y}年度政府信息公开工作的年度报告",
                           "{y}年{org}政府信息公开工作年度报告", "two_lines",
                           "{org}政府信息公开工作年度报告（{y}年度）"),
                          weights=(35, 30, 8, 5, 7, 15, 100 * TITLE_YEAR_AFTER))[0]
    if (pattern.startswith("{y}") or "（{y}" in pattern) and org.endswith("政府"):
        pattern = "{org}{y}年度政府信息公开工作年度报告"
    if pattern == "two_lines":
        second = rng.choice((f"{year}年政府信息公开工作年度报告",
                             f"{year}年度政府信息公开工作年度报告"))
        return org, stated, [Para(org, "title"), Para("", "blank"), Para(second, "title")]
    return org, stated, [Para(pattern.format(org=org, y=year), "title")]


def _with_bookmark(rng: random.Random, blocks: list[Para | TableBlock],
                   active_raw: dict[str, dict[str, str]]) -> list[Para | TableBlock]:
    """Put the exporter's ``[bookmark: _GoBack]`` before a heading or into a value cell of
    table 二 (as seeds 000 and 004 have it)."""
    if rng.random() < 0.6:
        headings = [i for i, b in enumerate(blocks) if isinstance(b, Para) and b.role == "heading"]
        i = rng.choice(headings)
        para = blocks[i]
        assert isinstance(para, Para)
        return [*blocks[:i], Para(BOOKMARK + para.text, para.role), *blocks[i + 1:]]
    table_index = next(i for i, b in enumerate(blocks) if isinstance(b, TableBlock)
                       and any("第二十条" in c.text for row in b.rows for c in row))
    table = blocks[table_index]
    assert isinstance(table, TableBlock)
    first_item = next(iter(active_raw))
    first_metric = next(iter(active_raw[first_item]))
    rows = []
    done = False
    for row in table.rows:
        new_row = row
        if not done and len(row) > 1 and row[0].text.strip() and row[1].text == (
                active_raw[first_item][first_metric]) and "信息内容" not in row[0].text:
            new_row = [row[0], TCell(BOOKMARK + row[1].text, row[1].col, row[1].rowspan,
                                     row[1].colspan), *row[2:]]
            active_raw[first_item][first_metric] = BOOKMARK + row[1].text
            done = True
        rows.append(new_row)
    out = list(blocks)
    out[table_index] = TableBlock(table.width, rows)
    return out


# --------------------------------------------------------------------------------------
# A corpus
# --------------------------------------------------------------------------------------


def report_rng(seed: int, index: int) -> random.Random:
    """The generator of report ``index`` in corpus ``seed`` (independent of the corpus
    size, so a larger corpus extends a smaller one)."""
    return random.Random(f"gongkai-synth:{seed}:{index}")


COPY_SHARE = 0.05  # reports whose 总体情况 is copied from another's
PDF_BATCH = 25  # PDFs printed per LibreOffice run
MAX_COPY_SOURCES = 500  # earlier reports kept as possible sources (memory stays flat)


def write_corpus(n: int, out: Path, formats: Sequence[str] = ("txt",), seed: int = 0,
                 error_share: float = 0.05, workers: int | None = None,
                 copy_share: float = COPY_SHARE) -> list[Path]:
    """Write ``n`` reports to ``out/reports`` and their keys to ``out/keys``.

    Report ``i`` is written as ``formats[i % len(formats)]`` with the stem
    ``synth_{seed}_{i:06d}``. Returns the report paths. Raises :class:`RenderError`
    before writing anything when a format cannot be made here (pdf without LibreOffice).
    PDFs are converted ``workers`` at a time (default: the CPU count, at most 4), since
    each LibreOffice run takes seconds; the files do not depend on the order. A share
    ``copy_share`` of the reports copies an earlier report's 总体情况 (key: copied_from).
    """
    formats = tuple(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {formats}")
    if "pdf" in formats and not pdf_available():
        raise RenderError("pdf needs LibreOffice (soffice), which is not installed")
    reports_dir, keys_dir = Path(out) / "reports", Path(out) / "keys"
    reports_dir.mkdir(parents=True, exist_ok=True)
    keys_dir.mkdir(parents=True, exist_ok=True)
    workers = workers or min(4, os.cpu_count() or 1)
    paths: list[Path] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: list[Future[None]] = []
        pdf_batch: list[tuple[Path, SynthDocument]] = []
        overviews: dict[str, str] = {}
        for i in range(n):
            fmt = formats[i % len(formats)]
            rng = report_rng(seed, i)
            copy_of = None
            if overviews and rng.random() < copy_share:
                source = rng.choice(sorted(overviews))
                copy_of = (source, overviews[source])
            report = synth_report(rng, i, fmt=fmt, stem=f"synth_{seed}_{i:06d}",
                                  error_share=error_share, copy_of=copy_of)
            if copy_of is None and report.overview and len(overviews) < MAX_COPY_SOURCES:
                overviews[report.stem] = report.overview
            path = reports_dir / report.filename
            if fmt == "pdf":
                pdf_batch.append((path, report.document))
                if len(pdf_batch) >= PDF_BATCH:
                    pending.append(pool.submit(_write_pdfs, pdf_batch))
                    pdf_batch = []
                if len(pending) >= 2 * workers:  # keep memory flat on large corpora
                    pending.pop(0).result()
            else:
                _write_rendered(path, report.document, fmt)
            (keys_dir / f"{report.stem}.json").write_text(
                json.dumps(report.key, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            paths.append(path)
        if pdf_batch:
            pending.append(pool.submit(_write_pdfs, pdf_batch))
        for future in pending:
            future.result()
    return paths


def _write_pdfs(batch: list[tuple[Path, SynthDocument]]) -> None:
    for (path, _), pdf in zip(batch, render_pdfs([doc for _, doc in batch]), strict=True):
        path.write_bytes(pdf)


def _write_rendered(path: Path, document: SynthDocument, fmt: str) -> None:
    path.write_bytes(render(document, fmt))


def add_synth_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gongkai synth`` (shared by the CLI and ``python -m``)."""
    parser.add_argument("--n", type=int, default=100, help="number of reports (default 100)")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder; reports go to OUT/reports, keys to OUT/keys")
    parser.add_argument("--formats", default="txt",
                        help=f"comma-separated, from {','.join(FORMATS)} (default txt); "
                             "report i gets formats[i %% len(formats)]")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--error-share", type=float, default=0.05,
                        help="share of reports with a deliberate arithmetic error")


def run_synth(args: argparse.Namespace) -> int:
    """``gongkai synth``: write the corpus; pdf is skipped, with a message, when
    LibreOffice is missing."""
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if "pdf" in formats and not pdf_available():
        print("gongkai synth: pdf needs LibreOffice (soffice), which is not installed; "
              "writing the other formats only", file=sys.stderr)
        formats = [f for f in formats if f != "pdf"]
        if not formats:
            return 2
    try:
        paths = write_corpus(args.n, args.out, formats, args.seed, args.error_share)
    except (RenderError, ValueError) as exc:
        print(f"gongkai synth: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(paths)} reports to {args.out / 'reports'} and their keys to "
          f"{args.out / 'keys'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gongkai synth",
                                 description="write synthetic annual reports with answer keys")
    add_synth_arguments(ap)
    return run_synth(ap.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
