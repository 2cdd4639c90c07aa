"""Where a reporting body sits: names from the document, codes from the gazetteer.

Township names repeat across China (three 孟庄镇), so a name alone rarely settles a code.
The body's own name is read first (市中区孟庄镇 names a county and a township); if more
than one township still fits, county, city and province names found anywhere in the text
narrow it down, but only names of places that actually contain a candidate are looked
for, which keeps unrelated mentions from interfering. When the candidates still differ,
the code stays null: a wrong code is worse than none.

The name columns (township, county, city, province) hold what the document itself states,
checked against the gazetteer; the code is what the gazetteer says for that combination.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GAZETTEER_DIR = Path(__file__).resolve().parents[1] / "data" / "gazetteer"
TOWNSHIP_SUFFIXES = ("街道办事处", "街道", "镇", "乡", "苏木", "办事处")
GOVERNMENT_SUFFIXES = ("人民政府", "政府")
# Names of counties that are also ordinary words: never taken as clues from free text.
GENERIC_NAMES = {"市辖区", "城区", "郊区", "矿区", "新区", "开发区", "高新区", "经济开发区"}
TRAILING_TOWNSHIP = re.compile(r"([^省市县区旗州盟]{1,12}?(?:街道办事处|街道|镇|乡|苏木))$")
DEPARTMENT_WORDS = re.compile(
    r"(局|委员会|委|办公室|办|中心|厅|署|所|院|队|站|馆|处|公司|集团|银行|大学|学院|学校|医院|"
    r"管理委员会|管委会|事务|监管|党校|法院|检察院|公安|税务|海关|人社|卫健|教育|财政|交通|"
    r"水利|农业|商务|文旅|应急|审计|统计|医保|市场|自然资源|生态环境|住建|城管|民政|司法)"
)


@dataclass(frozen=True)
class Unit:
    code: str  # 2, 4, 6 or 9 digits
    name: str
    level: str  # province | city | county | township
    parent: str | None


@dataclass(frozen=True)
class Place:
    township: str | None = None
    county: str | None = None
    city: str | None = None
    province: str | None = None
    admin_code: str | None = None
    body_level: str = "other"
    ambiguous: bool = False
    candidates: int = 0


class Gazetteer:
    """The division codes, indexed by name and by code."""

    def __init__(self, directory: Path = GAZETTEER_DIR) -> None:
        self.units: dict[str, Unit] = {}
        self.by_name: dict[str, list[Unit]] = {}
        self._load(directory / "provinces.csv", "province", None)
        self._load(directory / "cities.csv", "city", "provinceCode")
        self._load(directory / "areas.csv", "county", "cityCode")
        self._load(directory / "streets.csv", "township", "areaCode")
        self.township_names = sorted(
            {u.name for u in self.units.values() if u.level == "township"}, key=len, reverse=True)
        self.children: dict[str, list[Unit]] = {}
        for unit in self.units.values():
            if unit.parent:
                self.children.setdefault(unit.parent, []).append(unit)

    def _load(self, path: Path, level: str, parent_col: str | None) -> None:
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                parent = row[parent_col] if parent_col else None
                unit = Unit(row["code"], row["name"], level, parent)
                self.units[unit.code] = unit
                for name in _aliases(unit):
                    self.by_name.setdefault(name, []).append(unit)

    def ancestors(self, unit: Unit) -> list[Unit]:
        chain: list[Unit] = []
        parent = unit.parent
        while parent and parent in self.units:
            chain.append(self.units[parent])
            parent = self.units[parent].parent
        return chain

    def named(self, name: str, level: str | None = None) -> list[Unit]:
        units = self.by_name.get(name, [])
        return [u for u in units if level is None or u.level == level]


def _aliases(unit: Unit) -> list[str]:
    """Names a document may use for a unit: the official one, and 街道 ↔ 街道办事处."""
    names = [unit.name]
    if unit.level == "township" and unit.name.endswith("街道"):
        names.append(unit.name + "办事处")
    if unit.level == "city" and unit.name in ("市辖区", "县"):
        return []
    return names


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    return Gazetteer()


def strip_government(name: str) -> str:
    for suffix in GOVERNMENT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _split_name(org: str, gaz: Gazetteer) -> list[str]:
    """Split a body name into gazetteer names from the left, longest match first.

    Matching stops at the first stretch that is no known name: what follows is the rest
    of that unknown name (幸福新镇 must not be read as 幸 + 福新镇) or the body's own
    title (教育局).
    """
    parts: list[str] = []
    i = 0
    while i < len(org):
        for j in range(min(len(org), i + 12), i + 1, -1):
            if org[i:j] in gaz.by_name:
                parts.append(org[i:j])
                i = j
                break
        else:
            parts.append(org[i:])
            break
    return parts


def resolve_place(org_name: str | None, text: str, gaz: Gazetteer | None = None) -> Place:
    """Township/county/city/province names, admin code and body level for a body."""
    gaz = gaz or load_gazetteer()
    org = strip_government(re.sub(r"\s+", "", org_name or ""))
    parts = [p for p in _split_name(org, gaz) if p in gaz.by_name]
    named_units = {p: gaz.named(p) for p in parts}
    rest = org
    for p in parts:
        rest = rest.replace(p, "", 1)
    township_name = next((p for p in reversed(parts) if gaz.named(p, "township")), None)
    if township_name and (org.endswith(township_name) or not rest.strip()):
        return _resolve_township(township_name, parts, text, gaz)
    level = _body_level(org, rest, parts, named_units, gaz)
    if level == "township":  # a township the gazetteer does not know (new, renamed, typo)
        written = TRAILING_TOWNSHIP.search(rest or org)
        higher = _resolve_higher("county", parts, text, gaz, None)
        return Place(township=written.group(1) if written else None, county=higher.county,
                     city=higher.city, province=higher.province, body_level="township",
                     ambiguous=True)
    return _resolve_higher(level, parts, text, gaz, township_name)


def _body_level(org: str, rest: str, parts: list[str], named: dict[str, list[Unit]],
                gaz: Gazetteer) -> str:
    if rest and DEPARTMENT_WORDS.search(rest):
        return "department"
    if org.endswith(TOWNSHIP_SUFFIXES):
        return "township"
    if not parts:
        return "other"
    last = named[parts[-1]]
    levels = {u.level for u in last}
    for level in ("county", "city", "province"):
        if levels == {level}:
            return level
    if "county" in levels and "city" in levels:
        return "county" if len(parts) > 1 else "city"
    return next((lv for lv in ("county", "city", "province") if lv in levels), "other")


def _consistent(unit: Unit, stated: list[str], gaz: Gazetteer) -> bool:
    """True when every place named alongside the unit is one of its ancestors."""
    ancestor_names = {a.name for a in gaz.ancestors(unit)}
    return all(name in ancestor_names for name in stated)


def _text_clues(candidates: list[Unit], text: str, gaz: Gazetteer) -> list[Unit]:
    """Narrow candidates by the names of their own ancestors found in the text."""
    scored: list[tuple[int, Unit]] = []
    for unit in candidates:
        hits = sum(1 for a in gaz.ancestors(unit)
                   if a.name not in GENERIC_NAMES and len(a.name) >= 2 and a.name in text)
        scored.append((hits, unit))
    best = max(h for h, _ in scored)
    return [u for h, u in scored if h == best] if best > 0 else candidates


def _names_for(unit: Unit, stated_text: str, gaz: Gazetteer) -> dict[str, str | None]:
    """The ancestor names that the document itself states."""
    names: dict[str, str | None] = {"county": None, "city": None, "province": None}
    for anc in gaz.ancestors(unit):
        if anc.level in names and anc.name in stated_text:
            names[anc.level] = anc.name
    return names


def _resolve_township(written: str, parts: list[str], text: str, gaz: Gazetteer) -> Place:
    """A township body: the official name once resolved (某某街道办事处 → 某某街道)."""
    stated = [p for p in parts if p != written]
    name = written.removesuffix("办事处") if written.endswith("街道办事处") else written
    candidates = [u for u in gaz.named(written, "township") if _consistent(u, stated, gaz)]
    if not candidates:
        return Place(township=name, body_level="township", ambiguous=True)
    if len(candidates) > 1:
        candidates = _text_clues(candidates, text, gaz)
    if len(candidates) > 1:
        return Place(township=name, body_level="township", ambiguous=True,
                     candidates=len(candidates), **_common_names(candidates, text, gaz))
    unit = candidates[0]
    return Place(township=unit.name, admin_code=unit.code + "000", body_level="township",
                 candidates=1, **_names_for(unit, "".join(parts) + text, gaz))


def _common_names(candidates: list[Unit], text: str, gaz: Gazetteer) -> dict[str, str | None]:
    names = [_names_for(u, text, gaz) for u in candidates]
    return {k: names[0][k] if all(n[k] == names[0][k] for n in names) else None
            for k in ("county", "city", "province")}


def _resolve_higher(level: str, parts: list[str], text: str, gaz: Gazetteer,
                    township: str | None) -> Place:
    """Counties, cities, provinces and their departments: the deepest unit named."""
    target_levels = ("county", "city", "province")
    for part in reversed(parts):
        units = [u for u in gaz.named(part) if u.level in target_levels]
        if not units:
            continue
        stated = [p for p in parts if p != part]
        units = [u for u in units if _consistent(u, stated, gaz)] or units
        if len(units) > 1:
            units = _text_clues(units, text, gaz)
        names: dict[str, str | None] = {"county": None, "city": None, "province": None}
        if len(units) == 1:
            unit = units[0]
            names = _names_for(unit, "".join(parts), gaz)
            names[unit.level] = unit.name
            code = (unit.code + "0" * 12)[:12]
            return Place(admin_code=code, body_level=level, candidates=1, **names)
        names[units[0].level] = part
        return Place(body_level=level, ambiguous=True, candidates=len(units), **names)
    return Place(township=township, body_level=level)
