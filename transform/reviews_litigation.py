"""Table 四 (政府信息公开行政复议、行政诉讼情况) → long facts: proceeding x outcome.

The national form prints the three proceedings side by side, five outcomes each, over
one row of fifteen values. Some reports instead print one row per proceeding. Both are
read: a row labelled with a proceeding gives that proceeding's outcomes; an unlabelled
row of values gives all proceedings in the order the header names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extract.document import Cell
from transform.cells import fact, location, read_value
from transform.labels import normalise_label
from transform.locate import LogicalTable, RowRef
from transform.numbers import parse_cell
from transform.problems import Problem
from transform.template_map import Entry, TemplateMap


@dataclass
class ReviewsResult:
    facts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _labels_in(table: LogicalTable, index_name: str, tmap: TemplateMap) -> list[str]:
    index = getattr(tmap, index_name)
    codes: list[str] = []
    for ref in table.rows:
        for cell in ref.cells:
            code = index.exact.get(normalise_label(cell.text)) if cell.text.strip() else None
            if code is not None:
                codes.append(code)
    return codes


def interpret_reviews(table: LogicalTable | None, tmap: TemplateMap) -> ReviewsResult:
    result = ReviewsResult()
    if table is None:
        return result
    outcomes = list(tmap.outcomes)
    proceedings = _header_proceedings(table, tmap)
    done: set[str] = set()
    _read_rows(table, tmap, outcomes, proceedings, done, result, blank_rows=False)
    if not done:
        # A table 四 printed with every value cell left blank still has its cells: read
        # the row of blanks, so the report says "nothing printed", not "no table".
        _read_rows(table, tmap, outcomes, proceedings, done, result, blank_rows=True)
    return result


def _read_rows(table: LogicalTable, tmap: TemplateMap, outcomes: list[Entry],
               proceedings: list[Entry], done: set[str], result: ReviewsResult,
               blank_rows: bool) -> None:
    """Rows of values (or, with ``blank_rows``, rows of blank cells only) → facts."""
    for ref in table.rows:
        values = [c for c in ref.cells if parse_cell(c.text).status != "unparsed"]
        numbers = any(parse_cell(c.text).is_number for c in values)
        if blank_rows:
            if numbers or len(values) != len(ref.cells) or len(values) < len(outcomes):
                continue
        elif not numbers:
            continue
        labels = [c for c in ref.cells if parse_cell(c.text).status == "unparsed"]
        own = next((tmap.proceeding_index.match(c.text) for c in labels
                    if tmap.proceeding_index.match(c.text)), None)
        if own is not None:
            targets = [tmap.entry("proceeding", own)]
        else:
            targets = [p for p in proceedings if p.code not in done]
        width = len(targets) * len(outcomes)
        if len(values) < width:
            if own is None and len(values) % len(outcomes) == 0 and values:
                targets = targets[: len(values) // len(outcomes)]
                width = len(values)
            else:
                result.problems.append(Problem(
                    "column_count_mismatch",
                    f"{len(values)} values for {len(targets)} proceedings x {len(outcomes)} "
                    "outcomes", location(ref)))
                continue
        cells = values[-width:]
        for i, proceeding in enumerate(targets):
            done.add(proceeding.code)
            for j, outcome in enumerate(outcomes):
                _emit(ref, cells[i * len(outcomes) + j], proceeding, outcome, result)
        if len(done) == len(tmap.proceedings):
            break


def _header_proceedings(table: LogicalTable, tmap: TemplateMap) -> list[Entry]:
    """The proceedings in the order the header prints them (the template order when the
    header does not name them all)."""
    named: list[str] = []
    for code in _labels_in(table, "proceeding_index", tmap):
        if code not in named:
            named.append(code)
    if set(named) == {p.code for p in tmap.proceedings}:
        return [tmap.entry("proceeding", c) for c in named]
    return list(tmap.proceedings)


def _emit(ref: RowRef, cell: Cell, proceeding: Entry, outcome: Entry,
          result: ReviewsResult) -> None:
    parsed = read_value(ref, cell, f"{proceeding.code}/{outcome.code}", result.problems)
    result.facts.append(fact(
        ref, cell, parsed.value, proceeding=proceeding.code, outcome=outcome.code,
        proceeding_label_zh=proceeding.label_zh, outcome_label_zh=outcome.label_zh))

