"""The seeds rendered as Word files and portal pages read exactly like the text exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from extract.sniff import sniff_format
from extract.text_export import read_text_export
from tests.conftest import run_scorer, seed_paths
from tests.render_docx import render_docx
from tests.render_html import render_portal_page
from transform.build import build_dataset


def render(kind: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    written = []
    for i, seed in enumerate(seed_paths()):
        doc = read_text_export(seed.read_bytes())
        if kind == "docx":
            path, data = folder / f"{seed.stem}.docx", render_docx(doc)
        elif kind == "html":
            # one GBK page declared as gb2312, one GBK page with no declaration at all
            encoding = "gbk" if i in (1, 3) else "utf-8"
            path = folder / f"{seed.stem}.html"
            data = render_portal_page(doc, encoding=encoding, declare_charset=i != 3)
        else:  # the format is decided from the bytes: a Word file with a wrong name
            path, data = folder / f"{seed.stem}.bin", render_docx(doc)
        path.write_bytes(data)
        written.append(path)
    return written


@pytest.mark.parametrize("kind", ["docx", "html", "misnamed"])
def test_rendered_seeds_score_perfectly(kind: str, tmp_path: Path, shared_tools):
    paths = render(kind, tmp_path / "in")
    expected = "html" if kind == "html" else "docx"
    assert {sniff_format(p.read_bytes()) for p in paths} == {expected}
    build_dataset([tmp_path / "in"], tmp_path / "out")
    gold, _ = shared_tools
    result = run_scorer(tmp_path / "out", gold)
    assert result.returncode == 0, result.stdout
    assert "cells 999/999 (100.00%)" in result.stdout
    reports = pd.read_parquet(tmp_path / "out" / "reports")
    assert set(reports.source_format) == {expected}
    assert (reports.parse_status == "ok").all()
