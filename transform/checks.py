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
    for spec in tmap.checks:
        facts, key_row, key_col = tables[spec.table]
        if not facts:
            rows.append(_row(spec, None, None, None, None, "table not found"))
            continue
        grid = {(f[key_row], f[key_col]): f["value"] for f in facts}
        if spec.per == "applicant":  # components are rows, the scope is a column
            scopes = [a.code for a in tmap.applicants]
            cells = {(col, row): v for (row, col), v in grid.items()}
            left = _expand(spec.left, row_universe)
        elif spec.per == "row":  # components are columns, the scope is a row
            scopes = [r for r in row_universe if any(k[0] == r for k in grid)]
            cells, left = grid, list(spec.left)
        else:  # per proceeding: components are outcomes
            scopes = [p.code for p in tmap.proceedings]
            cells, left = grid, list(spec.left)
        for scope in scopes:
            rows.append(_evaluate(spec, scope, left, list(spec.right), cells))
    return rows


def _evaluate(spec: CheckSpec, scope: str, left: list[str], right: list[str],
              cells: dict[tuple[str, str], float | None]) -> dict[str, Any]:
    """``cells[(scope, component)]`` is a value, None for a blank; absent when not printed."""
    lvals = [cells.get((scope, c), "missing") for c in left]
    rvals = [cells.get((scope, c), "missing") for c in right]
    missing = [c for c, v in zip(left + right, lvals + rvals, strict=True) if v == "missing"]
    blanks = [c for c, v in zip(left + right, lvals + rvals, strict=True) if v is None]
    if missing or blanks:
        why = []
        if missing:
            why.append("not printed: " + ", ".join(missing))
        if blanks:
            why.append("blank: " + ", ".join(blanks))
        return _row(spec, scope, None, None, None, "; ".join(why))
    expected = float(sum(lvals))
    actual = float(sum(rvals))
    passed = abs(expected - actual) <= TOLERANCE
    detail = (f"{' + '.join(left)} = {_fmt(expected)}; {' + '.join(right)} = {_fmt(actual)}")
    return _row(spec, scope, passed, expected, actual, detail)


def _row(spec: CheckSpec, scope: str | None, passed: bool | None, expected: float | None,
         actual: float | None, detail: str) -> dict[str, Any]:
    return {"check": spec.name, "scope": scope, "passed": passed, "expected": expected,
            "actual": actual, "detail": detail}
