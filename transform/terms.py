"""Segment each section's narrative with jieba into term counts.

Three passes, in this order, on text whose full-width forms are folded first:

1. laws and regulations cited in 《》 are cut out whole (《中华人民共和国政府信息公开条例》);
2. the template map's anchor terms are cut out whole, longest first, so 政府信息公开,
   依申请公开 or 三安全一稳定 are one term wherever they occur and their counts are exact;
3. jieba cuts what is left, with the project's user dictionary (transform/userdict.txt:
   labels, headings, place names) loaded once per worker process.

Stop words, punctuation, single characters and numbers are not terms. Part-of-speech
tagging (jieba.posseg, about five times slower) runs only when asked for.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache
from itertools import chain
from typing import Any

from transform.lexicon import USERDICT_PATH, read_userdict
from transform.template_map import load_template_map
from transform.vocabulary import LAW_TITLE, anchor_pattern, fold_width, is_term

TermKey = tuple[str, str | None]
LOADS = Counter[str]()  # how often each dictionary was loaded in this process (tested)


@lru_cache(maxsize=1)
def tokenizer() -> Any:
    """A jieba tokenizer with the domain dictionary, built once per process."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word, freq, tag in read_userdict(USERDICT_PATH):
        # A word jieba already knows keeps its own (higher) frequency.
        tok.add_word(word, max(freq, tok.FREQ.get(word, 0)), tag)
    LOADS["userdict"] += 1
    return tok


@lru_cache(maxsize=1)
def pos_tokenizer() -> Any:
    """jieba's part-of-speech tagger over the same dictionary."""
    from jieba import posseg

    return posseg.POSTokenizer(tokenizer())


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    return load_template_map().narrative["tags"]


def _pieces(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Laws and anchors cut out as (term, tag), and the stretches of text between them."""
    found: list[tuple[str, str]] = []
    tags = _tags()

    def keep_law(match: Any) -> str:
        found.append((match.group(0), tags["law"]))
        return "\n"

    def keep_anchor(match: Any) -> str:
        found.append((match.group(0), tags["anchor"]))
        return "\n"

    rest = anchor_pattern().sub(keep_anchor, LAW_TITLE.sub(keep_law, text))
    return found, [part for part in rest.split("\n") if part.strip()]


@lru_cache(maxsize=1)
def _han_block() -> re.Pattern[str]:
    """The pattern jieba's ``cut`` splits its input with before segmenting each run."""
    import jieba

    return jieba.re_han_default


@lru_cache(maxsize=8192)
def _block_terms(block: str) -> tuple[TermKey, ...]:
    """The (term, None) keys of what jieba cuts from one run of word characters, in order.

    ``Tokenizer.cut`` segments each run of word characters (``jieba.re_han_default``)
    on its own and yields everything between runs one character at a time, so a
    stretch's terms are the terms of its runs, and a run cuts the same way wherever it
    occurs (the dictionary is fixed once loaded). Reports share most of their template
    wording, so the cut of a run is memoised.
    """
    words = (w.strip() for w in tokenizer().cut(block, HMM=True))
    return tuple((word, None) for word in words if is_term(word))


@lru_cache(maxsize=16384)
def _tagged_terms(stretch: str) -> tuple[tuple[str, str], ...]:
    """(term, part of speech) in one stretch, in order (memoised like :func:`_block_terms`;
    the tagger splits its input by its own rules, so whole stretches are the unit here)."""
    pairs = ((pair.word.strip(), pair.flag) for pair in pos_tokenizer().cut(stretch, HMM=True))
    return tuple((word, flag) for word, flag in pairs if is_term(word))


def count_terms(text: str, pos: bool = False) -> Counter[TermKey]:
    """Counts of (term, part of speech) in one text; the tag is None unless ``pos``."""
    found, stretches = _pieces(fold_width(text))
    counts: Counter[TermKey] = Counter()
    for term, tag in found:
        counts[(term, tag if pos else None)] += 1
    if pos:
        for stretch in stretches:
            counts.update(_tagged_terms(stretch))
    else:
        runs = _han_block()
        for stretch in stretches:
            # Text between runs is punctuation, spaces or symbols, cut one by one into
            # single characters: never a term.
            counts.update(chain.from_iterable(map(_block_terms, runs.findall(stretch))))
    return counts


def section_terms(sections: list[dict[str, Any]], pos: bool = False) -> list[dict[str, Any]]:
    """Rows of the ``terms`` table for one report's sections.

    Sorted by section position, then by falling count and the term itself, so the rows
    are the same for the same text on every machine.
    """
    rows: list[dict[str, Any]] = []
    for section in sections:
        counts = count_terms(section["text"], pos)
        for (term, tag), n in sorted(counts.items(),
                                     key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or "")):
            rows.append({"section": section["section"], "term": term, "count": n, "pos": tag})
    return rows
