"""Which parser read a document: the release number plus a fingerprint of the parser.

Cached per-document results are valid only for the parser that made them. The
fingerprint covers everything that decides what a document yields: the code of
``extract/`` and ``transform/``, the template map, the dictionaries and the gazetteer.
Any change to them changes the fingerprint, and the next build re-reads every document;
nothing else does, so a rebuild without new documents reads none.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from gongkai import __version__

ROOT = Path(__file__).resolve().parents[1]
PARSER_PARTS = (("extract", "*.py"), ("transform", "*.py"), ("transform", "*.yaml"),
                ("transform", "*.txt"), ("data/gazetteer", "*.csv"))


@lru_cache(maxsize=1)
def parser_fingerprint() -> str:
    digest = hashlib.sha256(__version__.encode())
    for folder, pattern in PARSER_PARTS:
        for path in sorted((ROOT / folder).glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def parser_version() -> str:
    """``0.1.0+3f2a9c1d4b5e``: the release, and the first 12 hex digits of the fingerprint."""
    return f"{__version__}+{parser_fingerprint()[:12]}"
