"""Cost of the per-document pipeline, by format (prints figures; not a test).

    .venv/bin/python benchmarks/pipeline.py [--n N] [--formats txt,docx,html] [--corpus synth]

``--corpus synth`` (the default) writes synthetic reports with ``gongkai synth`` (one
seed per format, so no two formats share a report's text); ``--corpus samples`` instead
renders the bundled samples again and again, each copy made unique, with the test
renderers. Each format runs in a fresh process, so what one format's documents leave in
the parser's memos never helps another's. In that process a first batch of documents
warms up (dictionary, memos) as the start of a build would, untimed; then three further
batches of N documents each, none seen before, are timed: reading alone, the whole of
``process_source`` (read → locate → interpret → checks → sections → terms), and the same
without terms. Times are CPU milliseconds per document.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORMATS = ("txt", "docx", "html")
WARM_UP = 50


def synth_corpus(kind: str, n: int, folder: Path) -> list[bytes]:
    from gongkai.synth.reports import write_corpus

    seed = 1 + FORMATS.index(kind)
    return [p.read_bytes() for p in write_corpus(n, folder / kind, [kind], seed=seed)]


def sample_corpus(kind: str, n: int) -> list[bytes]:
    from extract.text_export import read_text_export
    from tests.render_docx import render_docx
    from tests.render_html import render_portal_page

    seeds = sorted((ROOT / "data" / "samples").glob("*.txt"))
    out = []
    for i in range(n):
        text = seeds[i % len(seeds)].read_bytes() + f"\n编号{i}\n".encode()
        if kind == "txt":
            out.append(text)
            continue
        doc = read_text_export(text)
        out.append(render_docx(doc) if kind == "docx" else render_portal_page(doc))
    return out


def per_document_ms(docs: list[bytes], run: object) -> float:
    start = time.process_time()
    for data in docs:
        run(data)  # type: ignore[operator]
    return 1000 * (time.process_time() - start) / len(docs)


def measure(kind: str, n: int, corpus: str) -> None:
    """One format, in this process: prints one line of figures."""
    from extract.readers import read_document
    from transform.report import Source, process_source
    from transform.template_map import load_template_map

    total = WARM_UP + 3 * n
    with tempfile.TemporaryDirectory() as tmp:
        docs = (synth_corpus(kind, total, Path(tmp)) if corpus == "synth"
                else sample_corpus(kind, total))
    warm, full, read, bare = (docs[:WARM_UP], docs[WARM_UP:WARM_UP + n],
                              docs[WARM_UP + n:WARM_UP + 2 * n], docs[WARM_UP + 2 * n:])
    tmap = load_template_map()

    def source(data: bytes) -> Source:
        return Source(f"x.{kind}", data, datetime.now(UTC))

    for data in warm:
        process_source(source(data), tmap)
    full_ms = per_document_ms(full, lambda data: process_source(source(data), tmap))
    read_ms = per_document_ms(read, read_document)
    bare_ms = per_document_ms(bare, lambda data: process_source(source(data), tmap, "none"))
    print(f"{kind:6} {n:5d} {read_ms:9.2f} {full_ms:14.2f} {bare_ms:14.2f} "
          f"{1000 / full_ms:9.1f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=150, help="documents per timed batch")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--corpus", choices=("synth", "samples"), default="synth")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # measure one format in this process
    args = ap.parse_args()
    if args.one:
        measure(args.one, args.n, args.corpus)
        return
    print(f"{'format':6} {'docs':>5} {'read ms':>9} {'end-to-end ms':>14} "
          f"{'no terms ms':>14} {'docs/s':>9}   (per document, CPU)")
    for kind in args.formats.split(","):
        subprocess.run([sys.executable, __file__, "--one", kind, "--n", str(args.n),
                        "--corpus", args.corpus], check=True)


if __name__ == "__main__":
    main()
