"""Template version from the tables alone."""

from __future__ import annotations

from transform.template_map import load_template_map
from transform.template_version import decide_template

TMAP = load_template_map()


def decide(items=(), metrics=(), rows=(), tables=True, report=True, year=None):
    return decide_template(set(items), set(metrics), set(rows), tables, report, year, TMAP)


def test_2019_and_2021_evidence():
    assert decide(metrics={"made_this_year", "prior_year_items"}).template == "2019"
    assert decide(items={"central_procurement"}).template == "2019"
    assert decide(metrics={"issued_this_year", "in_force"}).template == "2021"
    assert decide(rows={"other.no_correction"}).template == "2021"


def test_year_never_overrides_the_tables():
    assert decide(metrics={"made_this_year"}, year=2022).template == "2019"
    assert decide(metrics={"fee_amount"}, year=2020).template == "2021"


def test_hybrid_goes_to_the_side_with_more_evidence():
    decision = decide(metrics={"issued_this_year", "prior_year_items", "change_this_year"},
                      items={"other_admin_services"})
    assert decision.template == "2019" and decision.hybrid
    assert "issued_this_year" in decision.evidence["2021"]


def test_no_evidence_is_uncertain_and_no_tables_is_pre2019_or_unknown():
    decision = decide(rows={"granted"}, year=2021)
    assert decision.uncertain and decision.template == "2021"
    assert decide(tables=False, report=True).template == "pre2019"
    assert decide(tables=False, report=False).template == "unknown"
