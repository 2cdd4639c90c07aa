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

    inputs = [str(p) for p in (args.inputs or [DEFAULT_INPUT])]
    try:
        terms = "none" if args.no_terms else "pos" if args.pos else "cut"
        summary = build_flow(inputs=inputs, out=str(args.out), terms=terms)
    except FileNotFoundError as exc:
        print(f"gongkai build: {exc}", file=sys.stderr)
        return 2
    statuses = ", ".join(f"{k} {v}" for k, v in summary.status_counts.items())
    print(f"built {summary.n_documents} documents ({statuses}) → {summary.out}")
    print("rows: " + ", ".join(f"{k} {v}" for k, v in summary.row_counts.items()))
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
    build.add_argument("--verbose", action="store_true", help="show Prefect's logs")
    build.set_defaults(func=cmd_build)
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
