"""Table 三 (收到和处理政府信息公开申请情况) → long facts: row x applicant.

The applicant columns are the rightmost value cells of every row, in the template's
order (the header names which of them the table has). A row is identified by its most
specific label cell, read within the row group printed to its left or above it
(（三）不予公开 → 1.属于国家秘密), because leaf labels such as '3.其他' mean different rows
in different groups. Vertically merged group labels reach later rows either as a span
(Word, HTML) or as an empty cell (text exports); both simply leave the group unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from extract.document import Cell
from transform.cells import fact, location, printed, read_value, row_text
from transform.labels import normalise_label
from transform.locate import LogicalTable, RowRef
from transform.numbers import parse_cell
from transform.problems import Problem
from transform.template_map import Entry, TemplateMap

TOP_GROUPS = (None, "results")


@dataclass
class ApplicationsResult:
    facts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_seen: set[str] = field(default_factory=set)


def applicant_columns(table: LogicalTable, tmap: TemplateMap) -> list[Entry]:
    """The applicant columns the table has, in template order (all seven by default)."""
    found: set[str] = set()
    for ref in table.rows:
        codes = {tmap.applicant_index.exact.get(normalise_label(c.text)) for c in ref.cells}
        codes.discard(None)
        if codes and not _is_data_row(ref, tmap):
            found |= codes  # type: ignore[arg-type]
    columns = [e for e in tmap.applicants if e.code in found]
    return columns if len(columns) >= 2 else list(tmap.applicants)


def grid_positions(table: LogicalTable, columns: list[Entry],
                   tmap: TemplateMap) -> list[int] | None:
    """Grid columns of the applicant headers, when the reader knew the spans.

    Trusted only if every column's header is found once and they run left to right in
    template order; text exports (no spans) fail this and are read right-aligned.
    """
    starts: dict[str, int] = {}
    for ref in table.rows:
        if _is_data_row(ref, tmap):
            continue
        for cell in ref.cells:
            code = tmap.applicant_index.exact.get(normalise_label(cell.text))
            if code is not None:
                if code in starts:
                    return None
                starts[code] = cell.col
    ordered = [starts.get(c.code) for c in columns]
    if any(s is None for s in ordered):
        return None
    if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):  # type: ignore[type-var]
        return None
    return ordered  # type: ignore[return-value]


def split_row(cells: tuple[Cell, ...], width: int,
              positions: list[int] | None) -> tuple[list[Cell], list[Cell] | None]:
    """(label cells, value cells in column order); value cells None when the row is short.

    With grid positions, the value of a column is the cell covering that grid column;
    otherwise the values are the row's rightmost cells.
    """
    if positions is not None:
        values: list[Cell] = []
        for start in positions:
            cell = next((c for c in cells if c.col <= start < c.col + c.colspan), None)
            if cell is None or (values and cell is values[-1]):
                break
            values.append(cell)
        else:
            return [c for c in cells if c.col < positions[0]], values
    if len(cells) <= width:
        return list(cells), None
    return list(cells[:-width]), list(cells[-width:])


def _is_header_row(cells: list[Cell], tmap: TemplateMap) -> bool:
    """A row naming applicant columns ('总计' alone may be the 三(七) row's label)."""
    codes = {tmap.applicant_index.exact.get(normalise_label(c.text)) for c in cells
             if c.text.strip()}
    return bool(codes - {None, "total"})


def _is_data_row(ref: RowRef, tmap: TemplateMap) -> bool:
    return any(_names_a_row(c.text, tmap) for c in ref.cells)


@lru_cache(maxsize=65536)
def _names_a_row(text: str, tmap: TemplateMap) -> bool:
    """Whether a cell's text is the label of a row of table 三 (memoised: the header and
    row detection ask this of every cell of the table, twice)."""
    return bool(text.strip() and parse_cell(text).status == "unparsed"
                and tmap.application_row_index(None).match(text))


class _RowReader:
    """Identifies rows, keeping the current row group across rows."""

    def __init__(self, tmap: TemplateMap) -> None:
        self.tmap = tmap
        self.group: str | None = None
        self.top_codes = {r.code for r in tmap.application_rows if r.group in TOP_GROUPS}

    def identify(self, labels: list[Cell]) -> tuple[str | None, Cell | None]:
        texts = [c for c in labels if c.text.strip()]
        if not texts:
            return None, None
        for cell in texts[:-1]:
            group = self.tmap.application_group_index.match(cell.text)
            if group is not None:
                self.group = group
        leaf = texts[-1]
        code = self._match_leaf(leaf.text)
        if code is not None:
            entry = self.tmap.entry("row", code)
            if entry.group in TOP_GROUPS:
                self.group = "results" if entry.group == "results" else None
        else:
            group = self.tmap.application_group_index.match(leaf.text)
            if group is not None:
                self.group = group
        return code, leaf

    def _match_leaf(self, text: str) -> str | None:
        top = self.tmap.application_row_index(None).exact.get(normalise_label(text))
        if top in self.top_codes:
            return top
        if self.group not in TOP_GROUPS:
            code = self.tmap.application_row_index(self.group).match(text)
            if code is not None:
                return code
        return self.tmap.application_row_index(None).match(text)


def interpret_applications(table: LogicalTable | None, tmap: TemplateMap) -> ApplicationsResult:
    result = ApplicationsResult()
    if table is None:
        return result
    columns = applicant_columns(table, tmap)
    width = len(columns)
    positions = grid_positions(table, columns, tmap)
    reader = _RowReader(tmap)
    seen: set[str] = set()
    for ref in table.rows:
        cells = ref.cells
        if not any(c.text.strip() for c in cells):
            continue
        label_cells, value_cells = split_row(cells, width, positions)
        if value_cells is None and _is_header_row(label_cells, tmap):
            continue
        code, leaf = reader.identify(label_cells)
        if code is None:
            _unidentified(ref, label_cells, tmap, result)
            continue
        if value_cells is None:
            result.problems.append(Problem(
                "column_count_mismatch",
                f"{code}: {len(cells)} cells for {width} applicant columns", location(ref)))
            continue
        if code in seen:
            result.problems.append(Problem(
                "duplicate_row_ignored", f"{code} printed again: {row_text(ref)}", location(ref)))
            continue
        seen.add(code)
        result.rows_seen.add(code)
        row_label = printed(leaf.text) if leaf else None
        for column, cell in zip(columns, value_cells, strict=True):
            parsed = read_value(ref, cell, f"{code}/{column.code}", result.problems)
            result.facts.append(fact(
                ref, cell, parsed.value, row=code, applicant=column.code,
                row_label_zh=row_label, applicant_label_zh=column.label_zh))
    return result


def _unidentified(ref: RowRef, labels: list[Cell], tmap: TemplateMap,
                  result: ApplicationsResult) -> None:
    """Header rows and group captions are expected; anything else with values is kept."""
    texts = [c.text for c in labels if c.text.strip()]
    if not texts:
        return
    known = all(
        tmap.applicant_index.match(t) or tmap.application_group_index.match(t)
        or normalise_label(t) in _column_group_forms(tmap)
        or "勾稽" in t
        for t in texts
    )
    if not known and any(parse_cell(c.text).is_number for c in ref.cells):
        result.problems.append(Problem("unmapped_row", row_text(ref), location(ref)))


@lru_cache(maxsize=4)
def _column_group_forms(tmap: TemplateMap) -> frozenset[str]:
    """Normalised captions of the applicant column groups (derived from the map once)."""
    return frozenset(normalise_label(g) for g in tmap.table_info("applications")["column_groups"])


def derive_rows(facts: list[dict[str, Any]], template: str, tmap: TemplateMap) -> list[dict]:
    """Rows the template defines as sums of printed rows (2021: 三(六) = 1 + 2 + 3)."""
    derived: list[dict[str, Any]] = []
    by_key = {(f["row"], f["applicant"]): f for f in facts}
    for entry in tmap.application_rows:
        if template not in entry.derived_in:
            continue
        printed_row = [f for f in facts if f["row"] == entry.code]
        if any(f["value"] is not None for f in printed_row):
            continue  # the report printed the row itself: keep what it printed
        facts[:] = [f for f in facts if f["row"] != entry.code]
        for column in tmap.applicants:
            parts = [by_key.get((code, column.code)) for code in entry.derived_from]
            if all(p is None for p in parts):
                continue
            values = [p["value"] if p else None for p in parts]
            total = None if any(v is None for v in values) else float(sum(values))
            confidences = [p["confidence"] for p in parts if p and p["confidence"] is not None]
            derived.append({
                "row": entry.code,
                "applicant": column.code,
                "value": total,
                "raw": None,
                "row_label_zh": entry.label_zh,
                "applicant_label_zh": column.label_zh,
                "derived": True,
                "confidence": min(confidences) if confidences else None,
                "page": None, "table_index": None, "cell_row": None, "cell_col": None,
                "bbox": None,
            })
    return derived
