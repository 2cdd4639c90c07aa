"""Copied narrative across reports: near-identical sections, found with MinHash and LSH.

Many bodies fill in their report by copying another's (a neighbour's, the county's model,
or their own last year's) and changing a few words. For each section kind separately,
every section's text becomes a set of character shingles, summarised by a MinHash
(datasketch); locality-sensitive hashing then proposes only the pairs likely to be
similar, so 100,000 reports are never compared pair by pair. Each proposed pair is
verified on the exact shingle sets before it is published.

What every report shares is not reuse:

* the template's own sentences (the 勾稽 note and other standard formulas, listed in the
  template map's ``narrative.boilerplate``) are removed before anything is compared;
* shingles found in a large share of that section's texts (``COMMON_SHARE``, and at
  least ``COMMON_MIN_REPORTS``) are the stock phrases of officialese. A pair must be
  similar on what is left, the body's *own* words (``MIN_OWN_SIMILARITY``), not only
  on the whole text (``MIN_SIMILARITY``): two reports that are both mostly stock
  phrases are alike, but neither copied the other.

LSH works on the own shingles, so stock phrases never make candidates, and a section
with fewer than ``MIN_SHINGLES`` shingles (about 80 characters) is not compared. Two
copies of one source differ by both sets of changes and may be less alike than either
is to the source; so every family of texts linked by found pairs is then compared all
against all, and no copy of a copy is missed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np

from transform.template_map import load_template_map
from transform.vocabulary import fold_width

SHINGLE = 5  # characters per shingle
NUM_PERM = 256
# 64 bands of 4 rows: a pair whose own words are 50% alike becomes a candidate with
# probability 0.98, one 20% alike with 0.10, one 10% alike with 0.006.
LSH_BANDS = (64, 4)
MAX_FAMILY = 200  # copies of one text compared all against all up to this many
MIN_SIMILARITY = 0.6  # Jaccard of the whole texts a published pair must reach
MIN_OWN_SIMILARITY = 0.25  # and of their own words (stock phrases removed)
MIN_SHINGLES = 76  # about 80 characters
MIN_OWN_SHINGLES = 20
COMMON_SHARE = 0.05
COMMON_MIN_REPORTS = 10
COMMON_SAMPLE = 5000  # texts sampled (evenly, in key order) to find the stock shingles
FINGERPRINT_BASE = np.uint64(1099511628211)  # an odd 64-bit multiplier (FNV prime)
NOT_TEXT = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]+")


@lru_cache(maxsize=1)
def boilerplate_pattern() -> re.Pattern[str]:
    """The template's own sentences, as one pattern (matched on folded text)."""
    patterns = load_template_map().narrative["boilerplate"]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def comparable_text(text: str) -> str:
    """Letters and digits of the text, the template's own sentences removed."""
    text = boilerplate_pattern().sub("", re.sub(r"\s+", "", fold_width(text)))
    return NOT_TEXT.sub("", text)


def fingerprints(text: str) -> np.ndarray:
    """A 64-bit fingerprint of the shingle starting at each position of ``text``.

    Polynomial (Rabin-Karp) fingerprints computed for the whole text at once, which is
    what lets a corpus of 100,000 reports be shingled in seconds. The MinHash mixes
    them again before permuting.
    """
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - SHINGLE + 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    values = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        values = values * FINGERPRINT_BASE + codes[k:k + n]
    return values


