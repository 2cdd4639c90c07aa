"""Copied narrative across reports: near-identical sections, found with MinHash and LSH.

Many bodies fill in their report by copying another's (a neighbour's, the county's model,
or their own last year's) and changing a few words. For each section kind separately,
every section's text becomes a set of character shingles, summarised by a MinHash
(datasketch's ``affine64`` scheme, computed here with numpy); locality-sensitive hashing
then proposes only the pairs likely to be similar, so 100,000 reports are never compared
pair by pair. Each proposed pair is verified on the exact shingle sets before it is
published.

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
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from transform.template_map import load_template_map
from transform.vocabulary import fold_width

log = logging.getLogger("gongkai.build")

SHINGLE = 5  # characters per shingle
NUM_PERM = 256
# 64 bands of 4 rows: a pair whose own words are 50% alike becomes a candidate with
# probability 0.98, one 20% alike with 0.10, one 10% alike with 0.006.
LSH_BANDS = (64, 4)
MAX_FAMILY = 200  # copies of one text compared all against all up to this many
CANDIDATE_BUDGET = 1_000_000  # distinct candidate pairs per section kind, at most
SHINGLE_CACHE = 2000  # texts whose shingle sets verification keeps at once
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
    return _sorted_unique(fingerprints(text))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a small array by sorting it: several times faster for the few
    hundred values of a section, where ``np.unique``'s general machinery dominates."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which of ``values`` are in ``sorted_set`` (sorted unique), by binary search."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_set, values)
    at[at == len(sorted_set)] = 0
    return sorted_set[at] == values


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard similarity of two sorted unique fingerprint arrays."""
    if not len(a) and not len(b):
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    shared = int(np.count_nonzero(_in_sorted(a, b)))
    return shared / (len(a) + len(b) - shared)


