"""The ``gongkai`` command.

``gongkai build`` runs the build flow with Prefect in ephemeral mode: no server to start,
no ``PREFECT_API_URL`` needed (Prefect runs a temporary local API for the run). It is
quiet unless ``--verbose``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = PROJECT_ROOT / "data" / "samples"
DEFAULT_OUT = PROJECT_ROOT / "data" / "dataset"
DEFAULT_ARCHIVE = PROJECT_ROOT / "data" / "raw"
DEFAULT_SOURCES = PROJECT_ROOT / "sources.toml"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Shanghai"


def _quiet_prefect(verbose: bool) -> None:
    """Prefect reads its settings from the environment when first imported."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "ERROR")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "INFO" if verbose else "ERROR")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "true" if verbose else "false")
    os.environ.setdefault("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "true")
    if verbose:  # the build's own phase timings too
        os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "gongkai")
    # A first run on a fresh machine creates Prefect's database before the temporary API
    # answers; on a busy 2-core machine that can exceed Prefect's 20 s default.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")


def cmd_build(args: argparse.Namespace) -> int:
    _quiet_prefect(args.verbose)
    from flows.launch import shape_run
    from transform.isolation import Limits

    default = [] if args.archive else [DEFAULT_INPUT]
    inputs = [str(p) for p in (args.inputs or default)]
    try:
        terms = "none" if args.no_terms else "pos" if args.pos else "cut"
        limits = Limits(timeout=args.doc_timeout or None, memory_mb=args.doc_memory or None)
        options = {"archive": str(args.archive) if args.archive else None, "terms": terms,
                   "incremental": not args.full, "rebuild": args.rebuild, "limits": limits}
        # decided before Prefect loads: the parsers load meanwhile, and a run with
        # nothing new never loads it
        shape = shape_run(inputs, str(args.out), workers=args.workers,
                          dask_address=args.dask_address, **options)
        if shape.current is not None:
            summary = shape.current
        else:
            from flows.build import run_build

            summary = run_build(inputs, str(args.out), shape=shape, force=args.force,
                                cache=str(args.cache) if args.cache else None, **options)
    except FileNotFoundError as exc:
        print(f"gongkai build: {exc}", file=sys.stderr)
        return 2
    statuses = ", ".join(f"{k} {v}" for k, v in summary.status_counts.items())
    print(f"built {summary.n_documents} documents ({statuses}; parsed {summary.n_parsed}, "
          f"from cache {summary.n_cached}) → {summary.out}")
    print("rows: " + ", ".join(f"{k} {v}" for k, v in summary.row_counts.items()))
    if summary.unchanged:
        print(f"nothing new since release {Path(str(summary.release)).name}: "
              "the published dataset is up to date")
    if not summary.published:
        print(f"gongkai build: release {Path(str(summary.release)).name} kept but NOT published "
              f"(failed quality gates); {summary.out} still serves the previous release:",
              file=sys.stderr)
        for reason in summary.gate_failures:
            print(f"  - {reason}", file=sys.stderr)
        return 1
    return 0


def _sources_or_exit(path: Path) -> Path | None:
    if not path.is_file():
        print(f"gongkai: no sources file at {path}; copy sources.example.toml there and "
              "list the sites to crawl", file=sys.stderr)
        return None
    from crawl.sources import SourcesError, load_sources

    try:
        load_sources(path)
    except SourcesError as exc:
        print(f"gongkai: {path}: {exc}", file=sys.stderr)
        return None
    return path


