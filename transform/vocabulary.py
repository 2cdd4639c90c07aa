"""What counts as a term of the narrative: stop words, numbers, anchors and law titles.

Shared by the segmenter (transform/terms.py) and the dictionary generator
(transform/lexicon.py), so both apply one definition.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from transform.labels import nfkc
from transform.template_map import load_template_map

STOPWORDS_PATH = Path(__file__).with_name("stopwords.txt")
# A law or regulation cited by its title is one term, brackets included.
LAW_TITLE = re.compile(r"《[^《》\n]{2,40}》")
# Latin letters or CJK: a token without either is punctuation, a symbol or a number.
WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z]")
# Digits (Arabic or Chinese) with only counting words around them: 2020年, 1800条, 三十,
# 12.5%, 第一. These are numbers, not terms.
NUMBER = re.compile(
    r"^[第约近超逾]?[\d０-９.,，:%‰零〇一二三四五六七八九十百千万亿两]+"
    r"[年月日号时分秒个条件项次余多万亿元份期批家人户名位篇则套部度%‰]*$")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Function words and the report's filler (一是, 进一步 …), one per line or space."""
    text = STOPWORDS_PATH.read_text(encoding="utf-8")
    return frozenset(w for w in text.split() if w and not w.startswith("#"))


def fold_width(text: str) -> str:
    """Full-width and half-width forms unified (ＡＢＣ → ABC, １２ → 12): NFKC."""
    return nfkc(text)


def is_term(word: str) -> bool:
    """A token worth counting: two characters or more, a word, not a number or stop word."""
    return (len(word) >= 2 and WORDLIKE.search(word) is not None
            and NUMBER.match(word) is None and word not in stopwords())


@lru_cache(maxsize=1)
def anchor_pattern() -> re.Pattern[str]:
    """The anchor terms, longest first, so a shorter one never cuts a longer one."""
    anchors = sorted(load_template_map().narrative["anchor_terms"], key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(fold_width(a)) for a in anchors))