def shingles(text: str) -> np.ndarray:
    """The text's set of shingles, as sorted unique fingerprints."""
    return np.unique(fingerprints(text))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique fingerprint arrays."""
    if not len(a) and not len(b):
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (len(a) + len(b) - shared)


def common_shingles(sets: dict[str, np.ndarray]) -> np.ndarray:
    """Shingles in so many of these texts that they are stock phrases (sorted)."""
    keys = sorted(sets)
    step = max(1, len(keys) // COMMON_SAMPLE)
    sample = [sets[k] for k in keys[::step]]
    if not sample:
        return np.empty(0, dtype=np.uint64)
    values, counts = np.unique(np.concatenate(sample), return_counts=True)
    floor = max(COMMON_MIN_REPORTS / step, COMMON_SHARE * len(sample))
    return values[counts >= floor]


def shared_spans(text: str, other: np.ndarray) -> tuple[int, int]:
    """(characters of ``text`` inside shingles it shares with ``other``, longest such run)."""
    hits = np.isin(fingerprints(text), other)
    covered = np.zeros(len(text), dtype=bool)
    for k in range(SHINGLE):
        covered[k:k + len(hits)] |= hits
    if not covered.any():
        return 0, 0
    edges = np.diff(np.concatenate(([0], covered.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int(covered.sum()), int((ends - starts).max())


def _identity(value: int) -> int:
    return value


def similar_pairs(texts: dict[str, str]) -> list[tuple[str, str, float, float]]:
    """(a, b, similarity, own similarity) of the pairs that reach both thresholds (a < b)."""
    from datasketch import MinHash, MinHashLSH

    full = {k: shingles(t) for k, t in texts.items() if len(t) - SHINGLE + 1 >= MIN_SHINGLES}
    common = common_shingles(full)

    def own(key: str) -> np.ndarray:
        return np.setdiff1d(full[key], common, assume_unique=True)

    owned = {k: own(k) for k in sorted(full)}
    keys = [k for k, v in owned.items() if len(v) >= MIN_OWN_SHINGLES]
    if len(keys) < 2:
        return []
    sketches = MinHash.generator((owned[k].tolist() for k in keys), num_perm=NUM_PERM,
                                 hashfunc=_identity, scheme="affine64")
    lsh = MinHashLSH(num_perm=NUM_PERM, params=LSH_BANDS)
    stored = []
    with lsh.insertion_session() as session:
        for key, sketch in zip(keys, sketches, strict=True):
            session.insert(key, sketch, check_duplication=False)
            stored.append(sketch)
    candidates: set[tuple[str, str]] = set()
    for key, sketch in zip(keys, stored, strict=True):
        for other in lsh.query(sketch):
            if other != key:
                candidates.add((min(key, other), max(key, other)))
    def verify(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[float, float]]:
        found = {}
        for a, b in pairs:
            own_similarity = jaccard(owned[a], owned[b])
            if own_similarity < MIN_OWN_SIMILARITY:
                continue
            similarity = jaccard(full[a], full[b])
            if similarity >= MIN_SIMILARITY:
                found[(a, b)] = (similarity, own_similarity)
        return found

    found = verify(sorted(candidates))
    checked = set(candidates)
    for family in families(found):
        if len(family) <= MAX_FAMILY:
            rest = [p for p in itertools.combinations(family, 2) if p not in checked]
            found.update(verify(rest))
    return [(a, b, *found[(a, b)]) for a, b in sorted(found)]


def families(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of keys (sorted), from pairs found alike."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for key in sorted(parent):
        groups.setdefault(root(key), []).append(key)
    return [g for _, g in sorted(groups.items()) if len(g) > 2]


def find_reuse(sections: list[dict[str, Any]],
               reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``text_reuse``: near-identical sections of two different reports."""
    by_id = {r["report_id"]: r for r in reports}
    kinds: dict[str, dict[str, str]] = {}
    for row in sections:
        kinds.setdefault(row["section"], {})[row["report_id"]] = comparable_text(row["text"])
    rows: list[dict[str, Any]] = []
    for section in sorted(kinds):
        texts = kinds[section]
        for a, b, similarity, own_similarity in similar_pairs(texts):
            shared, longest = shared_spans(texts[a], shingles(texts[b]))
            ra, rb = by_id.get(a, {}), by_id.get(b, {})
            rows.append({
                "report_id": a, "other_report_id": b, "section": section,
                "similarity": round(similarity, 4),
                "own_similarity": round(own_similarity, 4),
                "shared_chars": shared, "longest_shared_span": longest,
                "n_chars": len(texts[a]), "other_n_chars": len(texts[b]),
                "same_body": _same_body(ra, rb),
                "other_report_year": rb.get("report_year"),
                "report_year": ra.get("report_year"),
            })
    return rows


def _same_body(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """The same body (its own earlier report, or one report posted twice)?

    A department shares its county's code with every other department there, so a
    code is enough only for a government of that division itself.
    """
    if a.get("org_name") and a.get("org_name") == b.get("org_name"):
        return True
    return (bool(a.get("admin_code")) and a.get("admin_code") == b.get("admin_code")
            and a.get("body_level") == b.get("body_level")
            and a.get("body_level") in ("township", "county", "city", "province"))
