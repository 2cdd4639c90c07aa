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

KEYWORDS_PER_SECTION = 10
DECIMALS = 6


def _frame(terms: list[dict[str, Any]]) -> pd.DataFrame:
    """Terms summed over part-of-speech tags: a keyword is a word, whatever its tag."""
    frame = pd.DataFrame(terms, columns=["report_id", "section", "term", "count"])
    if frame.empty:
        return frame
    return (frame.groupby(["report_id", "section", "term"], sort=True)["count"].sum()
            .reset_index())


def term_idf(terms: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``term_idf``: every term's document frequency and IDF, sorted by term."""
    frame = _frame(terms)
    if frame.empty:
        return []
    n_reports = int(frame["report_id"].nunique())
    grouped = frame.groupby("term", sort=True).agg(
        n_reports=("report_id", "nunique"), total_count=("count", "sum"))
    idf = np.round(np.log((1 + n_reports) / (1 + grouped["n_reports"])) + 1, DECIMALS)
    return [
        {"term": term, "n_reports": int(n), "corpus_reports": n_reports,
         "total_count": int(total), "idf": float(value)}
        for term, n, total, value in zip(grouped.index, grouped["n_reports"],
                                         grouped["total_count"], idf, strict=True)
    ]


def keywords(terms: list[dict[str, Any]], idf_rows: list[dict[str, Any]],
             per_section: int = KEYWORDS_PER_SECTION) -> list[dict[str, Any]]:
    """Rows of ``keywords``: the top terms of each report's section by TF-IDF."""
    frame = _frame(terms)
    if frame.empty:
        return []
    years = {row["report_id"]: row.get("report_year") for row in terms}
    idf = pd.Series({r["term"]: r["idf"] for r in idf_rows}, name="idf")
    frame = frame.join(idf, on="term")
    totals = frame.groupby(["report_id", "section"])["count"].transform("sum")
    frame["tf"] = np.round(frame["count"] / totals, DECIMALS)
    frame["tfidf"] = np.round(frame["count"] / totals * frame["idf"], DECIMALS)
    frame = frame.sort_values(["report_id", "section", "tfidf", "term"],
                              ascending=[True, True, False, True], kind="mergesort")
    frame["rank"] = frame.groupby(["report_id", "section"]).cumcount() + 1
    top = frame[frame["rank"] <= per_section]
    return [
        {"report_id": rid, "section": section, "rank": int(rank), "term": term,
         "count": int(count), "tf": float(tf), "idf": float(idf_value),
         "tfidf": float(tfidf), "report_year": years[rid]}
        for rid, section, rank, term, count, tf, idf_value, tfidf in zip(
            top["report_id"], top["section"], top["rank"], top["term"], top["count"],
            top["tf"], top["idf"], top["tfidf"], strict=True)
    ]
