"""The data dictionary, rendered from the schema registry and the template map.

Nothing here is written by hand: table and column descriptions come from
``transform/schema.py``, codes and their printed Chinese labels from
``transform/template_map.yaml``, problem codes from ``transform/problems.py``.
``docs/DATA_DICTIONARY.md`` is this module's output, kept current by a test.
"""

from __future__ import annotations

from transform.problems import CODES
from transform.schema import TABLES, TableSpec
from transform.sections import SECTION_PATTERNS
from transform.template_map import Entry, TemplateMap, load_template_map

SECTION_NAMES = {
    "preamble": "text before the first heading",
    "overview": "总体情况",
    "active_disclosure": "主动公开政府信息情况",
    "applications": "收到和处理政府信息公开申请情况",
    "reviews_litigation": "政府信息公开行政复议、行政诉讼情况",
    "problems": "存在的主要问题及改进情况",
    "other_matters": "其他需要报告的事项",
    "appendix": "附件 (appendices)",
}
FIXED_CODES = {
    "body_level": ["township", "county", "city", "province", "department", "other"],
    "parse_status": ["ok", "partial", "failed"],
    "unit": ["count", "10k_yuan", "unstated"],
    "text_source": ["native", "ocr", "mixed"],
}


def code_values(name: str, tmap: TemplateMap) -> list[str]:
    """The allowed values of a coded column (for datapackage.json's enum constraints)."""
    entries = {"items": tmap.items, "metrics": tmap.metrics,
               "application_rows": tmap.application_rows, "applicants": tmap.applicants,
               "proceedings": tmap.proceedings, "outcomes": tmap.outcomes}
    if name in FIXED_CODES:
        return list(FIXED_CODES[name])
    if name in entries:
        return [e.code for e in entries[name]]
    if name == "template":
        return list(tmap.templates)
    if name == "sections":
        known = {n for n, _ in SECTION_PATTERNS} | {"preamble"}
        return [k for k in SECTION_NAMES if k in known]
    if name == "checks":
        return [c.name for c in tmap.checks]
    if name == "problems":
        return list(CODES)
    if name == "narrative_facts":
        return [f["code"] for f in tmap.narrative["facts"]]
    raise KeyError(name)


def _entries_table(entries: tuple[Entry, ...], with_versions: bool = True) -> list[str]:
    head = "| code | 中文 (as printed) | accepted variants |" + (" templates |" if with_versions
                                                              else "")
    lines = [head, "|" + "---|" * (4 if with_versions else 3)]
    for e in entries:
        variants = ", ".join(e.variants) or "—"
        row = f"| `{e.code}` | {e.label_zh} | {variants} |"
        if with_versions:
            versions = ", ".join(e.templates)
            if e.derived_in:
                versions += f" (derived in {', '.join(e.derived_in)} = "
                versions += " + ".join(e.derived_from) + ")"
            row += f" {versions} |"
        lines.append(row)
    return lines


def _codes(name: str, tmap: TemplateMap) -> list[str]:
    if name in FIXED_CODES:
        return [", ".join(f"`{c}`" for c in FIXED_CODES[name])]
    if name == "template":
        return [f"`{k}`: {v['description']}" for k, v in tmap.templates.items()]
    if name == "items":
        return _entries_table(tmap.items)
    if name == "metrics":
        return _entries_table(tmap.metrics)
    if name == "application_rows":
        return _entries_table(tmap.application_rows)
    if name == "applicants":
        return _entries_table(tmap.applicants, with_versions=False)
    if name == "proceedings":
        return _entries_table(tmap.proceedings, with_versions=False)
    if name == "outcomes":
        return _entries_table(tmap.outcomes, with_versions=False)
    if name == "sections":
        known = {n for n, _ in SECTION_PATTERNS} | {"preamble"}
        return [f"`{k}`: {v}" for k, v in SECTION_NAMES.items() if k in known]
    if name == "narrative_facts":
        return [f"`{f['code']}` ({f['label_zh']}): {' '.join(f['description'].split())}"
                for f in tmap.narrative["facts"]]
    if name == "checks":
        return [f"`{c.name}`: {c.description}" for c in tmap.checks]
    if name == "problems":
        return [f"`{code}` ({stage}): {meaning}" for code, (stage, meaning) in CODES.items()]
    raise KeyError(name)


def render_table(spec: TableSpec, tmap: TemplateMap) -> str:
    lines = [f"## `{spec.name}`", "", spec.description, "",
             f"Key: {', '.join(f'`{k}`' for k in spec.key)}. "
             + ("Partitioned by `report_year`." if spec.partitioned else "One file, no "
                "partitions (it describes the whole dataset)."), "",
             "| column | type | null | meaning |", "|---|---|---|---|"]
    coded: list[tuple[str, str]] = []
    for col in spec.columns:
        meaning = col.description + (f" ({col.zh})" if col.zh else "")
        if col.codes:
            meaning += f" Codes: see *{col.codes}* below."
            coded.append((col.name, col.codes))
        lines.append(f"| `{col.name}` | {col.type} | {'yes' if col.nullable else 'no'} | "
                     f"{meaning} |")
    for column, codes in coded:
        lines += ["", f"**{codes}** (`{column}`):", ""]
        body = _codes(codes, tmap)
        lines += body if body and body[0].startswith("|") else [f"- {b}" for b in body]
    return "\n".join(lines) + "\n"


def render_dictionary(table: str | None = None) -> str:
    tmap = load_template_map()
    if table is not None:
        return render_table(TABLES[table], tmap)
    parts = [
        "# gongkai data dictionary",
        "",
        "Generated from `transform/schema.py` and `transform/template_map.yaml` by "
        "`gongkai describe`; do not edit by hand.",
        "",
        "Every fact row keeps the Chinese labels it was read under and where it was read "
        "(`page`, `table_index`, `cell_row`, `cell_col`, `bbox`).",
        "",
    ]
    parts += [render_table(spec, tmap) for spec in TABLES.values()]
    parts += [
        "## Cross-template comparison",
        "",
        "- `decisions`, `regulations`/`normative_documents` counts, every `applications` "
        "row except the 2021 `other.*` split, and all of `reviews_litigation` compare "
        "directly across 2019 and 2021.",
        "- `made_this_year` ≈ `issued_this_year` (both: documents issued this year).",
        "- `total_published` (2019) and `in_force` (2021) measure different things and are "
        "not merged.",
        "- `admin_fees` counts items in 2019 but money in 2021: never compared.",
        "- County and higher reports add up many bodies: compare like `body_level` with like.",
        "",
    ]
    return "\n".join(parts)
