"""Copied narrative: every copied pair found, no unrelated pair, boilerplate ignored."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from gongkai.synth.narrative import random_body, report_narrative
from tests.narrative_corpus import copy_corpus
from transform.build import build_dataset
from transform.reuse import comparable_text, find_reuse, jaccard, shared_spans, shingles


@pytest.fixture(scope="module")
def reuse_build(tmp_path_factory: pytest.TempPathFactory):
    corpus = copy_corpus(n_reports=40, n_sources=6)
    folder = tmp_path_factory.mktemp("reuse")
    corpus.write(folder / "in")
    build_dataset([folder / "in"], folder / "out")
    return corpus, folder / "out"


def test_every_copied_pair_found_and_no_other(reuse_build):
    corpus, out = reuse_build
    reuse = pd.read_parquet(out / "text_reuse")
    reports = pd.read_parquet(out / "reports")
    name = {r: Path(u).name for r, u in zip(reports["report_id"], reports["source_uri"],
                                            strict=True)}
    assert len(reports) == 40 + 2 * 6
    found = {frozenset((name[a], name[b])) for a, b in
             zip(reuse["report_id"], reuse["other_report_id"], strict=True)}
    assert found == corpus.copies  # all 18 copied pairs, nothing else, in any section
    assert set(reuse["section"]) == {"overview"}
    assert (reuse["similarity"] >= 0.6).all() and (reuse["own_similarity"] >= 0.25).all()
    assert (reuse["longest_shared_span"] >= 20).all()
    assert (reuse["shared_chars"] <= reuse["n_chars"]).all()


def test_a_body_copying_itself_is_marked_same_body(reuse_build):
    _, out = reuse_build
    reuse = pd.read_parquet(out / "text_reuse")
    reports = pd.read_parquet(out / "reports").set_index("report_id")
    for row in reuse.itertuples():
        a = Path(reports.loc[row.report_id, "source_uri"]).name
        b = Path(reports.loc[row.other_report_id, "source_uri"]).name
        itself = {a[0], b[0]} == {"r", "n"} and a[1:] == b[1:]
        assert row.same_body == itself, (a, b)
        assert {row.report_year, row.other_report_year} <= {2020, 2021}


def test_template_sentences_and_stock_phrases_are_not_reuse():
    rng = random.Random(3)
    note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    stock = "\n".join(report_narrative(random_body(rng), 2020, rng)[0]["problems"]
                      for _ in range(8))
    rows = []
    for i in range(12):
        own = report_narrative(random_body(rng), 2020, rng)[0]["overview"]
        rows.append({"report_id": f"{i:02d}", "section": "overview",
                     "text": f"{note}\n{stock}\n{own}"})
    # Shared by all twelve, the stock text alone would pair every one of them …
    first, second = (shingles(comparable_text(r["text"])) for r in rows[:2])
    assert jaccard(first, second) > 0.5
    # … but a phrase every report prints is nobody's copy.
    assert find_reuse(rows, []) == []
    assert "勾稽" not in comparable_text(note + "正文")
    assert comparable_text("本报告中所列数据的统计期限自2020年1月1日起至2020年12月31日止。") == ""


def test_short_sections_are_not_compared():
    text = "本年度无其他需要报告的事项。如有疑问请联系党政办。"
    rows = [{"report_id": str(i), "section": "other_matters", "text": text} for i in range(3)]
    assert find_reuse(rows, []) == []


def test_shared_spans():
    text = "甲乙丙丁戊己庚辛壬癸子丑寅卯"
    other = shingles("甲乙丙丁戊己庚" + "某某某某" + "寅卯")
    shared, longest = shared_spans(text, other)
    assert (shared, longest) == (7, 7)


def test_copies_found_among_a_larger_corpus():
    """150 independent reports and 20 copy families, without the build around it."""
    from datetime import UTC, datetime

    from transform.report import Source, process_source

    corpus = copy_corpus(n_reports=150, n_sources=20, seed=11)
    sections, reports = [], []
    for name, data in corpus.files.items():
        rows = process_source(Source(name, data, datetime.now(UTC)), terms="none")
        reports.append({**rows.report, "report_id": name})
        sections += [{"report_id": name, **s} for s in rows.tables["sections"]]
    found = {frozenset((r["report_id"], r["other_report_id"]))
             for r in find_reuse(sections, reports)}
    assert found == corpus.copies


def test_copies_planted_by_the_demo_corpus_are_found(tmp_path: Path):
    import json

    from gongkai.synth.reports import write_corpus

    write_corpus(120, tmp_path / "synth", ("txt",), seed=5, copy_share=0.1)
    keys = {p.stem: json.loads(p.read_text(encoding="utf-8"))
            for p in (tmp_path / "synth" / "keys").glob("*.json")}
    planted = {frozenset((stem, key["copied_from"])) for stem, key in keys.items()
               if key["copied_from"]}
    assert len(planted) >= 5
    build_dataset([tmp_path / "synth" / "reports"], tmp_path / "out", terms="none")
    reuse = pd.read_parquet(tmp_path / "out" / "text_reuse")
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    stem = {r: Path(u).stem for r, u in zip(reports["report_id"], reports["source_uri"],
                                             strict=True)}
    overview = reuse[reuse["section"] == "overview"]
    found = {frozenset((stem[a], stem[b])) for a, b in
             zip(overview["report_id"], overview["other_report_id"], strict=True)}
    assert planted <= found


def test_candidates_stop_at_the_budget_keeping_the_strongest_bands():
    import numpy as np

    from transform.reuse import candidate_pairs

    rng = np.random.default_rng(7)
    keys = [f"r{i:04d}" for i in range(400)]
    # 40 families of 10 alike texts: the same key in every band for each family, plus
    # random collisions in the later bands only
    bands = np.repeat(np.arange(40, dtype=np.uint32), 10)[:, None].repeat(8, axis=1)
    bands[:, 4:] = rng.integers(0, 30, size=(400, 4), dtype=np.uint32)
    everything = candidate_pairs(keys, bands, budget=10**9)
    families = {(a, b) for a in keys for b in keys
                if a < b and int(a[1:]) // 10 == int(b[1:]) // 10}
    assert families < everything  # the random later bands add pairs
    bounded = candidate_pairs(keys, bands, budget=len(families) + 10)
    assert bounded == families  # the first bands are kept whole, the rest left out
    assert all(a < b for a, b in bounded)
    # keys in any order give the same pairs, each ordered by key
    shuffled = rng.permutation(400)
    again = candidate_pairs([keys[i] for i in shuffled], bands[shuffled], budget=10**9)
    assert again == everything


def test_minhash_is_datasketchs_affine64_minhash():
    """The numpy MinHash gives datasketch's values for the same integers, so signatures
    mean what that library documents (and its estimator's tested accuracy holds)."""
    import numpy as np
    from datasketch import MinHash

    from transform.reuse import NUM_PERM, fingerprints, minhash

    rng = np.random.default_rng(7)
    sets = [np.unique(rng.integers(0, 2**64, size, dtype=np.uint64, endpoint=False))
            for size in (1, 5, 80, 1000)]
    sets.append(np.unique(fingerprints("各级行政机关应当主动公开本行政机关的政府信息" * 3)))
    sets.append(np.empty(0, dtype=np.uint64))
    ours = minhash(sets)
    assert ours.shape == (len(sets), NUM_PERM)
    for values, items in zip(ours, sets, strict=True):
        theirs = MinHash(num_perm=NUM_PERM, hashfunc=lambda v: v, scheme="affine64")
        theirs.update_batch(items.tolist())
        assert np.array_equal(values, theirs.hashvalues)
    assert (ours[-1] == np.iinfo(np.uint64).max).all()  # empty: nothing seen
