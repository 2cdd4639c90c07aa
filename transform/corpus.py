"""Tables about the corpus as a whole, computed once every document has been read.

Keywords need the IDF of the whole dataset and copied text needs every report's
sections, so neither can be produced document by document. This is the one place where
the build looks across reports.
"""

from __future__ import annotations

from typing import Any

from transform.duplicates import mark_duplicates
from transform.keywords import keywords, term_idf
from transform.reuse import find_reuse


def corpus_tables(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``term_idf``, ``keywords`` and ``text_reuse`` from the per-document tables, and
    ``reports.duplicate_of`` set in place."""
    mark_duplicates(tables)
    idf = term_idf(tables["terms"])
    reuse = find_reuse(tables["sections"], tables["reports"])
    return {
        "term_idf": idf,
        "keywords": keywords(tables["terms"], idf),
        "text_reuse": sorted(reuse, key=lambda r: (r["report_id"], r["other_report_id"],
                                                   r["section"])),
    }
