"""Throughput of the per-document pipeline, by format (prints figures; not a test).

    .venv/bin/python benchmarks/pipeline.py [--copies N]

Each bundled sample is rendered as a text export, a Word file and a portal page (the same
renderers the tests use), each copy made unique so nothing is cached, then processed in
this one process: read → locate → interpret → checks → sections → terms. Times the whole
per-document path and, separately, the reading step alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.readers import read_document  # noqa: E402
from extract.text_export import read_text_export  # noqa: E402
from tests.render_docx import render_docx  # noqa: E402
from tests.render_html import render_portal_page  # noqa: E402
from transform.report import Source, process_source  # noqa: E402
from transform.template_map import load_template_map  # noqa: E402


def corpus(kind: str, copies: int) -> list[bytes]:
    out = []
    for i in range(copies):
        for seed in sorted((ROOT / "data" / "samples").glob("*.txt")):
            text = seed.read_bytes() + f"\n编号{i}\n".encode()
            if kind == "txt":
                out.append(text)
                continue
            doc = read_text_export(text)
            out.append(render_docx(doc) if kind == "docx" else render_portal_page(doc))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=40)
    args = ap.parse_args()
    tmap = load_template_map()
    process_source(Source("warm.txt", corpus("txt", 1)[0], datetime.now(UTC)), tmap)
    print(f"{'format':6} {'docs':>5} {'read docs/s':>12} {'end-to-end docs/s':>18} "
          f"{'without terms':>14}")
    for kind in ("txt", "docx", "html"):
        docs = corpus(kind, args.copies)
        t0 = time.perf_counter()
        for data in docs:
            read_document(data)
        read_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for data in docs:
            process_source(Source(f"x.{kind}", data, datetime.now(UTC)), tmap)
        full_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        for data in docs:
            process_source(Source(f"x.{kind}", data, datetime.now(UTC)), tmap, terms="none")
        bare_s = time.perf_counter() - t0
        n = len(docs)
        print(f"{kind:6} {n:5d} {n / read_s:12.1f} {n / full_s:18.1f} {n / bare_s:14.1f}")


if __name__ == "__main__":
    main()
