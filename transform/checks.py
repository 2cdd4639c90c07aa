"""The arithmetic the template itself demands, evaluated per scope.

Checks are declared in the template map (left-hand codes add up to right-hand codes, per
applicant column, row or proceeding); this module only evaluates them. A scope with any
blank input is unknown (``passed`` null), never failed: a blank is not a zero.
"""

from __future__ import annotations

from typing import Any

from transform.template_map import CheckSpec, TemplateMap

TOLERANCE = 1e-6


def _expand(codes: tuple[str, ...], universe: list[str]) -> list[str]:
    out: list[str] = []
    for code in codes:
        if code.endswith(".*"):
            prefix = code[:-1]
            out.extend(u for u in universe if u.startswith(prefix))
        else:
            out.append(code)
    return out


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def evaluate_checks(
    applications: list[dict[str, Any]],
    reviews: list[dict[str, Any]],
    template: str,
    tmap: TemplateMap,
) -> list[dict[str, Any]]:
    """One row per check and scope: check, scope, passed, expected, actual, detail."""
    rows: list[dict[str, Any]] = []
    tables = {
        "applications": (applications, "row", "applicant"),
        "reviews_litigation": (reviews, "proceeding", "outcome"),
    }
    row_universe = [r.code for r in tmap.application_rows
                    if template in r.templates or not r.templates]
    grids: dict[tuple[str, str], Grid] = {}  # by table and scope key, shared by checks
    for spec in tmap.checks:
        facts, key_row, key_col = tables[spec.table]
        if not facts:
            rows.append(_row(spec, None, None, None, None, "table not found"))
            continue
        # per applicant: components are rows, the scope is a column; per row: components
        # are columns; per proceeding: components are outcomes.
        scope_key, component_key = ((key_col, key_row) if spec.per == "applicant"
                                    else (key_row, key_col))
        if (spec.table, scope_key) not in grids:
            grids[(spec.table, scope_key)] = _grid(facts, scope_key, component_key)
        cells = grids[(spec.table, scope_key)]
        if spec.per == "applicant":
            scopes = [a.code for a in tmap.applicants]
            left = _expand(spec.left, row_universe)
        elif spec.per == "row":
            scopes = [r for r in row_universe if r in cells]
            left = list(spec.left)
        else:
            scopes = [p.code for p in tmap.proceedings]
            left = list(spec.left)
        check = _Check(spec, left, list(spec.right))
        for scope in scopes:
            rows.append(_evaluate(check, scope, cells.get(scope, NOTHING_PRINTED)))
    return rows


Grid = dict[str, dict[str, float | None]]  # scope → component → value (None: blank)
NOTHING_PRINTED: dict[str, float | None] = {}


def _grid(facts: list[dict[str, Any]], scope_key: str, component_key: str) -> Grid:
    """Fact values by scope, then component; a fact printed twice counts as its last."""
    grid: Grid = {}
    for f in facts:
        grid.setdefault(f[scope_key], {})[f[component_key]] = f["value"]
    return grid


class _Check:
    """A check with its components expanded, and the parts of its detail text that do not
    depend on the scope (built once per check, not once per scope)."""

    def __init__(self, spec: CheckSpec, left: list[str], right: list[str]) -> None:
        self.spec = spec
        self.left = left
        self.right = right
        self.components = left + right
        self.left_text = " + ".join(left)
        self.right_text = " + ".join(right)


def _evaluate(check: _Check, scope: str, cells: dict[str, float | None]) -> dict[str, Any]:
    """``cells[component]`` is the scope's value, None for a blank; absent when not printed."""
    lvals = [cells.get(c, _MISSING) for c in check.left]
    rvals = [cells.get(c, _MISSING) for c in check.right]
    values = lvals + rvals
    if _MISSING in values or None in values:
        pairs = list(zip(check.components, values, strict=True))
        missing = [c for c, v in pairs if v is _MISSING]
        blanks = [c for c, v in pairs if v is None]
        why = []
        if missing:
            why.append("not printed: " + ", ".join(missing))
        if blanks:
            why.append("blank: " + ", ".join(blanks))
        return _row(check.spec, scope, None, None, None, "; ".join(why))
    expected = float(sum(lvals))
    actual = float(sum(rvals))
    passed = abs(expected - actual) <= TOLERANCE
    detail = f"{check.left_text} = {_fmt(expected)}; {check.right_text} = {_fmt(actual)}"
    return _row(check.spec, scope, passed, expected, actual, detail)


_MISSING: Any = object()  # a component the report did not print (a blank is None)


def _row(spec: CheckSpec, scope: str | None, passed: bool | None, expected: float | None,
         actual: float | None, detail: str) -> dict[str, Any]:
    return {"check": spec.name, "scope": scope, "passed": passed, "expected": expected,
            "actual": actual, "detail": detail}
