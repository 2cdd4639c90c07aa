"""Keywords by TF-IDF with the corpus's own IDF, recomputed here independently."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pandas as pd

from transform.keywords import KEYWORDS_PER_SECTION, keywords, term_idf


def test_idf_is_this_datasets_and_published(seed_dataset: Path):
    terms = pd.read_parquet(seed_dataset / "terms")
    idf = pd.read_parquet(seed_dataset / "term_idf").set_index("term")
    reports_with: dict[str, set[str]] = defaultdict(set)
    for row in terms.itertuples():
        reports_with[row.term].add(row.report_id)
    n = terms["report_id"].nunique()
    assert n == 5 and len(idf) == len(reports_with)
    for term, ids in reports_with.items():
        assert idf.loc[term, "n_reports"] == len(ids)
        assert idf.loc[term, "corpus_reports"] == n
        assert idf.loc[term, "idf"] == round(math.log((1 + n) / (1 + len(ids))) + 1, 6)
    # In these reports 政府信息公开 is everywhere, so it is not distinctive.
    assert idf.loc["政府信息公开", "idf"] == 1.0


def test_keywords_rank_by_tfidf_then_term(seed_dataset: Path):
    terms = pd.read_parquet(seed_dataset / "terms")
    idf = pd.read_parquet(seed_dataset / "term_idf").set_index("term")["idf"]
    got = pd.read_parquet(seed_dataset / "keywords")
    assert len(got) > 0
    for (rid, section), group in terms.groupby(["report_id", "section"]):
        counts = group.groupby("term")["count"].sum()
        total = counts.sum()
        scored = sorted(((-round(c / total * idf[t], 6), t) for t, c in counts.items()))
        expected = [t for _, t in scored[:KEYWORDS_PER_SECTION]]
        mine = got[(got["report_id"] == rid) & (got["section"] == section)].sort_values("rank")
        assert list(mine["term"]) == expected
        assert list(mine["rank"]) == list(range(1, len(expected) + 1))


def test_terms_tagged_two_ways_are_one_keyword():
    terms = [
        {"report_id": "a", "section": "overview", "term": "公开", "count": 2, "pos": "v",
         "report_year": 2020},
        {"report_id": "a", "section": "overview", "term": "公开", "count": 1, "pos": "a",
         "report_year": 2020},
        {"report_id": "a", "section": "overview", "term": "镇村", "count": 1, "pos": "n",
         "report_year": 2020},
        {"report_id": "b", "section": "overview", "term": "公开", "count": 1, "pos": "v",
         "report_year": 2021},
    ]
    idf = term_idf(terms)
    assert [(r["term"], r["n_reports"], r["total_count"]) for r in idf] == [
        ("公开", 2, 4), ("镇村", 1, 1)]
    rows = keywords(terms, idf)
    a = [r for r in rows if r["report_id"] == "a"]
    # 公开: tf 3/4, idf ln(3/3) + 1 = 1; 镇村: tf 1/4, idf ln(3/2) + 1 ≈ 1.405.
    assert [(r["term"], r["count"], r["tfidf"]) for r in a] == [
        ("公开", 3, 0.75), ("镇村", 1, round(0.25 * (math.log(1.5) + 1), 6))]
    assert sum(r["tf"] for r in a) == 1.0
    assert keywords(terms, idf) == rows


def test_empty_corpus():
    assert term_idf([]) == [] and keywords([], []) == []


def test_a_report_without_a_year_keeps_a_null_year():
    terms = [{"report_id": "a", "section": "overview", "term": "公开", "count": 1, "pos": None,
              "report_year": None}]
    (row,) = keywords(terms, term_idf(terms))
    assert row["report_year"] is None and row["rank"] == 1
