"""``gongkai sql``: DuckDB over a release, with one view per table.

    gongkai sql                      # an interactive prompt; end statements with ;
    gongkai sql -c "select template, count(*) from reports group by 1"

Views read the Parquet files in place (hive partitions for the partitioned tables), so
nothing is copied, and a query sees exactly the release it was opened on.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import duckdb
import pandas as pd

from gongkai.load import DEFAULT_DATASET, release_path
from transform.schema import TABLES
from transform.storage import Store, is_remote

PROMPT, CONTINUE = "gongkai> ", "    ...> "


def connect(dataset: str | Path = DEFAULT_DATASET,
            release: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per table of the release (a local one,
    or one on an object store, read through its fsspec filesystem)."""
    root = str(release_path(dataset, release))
    con = duckdb.connect()
    present = _present_tables(root, con) if is_remote(root) else \
        {name for name in TABLES if (Path(root) / name).exists()}
    for name, spec in TABLES.items():
        if name not in present:
            continue
        if spec.partitioned:
            source = (f"read_parquet('{_quote(root)}/{name}/**/*.parquet', "
                      "hive_partitioning = true)")
        else:
            source = f"read_parquet('{_quote(root)}/{name}/*.parquet')"
        con.execute(f'create view "{name}" as select * from {source}')
    return con


def _present_tables(url: str, con: duckdb.DuckDBPyConnection) -> set[str]:
    store = Store.at(url)
    con.register_filesystem(store.fs)
    return {name for name in TABLES if store.exists(name)}


def _quote(path: Path | str) -> str:
    return str(path).replace("'", "''")


def run(con: duckdb.DuckDBPyConnection, query: str, out: TextIO = sys.stdout) -> None:
    result = con.execute(query)
    if result.description is None:
        return
    frame = result.df()
    with_pandas_width(frame, out)


def with_pandas_width(frame: pd.DataFrame, out: TextIO) -> None:
    with pd.option_context("display.max_rows", 200, "display.max_columns", 50,
                           "display.width", 160):
        print(frame.to_string(index=False) if len(frame) else "(no rows)", file=out)


def repl(con: duckdb.DuckDBPyConnection, stdin: TextIO = sys.stdin,
         out: TextIO = sys.stdout) -> int:
    """Read statements ending with ';' and print their results; errors do not end it."""
    interactive = stdin.isatty()
    buffer: list[str] = []
    while True:
        if interactive:
            print(CONTINUE if buffer else PROMPT, end="", file=out, flush=True)
        line = stdin.readline()
        if not line:
            break
        if not buffer and line.strip() in (".quit", ".exit", "\\q"):
            break
        if not buffer and line.strip() == ".tables":
            print("\n".join(TABLES), file=out)
            continue
        buffer.append(line)
        if line.rstrip().endswith(";"):
            try:
                run(con, "".join(buffer), out)
            except duckdb.Error as exc:
                print(f"error: {exc}", file=out)
            buffer = []
    return 0
