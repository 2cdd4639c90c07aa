"""Every published table and column, described once.

The Parquet schemas, the data dictionary (``gongkai describe``, docs/DATA_DICTIONARY.md)
and the tests of the contract all read this registry. Codes of the coded columns come from
the template map, so they too are written down in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

PARTITION = "report_year"

TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s", tz="UTC"),
    "bbox": pa.list_(pa.float64()),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    zh: str | None = None
    unit: str | None = None
    codes: str | None = None  # where the allowed codes are listed
    nullable: bool = True

    @property
    def arrow_type(self) -> pa.DataType:
        return TYPES[self.type]


@dataclass(frozen=True)
class TableSpec:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)
    # Tables about the whole corpus (term_idf) have no year and are one file.
    partitioned: bool = True
    # Rows per Parquet row group: the build holds up to one group per table and year
    # while it writes, so tables with long texts get smaller groups.
    row_group_rows: int = 8192

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


REPORT_ID = Column("report_id", "string", "sha256 of the source document's bytes (hex): the "
                   "key that joins every table.", nullable=False)
YEAR = Column(PARTITION, "int32", "The year the report covers (also the partition key); "
              "0 when it could not be determined (a partition key cannot be null).",
              zh="报告年度")
SOURCE = (
    Column("page", "int32", "1-based page of the source, null for formats without pages."),
    Column("table_index", "int32", "0-based index of the source table, in document order."),
    Column("cell_row", "int32", "0-based row of the cell in that table."),
    Column("cell_col", "int32", "0-based grid column of the cell in that table."),
    Column("bbox", "bbox", "Cell box on the page (x0, top, x1, bottom, points); PDFs only."),
)
VALUE = Column("value", "float64", "The number printed; null when the cell is blank, a dash "
               "or 无 (a blank is not a zero).")
RAW = Column("raw", "string", "The cell text exactly as found (null for derived values).")
DERIVED = Column("derived", "bool", "True when the value is computed by the template's rule "
                 "(2021 三(六) = 1 + 2 + 3), not printed.", nullable=False)
CONFIDENCE = Column("confidence", "float64", "OCR confidence of the cell (0-1); null when the "
                    "text was read from the document itself. Below 0.6 the value has a "
                    "needs_review problem.")

TABLES: dict[str, TableSpec] = {}


def _table(spec: TableSpec) -> None:
    TABLES[spec.name] = spec


_table(TableSpec(
    "reports",
    "One row per source document, readable or not.",
    key=("report_id",),
    columns=(
        REPORT_ID,
        Column("source_uri", "string", "Where the document came from (path or URL).",
               nullable=False),
        Column("source_format", "string", "Format decided from the bytes: txt, docx, html, "
               "pdf, doc, …", nullable=False),
        Column("title", "string", "The report's title as printed.", zh="标题"),
        Column("org_name", "string", "The reporting body as written in the title, e.g. "
               "市中区孟庄镇.", zh="机关名称"),
        Column("township", "string", "Township-level unit (乡/镇/街道) the document names.",
               zh="乡镇街道"),
        Column("county", "string", "County-level unit the document names.", zh="县区"),
        Column("city", "string", "Prefecture-level unit the document names.", zh="地市"),
        Column("province", "string", "Province-level unit the document names.", zh="省份"),
        Column("admin_code", "string", "12-digit 统计用区划代码 of the body's division, when "
               "the gazetteer resolves it uniquely.", zh="统计用区划代码"),
        Column("body_level", "string", "township, county, city, province, department or other:"
               " never compare a county's totals with a township's as if alike.",
               codes="body_level"),
        YEAR,
        Column("template", "string", "National template the tables follow: 2019, 2021, "
               "pre2019 or unknown (decided from the tables, never from the year).",
               codes="template", nullable=False),
        Column("published_date", "date", "Date of issue printed at the end, when stated.",
               zh="成文日期"),
        Column("parse_status", "string", "ok, partial (read with gaps: see problems) or "
               "failed (not readable: see problems).", codes="parse_status", nullable=False),
        Column("n_warnings", "int32", "Number of problems rows for this document.",
               nullable=False),
        Column("parser_version", "string", "gongkai release and parser fingerprint that "
               "read the document (0.1.0+3f2a9c1d4b5e): a cached result is reused only by "
               "the same parser.",
               nullable=False),
        Column("ingested_at", "timestamp", "When the document entered the collection: its "
               "modification time, or SOURCE_DATE_EPOCH when set (never the build clock, so "
               "builds are reproducible).", nullable=False),
        Column("text_source", "string", "native (text read from the file), ocr (every page "
               "read by OCR) or mixed.", codes="text_source", nullable=False),
        Column("n_pages", "int32", "Pages, for paged formats (PDF, images)."),
        Column("n_tables", "int32", "Tables found in the document (any kind).", nullable=False),
        Column("text_chars", "int32", "Characters of narrative text.", nullable=False),
        Column("duplicate_of", "string", "report_id of another copy of the same report (the "
               "same body and year with matching tables, e.g. an HTML page and its PDF "
               "attachment), which is the one to use; null for the copy to use and for "
               "reports without copies. Filter on it before counting bodies."),
    ),
))

_table(TableSpec(
    "active_disclosure",
    "Table 二, 主动公开政府信息情况, one row per item and metric.",
    key=("report_id", "item", "metric"),
    columns=(
        REPORT_ID,
        Column("article", "string", "Article 20 paragraph of the Regulations: 20.1, 20.5, "
               "20.6, 20.8, 20.9.", zh="第二十条"),
        Column("item", "string", "What is counted.", codes="items", nullable=False),
        Column("metric", "string", "Which count.", codes="metrics", nullable=False),
        VALUE,
        Column("unit", "string", "count, 10k_yuan (万元) or unstated (money with no unit "
               "printed: see problems).", codes="unit", nullable=False),
        RAW,
        Column("item_label_zh", "string", "The item's label as printed.", zh="信息内容"),
        Column("metric_label_zh", "string", "The metric's header as printed."),
        DERIVED,
        CONFIDENCE,
        *SOURCE,
        YEAR,
    ),
))

_table(TableSpec(
    "applications",
    "Table 三, 收到和处理政府信息公开申请情况, one row per row and applicant column.",
    key=("report_id", "row", "applicant"),
    columns=(
        REPORT_ID,
        Column("row", "string", "The table row.", codes="application_rows", nullable=False),
        Column("applicant", "string", "The applicant column.", codes="applicants",
               nullable=False),
        VALUE,
        RAW,
        Column("row_label_zh", "string", "The row's label as printed."),
        Column("applicant_label_zh", "string", "The applicant column's label.",
               zh="申请人情况"),
        DERIVED,
        CONFIDENCE,
        *SOURCE,
        YEAR,
    ),
))

_table(TableSpec(
    "reviews_litigation",
    "Table 四, 政府信息公开行政复议、行政诉讼情况, one row per proceeding and outcome.",
    key=("report_id", "proceeding", "outcome"),
    columns=(
        REPORT_ID,
        Column("proceeding", "string", "admin_review, litigation_direct or "
               "litigation_after_review.", codes="proceedings", nullable=False),
        Column("outcome", "string", "upheld, corrected, other, pending or total.",
               codes="outcomes", nullable=False),
        VALUE,
        RAW,
        Column("proceeding_label_zh", "string", "The proceeding's label."),
        Column("outcome_label_zh", "string", "The outcome's label."),
        DERIVED,
        CONFIDENCE,
        *SOURCE,
        YEAR,
    ),
))

_table(TableSpec(
    "sections",
    "The narrative, one row per section, tables removed.",
    key=("report_id", "section"),
    columns=(
        REPORT_ID,
        Column("section", "string", "Which part of the report.", codes="sections",
               nullable=False),
        Column("heading", "string", "The heading as written (null for the preamble)."),
        Column("text", "string", "The section's narrative text; paragraphs end with a line "
               "break.", nullable=False),
        Column("n_chars", "int32", "Characters of text, whitespace excluded.", nullable=False),
        Column("position", "int32", "Order of the section in the document (0-based).",
               nullable=False),
        YEAR,
    ),
    row_group_rows=2048,
))

_table(TableSpec(
    "terms",
    "jieba segmentation of each section: terms and how often they occur.",
    key=("report_id", "section", "term", "pos"),
    columns=(
        REPORT_ID,
        Column("section", "string", "Section the term occurs in.", codes="sections",
               nullable=False),
        Column("term", "string", "The term, full-width forms folded. Laws cited in 《》 are "
               "one term (brackets kept); the template map's anchor terms (政府信息公开, "
               "依申请公开, 三安全一稳定 …) are never split, so their counts are exact; "
               "punctuation, stop words, single characters and numbers are not terms.",
               nullable=False),
        Column("count", "int32", "Occurrences in the section.", nullable=False),
        Column("pos", "string", "jieba part-of-speech tag, when the build ran with --pos "
               "(then a term tagged two ways has two rows); null otherwise."),
        YEAR,
    ),
))

_table(TableSpec(
    "keywords",
    "The most distinctive terms of each section: TF-IDF with the IDF of this dataset.",
    key=("report_id", "section", "rank"),
    columns=(
        REPORT_ID,
        Column("section", "string", "Section.", codes="sections", nullable=False),
        Column("rank", "int32", "1 for the highest TF-IDF; ties broken by the term, so the "
               "order is stable.", nullable=False),
        Column("term", "string", "The term (as in terms).", nullable=False),
        Column("count", "int32", "Occurrences in the section.", nullable=False),
        Column("tf", "float64", "count / all term occurrences of the section.", nullable=False),
        Column("idf", "float64", "The term's IDF over the whole dataset (see term_idf).",
               nullable=False),
        Column("tfidf", "float64", "tf × idf, rounded to 6 decimals.", nullable=False),
        YEAR,
    ),
))

_table(TableSpec(
    "term_idf",
    "Inverse document frequency of every term over the reports of this dataset (a "
    "document is a report's whole narrative): idf = ln((1 + N) / (1 + n_reports)) + 1.",
    key=("term",),
    partitioned=False,
    columns=(
        Column("term", "string", "The term.", nullable=False),
        Column("n_reports", "int32", "Reports whose narrative contains the term.",
               nullable=False),
        Column("corpus_reports", "int32", "N: reports with any term in this dataset.",
               nullable=False),
        Column("total_count", "int64", "Occurrences in the whole dataset.", nullable=False),
        Column("idf", "float64", "ln((1 + N) / (1 + n_reports)) + 1, rounded to 6 decimals.",
               nullable=False),
    ),
))

_table(TableSpec(
    "text_reuse",
    "Pairs of reports whose section is near-identical (copied text): MinHash/LSH over "
    "5-character shingles, verified on the exact shingle sets. The template's own "
    "sentences are removed first, and a pair must also be alike on its own words, "
    "without the stock phrases found in 5% or more of the reports.",
    key=("report_id", "other_report_id", "section"),
    columns=(
        Column("report_id", "string", "One report of the pair (the smaller report_id).",
               nullable=False),
        Column("other_report_id", "string", "The other report of the pair.", nullable=False),
        Column("section", "string", "The section compared (only like with like).",
               codes="sections", nullable=False),
        Column("similarity", "float64", "Jaccard similarity of the two sections' 5-character "
               "shingle sets (0-1, rounded to 4 decimals); published from 0.6.",
               nullable=False),
        Column("own_similarity", "float64", "The same on the sections' own words: "
               "shingles found in 5% or more of the dataset's sections of this kind (stock "
               "phrases) removed; published from 0.25.", nullable=False),
        Column("shared_chars", "int32", "Characters of report_id's section covered by "
               "shingles the other section also has.", nullable=False),
        Column("longest_shared_span", "int32", "Longest run of such characters: the "
               "longest passage the two have in common.", nullable=False),
        Column("n_chars", "int32", "Characters compared in report_id's section (letters and "
               "digits, boilerplate removed).", nullable=False),
        Column("other_n_chars", "int32", "The same for the other report.", nullable=False),
        Column("same_body", "bool", "Both reports come from the same body (its own earlier "
               "report, or one report posted twice): same name, or same division code "
               "for a government.", nullable=False),
        Column("other_report_year", "int32", "Year of the other report."),
        YEAR,
    ),
))

_table(TableSpec(
    "narrative_facts",
    "Facts stated in the prose that the tables lack, each with its sentence.",
    key=("report_id", "fact", "ordinal"),
    columns=(
        REPORT_ID,
        Column("fact", "string", "What is stated.", codes="narrative_facts", nullable=False),
        Column("ordinal", "int32", "0-based order of this statement among the report's "
               "statements of the same fact.", nullable=False),
        Column("is_primary", "bool", "The statement to use: the first stated total (共, 累计 …) "
               "or else the first statement.", nullable=False),
        Column("value", "float64", "The number (items, or money in 万元); null for a phone."),
        Column("unit", "string", "count, 10k_yuan, or null for text facts.", codes="unit"),
        Column("text", "string", "What was matched: the phone as 0531-86012345, or the "
               "words around the number.", nullable=False),
        Column("approximate", "bool", "The number is qualified (约, 余, 多).", nullable=False),
        Column("section", "string", "Section of the sentence.", codes="sections",
               nullable=False),
        Column("sentence", "string", "The sentence as written.", nullable=False),
        YEAR,
    ),
))

_table(TableSpec(
    "fetches",
    "Every HTTP request of every crawl, successful or not: the crawl log. Bodies are in the "
    "raw archive under their sha256, so nothing fetched is lost even if it cannot be parsed.",
    key=("url", "fetched_at"),
    partitioned=False,
    columns=(
        Column("url", "string", "The URL requested (the first of a redirect chain).",
               nullable=False),
        Column("final_url", "string", "Where the body came from after redirects."),
        Column("site", "string", "The site's name in the sources file.", nullable=False),
        Column("fetched_at", "timestamp", "When the request was made (UTC).", nullable=False),
        Column("http_status", "int32", "Final HTTP status; 304 when the archived copy is "
               "still current; null when no response came (see error)."),
        Column("etag", "string", "The ETag the server sent (used for the next conditional "
               "request)."),
        Column("last_modified", "string", "The Last-Modified header the server sent."),
        Column("content_type", "string", "The Content-Type header as sent (the format is "
               "decided from the bytes, not from this)."),
        Column("bytes", "int64", "Size of the body (of the archived body for a 304)."),
        Column("sha256", "string", "sha256 of the body: its name in the raw archive and the "
               "report_id of the document built from it."),
        Column("error", "string", "Why the fetch failed or was skipped (timeout, "
               "http_404, too_large, too_many_redirects, off_site_redirect, bad_redirect, "
               "bad_url, disallowed_by_robots, connection …), with details; null on success."),
        Column("role", "string", "robots, listing, report_page or attachment.",
               nullable=False),
        Column("is_document", "bool", "The body is a document for the build (an attachment, "
               "or a report page holding the report inline).", nullable=False),
        Column("referrer", "string", "The page the URL was found on."),
        Column("attempts", "int32", "Requests made for this URL in this crawl (retries and "
               "redirect hops included).", nullable=False),
    ),
))

_table(TableSpec(
    "checks",
    "The template's own arithmetic, one row per check, report and scope.",
    key=("report_id", "check", "scope"),
    columns=(
        REPORT_ID,
        Column("check", "string", "Which check.", codes="checks", nullable=False),
        Column("scope", "string", "The applicant column, row or proceeding checked (null "
               "when the table is missing)."),
        Column("passed", "bool", "True or False; null when an input is blank or not printed."),
        Column("expected", "float64", "Sum of the components."),
        Column("actual", "float64", "The total printed."),
        Column("detail", "string", "The sum written out, or why it could not be evaluated.",
               nullable=False),
        YEAR,
    ),
))

_table(TableSpec(
    "problems",
    "Everything that could not be read or was read with a caveat, one row per warning or "
    "failure.",
    key=("report_id", "seq"),
    columns=(
        REPORT_ID,
        Column("seq", "int32", "0-based order of the problem within its report (a report "
               "can have the same code several times).", nullable=False),
        Column("stage", "string", "read, interpret, metadata, checks or build.",
               nullable=False),
        Column("code", "string", "What went wrong.", codes="problems", nullable=False),
        Column("message", "string", "Details, including any row kept whole.", nullable=False),
        Column("location", "string", "Where in the document (page, table, row, column)."),
        YEAR,
    ),
))

TABLE_ORDER = tuple(TABLES)
