"""Table 二 (主动公开政府信息情况) → long facts: item x metric.

The table is a stack of small blocks, one per article of the Regulations: an article
caption row (第二十条第（一）项), a header row naming the metrics (信息内容 | 本年新制作数量
| …) and item rows (规章 | 0 | 0 | 0). Each header row sets the metrics of the value
cells that follow it, by position, so the same code reads both templates and any block
order; which metrics exist in which template is the map's business, not this module's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extract.document import Cell
from transform.cells import fact, location, printed, read_value, row_text
from transform.labels import fold, normalise_label
from transform.locate import LogicalTable, RowRef
from transform.numbers import CellValue, parse_cell, to_10k_yuan, unit_in_label
from transform.problems import Problem
from transform.template_map import TemplateMap

HEADER_WORDS = {"信息内容", "内容", "项目", "类别", "事项"}


@dataclass
class Header:
    metrics: list[str | None]
    labels: list[str]
    units: list[str | None]


@dataclass
class ActiveResult:
    facts: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    items_seen: set[str] = field(default_factory=set)
    metrics_seen: set[str] = field(default_factory=set)


def _header(cells: tuple[Cell, ...], tmap: TemplateMap) -> Header | None:
    """A header row: its first cell names the item column, the rest name metrics."""
    metrics = [tmap.metric_index.match(c.text) if c.text.strip() else None for c in cells]
    first = normalise_label(cells[0].text) if cells else ""
    if not any(metrics) and first not in HEADER_WORDS:
        return None
    if tmap.item_index.match(cells[0].text) is not None:
        return None
    return Header(
        metrics=metrics[1:],
        labels=[printed(c.text) for c in cells[1:]],
        units=[unit_in_label(c.text) for c in cells[1:]],
    )


def _item_position(cells: tuple[Cell, ...], tmap: TemplateMap) -> tuple[int, str] | None:
    """The item label cell among the leading label cells (an article caption may precede
    it when the caption is printed down the first column)."""
    for i, cell in enumerate(cells):
        value = parse_cell(cell.text)
        if value.status != "unparsed":
            if value.is_number:
                return None
            continue
        code = tmap.item_index.match(cell.text)
        if code is not None:
            return i, code
    return None


def interpret_active_disclosure(table: LogicalTable | None, tmap: TemplateMap) -> ActiveResult:
    result = ActiveResult()
    if table is None:
        return result
    header: Header | None = None
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for ref in table.rows:
        cells = ref.cells
        if not cells or not any(c.text.strip() for c in cells):
            continue
        if "第二十条" in fold(cells[0].text) and len(cells) == 1:
            continue
        new_header = _header(cells, tmap)
        if new_header is not None:
            header = new_header
            continue
        found = _item_position(cells, tmap)
        if found is None:
            _unmapped(ref, result)
            continue
        position, item = found
        result.items_seen.add(item)
        label_cell = cells[position]
        for offset, cell in enumerate(cells[position + 1:]):
            _read_value(ref, cell, offset, item, label_cell, header, tmap, result, seen)
    return result


def _unmapped(ref: RowRef, result: ActiveResult) -> None:
    labels = [c for c in ref.cells if parse_cell(c.text).status == "unparsed"]
    if labels and "第二十条" not in fold(labels[0].text):
        result.problems.append(Problem("unmapped_row", row_text(ref), location(ref)))


def _read_value(
    ref: RowRef,
    cell: Cell,
    offset: int,
    item: str,
    label_cell: Cell,
    header: Header | None,
    tmap: TemplateMap,
    result: ActiveResult,
    seen: dict[tuple[str, str], dict[str, Any]],
) -> None:
    metric = header.metrics[offset] if header and offset < len(header.metrics) else None
    if metric is None:
        parsed = parse_cell(cell.text)
        if parsed.status != "blank":
            result.problems.append(Problem(
                "unlabelled_cell",
                f"{printed(label_cell.text)}: value {cell.source_text!r} under a column with "
                "no recognised metric",
                location(ref, cell),
            ))
        return
    result.metrics_seen.add(metric)
    parsed = read_value(ref, cell, f"{item}/{metric}", result.problems)
    entry = tmap.entry("metric", metric)
    header_unit = header.units[offset] if header else None
    value, unit = _value_and_unit(parsed, entry.unit or "count", header_unit, ref, cell,
                                  item, metric, result)
    key = (item, metric)
    if key in seen:
        _sum_duplicate(seen[key], value, cell, ref, result)
        return
    row = fact(ref, cell, value, article=tmap.entry("item", item).article, item=item,
               metric=metric, unit=unit, item_label_zh=printed(label_cell.text),
               metric_label_zh=header.labels[offset] if header else None)
    seen[key] = row
    result.facts.append(row)


def _value_and_unit(
    parsed: CellValue,
    unit_kind: str,
    header_unit: str | None,
    ref: RowRef,
    cell: Cell,
    item: str,
    metric: str,
    result: ActiveResult,
) -> tuple[float | None, str]:
    """Apply the contract's unit rules: money in 万元, never guessing a factor."""
    if unit_kind == "count":
        if parsed.unit is not None:
            result.problems.append(Problem(
                "unexpected_unit", f"{item}/{metric}: {cell.source_text!r}", location(ref, cell)))
        return parsed.value, "count"
    if parsed.value is None:
        return None, "10k_yuan"
    stated = parsed.unit or header_unit
    if stated is not None:
        return to_10k_yuan(parsed.value, stated), "10k_yuan"
    if parsed.value == 0:
        return 0.0, "10k_yuan"
    result.problems.append(Problem(
        "unit_unstated",
        f"{item}/{metric}: {cell.source_text!r} has no unit in its cell or header",
        location(ref, cell),
    ))
    return parsed.value, "unstated"


def _sum_duplicate(
    fact: dict[str, Any], value: float | None, cell: Cell, ref: RowRef, result: ActiveResult
) -> None:
    if value is not None:
        fact["value"] = value if fact["value"] is None else fact["value"] + value
    fact["raw"] = f"{fact['raw']} + {cell.source_text}"
    result.problems.append(Problem(
        "duplicate_row_summed",
        f"{fact['item']}/{fact['metric']} printed again ({cell.source_text!r}); values summed",
        location(ref, cell),
    ))
