"""Reading speed of the PDF reader, in pages per second (prints figures; not a test).

    .venv/bin/python benchmarks/pdf.py [--rounds N]

The bundled samples are rendered as Word files and printed to PDF by LibreOffice (the
same fixtures the tests use; needs ``soffice``). Every PDF is then read ``N`` times by
pdfplumber alone (the text of every page: the floor any reader built on pdfplumber pays
for parsing the page content) and by ``read_pdf`` (lines, paragraphs, ruled tables with
spans, page furniture), in this one process. The last line is the reader's cost over that
floor (wall clock and CPU time); the target is at most 1.5.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pdfplumber  # noqa: E402

from extract.convert import convert  # noqa: E402
from extract.pdf_reader import read_pdf  # noqa: E402
from extract.text_export import read_text_export  # noqa: E402
from tests.render_docx import render_docx  # noqa: E402


def corpus() -> list[bytes]:
    """The samples as PDFs printed from their Word renderings."""
    out = []
    for seed in sorted((ROOT / "data" / "samples").glob("*.txt")):
        out.append(convert(render_docx(read_text_export(seed.read_bytes())), "docx", "pdf"))
    return out


def plumber_only(data: bytes) -> int:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
        return len(pdf.pages)


def timed(read, pdfs: list[bytes], rounds: int) -> tuple[int, float, float]:
    """Pages read, wall-clock seconds and CPU seconds of this process (the CPU figure
    is the steadier one on a shared machine)."""
    pages, wall, cpu = 0, time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for data in pdfs:
            pages += read(data)
    return pages, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    pdfs = corpus()
    read_pdf(pdfs[0])  # imports and caches warmed outside the timing
    base = timed(plumber_only, pdfs, args.rounds)
    reader = timed(lambda d: read_pdf(d).n_pages or 0, pdfs, args.rounds)
    assert reader[0] == base[0]
    print(f"{'':24} {'pages':>6} {'wall s':>7} {'pages/s':>8} {'cpu s':>7} {'pages/s':>8}")
    for name, (pages, wall, cpu) in (("pdfplumber extract_text", base), ("read_pdf", reader)):
        print(f"{name:24} {pages:6} {wall:7.2f} {pages / wall:8.1f} {cpu:7.2f} {pages / cpu:8.1f}")
    print(f"reader / pdfplumber: {reader[1] / base[1]:.2f} wall, {reader[2] / base[2]:.2f} cpu")


if __name__ == "__main__":
    main()
