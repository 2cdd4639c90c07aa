"""A data-quality report of one dataset release, as a single static HTML page.

The page is what a reader of the dataset checks before trusting a number: how much was
read, where the gaps are (places, years, templates), what went wrong and where, which
documents to look at first, and what was copied or posted twice. It is meant to be
published next to the data, so it is one self-contained file: the CSS is inline, the
charts are inline SVG drawn by matplotlib, nothing is fetched and no script runs.

The page is deterministic: the same release renders to the same bytes (sorted tables,
fixed SVG ids, no clock), so a new page in a release's history is a real change.

Usage::

    from gongkai.quality_report import write_quality_report
    write_quality_report(Path("data/dataset"), Path("quality.html"))
"""

from __future__ import annotations

import html
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import pyarrow as pa
from matplotlib.figure import Figure

from transform.places import GAZETTEER_DIR
from transform.problems import CODES as PROBLEM_CODES

# No display and no GUI toolkit: the page is rendered on servers and in CI. (Figures are
# made without pyplot, so this only matters if a caller's code uses pyplot after us.)
matplotlib.use("Agg")

STATUSES = ("ok", "partial", "failed")
TEMPLATES = ("2021", "2019", "pre2019", "unknown")
BODY_LEVELS = ("township", "county", "city", "province", "department", "other")
UNKNOWN = "unknown"
N_WORST = 20
N_TOP_PAIRS = 15
N_CHART_CODES = 25
# Every chart the page always carries (an empty dataset gets "no data" charts), so a reader
# and the tests find the same sections on every release.
CHART_IDS = ("chart-coverage", "chart-template", "chart-body-level", "chart-parse-status",
             "chart-problems", "chart-checks")

COLOURS = {"ok": "#2e7d32", "partial": "#f2a900", "failed": "#c62828", "passed": "#2e7d32",
           "unknown": "#9e9e9e", "main": "#1f5fa8"}
# Matplotlib draws the glyphs as paths (svg.fonttype "path"), so the SVG shows Chinese
# names without relying on the reader's fonts; the hash salt makes clip-path ids stable.
RC = {
    "svg.hashsalt": "gongkai-quality-report",
    "svg.fonttype": "path",
    "font.family": "sans-serif",
    "font.sans-serif": ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC",
                        "WenQuanYi Zen Hei", "DejaVu Sans"],
    "axes.unicode_minus": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


class Html(str):
    """Markup that is already safe: table cells of this type are not escaped again."""


