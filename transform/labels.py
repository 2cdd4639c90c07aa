"""Label normalisation and matching.

Printed labels vary in ways that carry no meaning: stray spaces inside words ('社会公 益
组织'), one character per line, full-width punctuation, curly or straight quotes, notes in
parentheses ('（区分处理的，只计这一情形…）'), and numbering that reports renumber freely
('三、', '（三）', '3.', '3、'). The contract says labels are matched after removing
spaces, line breaks and parenthesised notes and treating quotes alike; numbering is removed
too because the same row is numbered differently in different reports.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from difflib import SequenceMatcher
from functools import lru_cache

QUOTES = str.maketrans({c: '"' for c in "‘’“”「」『』〝〞＂'`´"})
PAREN_NOTE = re.compile(r"[（(][^（）()]*[）)]")
NUMBERING = re.compile(
    r"^(?:"
    r"第[一二三四五六七八九十]+[、.．,，:：]?"  # 第三
    r"|[一二三四五六七八九十]+[、.．,，:：]"  # 三、
    r"|[（(][一二三四五六七八九十\d]+[）)][、.．]?"  # （一） (1)
    r"|\d+\s*[、.．,，:：)）]\s*"  # 1. 1、 1)
    r"|[①②③④⑤⑥⑦⑧⑨⑩]"
    r")"
)
WHITESPACE = re.compile(r"\s+")
# Full-width punctuation that fills Chinese text, each with its compatibility decomposition.
# Replacing a character by its NFKD form never changes the NFKC form of a text (NFKC is the
# composition of the text's NFKD, which stays the same); once these few are replaced, most
# text is already normalised, which unicodedata recognises quickly instead of decomposing
# and recomposing the whole string.
WIDE_PUNCTUATION = tuple((wide, unicodedata.normalize("NFKD", wide))
                         for wide in "，（）：；！？％\u3000")
# Candidates whose similarity cannot reach the threshold minus this margin cannot be the
# best match nor tie with it (ties are within 0.05), so they need not be scored.
PRUNE_MARGIN = 0.1


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on Chinese text (see WIDE_PUNCTUATION)."""
    for wide, narrow in WIDE_PUNCTUATION:
        if wide in text:
            text = text.replace(wide, narrow)
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Unicode-fold a label: NFKC (full-width → ASCII), unify quotes, drop whitespace."""
    text = nfkc(text).translate(QUOTES)
    return WHITESPACE.sub("", text.replace("\u200b", ""))


@lru_cache(maxsize=8192)
def normalise_label(text: str) -> str:
    """The form in which two labels are compared.

    Parenthesised notes are removed, then any leading numbering (possibly several
    levels, as in '三、（一）'). A label that is *only* a parenthesised text keeps it.
    """
    folded = fold(text)
    stripped = folded
    for _ in range(3):
        new = NUMBERING.sub("", stripped, count=1)
        if new == stripped:
            break
        stripped = new
    without_notes = PAREN_NOTE.sub("", stripped)
    while without_notes != stripped:
        stripped, without_notes = without_notes, PAREN_NOTE.sub("", without_notes)
    result = stripped.strip("、.．:：,，;；。")
    return result or folded


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def similarity_bound(a: Counter[str], len_a: int, b: Counter[str], len_b: int) -> float:
    """An upper bound of :func:`similarity` from character counts alone (difflib's
    ``quick_ratio``): matching blocks can use each character at most as often as both
    strings hold it."""
    if len_a + len_b == 0:
        return 1.0
    common = sum(min(n, b[ch]) for ch, n in a.items() if ch in b)
    return 2.0 * common / (len_a + len_b)


class LabelIndex:
    """Finds the code whose label (or variant) a printed label stands for.

    Exact matches on the normalised form come first; otherwise the closest label by
    character similarity is accepted when it is clearly the best and close enough,
    which absorbs typos and small wording drift without guessing between two rows.
    """

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]], threshold: float = 0.82,
                 confusables: Mapping[str, str] | None = None):
        self.threshold = threshold
        # OCR look-alikes of label characters, read as the character they stand for; the
        # map lists only characters no label contains, so this never changes a match.
        self.confusables = str.maketrans(dict(confusables or {}))
        self.exact: dict[str, str] = {}
        self.forms: list[tuple[str, str]] = []
        for code, labels in entries:
            for label in labels:
                form = normalise_label(label)
                if form and form not in self.exact:
                    self.exact[form] = code
                    self.forms.append((form, code))
        self._profiles = [(form, code, Counter(form), len(form)) for form, code in self.forms]

    def match(self, label: str) -> str | None:
        form = normalise_label(label).translate(self.confusables)
        if not form:
            return None
        if form in self.exact:
            return self.exact[form]
        return self._fuzzy(form)

    @lru_cache(maxsize=8192)  # noqa: B019 - indexes live for the whole process
    def _fuzzy(self, form: str) -> str | None:
        if len(form) < 2:
            return None
        counts, length = Counter(form), len(form)
        floor = self.threshold - PRUNE_MARGIN
        scored = sorted(
            ((similarity(form, candidate), code)
             for candidate, code, candidate_counts, candidate_length in self._profiles
             if similarity_bound(counts, length, candidate_counts, candidate_length) >= floor),
            reverse=True,
        )
        return self.best(scored)

    def best(self, scored: list[tuple[float, str]]) -> str | None:
        """The code of the best (score, code) pair, sorted best first, when it reaches the
        threshold and no other code comes within 0.05 of it."""
        if not scored or scored[0][0] < self.threshold:
            return None
        best_score, best_code = scored[0]
        for score, code in scored[1:]:
            if code != best_code and best_score - score < 0.05:
                return None
            if code != best_code:
                break
        return best_code

    def contains_any(self, text: str) -> str | None:
        """The code of the longest label contained in ``text`` (for free text)."""
        folded = normalise_label(text).translate(self.confusables)
        best: tuple[int, str] | None = None
        for form, code in self.forms:
            if len(form) >= 2 and form in folded and (best is None or len(form) > best[0]):
                best = (len(form), code)
        return best[1] if best else None
