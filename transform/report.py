"""One source document → rows of every published table.

This is the whole per-document pipeline as a plain function: read (extract) → locate the
standard tables → interpret them with the template map → derive → metadata and place →
sections and terms → checks → problems. It never raises for a bad document: whatever
goes wrong becomes a ``reports`` row with ``parse_status = failed`` and ``problems`` rows.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from extract.document import Document, UnreadableDocument
from extract.readers import read_document
from extract.sniff import sniff_format
from transform.active_disclosure import interpret_active_disclosure
from transform.applications import derive_rows, interpret_applications
from transform.checks import evaluate_checks
from transform.locate import locate_tables, primary
from transform.metadata import read_metadata
from transform.narrative_facts import extract_facts
from transform.parser_version import parser_version
from transform.places import resolve_place
from transform.problems import CODES, Problem
from transform.reviews_litigation import interpret_reviews
from transform.sections import split_sections
from transform.template_map import TemplateMap, load_template_map
from transform.template_version import decide_template
from transform.terms import section_terms


@dataclass(frozen=True)
class Source:
    """A document's bytes and where they came from."""

    uri: str
    data: bytes
    ingested_at: datetime

    @property
    def report_id(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ReportRows:
    """Rows for every table, for one document (report_id and report_year added last)."""

    report: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def ingestion_time(mtime: float) -> datetime:
    """Reproducible ingestion time: SOURCE_DATE_EPOCH when set, else the file's mtime."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else int(mtime)
    return datetime.fromtimestamp(seconds, tz=UTC)


def process_source(source: Source, tmap: TemplateMap | None = None,
                   terms: str = "cut") -> ReportRows:
    """Everything gongkai publishes about one document."""
    tmap = tmap or load_template_map()
    try:
        doc = read_document(source.data)
    except UnreadableDocument as exc:
        return _failed(source, [Problem(exc.code, exc.message)])
    except Exception as exc:
        return _failed(source, [Problem("read_error", _describe(exc))])
    try:
        return interpret_document(source, doc, tmap, terms)
    except Exception as exc:
        rows = _failed(source, [Problem("internal_error", _describe(exc))])
        rows.report["source_format"] = doc.source_format
        return rows


def _describe(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" (at {os.path.basename(where.filename)}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


def _base_report(source: Source, fmt: str) -> dict[str, Any]:
    return {
        "report_id": source.report_id,
        "source_uri": source.uri,
        "source_format": fmt,
        "title": None, "org_name": None, "township": None, "county": None, "city": None,
        "province": None, "admin_code": None, "body_level": None, "report_year": None,
        "template": "unknown", "published_date": None, "parse_status": "failed",
        "n_warnings": 0, "parser_version": parser_version(), "ingested_at": source.ingested_at,
        "text_source": "native", "n_pages": None, "n_tables": 0, "text_chars": 0,
        "duplicate_of": None,
    }


def _failed(source: Source, problems: list[Problem]) -> ReportRows:
    report = _base_report(source, sniff_format(source.data))
    rows = ReportRows(report=report, tables={"problems": _problem_rows(problems)})
    report["n_warnings"] = len(problems)
    return rows


def _reader_warning(code: str, message: str) -> Problem:
    """A reader's warning as a problem; a code the registry lacks is kept, not lost."""
    if code in CODES:
        return Problem(code, message)
    return Problem("read_warning", f"{code}: {message}")


def _problem_rows(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{"seq": i, "stage": p.stage, "code": p.code, "message": p.message,
             "location": p.location} for i, p in enumerate(problems)]


def interpret_document(source: Source, doc: Document, tmap: TemplateMap,
                       terms: str = "cut") -> ReportRows:
    """The template interpreter and everything after it, for a document already read.

    ``terms`` is ``cut`` (jieba terms), ``pos`` (terms with parts of speech) or ``none``.
    """
    problems = [_reader_warning(code, msg) for code, msg in doc.warnings]
    report = _base_report(source, doc.source_format)
    meta, title_paragraphs = read_metadata(doc)
    located = locate_tables(doc, tmap)
    picked = {}
    for kind, tables in located.items():
        best, others = primary(tables)
        picked[kind] = best
        for other in others:
            problems.append(Problem(
                "duplicate_table", f"{kind} also printed at tables {other.table_indexes}"))
    active = interpret_active_disclosure(picked["active_disclosure"], tmap)
    applications = interpret_applications(picked["applications"], tmap)
    reviews = interpret_reviews(picked["reviews_litigation"], tmap)
    problems += active.problems + applications.problems + reviews.problems

    has_tables = bool(active.facts or applications.facts or reviews.facts)
    decision = decide_template(active.items_seen, active.metrics_seen, applications.rows_seen,
                               has_tables, meta.looks_like_report, meta.report_year, tmap)
    template = decision.template
    problems += _template_problems(decision, picked, has_tables)
    application_facts = applications.facts + derive_rows(applications.facts, template, tmap)

    text = doc.plain_text()
    place = resolve_place(meta.org_name, text)
    if meta.report_year is None:
        problems.append(Problem("year_missing", "no year in the title or the opening text"))
    if place.ambiguous and place.body_level in ("township", "county", "city"):
        problems.append(Problem(
            "place_unresolved",
            f"{meta.org_name!r}: {place.candidates or 'no'} gazetteer candidates fit"))

    sections = [
        {"section": s.section, "heading": s.heading, "text": s.text,
         "n_chars": _non_space_chars(s.text), "position": s.position}
        for s in split_sections(doc, title_paragraphs)
    ]
    checks = evaluate_checks(application_facts, reviews.facts, template, tmap) if (
        template in ("2019", "2021")) else []
    for check in checks:
        if check["passed"] is False:
            problems.append(Problem("check_failed", f"{check['check']} [{check['scope']}]: "
                                    f"{check['detail']}"))
    if doc.text_source != "native":
        facts = {"active_disclosure": active.facts, "applications": application_facts,
                 "reviews_litigation": reviews.facts}
        problems += review_flags(facts, checks)

    report.update({
        "title": meta.title, "org_name": meta.org_name, "township": place.township,
        "county": place.county, "city": place.city, "province": place.province,
        "admin_code": place.admin_code, "body_level": place.body_level,
        "report_year": meta.report_year, "template": template,
        "published_date": meta.published_date,
        "text_source": doc.text_source,
        "n_pages": doc.n_pages,
        "n_tables": len(doc.tables),
        "text_chars": sum(s["n_chars"] for s in sections),
    })
    report["parse_status"] = _status(template, picked, problems)
    report["n_warnings"] = len(problems)
    return ReportRows(report=report, tables={
        "active_disclosure": active.facts,
        "applications": application_facts,
        "reviews_litigation": reviews.facts,
        "sections": sections,
        "terms": section_terms(sections, pos=terms == "pos") if terms != "none" else [],
        "narrative_facts": extract_facts(sections),
        "checks": checks,
        "problems": _problem_rows(problems),
    })


def _non_space_chars(text: str) -> int:
    """Characters that are not whitespace (``str.split`` and ``str.isspace`` share one
    definition of whitespace, and splitting runs in C rather than a per-character loop)."""
    return len("".join(text.split()))


REVIEW_BELOW = 0.6
FACT_KEYS = {"active_disclosure": ("item", "metric"), "applications": ("row", "applicant"),
             "reviews_litigation": ("proceeding", "outcome")}


def review_flags(facts: dict[str, list[dict[str, Any]]],
                 checks: list[dict[str, Any]]) -> list[Problem]:
    """What a person should look at in a report read by OCR: every value read with low
    confidence, and every failing check (an OCR misreading usually breaks a sum)."""
    flags: list[Problem] = []
    for table, rows in facts.items():
        k1, k2 = FACT_KEYS[table]
        for fact in rows:
            confidence = fact.get("confidence")
            if confidence is not None and confidence < REVIEW_BELOW and not fact["derived"]:
                where = (f"page {fact['page']}, table {fact['table_index']} "
                         f"row {fact['cell_row']} col {fact['cell_col']}")
                flags.append(Problem(
                    "needs_review", f"{table} {fact[k1]}/{fact[k2]}: read {fact['raw']!r} "
                    f"with confidence {confidence:.2f}", where))
    for check in checks:
        if check["passed"] is False:
            flags.append(Problem(
                "needs_review", f"{check['check']} [{check['scope']}] fails on values read by "
                f"OCR: {check['detail']}"))
    return flags


def _template_problems(decision: Any, picked: dict[str, Any], has_tables: bool) -> list[Problem]:
    problems: list[Problem] = []
    if decision.template == "unknown":
        problems.append(Problem("not_a_report", "no standard table and no annual-report "
                                "title or wording"))
    elif decision.template == "pre2019":
        problems.append(Problem("no_standard_tables", "an annual report without tables "
                                "二/三/四"))
    if decision.hybrid:
        evidence = "; ".join(f"{v}: {', '.join(e)}" for v, e in decision.evidence.items() if e)
        problems.append(Problem("template_hybrid", f"read as {decision.template} ({evidence})"))
    if decision.uncertain:
        problems.append(Problem("template_uncertain", f"read as {decision.template}"))
    if has_tables:
        for kind, table in picked.items():
            if table is None:
                problems.append(Problem("table_missing", f"{kind} table not found"))
    return problems


def _status(template: str, picked: dict[str, Any], problems: list[Problem]) -> str:
    if template == "unknown":
        return "partial"
    if template == "pre2019":
        return "ok"
    if any(t is None for t in picked.values()):
        return "partial"
    if any(p.code in ("unparsed_value", "column_count_mismatch") for p in problems):
        return "partial"
    return "ok"


def failed_rows(source: Source, problems: list[Problem]) -> ReportRows:
    """A ``failed`` report for a document stopped before it could be read (the build's
    time and memory limits use it)."""
    return _failed(source, problems)
