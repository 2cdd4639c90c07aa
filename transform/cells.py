"""Small shared pieces of table interpretation: provenance and value/label cells."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from extract.document import Cell
from transform.locate import RowRef
from transform.numbers import CellValue, parse_cell
from transform.problems import Problem

VALUE_BLANKS = " \t\r\n\u00a0\u2002\u2003\u3000\ufeff"


def provenance(ref: RowRef, cell: Cell | None) -> dict[str, Any]:
    """Where a fact was read: enough for a researcher to find the cell again."""
    if cell is None:
        return {"page": ref.page, "table_index": ref.table_index, "cell_row": ref.row_index,
                "cell_col": None, "bbox": None}
    return {
        "page": cell.page if cell.page is not None else ref.page,
        "table_index": ref.table_index,
        "cell_row": cell.row,
        "cell_col": cell.col,
        "bbox": list(cell.bbox) if cell.bbox is not None else None,
    }


@lru_cache(maxsize=16384)
def printed(text: str) -> str:
    """A label as printed, with the line breaks of narrow cells joined back up.

    Memoised because every fact row repeats its row and column labels.
    """
    lines = [line.strip(VALUE_BLANKS) for line in text.splitlines()]
    joined = "".join(lines) if all(len(x) <= 4 for x in lines if x) else " ".join(
        x for x in lines if x)
    return joined.strip(VALUE_BLANKS)


def is_value_cell(cell: Cell) -> bool:
    """True for a cell that holds a value or nothing (not a label)."""
    return parse_cell(cell.text).status != "unparsed"


def has_number(cells: tuple[Cell, ...] | list[Cell]) -> bool:
    return any(parse_cell(c.text).is_number for c in cells)


def row_text(ref: RowRef) -> str:
    return " | ".join(printed(c.source_text) for c in ref.cells)


def location(ref: RowRef, cell: Cell | None = None) -> str:
    where = f"table {ref.table_index} row {ref.row_index}"
    if cell is not None:
        where += f" col {cell.col}"
    if ref.page is not None:
        where = f"page {ref.page}, " + where
    return where


def read_value(ref: RowRef, cell: Cell, what: str, problems: list[Problem]) -> CellValue:
    """Parse a value cell; text that is no number is reported where it was found."""
    parsed = parse_cell(cell.text)
    if parsed.status == "unparsed":
        problems.append(Problem("unparsed_value", f"{what}: {cell.source_text!r}",
                                location(ref, cell)))
    return parsed


def fact(ref: RowRef, cell: Cell, value: float | None, **fields: Any) -> dict[str, Any]:
    """A fact row: its codes and labels, the value, the raw text and where it was read."""
    return {**fields, "value": value, "raw": cell.source_text, "derived": False,
            "confidence": cell.confidence, **provenance(ref, cell)}
