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
    # A first run on a fresh machine creates Prefect's database before the temporary API
    # answers; on a busy 2-core machine that can exceed Prefect's 20 s default.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "300")


def cmd_build(args: argparse.Namespace) -> int:
    _quiet_prefect(args.verbose)
    from flows.build import build_flow

    default = [] if args.archive else [DEFAULT_INPUT]
    inputs = [str(p) for p in (args.inputs or default)]
    try:
        terms = "none" if args.no_terms else "pos" if args.pos else "cut"
        summary = build_flow(inputs=inputs, out=str(args.out), terms=terms,
                             archive=str(args.archive) if args.archive else None,
                             incremental=not args.full)
    except FileNotFoundError as exc:
        print(f"gongkai build: {exc}", file=sys.stderr)
        return 2
    statuses = ", ".join(f"{k} {v}" for k, v in summary.status_counts.items())
    print(f"built {summary.n_documents} documents ({statuses}; parsed {summary.n_parsed}, "
          f"from cache {summary.n_cached}) → {summary.out}")
    print("rows: " + ", ".join(f"{k} {v}" for k, v in summary.row_counts.items()))
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


def cmd_lexicon(args: argparse.Namespace) -> int:
    from transform.lexicon import USERDICT_PATH, build_lexicon, render_userdict, write_userdict

    if args.write:
        print(f"wrote {write_userdict()} words to {USERDICT_PATH}")
    else:
        print(render_userdict(build_lexicon()), end="")
    return 0


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="gongkai", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="read reports and publish the Parquet dataset")
    build.add_argument("inputs", nargs="*", type=Path,
                       help=f"files or folders (recursive); default {DEFAULT_INPUT}")
    build.add_argument("--out", type=Path, default=DEFAULT_OUT,
                       help=f"dataset folder; default {DEFAULT_OUT}")
    build.add_argument("--no-terms", action="store_true", help="skip jieba segmentation")
    build.add_argument("--pos", action="store_true",
                       help="tag terms with their part of speech (about 5x slower)")
    build.add_argument("--archive", type=Path,
                       help="also build every document of this crawl archive (data/raw)")
    build.add_argument("--full", action="store_true",
                       help="re-read every document, ignoring results cached by this parser")
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
