"""Segment each section's narrative with jieba into term counts.

The tokenizer is made once per process and taught the template's own vocabulary (every
table label and section heading), so that 政府信息公开 or 依申请公开 stay whole terms.
Punctuation, stop words, single characters and bare numbers are not terms; full-width and
half-width forms are folded before cutting so 'ＡＢＣ' and 'ABC' count as one term.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

STOPWORDS_PATH = Path(__file__).with_name("stopwords.txt")
DOMAIN_TERMS = ("政府信息公开", "依申请公开", "主动公开", "政务公开", "三安全一稳定",
                "行政规范性文件", "规范性文件", "政务新媒体", "信息公开指南", "保密审查",
                "12345热线", "政府网站",
                "行政复议", "行政诉讼", "政府集中采购", "行政事业性收费", "政策解读")
KEEP = re.compile(r"[\u4e00-\u9fffA-Za-z]")
NUMERIC = re.compile(r"^[\d.,%‰年月日号第个条件项次]+$")
LAW_TITLE = re.compile(r"《[^《》]{2,40}》")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(w.strip() for w in STOPWORDS_PATH.read_text(encoding="utf-8").split() if w)


@lru_cache(maxsize=1)
def tokenizer() -> Any:
    """A jieba tokenizer with the domain vocabulary, built once per worker process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    from transform.labels import normalise_label
    from transform.template_map import load_template_map

    words = {normalise_label(label) for label in load_template_map().all_labels()}
    words.update(DOMAIN_TERMS)
    for word in sorted(w for w in words if 2 <= len(w) <= 20):
        tok.add_word(word, freq=200000)
    return tok


def fold_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def count_terms(text: str) -> Counter[str]:
    """Term counts of one text (laws in 《》 kept whole as one term)."""
    text = fold_width(text)
    counts: Counter[str] = Counter()
    for law in LAW_TITLE.findall(text):
        counts[law] += 1
    text = LAW_TITLE.sub(" ", text)
    stop = stopwords()
    for word in tokenizer().cut(text, HMM=True):
        word = word.strip()
        if (len(word) < 2 or not KEEP.search(word) or NUMERIC.match(word)
                or word in stop):
            continue
        counts[word] += 1
    return counts


def section_terms(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the ``terms`` table for one report's sections (sorted, so deterministic)."""
    rows: list[dict[str, Any]] = []
    for section in sections:
        counts = count_terms(section["text"])
        for term, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            rows.append({"section": section["section"], "term": term, "count": n, "pos": None})
    return rows