def cmd_crawl(args: argparse.Namespace) -> int:
    if _sources_or_exit(args.sources) is None:
        return 2
    _quiet_prefect(args.verbose)
    from flows.crawl import crawl_flow

    summary = crawl_flow(sources=str(args.sources), archive=str(args.archive))
    print(f"crawled: {summary.n_requests} requests, {summary.n_documents} documents "
          f"({summary.n_new_bodies} new bodies, {summary.n_not_modified} unchanged), "
          f"{summary.n_errors} errors → {args.archive}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if _sources_or_exit(args.sources) is None:
        return 2
    _quiet_prefect(args.verbose)
    from flows.serve import serve_nightly

    serve_nightly(sources=str(args.sources), archive=str(args.archive), out=str(args.out),
                  cron=args.cron, timezone=args.timezone)
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    from transform.dictionary import render_dictionary

    try:
        print(render_dictionary(args.table), end="")
    except KeyError:
        print(f"gongkai describe: no table {args.table!r}", file=sys.stderr)
        return 2
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from gongkai.load import load

    try:
        frame = load(args.table, args.out, args.release)
    except (KeyError, FileNotFoundError) as exc:
        print(f"gongkai load: {exc}", file=sys.stderr)
        return 2
    if args.csv:
        frame.to_csv(args.csv, index=False)
        print(f"wrote {len(frame)} rows to {args.csv}")
    elif args.parquet:
        frame.to_parquet(args.parquet, index=False)
        print(f"wrote {len(frame)} rows to {args.parquet}")
    else:
        print(frame.head(args.head).to_string(index=False))
        print(f"({len(frame)} rows × {len(frame.columns)} columns)")
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from gongkai.sql import connect, repl, run

    try:
        con = connect(args.out, args.release)
    except FileNotFoundError as exc:
        print(f"gongkai sql: {exc}", file=sys.stderr)
        return 2
    if args.command:
        try:
            run(con, args.command)
        except duckdb.Error as exc:
            print(f"gongkai sql: {exc}", file=sys.stderr)
            return 1
        return 0
    return repl(con)


def cmd_report(args: argparse.Namespace) -> int:
    from gongkai.quality_report import write_quality_report

    path = write_quality_report(args.out, args.html, args.release)
    print(f"wrote {path}")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from gongkai.synth.reports import run_synth

    return run_synth(args)


def cmd_lexicon(args: argparse.Namespace) -> int:
    from transform.lexicon import USERDICT_PATH, build_lexicon, render_userdict, write_userdict

    if args.write:
        print(f"wrote {write_userdict()} words to {USERDICT_PATH}")
    else:
        print(render_userdict(build_lexicon()), end="")
    return 0


def parser() -> argparse.ArgumentParser:
    from transform.isolation import DEFAULT_LIMITS

    ap = argparse.ArgumentParser(prog="gongkai", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="read reports and publish the Parquet dataset")
    build.add_argument("inputs", nargs="*", type=Path,
                       help=f"files or folders (recursive); default {DEFAULT_INPUT}")
    build.add_argument("--out", default=str(DEFAULT_OUT),
                       help=f"dataset folder, or an fsspec URL such as s3://bucket/prefix; "
                            f"default {DEFAULT_OUT}")
    build.add_argument("--no-terms", action="store_true", help="skip jieba segmentation")
    build.add_argument("--pos", action="store_true",
                       help="tag terms with their part of speech (about 5x slower)")
    build.add_argument("--archive", type=Path,
                       help="also build every document of this crawl archive (data/raw)")
    build.add_argument("--full", action="store_true",
                       help="re-read every document, ignoring results cached by this parser")
    build.add_argument("--workers", type=int, default=None,
                       help="worker processes for parsing (default: one per CPU; builds of "
                            "fewer than 40 documents run in this process)")
    build.add_argument("--dask-address",
                       help="run the parsing on an existing Dask cluster, e.g. "
                            "tcp://scheduler:8786")
    build.add_argument("--force", action="store_true",
                       help="publish even if the release fails its quality gates")
    build.add_argument("--rebuild", action="store_true",
                       help="write a new release even when nothing changed since the "
                            "published one (documents still come from the cache)")
    build.add_argument("--doc-timeout", type=float, default=DEFAULT_LIMITS.timeout,
                       help="seconds one document may take before its parser is stopped "
                            "(default %(default)s; 0 for no limit)")
    build.add_argument("--doc-memory", type=int, default=DEFAULT_LIMITS.memory_mb,
                       help="MB of memory one document's parser may use (default "
                            "%(default)s; 0 for no limit; both 0 with one worker parse in "
                            "the build's own process)")
    build.add_argument("--cache", type=Path,
                       help="folder of per-document results kept between builds (default "
                            "OUT/.cache, or ~/.cache/gongkai/… for a remote OUT)")
    build.add_argument("--verbose", action="store_true", help="show Prefect's logs")
    build.set_defaults(func=cmd_build)
    crawl = sub.add_parser("crawl", help="crawl the portals of a sources file into the archive")
    crawl.add_argument("--sources", type=Path, default=DEFAULT_SOURCES,
                       help=f"sites to crawl (TOML); default {DEFAULT_SOURCES}")
    crawl.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE,
                       help=f"raw archive; default {DEFAULT_ARCHIVE}")
    crawl.add_argument("--verbose", action="store_true", help="show Prefect's logs")
    crawl.set_defaults(func=cmd_crawl)
    serve = sub.add_parser("serve", help="run crawl → build nightly (a Prefect deployment)")
    serve.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    serve.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    serve.add_argument("--out", type=Path, default=DEFAULT_OUT)
    serve.add_argument("--cron", default=DEFAULT_CRON,
                       help=f"schedule (cron syntax); default {DEFAULT_CRON!r}")
    serve.add_argument("--timezone", default=DEFAULT_TIMEZONE,
                       help=f"time zone of the schedule; default {DEFAULT_TIMEZONE}")
    serve.add_argument("--verbose", action="store_true", help="show Prefect's logs")
    serve.set_defaults(func=cmd_serve)
    describe = sub.add_parser("describe", help="print the data dictionary")
    describe.add_argument("table", nargs="?", help="one table (default: all)")
    describe.set_defaults(func=cmd_describe)
    load = sub.add_parser("load", help="a table joined with report metadata")
    load.add_argument("table")
    load.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dataset folder")
    load.add_argument("--release", help="a release name under <out>/releases (default: "
                      "the published one)")
    load.add_argument("--csv", type=Path, help="write the table as CSV")
    load.add_argument("--parquet", type=Path, help="write the table as one Parquet file")
    load.add_argument("--head", type=int, default=10, help="rows to print")
    load.set_defaults(func=cmd_load)
    sql = sub.add_parser("sql", help="DuckDB with a view per table (interactive, or -c)")
    sql.add_argument("-c", "--command", help="run one statement and exit")
    sql.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dataset folder")
    sql.add_argument("--release", help="a release name under <out>/releases")
    sql.set_defaults(func=cmd_sql)
    report = sub.add_parser("report", help="a static HTML quality report of a release")
    report.add_argument("--out", type=Path, default=DEFAULT_OUT, help="dataset folder")
    report.add_argument("--release", help="a release name under <out>/releases")
    report.add_argument("--html", type=Path, default=Path("quality_report.html"),
                        help="where to write the page (default quality_report.html)")
    report.set_defaults(func=cmd_report)
    synth = sub.add_parser("synth", help="write synthetic reports with answer keys (the "
                           "demo corpus; score.py --gold OUT/keys scores a build of them)")
    from gongkai.synth.reports import add_synth_arguments

    add_synth_arguments(synth)
    synth.set_defaults(func=cmd_synth)
    lexicon = sub.add_parser("lexicon", help="print the jieba user dictionary generated from "
                             "the template map and the gazetteer")
    lexicon.add_argument("--write", action="store_true",
                         help="regenerate transform/userdict.txt instead of printing")
    lexicon.set_defaults(func=cmd_lexicon)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