def esc(value: Any) -> str:
    """Escape a value from the data; a missing value prints as a dash, never 'nan'."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "—"
    return html.escape(str(value))


# --------------------------------------------------------------------------- loading


@dataclass
class Release:
    """One release folder read into memory: the tables the page needs and the manifest."""

    name: str
    path: Path
    published: bool
    current: str | None
    manifest: dict[str, Any]
    reports: pd.DataFrame
    problems: pd.DataFrame
    checks: pd.DataFrame | None  # None: the table is missing (not the same as no rows)
    text_reuse: pd.DataFrame | None
    missing_tables: list[str] = field(default_factory=list)


REPORT_COLUMNS = ("report_id", "source_uri", "source_format", "title", "org_name",
                  "province", "admin_code", "body_level", "report_year", "template",
                  "parse_status", "n_warnings", "duplicate_of")
PROBLEM_COLUMNS = ("report_id", "stage", "code", "message", "location", "report_year")
CHECK_COLUMNS = ("report_id", "check", "scope", "passed", "report_year")
REUSE_COLUMNS = ("report_id", "other_report_id", "section", "similarity", "own_similarity",
                 "longest_shared_span", "same_body", "report_year", "other_report_year")


def resolve_release(dataset: Path, release: str | None) -> tuple[Path, bool, str | None]:
    """The release folder to report on, whether it is the published one, and which is.

    A release name is a folder name under ``releases/``, never a path: the page must not
    be pointed at an arbitrary folder by a crafted name.
    """
    dataset = Path(dataset)
    current_link = dataset / "current"
    current = current_link.resolve() if current_link.exists() else None
    if release is None:
        if current is None or not current.is_dir():
            raise FileNotFoundError(f"{dataset} has no published release ({current_link} "
                                    "is missing): build the dataset first")
        return current, True, current.name
    if Path(release).name != release or release in {"", ".", ".."}:
        raise ValueError(f"release must be a folder name under {dataset / 'releases'}, "
                         f"not {release!r}")
    folder = dataset / "releases" / release
    if not folder.is_dir():
        known = sorted(p.name for p in (dataset / "releases").glob("*") if p.is_dir())
        raise FileNotFoundError(f"no release {release!r} under {dataset / 'releases'}; "
                                f"releases: {', '.join(known) or 'none'}")
    folder = folder.resolve()
    return folder, folder == current, current.name if current else None


def read_table(release: Path, name: str, columns: Sequence[str]) -> pd.DataFrame | None:
    """A table of the release with at least ``columns`` (added as nulls when absent).

    None when the table is not in the release at all (an older build, or an empty one,
    writes no folder). ``report_year`` comes back as int: pandas reads the partition key
    as a category, which would sort and compare as text.
    """
    path = release / name
    if not path.exists():
        return None
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException):
        return None  # a folder with no parquet file in it: nothing to report
    for column in columns:
        if column not in frame.columns:
            frame[column] = None
    for column in ("report_year", "other_report_year"):
        if column in frame.columns:
            frame[column] = (pd.to_numeric(frame[column].astype("string"), errors="coerce")
                             .fillna(0).astype(int))
    return frame.reset_index(drop=True)


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def load_release(dataset: Path, release: str | None = None) -> Release:
    """Read what the page needs from one release; missing tables become empty frames."""
    path, published, current = resolve_release(dataset, release)
    manifest_path = path / "MANIFEST.json"
    manifest: dict[str, Any] = {}
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    missing: list[str] = []

    def table(name: str, columns: Sequence[str]) -> pd.DataFrame | None:
        frame = read_table(path, name, columns)
        if frame is None:
            missing.append(name)
        return frame

    reports = table("reports", REPORT_COLUMNS)
    problems = table("problems", PROBLEM_COLUMNS)
    checks = table("checks", CHECK_COLUMNS)
    reuse = table("text_reuse", REUSE_COLUMNS)
    reports = empty_frame(REPORT_COLUMNS) if reports is None else reports
    reports = reports.sort_values("report_id", kind="stable").reset_index(drop=True)
    return Release(
        name=path.name, path=path, published=published, current=current, manifest=manifest,
        reports=reports,
        problems=empty_frame(PROBLEM_COLUMNS) if problems is None else problems,
        checks=checks, text_reuse=reuse, missing_tables=missing)


# ------------------------------------------------------------------------ computing


def province_names() -> dict[str, str]:
    """Province code (2 digits) → name, from the gazetteer the parser itself uses."""
    path = GAZETTEER_DIR / "provinces.csv"
    if not path.is_file():
        return {}
    frame = pd.read_csv(path, dtype=str)
    return dict(zip(frame["code"].str.zfill(2), frame["name"], strict=True))


def coverage_province(reports: pd.DataFrame) -> pd.Series:
    """The province of each report: as the text names it, else from the division code.

    Most township reports never name their province; the first two digits of the
    gazetteer's code do, and they are what a reader means by coverage.
    """
    names = province_names()
    from_code = reports["admin_code"].astype("string").str[:2].map(names)
    named = reports["province"].astype("string").where(reports["province"].notna())
    return named.fillna(from_code).fillna(UNKNOWN).astype(str)


def year_label(year: Any) -> str:
    return UNKNOWN if not year or pd.isna(year) or int(year) == 0 else str(int(year))


def in_use(reports: pd.DataFrame) -> pd.DataFrame:
    """Reports less the copies marked duplicate_of: one row per body and year for counting."""
    return reports[reports["duplicate_of"].isna()]


def failed_mask(checks: pd.DataFrame) -> pd.Series:
    """Rows whose check failed; an unevaluated check (null) is not a failure."""
    return checks["passed"].astype("boolean").eq(False).fillna(False).astype(bool)


def check_verdicts(checks: pd.DataFrame) -> pd.DataFrame:
    """Per check: reports passed / failed / unknown and the share failed.

    Counted per report as the MANIFEST counts them (a report fails a check when any of its
    scopes fails, passes when one passes and none fails), so the two agree.
    """
    columns = ["check", "passed", "failed", "unknown", "share_failed", "failed_rows"]
    if checks.empty:
        return pd.DataFrame(columns=columns)
    frame = checks.assign(_failed=failed_mask(checks),
                          _passed=checks["passed"].astype("boolean").eq(True)
                          .fillna(False).astype(bool))
    per_report = frame.groupby(["check", "report_id"]).agg(
        failed=("_failed", "any"), passed=("_passed", "any"), failed_rows=("_failed", "sum"))
    per_report["verdict"] = "unknown"
    per_report.loc[per_report["passed"], "verdict"] = "passed"
    per_report.loc[per_report["failed"], "verdict"] = "failed"
    counts = (per_report.groupby(["check", "verdict"]).size().unstack(fill_value=0)
              .reindex(columns=["passed", "failed", "unknown"], fill_value=0))
    counts["failed_rows"] = per_report.groupby("check")["failed_rows"].sum()
    total = counts[["passed", "failed", "unknown"]].sum(axis=1)
    counts["share_failed"] = (counts["failed"] / total.clip(lower=1)).round(4)
    return counts.reset_index().sort_values("check")[columns].reset_index(drop=True)


def manifest_verdicts(manifest: dict[str, Any]) -> pd.DataFrame:
    """The same table from the MANIFEST, for a release whose checks table is missing."""
    rows = [{"check": name, "passed": int(v.get("passed", 0)), "failed": int(v.get("failed", 0)),
             "unknown": int(v.get("unknown", 0)), "share_failed": float(v.get("share_failed", 0)),
             "failed_rows": None}
            for name, v in sorted((manifest.get("checks") or {}).items())]
    return pd.DataFrame(rows, columns=["check", "passed", "failed", "unknown", "share_failed",
                                       "failed_rows"])


def problem_summary(problems: pd.DataFrame, n_reports: int) -> pd.DataFrame:
    """Per problem code: rows, reports affected and their share, most frequent first."""
    columns = ["code", "stage", "problems", "reports", "share_reports", "meaning"]
    if problems.empty:
        return pd.DataFrame(columns=columns)
    grouped = problems.groupby("code").agg(
        stage=("stage", lambda s: ", ".join(sorted({str(v) for v in s.dropna()}))),
        problems=("report_id", "size"), reports=("report_id", "nunique")).reset_index()
    grouped["share_reports"] = grouped["reports"] / max(1, n_reports)
    grouped["meaning"] = grouped["code"].map(lambda c: PROBLEM_CODES.get(c, ("", ""))[1])
    grouped = grouped.sort_values(["problems", "code"], ascending=[False, True], kind="stable")
    return grouped[columns].reset_index(drop=True)


def worst_documents(release: Release, n: int = N_WORST) -> pd.DataFrame:
    """The reports with the most problems and failed checks: where a reviewer starts.

    A failed check counts once per failing scope (a column that does not add up), as each
    is a number to look at; documents with neither are left out.
    """
    reports = release.reports
    problems = release.problems.groupby("report_id").size().rename("n_problems")
    codes = (release.problems.groupby(["report_id", "code"]).size().rename("n").reset_index()
             .sort_values(["report_id", "n", "code"], ascending=[True, False, True]))
    top_codes = codes.groupby("report_id").apply(
        lambda g: ", ".join(f"{c} ×{k}" if k > 1 else c
                            for c, k in zip(g["code"].head(3), g["n"].head(3), strict=True)),
        include_groups=False).rename("top_codes") if not codes.empty else pd.Series(
        dtype=object, name="top_codes")
    if release.checks is not None and not release.checks.empty:
        failed = (release.checks[failed_mask(release.checks)].groupby("report_id").size()
                  .rename("n_failed_checks"))
    else:
        failed = pd.Series(dtype=int, name="n_failed_checks")
    frame = (reports.set_index("report_id").join(problems).join(failed).join(top_codes)
             .reset_index())
    frame["n_problems"] = frame["n_problems"].fillna(0).astype(int)
    frame["n_failed_checks"] = frame["n_failed_checks"].fillna(0).astype(int)
    frame["score"] = frame["n_problems"] + frame["n_failed_checks"]
    frame = frame[frame["score"] > 0].sort_values(
        ["score", "n_failed_checks", "report_id"], ascending=[False, False, True], kind="stable")
    return frame.head(n).reset_index(drop=True)


@dataclass(frozen=True)
class Headline:
    """One headline number: its id, label, machine value and how it is printed."""

    key: str
    label: str
    value: float | int | None
    kind: str  # "count" or "share"
    note: str = ""

    @property
    def data_value(self) -> str:
        if self.value is None:
            return ""
        return str(int(self.value)) if self.kind == "count" else f"{float(self.value):.6f}"

    @property
    def shown(self) -> str:
        if self.value is None:
            return "—"
        return f"{int(self.value):,}" if self.kind == "count" else f"{float(self.value):.1%}"


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def headlines(release: Release) -> list[Headline]:
    """The numbers at the top of the page; shares are of all documents of the release."""
    reports = release.reports
    n = len(reports)
    status = reports["parse_status"].value_counts()
    ids = set(reports["report_id"])
    if release.checks is not None:
        failing = set(release.checks.loc[failed_mask(release.checks), "report_id"]) & ids
        failing_share = share(len(failing), n)
    else:
        failing, failing_share = set(), None
    with_problems = set(release.problems["report_id"]) & ids
    n_dupes = int(reports["duplicate_of"].notna().sum())
    n_pairs = None if release.text_reuse is None else len(release.text_reuse)
    return [
        Headline("documents", "documents", n, "count", "source documents in the release"),
        Headline("share-ok", "parsed ok", share(int(status.get("ok", 0)), n), "share",
                 f"{int(status.get('ok', 0)):,} documents"),
        Headline("share-partial", "partial", share(int(status.get("partial", 0)), n), "share",
                 f"{int(status.get('partial', 0)):,} read with gaps"),
        Headline("share-failed", "failed", share(int(status.get("failed", 0)), n), "share",
                 f"{int(status.get('failed', 0)):,} not readable"),
        Headline("share-failing-checks", "fail a check", failing_share, "share",
                 f"{len(failing):,} documents whose sums do not add up"),
        Headline("problems", "problems", len(release.problems), "count",
                 f"in {len(with_problems):,} documents"),
        Headline("duplicates", "duplicate copies", n_dupes, "count", "marked duplicate_of"),
        Headline("reuse-pairs", "copied-text pairs", n_pairs, "count", "text_reuse rows"),
    ]


# --------------------------------------------------------------------------- charts


def svg_of(fig: Figure, chart_id: str) -> str:
    """The figure as inline SVG, its ids prefixed with the chart's id.

    Several SVGs in one page share one id space: matplotlib names glyphs and clip paths
    alike in every figure, so without the prefix a page would hold duplicate ids.
    """
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None},
                    bbox_inches="tight")
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r'(\bid="|href="#|url\(#)', lambda m: f"{m.group(1)}{chart_id}-", text)
    return text.replace("<svg ", f'<svg role="img" aria-labelledby="{chart_id}-caption" ', 1)


def new_figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(RC):
        return Figure(figsize=(width, height), dpi=100)


def no_data_figure(message: str = "no data") -> Figure:
    with matplotlib.rc_context(RC):
        fig = new_figure(6, 1.2)
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, message, ha="center", va="center", color="#777777", fontsize=11)
    return fig


def barh_figure(labels: Sequence[str], values: Sequence[float], colours: Sequence[str],
                annotations: Sequence[str], xlabel: str) -> Figure:
    """Horizontal bars, largest on top, each with its number written beside it."""
    if not labels:
        return no_data_figure()
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 0.7 + 0.32 * len(labels))
        ax = fig.add_subplot()
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, values, color=list(colours), height=0.7)
        ax.set_yticks(positions, labels=list(labels))
        top = max(values) if max(values) > 0 else 1
        ax.set_xlim(0, top * 1.25)
        for y, v, text in zip(positions, values, annotations, strict=True):
            ax.text(v + top * 0.01, y, text, va="center", fontsize=8, color="#333333")
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
    return fig


def coverage_figure(matrix: pd.DataFrame) -> Figure:
    """Documents per province and year as a heat map, each cell with its count."""
    if matrix.empty:
        return no_data_figure()
    with matplotlib.rc_context(RC):
        n_rows, n_cols = matrix.shape
        fig = new_figure(max(5.5, 3.0 + 0.9 * n_cols), 1.1 + 0.36 * n_rows)
        ax = fig.add_subplot()
        data = matrix.to_numpy(dtype=float)
        image = ax.imshow(data, cmap="Blues", aspect="auto", vmin=0,
                          vmax=max(1.0, float(data.max())))
        ax.set_xticks(range(n_cols), labels=[str(c) for c in matrix.columns])
        ax.set_yticks(range(n_rows), labels=[str(r) for r in matrix.index])
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        high = float(data.max()) * 0.6
        for i in range(n_rows):
            for j in range(n_cols):
                if data[i, j]:
                    ax.text(j, i, f"{int(data[i, j])}", ha="center", va="center", fontsize=8,
                            color="white" if data[i, j] > high else "#1a1a1a")
        ax.set_xlabel("report year")
        fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="documents")
    return fig


def stacked_checks_figure(verdicts: pd.DataFrame) -> Figure:
    """Reports passed / failed / not evaluable per check, share failed written out."""
    if verdicts.empty:
        return no_data_figure("no checks in this release")
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 0.9 + 0.45 * len(verdicts))
        ax = fig.add_subplot()
        positions = list(range(len(verdicts)))[::-1]
        left = [0.0] * len(verdicts)
        for verdict in ("passed", "failed", "unknown"):
            values = [float(v) for v in verdicts[verdict]]
            ax.barh(positions, values, left=left, color=COLOURS[verdict], height=0.6,
                    label="not evaluable" if verdict == "unknown" else verdict)
            left = [a + b for a, b in zip(left, values, strict=True)]
        top = max(left) if max(left) > 0 else 1
        for y, total, s in zip(positions, left, verdicts["share_failed"], strict=True):
            ax.text(total + top * 0.01, y, f"{float(s):.1%} failed", va="center", fontsize=8)
        ax.set_xlim(0, top * 1.22)
        ax.set_yticks(positions, labels=list(verdicts["check"]))
        ax.set_xlabel("reports")
        ax.tick_params(axis="y", length=0)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    return fig


# ----------------------------------------------------------------------------- html


def fmt_count(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{int(value):,}"


def fmt_share(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.1%}"


def table_html(headers: Sequence[str], rows: Iterable[Sequence[Any]],
               numeric: Iterable[int] = (), caption: str = "", cls: str = "") -> str:
    """A table; cells are escaped unless they are Html, numeric columns right-aligned."""
    numeric = set(numeric)
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if i in numeric else ""}>{esc(h)}</th>'
                   for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = cell if isinstance(cell, Html) else esc(cell)
            cells.append(f'<td{num if i in numeric else ""}>{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td class="empty" colspan="{len(headers)}">none</td></tr>')
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table class="{cls}">{cap}<thead><tr>{head}</tr>'
            f'</thead><tbody>{"".join(body)}</tbody></table></div>')


def chart_html(chart_id: str, fig: Figure, caption: str) -> str:
    return (f'<figure class="chart" id="{chart_id}">{svg_of(fig, chart_id)}'
            f'<figcaption id="{chart_id}-caption">{esc(caption)}</figcaption></figure>')


def source_href(uri: Any) -> str | None:
    """A link to the source: http(s) and file URLs as they are, a path as a file:// URL.

    A relative path is taken from the working folder, as the build took it. Any other
    scheme (javascript:, data:) is not linked: the page must be safe to open.
    """
    if not isinstance(uri, str) or not uri:
        return None
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", uri)
    if match and len(match.group(1)) > 1:  # one letter is a Windows drive
        return uri if match.group(1).lower() in {"http", "https", "file"} else None
    return Path(os.path.abspath(uri)).as_uri()


def source_link(uri: Any) -> Html:
    href = source_href(uri)
    if not isinstance(uri, str) or not uri:
        return Html("—")
    name = uri.rstrip("/").rsplit("/", 1)[-1] or uri
    if href is None:
        return Html(f'<span title="{esc(uri)}">{esc(name)}</span>')
    return Html(f'<a class="source" href="{esc(href)}" title="{esc(uri)}">{esc(name)}</a>')


def body_name(row: Any) -> str:
    """How to name a report in a table: its body, else its title, else its file."""
    for value in (row.get("org_name"), row.get("title")):
        if isinstance(value, str) and value.strip():
            return value
    uri = row.get("source_uri")
    if isinstance(uri, str) and uri:
        return uri.rstrip("/").rsplit("/", 1)[-1]
    return str(row.get("report_id", ""))[:12]


def short_id(report_id: Any) -> Html:
    text = str(report_id or "")
    return Html(f'<code title="{esc(text)}">{esc(text[:12])}</code>')


def status_badge(status: Any) -> Html:
    name = str(status) if isinstance(status, str) else UNKNOWN
    css = name if name in STATUSES else "unknown"
    return Html(f'<span class="badge {css}">{esc(name)}</span>')


def counted(values: pd.Series, order: Sequence[str]) -> list[tuple[str, int]]:
    """Counts in a fixed order (the codes' order), then any other value, then missing."""
    filled = values.astype("string").fillna("(none)")
    counts = filled.value_counts()
    keys = [k for k in order if k in counts.index]
    keys += sorted(k for k in counts.index if k not in order and k != "(none)")
    keys += ["(none)"] if "(none)" in counts.index else []
    return [(k, int(counts[k])) for k in keys]


# ---------------------------------------------------------------------------- sections


def section_summary(release: Release, heads: list[Headline]) -> str:
    cards = "".join(
        f'<div class="figure" id="fig-{h.key}" data-value="{h.data_value}">'
        f'<span class="figure-value">{esc(h.shown)}</span>'
        f'<span class="figure-label">{esc(h.label)}</span>'
        f'<span class="figure-note">{esc(h.note)}</span></div>' for h in heads)
    missing = ""
    if release.missing_tables:
        missing = (f'<p class="note">Not in this release: '
                   f'{esc(", ".join(sorted(release.missing_tables)))}.</p>')
    return (f'<section id="summary"><h2>Summary</h2><div class="figures">{cards}</div>'
            '<p class="note">Shares are of all documents of the release, copies included. '
            'A document fails a check when any sum the template demands does not hold '
            f'(see <a href="#checks">checks</a>).</p>{missing}</section>')


def section_coverage(release: Release) -> str:
    reports = in_use(release.reports)
    provinces = coverage_province(reports)
    years = reports["report_year"].map(year_label)
    frame = pd.DataFrame({"province": provinces, "year": years})
    if frame.empty:
        matrix = pd.DataFrame()
    else:
        matrix = pd.crosstab(frame["province"], frame["year"])
        year_cols = sorted((c for c in matrix.columns if c != UNKNOWN), key=int)
        year_cols += [UNKNOWN] if UNKNOWN in matrix.columns else []
        totals = matrix.sum(axis=1)
        order = sorted(matrix.index, key=lambda p: (p == UNKNOWN, -int(totals[p]), p))
        matrix = matrix.loc[order, year_cols]
    rows = []
    for province, counts in matrix.iterrows():
        rows.append([province, *[int(v) if v else "" for v in counts], int(counts.sum())])
    if not matrix.empty:
        rows.append([Html("<strong>total</strong>"),
                     *[Html(f"<strong>{int(v):,}</strong>") for v in matrix.sum(axis=0)],
                     Html(f"<strong>{int(matrix.to_numpy().sum()):,}</strong>")])
    headers = ["province", *[str(c) for c in matrix.columns], "total"]
    n_cols = len(headers)
    province_table = table_html(headers, rows, numeric=range(1, n_cols), cls="matrix")
    heat = chart_html("chart-coverage", coverage_figure(matrix),
                      "Documents per province and report year (copies marked duplicate_of "
                      "left out). Province as the report names it, else from the first two "
                      "digits of admin_code; 'unknown' where neither says.")
    n = len(reports)
    templates = counted(reports["template"], TEMPLATES)
    levels = counted(reports["body_level"], BODY_LEVELS)

    def breakdown(items: list[tuple[str, int]], chart_id: str, what: str) -> str:
        fig = barh_figure([k for k, _ in items], [v for _, v in items],
                          [COLOURS["main"]] * len(items),
                          [f"{v:,} ({v / max(1, n):.0%})" for _, v in items], "documents")
        chart = chart_html(chart_id, fig, f"Documents by {what} (copies left out).")
        tbl = table_html([what, "documents", "share"],
                         [[k, v, fmt_share(v / n if n else None)] for k, v in items],
                         numeric=(1, 2))
        return f'<div class="pair">{chart}{tbl}</div>'

    return ('<section id="coverage"><h2>Coverage</h2>'
            f'<p class="note">{n:,} documents; copies marked duplicate_of left out: '
            f'{len(release.reports) - n:,}.</p>'
            f'<h3>By province and year</h3>{heat}{province_table}'
            f'<h3>By template</h3>{breakdown(templates, "chart-template", "template")}'
            f'<h3>By body level</h3>{breakdown(levels, "chart-body-level", "body_level")}'
            '</section>')


def section_parsing(release: Release) -> str:
    reports = release.reports
    n = len(reports)
    items = counted(reports["parse_status"], STATUSES)
    fig = barh_figure([k for k, _ in items], [v for _, v in items],
                      [COLOURS.get(k, COLOURS["unknown"]) for k, _ in items],
                      [f"{v:,} ({v / max(1, n):.1%})" for _, v in items], "documents")
    chart = chart_html("chart-parse-status", fig,
                       "Parse status of every document: ok, partial (read with gaps) or "
                       "failed (not readable).")
    if n:
        by_format = pd.crosstab(reports["source_format"].astype("string").fillna("(none)"),
                                reports["parse_status"].astype("string").fillna("(none)"))
    else:
        by_format = pd.DataFrame()
    statuses = [s for s in STATUSES if s in by_format.columns]
    statuses += sorted(c for c in by_format.columns if c not in STATUSES)
    rows = [[fmt, *[int(by_format.loc[fmt, s]) for s in statuses],
             int(by_format.loc[fmt].sum())] for fmt in sorted(by_format.index)]
    table = table_html(["source_format", *statuses, "total"], rows,
                       numeric=range(1, len(statuses) + 2))
    return (f'<section id="parsing"><h2>Parse status</h2><div class="pair">{chart}'
            f'<div><h3>By source format</h3>{table}</div></div></section>')


def section_problems(release: Release) -> str:
    summary = problem_summary(release.problems, len(release.reports))
    top = summary.head(N_CHART_CODES)
    fig = barh_figure(list(top["code"]), [int(v) for v in top["problems"]],
                      [COLOURS["failed"] if c in {"check_failed", "internal_error"} else
                       COLOURS["main"] for c in top["code"]],
                      [f"{int(p):,} in {int(r):,} docs"
                       for p, r in zip(top["problems"], top["reports"], strict=True)],
                      "problems")
    more = f" (the {N_CHART_CODES} most frequent)" if len(summary) > N_CHART_CODES else ""
    chart = chart_html("chart-problems", fig, f"Problems by code{more}: rows of the problems "
                       "table, and the documents they concern.")
    rows = [[Html(f"<code>{esc(r.code)}</code>"), r.stage, int(r.problems), int(r.reports),
             fmt_share(r.share_reports), r.meaning] for r in summary.itertuples()]
    table = table_html(["code", "stage", "problems", "documents", "share of documents",
                        "meaning"], rows, numeric=(2, 3, 4), cls="problems")
    return f'<section id="problems"><h2>Problems by code</h2>{chart}{table}</section>'


def section_checks(release: Release) -> str:
    if release.checks is not None:
        verdicts = check_verdicts(release.checks)
        source = "the checks table"
    else:
        verdicts = manifest_verdicts(release.manifest)
        source = "MANIFEST.json (the checks table is not in this release)"
    chart = chart_html("chart-checks", stacked_checks_figure(verdicts),
                       "Reports per check: passed, failed (any scope does not add up) or "
                       "not evaluable (an input blank or not printed); share failed of all "
                       "reports checked.")
    rows = [[Html(f"<code>{esc(r.check)}</code>"), int(r.passed), int(r.failed),
             int(r.unknown), fmt_share(r.share_failed), fmt_count(r.failed_rows)]
            for r in verdicts.itertuples()]
    table = table_html(["check", "passed", "failed", "not evaluable", "share failed",
                        "failing scopes"], rows, numeric=(1, 2, 3, 4, 5))
    return (f'<section id="checks"><h2>Checks</h2><p class="note">From {esc(source)}; '
            'counted per report as in the MANIFEST.</p>'
            f'{chart}{table}</section>')


def section_worst(release: Release) -> str:
    worst = worst_documents(release)
    rows = []
    for i, row in enumerate(worst.to_dict("records"), start=1):
        rows.append([i, body_name(row), year_label(row.get("report_year")),
                     row.get("source_format"), status_badge(row.get("parse_status")),
                     int(row["n_problems"]), int(row["n_failed_checks"]),
                     row.get("top_codes") if isinstance(row.get("top_codes"), str) else "",
                     source_link(row.get("source_uri")), short_id(row.get("report_id"))])
    table = table_html(["#", "body", "year", "format", "status", "problems", "failed checks",
                        "main problems", "source", "report_id"], rows, numeric=(0, 5, 6),
                       cls="worst")
    return ('<section id="worst"><h2>Worst documents</h2>'
            f'<p class="note">The {N_WORST} documents with the most problems plus failing '
            'check scopes: where a reviewer starts. Links open the source document.</p>'
            f'{table}</section>')


def section_reuse(release: Release) -> str:
    reuse = release.text_reuse
    if reuse is None:
        return ('<section id="reuse"><h2>Copied narrative</h2>'
                '<p class="note">No text_reuse table in this release.</p></section>')
    reports = release.reports.set_index("report_id")
    involved = set(reuse["report_id"]) | set(reuse["other_report_id"])
    same_body = int(reuse["same_body"].astype("boolean").fillna(False).sum())
    by_section = counted(reuse["section"], ())
    top = reuse.sort_values(["similarity", "longest_shared_span", "report_id",
                             "other_report_id", "section"],
                            ascending=[False, False, True, True, True], kind="stable")
    rows = []

    def who(report_id: str) -> Html:
        if report_id not in reports.index:
            return Html(short_id(report_id))
        row = reports.loc[report_id].to_dict() | {"report_id": report_id}
        return Html(f'{esc(body_name(row))} <span class="muted">'
                    f'{esc(year_label(row.get("report_year")))}</span> '
                    f'{source_link(row.get("source_uri"))}')

    for r in top.head(N_TOP_PAIRS).itertuples():
        rows.append([who(r.report_id), who(r.other_report_id), r.section,
                     f"{float(r.similarity):.2f}", f"{float(r.own_similarity):.2f}"
                     if pd.notna(r.own_similarity) else None,
                     fmt_count(r.longest_shared_span), "yes" if r.same_body is True else "no"])
    table = table_html(["report", "other report", "section", "similarity", "own words",
                        "longest shared span", "same body"], rows, numeric=(3, 4, 5),
                       cls="pairs")
    sections = ", ".join(f"{k} {v:,}" for k, v in by_section) or "none"
    return ('<section id="reuse"><h2>Copied narrative</h2>'
            f'<p><span class="stat">{len(reuse):,}</span> pairs of near-identical sections '
            f'among <span class="stat">{len(involved):,}</span> documents; {same_body:,} '
            f'pairs are one body copying itself. By section: {esc(sections)}.</p>'
            f'<h3>Most similar pairs</h3>{table}</section>')


def section_duplicates(release: Release) -> str:
    reports = release.reports
    copies = reports[reports["duplicate_of"].notna()].sort_values(
        ["duplicate_of", "report_id"], kind="stable")
    by_id = reports.set_index("report_id")
    rows = []
    for row in copies.to_dict("records"):
        kept = row["duplicate_of"]
        kept_row = by_id.loc[kept].to_dict() if kept in by_id.index else {}
        rows.append([body_name(row), year_label(row.get("report_year")),
                     row.get("source_format"), source_link(row.get("source_uri")),
                     kept_row.get("source_format"), source_link(kept_row.get("source_uri")),
                     short_id(kept)])
    table = table_html(["body", "year", "copy format", "copy", "kept format", "kept copy",
                        "kept report_id"], rows, cls="dupes")
    return ('<section id="duplicates"><h2>Duplicates</h2>'
            f'<p><span class="stat">{len(copies):,}</span> documents are another copy of a '
            'report (same body and year, matching tables); count bodies without them.</p>'
            f'{table}</section>')


def section_tables(release: Release) -> str:
    counts = release.manifest.get("row_counts") or {}
    rows = [[Html(f"<code>{esc(name)}</code>"), int(n)] for name, n in sorted(counts.items())]
    inputs = release.manifest.get("inputs") or []
    return ('<section id="tables"><h2>Tables of the release</h2>'
            f'<p class="note">Row counts from MANIFEST.json; {len(inputs):,} inputs.</p>'
            f'{table_html(["table", "rows"], rows, numeric=(1,), cls="narrow")}</section>')


CSS = """
:root { --ink:#1d2330; --muted:#5f6b7a; --line:#dde3ea; --bg:#f6f8fa; --main:#1f5fa8; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff; line-height:1.5; font-size:15px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
  "PingFang SC", "Microsoft YaHei", sans-serif; }
header.page { background:#13294b; color:#fff; padding:28px 0 22px; }
header.page h1 { margin:0 0 6px; font-size:26px; font-weight:650; }
header.page dl { display:flex; flex-wrap:wrap; gap:6px 28px; margin:10px 0 0; font-size:14px; }
header.page dt { color:#a9bcd6; } header.page dd { margin:0; font-weight:600; }
.wrap { max-width:1180px; margin:0 auto; padding:0 24px; }
nav.toc { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line);
  font-size:14px; }
nav.toc a { display:inline-block; padding:10px 12px 9px; color:var(--main);
  text-decoration:none; }
nav.toc a:hover { background:var(--bg); }
section { padding:10px 0 26px; border-bottom:1px solid var(--line); }
h2 { font-size:21px; margin:22px 0 10px; }
h3 { font-size:16px; margin:18px 0 8px; color:#2c3e57; }
.figures { display:grid; grid-template-columns:repeat(auto-fill, minmax(190px, 1fr)); gap:12px; }
.figure { background:var(--bg); border:1px solid var(--line); border-radius:8px;
  padding:12px 14px; display:flex; flex-direction:column; }
.figure-value { font-size:28px; font-weight:700; color:var(--main);
  font-variant-numeric:tabular-nums; }
.figure-label { font-weight:600; }
.figure-note, .note, .muted { color:var(--muted); font-size:13px; }
.stat { font-weight:700; color:var(--main); }
figure.chart { margin:8px 0 16px; padding:10px; border:1px solid var(--line);
  border-radius:8px; background:#fff; }
figure.chart svg { display:block; max-width:100%; height:auto; margin:0 auto; }
figcaption { color:var(--muted); font-size:13px; margin-top:6px; }
.pair { display:grid; grid-template-columns:minmax(0, 3fr) minmax(0, 2fr); gap:18px;
  align-items:start; }
@media (max-width: 900px) { .pair { grid-template-columns:1fr; } }
.table-wrap { overflow-x:auto; margin:6px 0 12px; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
caption { text-align:left; color:var(--muted); padding:4px 0; }
th, td { padding:6px 9px; border-bottom:1px solid var(--line); text-align:left;
  vertical-align:top; }
thead th { background:var(--bg); font-weight:600; position:sticky; top:0;
  border-bottom:2px solid #c9d3de; white-space:nowrap; }
tbody tr:nth-child(even) { background:#fbfcfd; }
tbody tr:hover { background:#eef4fb; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.empty { color:var(--muted); text-align:center; font-style:italic; }
table.matrix, table.narrow { width:auto; min-width:50%; }
table.matrix td.num, table.matrix th.num { min-width:4.5em; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size:12.5px;
  background:#f0f3f6; padding:1px 4px; border-radius:3px; }
a.source { color:var(--main); word-break:break-all; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px;
  font-weight:600; color:#fff; background:#9e9e9e; }
.badge.ok { background:#2e7d32; } .badge.partial { background:#b07800; }
.badge.failed { background:#c62828; }
footer { color:var(--muted); font-size:12.5px; padding:18px 0 40px; }
"""


def render_quality_report(dataset: Path, release: str | None = None) -> str:
    """The quality report of one release of ``dataset`` as a complete HTML page.

    ``release`` is a folder name under ``dataset/releases``; by default the published one
    (``dataset/current``). A release without some tables, or without any document, still
    renders: its sections say so.
    """
    data = load_release(Path(dataset), release)
    heads = headlines(data)
    manifest = data.manifest
    if data.published:
        state = "published"
    elif data.current:
        state = f"not published (the published release is {data.current})"
    else:
        state = "not published (no release is published)"
    meta = [("release", f"{data.name}"), ("state", state),
            ("parser version", manifest.get("parser_version") or "—"),
            ("built at", manifest.get("built_at") or "—"),
            ("documents", f"{len(data.reports):,}")]
    meta_html = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in meta)
    nav = "".join(f'<a href="#{key}">{esc(label)}</a>' for key, label in (
        ("summary", "Summary"), ("coverage", "Coverage"), ("parsing", "Parse status"),
        ("problems", "Problems"), ("checks", "Checks"), ("worst", "Worst documents"),
        ("reuse", "Copied narrative"), ("duplicates", "Duplicates"), ("tables", "Tables")))
    body = "".join([
        section_summary(data, heads), section_coverage(data), section_parsing(data),
        section_problems(data), section_checks(data), section_worst(data),
        section_reuse(data), section_duplicates(data), section_tables(data)])
    title = f"gongkai data quality — release {data.name}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="gongkai.quality_report">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<header class="page"><div class="wrap"><h1>Data quality report</h1>'
        '<div>政府信息公开工作年度报告 · gongkai dataset</div>'
        f'<dl class="meta" id="release-meta" data-release="{esc(data.name)}">{meta_html}</dl>'
        f'</div></header><nav class="toc"><div class="wrap">{nav}</div></nav>'
        f'<main class="wrap">{body}</main>'
        '<footer class="wrap">Generated by gongkai.quality_report from the release\'s Parquet '
        'tables and MANIFEST.json. Column meanings: docs/DATA_DICTIONARY.md.</footer>'
        "</body></html>\n")


def write_quality_report(dataset: Path, out_html: Path, release: str | None = None) -> Path:
    """Render the report of ``dataset`` (see render_quality_report) into ``out_html``."""
    out_html = Path(out_html)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(render_quality_report(dataset, release), encoding="utf-8")
    return out_html
