"""One report, many copies: mark all but one copy with ``reports.duplicate_of``.

Portals post the same report as an HTML page and as a PDF or Word attachment, and a body
may publish it on two sites. Comparisons must count each body-year once, so copies are
found and all but one point to the one to use.

The rule (also in the data dictionary):

1. Only reports of the same body (same ``admin_code`` for a government of a division,
   else the same ``org_name``) and the same ``report_year`` can be copies.
2. With tables: same template, every fact both copies printed has the same value, and
   they share at least 90 % of the facts of the smaller one (and at least 10).
   Without tables (a narrative-only report): their narratives are at least 90 % alike
   (Jaccard of 5-character shingles).
3. Of a group of copies, the one to use is the best read: parse_status ok before
   partial, more facts, fewer problems, then by format (docx, doc, pdf, html, txt, …),
   then by report_id. Every other copy gets its report_id in ``duplicate_of``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

from transform.reuse import comparable_text, jaccard, shingles

FACT_TABLES = {"active_disclosure": ("item", "metric"), "applications": ("row", "applicant"),
               "reviews_litigation": ("proceeding", "outcome")}
MIN_SHARED_FACTS = 10
SHARED_SHARE = 0.9
NARRATIVE_SIMILARITY = 0.9
FORMAT_ORDER = ("docx", "doc", "odt", "pdf", "html", "txt", "rtf", "image")
GOVERNMENT_LEVELS = ("township", "county", "city", "province")


def body_key(report: dict[str, Any]) -> tuple[str, str] | None:
    if report.get("admin_code") and report.get("body_level") in GOVERNMENT_LEVELS:
        return ("code", report["admin_code"])
    if report.get("org_name"):
        return ("name", "".join(report["org_name"].split()))
    return None


def _facts(tables: dict[str, list[dict[str, Any]]]) -> dict[str, dict[tuple, Any]]:
    facts: dict[str, dict[tuple, Any]] = defaultdict(dict)
    for table, (k1, k2) in FACT_TABLES.items():
        for row in tables.get(table, []):
            if not row.get("derived"):
                facts[row["report_id"]][(table, row[k1], row[k2])] = row["value"]
    return facts


def _same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


def tables_match(a: dict[tuple, Any], b: dict[tuple, Any]) -> bool:
    shared = a.keys() & b.keys()
    if len(shared) < max(MIN_SHARED_FACTS, SHARED_SHARE * min(len(a), len(b))):
        return False
    return all(_same_value(a[k], b[k]) for k in shared)


def _narratives(tables: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    texts: dict[str, list[str]] = defaultdict(list)
    for row in tables.get("sections", []):
        texts[row["report_id"]].append(row["text"])
    return {rid: comparable_text("\n".join(parts)) for rid, parts in texts.items()}


def _preference(report: dict[str, Any], n_facts: int) -> tuple:
    status = {"ok": 0, "partial": 1}.get(report["parse_status"], 2)
    fmt = report.get("source_format")
    order = FORMAT_ORDER.index(fmt) if fmt in FORMAT_ORDER else len(FORMAT_ORDER)
    return (status, -n_facts, report.get("n_warnings", 0), order, report["report_id"])


def mark_duplicates(tables: dict[str, list[dict[str, Any]]]) -> int:
    """Set ``duplicate_of`` on every report row (None for the copy to use); returns how
    many reports were marked."""
    reports = tables["reports"]
    for report in reports:
        report["duplicate_of"] = None
    facts = _facts(tables)
    narratives: dict[str, str] | None = None
    marked = 0
    for members in body_year_groups(reports):
        pairs = []
        for a, b in itertools.combinations(members, 2):
            fa, fb = facts.get(a["report_id"], {}), facts.get(b["report_id"], {})
            if fa and fb:
                alike = a["template"] == b["template"] and tables_match(fa, fb)
            elif not fa and not fb:
                narratives = narratives if narratives is not None else _narratives(tables)
                ta, tb = narratives.get(a["report_id"], ""), narratives.get(b["report_id"], "")
                alike = bool(ta and tb) and jaccard(shingles(ta), shingles(tb)) >= (
                    NARRATIVE_SIMILARITY)
            else:
                alike = False
            if alike:
                pairs.append((a, b))
        clusters = _clusters(members, pairs)
        for cluster in clusters:
            if len(cluster) < 2:
                continue
            best = min(cluster, key=lambda r: _preference(r, len(facts.get(r["report_id"], {}))))
            for report in cluster:
                if report is not best:
                    report["duplicate_of"] = best["report_id"]
                    marked += 1
    return marked


def body_year_key(report: dict[str, Any]) -> tuple | None:
    """What two reports must share to be copies of one another (None: compared with
    none, for want of a body, a year, or anything read)."""
    key = body_key(report)
    if key and report.get("report_year") and report["parse_status"] != "failed":
        return (report["report_year"], *key)
    return None


def body_year_groups(reports: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Reports that could be copies of one another: same body, same year, two or more."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for report in reports:
        key = body_year_key(report)
        if key is not None:
            groups[key].append(report)
    return [members for members in groups.values() if len(members) > 1]


def _clusters(members: list[dict[str, Any]],
              pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Groups of reports linked by copy pairs (union-find over report_ids)."""
    parent = {m["report_id"]: m["report_id"] for m in members}

    def root(rid: str) -> str:
        while parent[rid] != rid:
            rid = parent[rid]
        return rid

    for a, b in pairs:
        ra, rb = root(a["report_id"]), root(b["report_id"])
        parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in members:
        groups[root(m["report_id"])].append(m)
    return list(groups.values())