def sample_step(n_texts: int) -> int:
    """Every ``step``-th text (in key order) is in the sample that finds stock phrases."""
    return max(1, n_texts // COMMON_SAMPLE)


def sample_counts(texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """(shingles, number of texts holding each, number of texts) over comparable texts
    long enough to be compared: the part of the stock-phrase count one batch adds."""
    sets = [shingles(t) for t in texts if len(t) - SHINGLE + 1 >= MIN_SHINGLES]
    if not sets:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64), 0
    values, counts = np.unique(np.concatenate(sets), return_counts=True)
    return values, counts.astype(np.int64), len(sets)


def common_from_counts(parts: Iterable[tuple[np.ndarray, np.ndarray, int]],
                       step: int) -> np.ndarray:
    """Shingles in so many of the sampled texts that they are stock phrases (sorted)."""
    parts = list(parts)
    n_texts = sum(n for _, _, n in parts)
    if not n_texts:
        return np.empty(0, dtype=np.uint64)
    values = np.concatenate([v for v, _, _ in parts])
    counts = np.concatenate([c for _, c, _ in parts])
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    totals = np.add.reduceat(counts, starts) if len(values) else counts
    floor = max(COMMON_MIN_REPORTS / step, COMMON_SHARE * n_texts)
    return values[starts][totals >= floor]


def common_shingles(sets: dict[str, np.ndarray]) -> np.ndarray:
    """Shingles in so many of these texts that they are stock phrases (sorted)."""
    keys = sorted(sets)
    step = sample_step(len(keys))
    sample = [sets[k] for k in keys[::step]]
    if not sample:
        return np.empty(0, dtype=np.uint64)
    values, counts = np.unique(np.concatenate(sample), return_counts=True)
    return common_from_counts([(values, counts, len(sample))], step)


def shared_spans(text: str, other: np.ndarray) -> tuple[int, int]:
    """(characters of ``text`` inside shingles it shares with ``other``, longest such run)."""
    hits = _in_sorted(fingerprints(text), other)
    covered = np.zeros(len(text), dtype=bool)
    for k in range(SHINGLE):
        covered[k:k + len(hits)] |= hits
    if not covered.any():
        return 0, 0
    edges = np.diff(np.concatenate(([0], covered.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return int(covered.sum()), int((ends - starts).max())


@dataclass
class Signatures:
    """LSH band keys of one section kind's texts: all the corpus keeps of most texts."""

    section: str
    keys: list[str]
    bands: np.ndarray  # (len(keys), bands) uint32


def own_shingles(text: str, common: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(all shingles, own shingles) of a comparable text, or None when it is too short."""
    if len(text) - SHINGLE + 1 < MIN_SHINGLES:
        return None
    full = shingles(text)
    return full, full[~_in_sorted(full, common)]


#: MurmurHash3's 64-bit finalizer: (shift, multiplier, shift, multiplier, shift).
FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33),
          np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
MINHASH_SEED = 1


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The ``NUM_PERM`` affine permutations ``h -> a * h + b (mod 2**64)``, ``a`` odd."""
    gen = np.random.RandomState(MINHASH_SEED)  # a stream numpy keeps stable for good
    a = gen.randint(0, 1 << 63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = gen.randint(0, 1 << 64, NUM_PERM, dtype=np.uint64)
    return a, b


def minhash(sets: list[np.ndarray]) -> np.ndarray:
    """The MinHash of each set of 64-bit fingerprints, ``NUM_PERM`` values per set.

    datasketch's ``affine64`` scheme (the fingerprints pre-mixed by MurmurHash3's
    finalizer, then permuted by affine maps modulo 2**64), with the same seed, so the
    values are datasketch's ``MinHash(num_perm=NUM_PERM, scheme="affine64")`` fed these
    integers (a test checks it). Written out here because that class hashes every item
    through a Python call (0.67 s against 0.50 s for 3,500 sections) and its package
    imports scipy (0.4 s per parser process). An empty set gives 2**64 - 1.
    """
    a, b = _permutations()
    s1, m1, s2, m2, s3 = FMIX64
    values = np.full((len(sets), NUM_PERM), np.iinfo(np.uint64).max, dtype=np.uint64)
    for i, items in enumerate(sets):
        if len(items):
            hv = items.astype(np.uint64, copy=False)
            hv = hv ^ (hv >> s1)
            hv = hv * m1
            hv = hv ^ (hv >> s2)
            hv = hv * m2
            hv = hv ^ (hv >> s3)
            values[i] = (hv[:, None] * a + b).min(axis=0)
    return values


def band_keys(sets: list[np.ndarray]) -> np.ndarray:
    """One 32-bit key per LSH band of each set's MinHash (``LSH_BANDS``)."""
    bands, rows = LSH_BANDS
    if not sets:
        return np.empty((0, bands), dtype=np.uint32)
    values = minhash(sets)[:, :bands * rows].reshape(len(sets), bands, rows)
    keys = np.zeros((len(sets), bands), dtype=np.uint64)
    for k in range(rows):
        keys = keys * FINGERPRINT_BASE + values[:, :, k]
    return (keys ^ (keys >> np.uint64(32))).astype(np.uint32)


def signatures(section: str, texts: dict[str, str], common: np.ndarray) -> Signatures:
    """Band keys of the texts whose own words are enough to compare (keys sorted)."""
    keys, owned = [], []
    for key in sorted(texts):
        sets = own_shingles(texts[key], common)
        if sets is not None and len(sets[1]) >= MIN_OWN_SHINGLES:
            keys.append(key)
            owned.append(sets[1])
    return Signatures(section=section, keys=keys, bands=band_keys(owned))


def candidate_pairs(keys: list[str], bands: np.ndarray,
                    budget: int = CANDIDATE_BUDGET) -> set[tuple[str, str]]:
    """Pairs of keys that share at least one band key (a < b): :func:`candidate_codes`
    as key pairs."""
    names, codes = candidate_codes(keys, bands, budget)
    return {(names[a], names[b]) for a, b in _decode(codes, len(names))}


def candidate_codes(keys: list[str], bands: np.ndarray,
                    budget: int = CANDIDATE_BUDGET) -> tuple[list[str], np.ndarray]:
    """The keys sorted, and the pairs that share at least one band key as sorted unique
    codes ``low * n + high`` (positions in that order, low < high).

    A bucket larger than ``MAX_FAMILY`` (one text posted hundreds of times) is linked as
    a chain rather than all against all; the family step compares its members.

    Pairs are gathered as integer codes, band after band. When a band would take the
    number of distinct candidates past ``budget``, it and the bands after it are left
    out: pairs alike enough to publish share most of their bands, so the first bands
    already hold them, and what is left out are weaker near-misses. This bounds the
    memory and the verification work of a corpus whose texts are all somewhat alike.
    A million candidates are 8 MB as codes; as pairs of key strings they were over
    a hundred.
    """
    n = len(keys)
    by_name = np.argsort(np.array(keys, dtype=object), kind="stable")
    names = [keys[i] for i in by_name.tolist()]
    if n < 2:
        return names, np.empty(0, dtype=np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[by_name] = np.arange(n)  # a pair's order is its keys' order
    codes = np.empty(0, dtype=np.int64)
    for column in range(bands.shape[1]):
        band = _band_pairs(bands[:, column], rank)
        merged = np.union1d(codes, band)
        if len(merged) > budget and column > 0:
            log.warning("text reuse: %d candidate pairs after %d of %d bands; the rest "
                        "are left out", len(codes), column, bands.shape[1])
            break
        codes = merged
    return names, codes


def _decode(codes: np.ndarray, n: int, step: int = 100_000) -> Iterator[tuple[int, int]]:
    """(low, high) of each code, in order, a slice at a time (not a million tuples)."""
    for start in range(0, len(codes), step):
        low, high = np.divmod(codes[start:start + step], n)
        yield from zip(low.tolist(), high.tolist(), strict=True)


def _band_pairs(values: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Codes ``low * n + high`` (ranks, low < high) of the pairs one band links."""
    n = len(rank)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(ordered))
    found: list[np.ndarray] = []
    for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
        members = np.sort(rank[order[start:end]])
        if len(members) <= MAX_FAMILY:
            i, j = np.triu_indices(len(members), k=1)
            found.append(members[i] * n + members[j])
        else:
            found.append(members[:-1] * n + members[1:])
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def verify_codes(codes: np.ndarray, n: int, texts: Mapping[int, str],
                 common: np.ndarray) -> list[tuple[int, int, float, float]]:
    """(a, b, similarity, own similarity) of the candidate pairs (the codes of
    :func:`candidate_codes`, texts by position in the sorted keys) that reach both
    thresholds, and of every other pair within a family they link (a < b, sorted)."""

    def was_candidate(a: int, b: int) -> bool:
        code = a * n + b
        at = int(np.searchsorted(codes, code))
        return at < len(codes) and int(codes[at]) == code

    # Shingle sets are kilobytes per text: a bounded cache, in which the pairs' first keys
    # (the candidates are verified in key order) stay while they are in use.
    cached: OrderedDict[int, tuple[np.ndarray, np.ndarray] | None] = OrderedDict()

    def sets(key: int) -> tuple[np.ndarray, np.ndarray] | None:
        if key in cached:
            cached.move_to_end(key)
            return cached[key]
        found = cached[key] = own_shingles(texts.get(key, ""), common)
        if len(cached) > SHINGLE_CACHE:
            cached.popitem(last=False)
        return found

    def verify(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[float, float]]:
        found = {}
        for a, b in pairs:
            sa, sb = sets(a), sets(b)
            if sa is None or sb is None or min(len(sa[1]), len(sb[1])) < MIN_OWN_SHINGLES:
                continue
            own_similarity = jaccard(sa[1], sb[1])
            if own_similarity < MIN_OWN_SIMILARITY:
                continue
            similarity = jaccard(sa[0], sb[0])
            if similarity >= MIN_SIMILARITY:
                found[(a, b)] = (similarity, own_similarity)
        return found

    found = verify(_decode(codes, n))  # in key order: the cache keeps each first key
    for family in families(found):
        if len(family) <= MAX_FAMILY:
            rest = [p for p in itertools.combinations(family, 2) if not was_candidate(*p)]
            found.update(verify(rest))
    return [(a, b, *found[(a, b)]) for a, b in sorted(found)]


def similar_pairs(texts: dict[str, str]) -> list[tuple[str, str, float, float]]:
    """(a, b, similarity, own similarity) of the pairs that reach both thresholds (a < b).

    The same steps the build runs over a whole corpus in pieces: stock phrases from a
    sample, band keys of each text's own words, candidates by shared band keys, exact
    verification.
    """
    keys = sorted(texts)
    step = sample_step(len(keys))
    common = common_from_counts([sample_counts(texts[k] for k in keys[::step])], step)
    sig = signatures("", texts, common)
    names, codes = candidate_codes(sig.keys, sig.bands)
    found = verify_codes(codes, len(names), dict(enumerate(texts[k] for k in names)), common)
    return [(names[a], names[b], similarity, own) for a, b, similarity, own in found]


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


def section_texts(sections: Iterable[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Comparable text of each report's section, by section kind and report_id."""
    kinds: dict[str, dict[str, str]] = {}
    for row in sections:
        kinds.setdefault(row["section"], {})[row["report_id"]] = comparable_text(row["text"])
    return kinds


def reuse_rows(section: str, pairs: list[tuple[str, str, float, float]],
               texts: dict[str, str], reports: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``text_reuse`` for verified pairs of one section kind."""
    rows: list[dict[str, Any]] = []
    for a, b, similarity, own_similarity in pairs:
        shared, longest = shared_spans(texts[a], shingles(texts[b]))
        ra, rb = reports.get(a, {}), reports.get(b, {})
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


def find_reuse(sections: list[dict[str, Any]],
               reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``text_reuse``: near-identical sections of two different reports."""
    by_id = {r["report_id"]: r for r in reports}
    rows: list[dict[str, Any]] = []
    for section, texts in sorted(section_texts(sections).items()):
        rows += reuse_rows(section, similar_pairs(texts), texts, by_id)
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
