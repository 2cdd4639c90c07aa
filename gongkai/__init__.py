"""gongkai: Chinese government open-information annual reports as a research dataset."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas

__version__ = "0.1.0"


def load(table: str, dataset: str | None = None, release: str | None = None,
         with_reports: bool = True) -> pandas.DataFrame:
    """A published table as a pandas DataFrame joined with report metadata
    (see gongkai.load.load; imported lazily so ``import gongkai`` stays light)."""
    from gongkai.load import DEFAULT_DATASET
    from gongkai.load import load as _load

    return _load(table, dataset or DEFAULT_DATASET, release, with_reports)
