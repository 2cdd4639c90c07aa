"""Throughput of OCR on pictures of the bundled samples (prints figures; not a test).

    .venv/bin/python benchmarks/ocr.py [--dpi 200] [--repeat 1]

Each sample is rendered as a Word file, printed to PDF by LibreOffice and rasterised by
poppler (``pdftoppm``) at ``--dpi``, as a scanner would deliver it; then every page is
read by :func:`extract.ocr.ocr_page` in this one process. Prints, per sample and over
all, pages per second, and how the time of one page splits between finding the grid,
PP-OCR recognition and tesseract. Loading the engines is timed apart: it happens once
per process.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from extract import ocr  # noqa: E402
from extract.convert import convert  # noqa: E402
from extract.text_export import read_text_export  # noqa: E402
from tests.render_docx import render_docx  # noqa: E402


def page_images(sample: Path, dpi: int) -> list[Image.Image]:
    pdf = convert(render_docx(read_text_export(sample.read_bytes())), "docx", "pdf")
    with tempfile.TemporaryDirectory(prefix="gongkai-bench-") as tmp:
        (Path(tmp) / "in.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "in.pdf", "page"], cwd=tmp,
                       check=True, capture_output=True)
        paths = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        return [Image.open(io.BytesIO(p.read_bytes())) for p in paths]


def split_of_time(pages: list[Image.Image], scale: float) -> dict[str, float]:
    """Seconds spent in each stage over ``pages``, from a profile of one pass."""
    profile = cProfile.Profile()
    profile.enable()
    for number, image in enumerate(pages, start=1):
        ocr.ocr_page(image, number, scale)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    wanted = {"prepare": "grid and lines", "recognise": "PP-OCR",
              "tesseract_lines": "tesseract", "ocr_page": "total"}
    out = {}
    for (_, _, name), (_, _, _, cumulative, _) in stats.items():
        if name in wanted:
            out[wanted[name]] = out.get(wanted[name], 0.0) + cumulative
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    scale = 72.0 / args.dpi

    started = time.perf_counter()
    ocr.engines()
    print(f"engines loaded in {time.perf_counter() - started:.2f} s")

    samples = sorted((ROOT / "data" / "samples").glob("*.txt"))
    rendered = {s.stem: page_images(s, args.dpi) for s in samples}
    total_pages, total_seconds = 0, 0.0
    print(f"{'sample':24} {'pages':>5} {'seconds':>8} {'pages/s':>8}")
    for stem, pages in rendered.items():
        started = time.perf_counter()
        for _ in range(args.repeat):
            for number, image in enumerate(pages, start=1):
                ocr.ocr_page(image, number, scale)
        seconds = time.perf_counter() - started
        n = len(pages) * args.repeat
        total_pages += n
        total_seconds += seconds
        print(f"{stem:24} {n:5d} {seconds:8.1f} {n / seconds:8.2f}")
    print(f"{'all':24} {total_pages:5d} {total_seconds:8.1f} "
          f"{total_pages / total_seconds:8.2f}")

    split = split_of_time(next(iter(rendered.values())), scale)
    total = split.pop("total", 0.0) or 1.0
    print("time of one sample by stage: " + ", ".join(
        f"{name} {seconds:.1f} s ({seconds / total:.0%})" for name, seconds in split.items()))


if __name__ == "__main__":
    main()
