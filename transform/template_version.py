"""Decide which national template a report used, from its tables alone.

The contract forbids deciding from the year: a 2020 report may use the 2021 form and a
body may copy last year's file. Each label that exists in only one version is evidence
for it (the map lists them); the version with more evidence wins, and evidence for both
is a hybrid, recorded as a problem.
"""

from __future__ import annotations

from dataclasses import dataclass

from transform.template_map import TemplateMap


@dataclass(frozen=True)
class TemplateDecision:
    template: str
    evidence: dict[str, list[str]]
    hybrid: bool = False
    uncertain: bool = False


def decide_template(
    items: set[str],
    metrics: set[str],
    application_rows: set[str],
    has_any_table: bool,
    looks_like_report: bool,
    report_year: int | None,
    tmap: TemplateMap,
) -> TemplateDecision:
    if not has_any_table:
        return TemplateDecision("pre2019" if looks_like_report else "unknown", {})
    evidence: dict[str, list[str]] = {}
    for version, spec in tmap.evidence.items():
        found = [m for m in spec.get("metrics", []) if m in metrics]
        found += [i for i in spec.get("items", []) if i in items]
        found += [r for r in spec.get("application_rows", []) if r in application_rows]
        evidence[version] = found
    scores = {v: len(found) for v, found in evidence.items()}
    best = max(scores.values())
    if best == 0:
        if "other" in application_rows:
            return TemplateDecision("2019", evidence, uncertain=True)
        guess = "2021" if report_year is not None and report_year >= 2021 else "2019"
        return TemplateDecision(guess, evidence, uncertain=True)
    leaders = [v for v, s in scores.items() if s == best]
    if len(leaders) == 1:
        chosen = leaders[0]
    else:
        chosen = "2021" if report_year is not None and report_year >= 2021 else "2019"
    hybrid = sum(1 for s in scores.values() if s > 0) > 1
    return TemplateDecision(chosen, evidence, hybrid=hybrid)
