"""Keywords of each section by TF-IDF, with the IDF of this corpus.

jieba ships an IDF table computed on general Chinese text, where 政府信息公开 is rare and
therefore 'distinctive'; in these reports it is in every one. The IDF is therefore
computed over the built dataset itself (a document is one report's whole narrative) and
published as ``term_idf``, so a researcher can recompute or reweight keywords.

    idf(t)   = ln((1 + N) / (1 + n_reports(t))) + 1      (smoothed, never zero)
    tf(t, s) = count(t, s) / all term occurrences of section s

Values are rounded to 6 decimals and ties broken by the term, so the ranking is the same
on every machine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from transform.schema import TABLES

KEYWORDS_PER_SECTION = 10
DECIMALS = 6


def _frame(terms: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Terms summed over part-of-speech tags: a keyword is a word, whatever its tag."""
    frame = terms if isinstance(terms, pd.DataFrame) else pd.DataFrame(
        terms, columns=["report_id", "section", "term", "count"])
    if frame.empty:
        return frame
    return (frame.groupby(["report_id", "section", "term"], sort=True)["count"].sum()
            .reset_index())


def term_idf(terms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``term_idf``: every term's document frequency and IDF, sorted by term."""
    frame = _frame(terms)
    if frame.empty:
        return []
    counts = frame.groupby("term", sort=True).agg(
        n_reports=("report_id", "nunique"), total_count=("count", "sum"))
    return idf_rows(counts, int(frame["report_id"].nunique()))


def idf_rows(counts: pd.DataFrame, n_reports: int) -> list[dict[str, Any]]:
    """Rows of ``term_idf`` from each term's document frequency and total count
    (``counts`` indexed by term, columns ``n_reports`` and ``total_count``)."""
    counts = counts.sort_index()
    idf = np.round(np.log((1 + n_reports) / (1 + counts["n_reports"])) + 1, DECIMALS)
    return [
        {"term": term, "n_reports": int(n), "corpus_reports": n_reports,
         "total_count": int(total), "idf": float(value)}
        for term, n, total, value in zip(counts.index, counts["n_reports"],
                                         counts["total_count"], idf, strict=True)
    ]


def keywords(terms: list[dict[str, Any]], idf_rows: list[dict[str, Any]],
             per_section: int = KEYWORDS_PER_SECTION) -> list[dict[str, Any]]:
    """Rows of ``keywords``: the top terms of each report's section by TF-IDF."""
    frame = pd.DataFrame(terms, columns=["report_id", "section", "term", "count",
                                         "report_year"])
    idf = pd.Series({r["term"]: r["idf"] for r in idf_rows}, name="idf", dtype="float64")
    return top_keywords(frame, idf, per_section)


#: Columns of :func:`keyword_frame`: the ``keywords`` table's, in its order.
KEYWORD_COLUMNS = list(TABLES["keywords"].column_names)


def keyword_frame(terms: pd.DataFrame, idf: pd.Series,
                  per_section: int = KEYWORDS_PER_SECTION) -> pd.DataFrame:
    """The top terms of each report's section as a frame of the ``keywords`` columns,
    from a frame of those reports' terms (every row of a report must be in the frame:
    TF needs the section's total). A frame, not rows: a build's keywords go straight to
    Arrow, and a Python dict per row cost as much as the ranking."""
    if terms.empty:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in KEYWORD_COLUMNS})
    years = terms.groupby("report_id", sort=False)["report_year"].first()
    frame = _frame(terms[["report_id", "section", "term", "count"]])
    frame = frame.join(idf.rename("idf"), on="term")
    totals = frame.groupby(["report_id", "section"])["count"].transform("sum")
    frame["tf"] = np.round(frame["count"] / totals, DECIMALS)
    frame["tfidf"] = np.round(frame["count"] / totals * frame["idf"], DECIMALS)
    frame = frame.sort_values(["report_id", "section", "tfidf", "term"],
                              ascending=[True, True, False, True], kind="mergesort")
    frame["rank"] = frame.groupby(["report_id", "section"]).cumcount() + 1
    top = frame[frame["rank"] <= per_section].reset_index(drop=True)
    top["report_year"] = top["report_id"].map(years).astype("Int64")
    return top[KEYWORD_COLUMNS]


def top_keywords(terms: pd.DataFrame, idf: pd.Series,
                 per_section: int = KEYWORDS_PER_SECTION) -> list[dict[str, Any]]:
    """:func:`keyword_frame` as rows of Python values."""
    top = keyword_frame(terms, idf, per_section)
    return [
        {"report_id": rid, "section": section, "rank": int(rank), "term": term,
         "count": int(count), "tf": float(tf), "idf": float(idf_value),
         "tfidf": float(tfidf), "report_year": _year(year)}
        for rid, section, rank, term, count, tf, idf_value, tfidf, year in zip(
            top["report_id"], top["section"], top["rank"], top["term"], top["count"],
            top["tf"], top["idf"], top["tfidf"], top["report_year"], strict=True)
    ]


def _year(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
