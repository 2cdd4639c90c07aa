"""Facts stated in the prose that the tables lack, each with the sentence it came from.

Researchers ask for three: the number of items proactively disclosed ('共公开政府信息
1800条'), the contact telephone, and the 信息处理费 charged (section 六 of the 2021
template's guidance). The patterns are data, in the template map's ``narrative.facts``;
this module only applies them sentence by sentence and turns what they capture into
values. A report may state a fact more than once (a total, then per channel); every
statement is kept, and ``is_primary`` marks the one a comparison should use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from transform.template_map import load_template_map
from transform.vocabulary import fold_width

SENTENCE = re.compile(r"[^。！？；;!?\n]+[。！？；;!?]?")
SPACES = re.compile(r"\s+")
YUAN_PER_10K = 10000.0


@dataclass(frozen=True)
class FactPattern:
    code: str
    unit: str | None
    patterns: tuple[re.Pattern[str], ...]
    context: re.Pattern[str] | None


@lru_cache(maxsize=1)
def fact_patterns() -> tuple[FactPattern, ...]:
    return tuple(
        FactPattern(
            code=f["code"], unit=f.get("unit"),
            patterns=tuple(re.compile(p) for p in f["patterns"]),
            context=re.compile(f["context"]) if f.get("context") else None,
        )
        for f in load_template_map().narrative["facts"])


def sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in SENTENCE.finditer(text) if m.group(0).strip()]


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _phone(text: str) -> str:
    """Area code and number joined by a hyphen, as most reports print it."""
    text = re.sub(r"[－—–]", "-", text)
    bracketed = re.match(r"^[(（](0\d{2,3})[)）](.*)$", text)
    if bracketed:
        text = f"{bracketed.group(1)}-{bracketed.group(2)}"
    return text


def _read(pattern: FactPattern, match: re.Match[str]) -> dict[str, Any]:
    groups = {k: v for k, v in match.groupdict().items() if v}
    fact: dict[str, Any] = {"value": None, "unit": pattern.unit, "text": match.group(0),
                            "approximate": any(k.startswith("approx") for k in groups),
                            "total": "total" in groups}
    if pattern.code == "contact_phone":
        fact["text"] = _phone(groups["phone"])
    elif "zero" in groups:
        fact["value"] = 0.0
    elif "n" in groups:
        value = _number(groups["n"])
        if groups.get("unit") == "元":
            value /= YUAN_PER_10K
        fact["value"] = value
    return fact


Statement = tuple[str, tuple[tuple[str, Any], ...]]


@lru_cache(maxsize=4096)
def _statements(sentence: str) -> tuple[Statement, ...]:
    """(fact code, fields) of every statement in one sentence, in pattern order.

    Memoised on the sentence: reports repeat their boilerplate sentences word for word,
    and the fields are plain values, so the rows built from them are fresh each time.
    """
    folded = SPACES.sub("", fold_width(sentence))
    found: list[Statement] = []
    for pattern in fact_patterns():
        if pattern.context and not pattern.context.search(folded):
            continue
        seen: set[tuple[int, int]] = set()
        for regex in pattern.patterns:
            for match in regex.finditer(folded):
                if any(s < match.end() and match.start() < e for s, e in seen):
                    continue
                seen.add(match.span())
                found.append((pattern.code, tuple(_read(pattern, match).items())))
    return tuple(found)


def extract_facts(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``narrative_facts`` for one report's sections (in document order)."""
    rows: list[dict[str, Any]] = []
    for section in sections:
        for sentence in sentences(section["text"]):
            for code, fields in _statements(sentence):
                rows.append({"fact": code, "section": section["section"],
                             "sentence": sentence, **dict(fields)})
    return _number_and_pick(rows)


def _number_and_pick(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ordinal per fact, duplicates of one phone dropped, and the primary statement marked:
    the first stated total, else the first statement."""
    out: list[dict[str, Any]] = []
    by_fact: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        same = by_fact.setdefault(row["fact"], [])
        if row["fact"] == "contact_phone" and any(r["text"] == row["text"] for r in same):
            continue
        row["ordinal"] = len(same)
        same.append(row)
        out.append(row)
    for same in by_fact.values():
        if same[0]["fact"] == "contact_phone":
            chosen = same[0]
        else:
            chosen = next((r for r in same if r["total"]), same[0])
        for row in same:
            row["is_primary"] = row is chosen
    for row in out:
        del row["total"]
    return out
