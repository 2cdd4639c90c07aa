"""Find tables 二, 三 and 四 by their content, wherever they are.

Reports put the tables under misnumbered headings, in appendices, split over several
tables (one per article, or one per page) or merged into one big table. So the unit of
work is the *row*: every row of every table is classified by the labels it contains, rows
with no telling label inherit the kind of the row before them, and consecutive rows of one
kind form one logical table, whatever the physical tables were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from extract.document import Cell, Document, Table
from transform.labels import fold, normalise_label
from transform.template_map import TemplateMap

KINDS = ("active_disclosure", "applications", "reviews_litigation")


@dataclass(frozen=True, slots=True)
class RowRef:
    """One physical row, with where it came from."""

    table_index: int
    row_index: int
    cells: tuple[Cell, ...]
    page: int | None = None

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass(slots=True)
class LogicalTable:
    """Consecutive rows of one kind, possibly from several physical tables."""

    kind: str
    rows: list[RowRef] = field(default_factory=list)

    @property
    def table_indexes(self) -> list[int]:
        return sorted({r.table_index for r in self.rows})


@lru_cache(maxsize=4)
def _strong_labels(tmap: TemplateMap) -> dict[str, str]:
    """Normalised label → kind, for labels that belong to exactly one table kind."""
    by_kind: dict[str, set[str]] = {k: set() for k in KINDS}
    for entry in (*tmap.items, *tmap.metrics):
        by_kind["active_disclosure"].update(normalise_label(x) for x in entry.labels)
    for entry in (*tmap.applicants, *tmap.application_rows, *tmap.application_groups):
        by_kind["applications"].update(normalise_label(x) for x in entry.labels)
    for entry in (*tmap.proceedings, *tmap.outcomes):
        by_kind["reviews_litigation"].update(normalise_label(x) for x in entry.labels)
    for kind in KINDS:
        info = tmap.table_info(kind)
        by_kind[kind].update(normalise_label(x) for x in info.get("markers", ()))
        by_kind[kind].update(normalise_label(x) for x in info.get("column_groups", ()))
        by_kind[kind].update(normalise_label(x) for x in info.get("proceeding_groups", ()))
    counts: dict[str, int] = {}
    for labels in by_kind.values():
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
    return {
        label: kind
        for kind, labels in by_kind.items()
        for label in labels
        if counts[label] == 1 and len(label) >= 2
    }


@lru_cache(maxsize=65536)
def _cell_kind(text: str, tmap: TemplateMap) -> str | None:
    """The table kind one cell's text points to (memoised: every row of every table is
    classified, and their label and value texts repeat across rows and reports)."""
    if not text.strip():
        return None
    kind = _strong_labels(tmap).get(normalise_label(text))
    if kind is None and "第二十条" in fold(text):
        kind = "active_disclosure"
    return kind


def row_kind(cells: tuple[Cell, ...], tmap: TemplateMap) -> str | None:
    """The table kind a row's labels point to, or None when it has no telling label."""
    votes: dict[str, int] = {}
    for cell in cells:
        kind = _cell_kind(cell.text, tmap)
        if kind is not None:
            votes[kind] = votes.get(kind, 0) + 1
    if not votes:
        return None
    return max(sorted(votes), key=lambda k: votes[k])


def locate_tables(doc: Document, tmap: TemplateMap) -> dict[str, list[LogicalTable]]:
    """Group the rows of every table in ``doc`` into logical tables by kind.

    A physical table that starts with rows of no telling kind continues the previous
    logical table only when nothing but tables lies between them (a table split over
    pages or articles); otherwise those rows belong to no standard table. Rows of a kind
    whose last logical table is the latest one seen resume it, even across a paragraph
    (a page footer, a 续表 note, a repeated header): tables are not printed twice in a
    row, they are continued.
    """
    found: dict[str, list[LogicalTable]] = {k: [] for k in KINDS}
    current: LogicalTable | None = None
    previous_was_table = False
    table_index = -1
    for block in doc.blocks:
        if not isinstance(block, Table):
            if block.text.strip():
                previous_was_table = False
            continue
        table_index += 1
        if not previous_was_table:
            current = None
        previous_was_table = True
        current = _scan_table(block, table_index, tmap, current, found)
    return found


def _scan_table(
    table: Table,
    table_index: int,
    tmap: TemplateMap,
    current: LogicalTable | None,
    found: dict[str, list[LogicalTable]],
) -> LogicalTable | None:
    for r, row in enumerate(table.rows):
        cells = tuple(row)
        kind = row_kind(cells, tmap)
        if kind is not None and (current is None or current.kind != kind):
            latest = max((t for ts in found.values() for t in ts if t.rows),
                         key=lambda t: (t.rows[-1].table_index, t.rows[-1].row_index),
                         default=None)
            if latest is not None and latest.kind == kind:
                current = latest  # the same table resumed after a page break or a note
            else:
                current = LogicalTable(kind=kind)
                found[kind].append(current)
        if current is not None:
            page = next((c.page for c in cells if c.page is not None), table.page)
            current.rows.append(RowRef(table_index, r, cells, page))
    return current


def primary(tables: list[LogicalTable]) -> tuple[LogicalTable | None, list[LogicalTable]]:
    """The logical table to read for a kind, and any others (reported as duplicates).

    The primary one is the largest; a report that prints a table twice (a summary and an
    appendix copy) is read once.
    """
    if not tables:
        return None, []
    best = max(tables, key=lambda t: (len(t.rows), -tables.index(t)))
    return best, [t for t in tables if t is not best]
