"""The whole build over the bad corpus mixed with the seeds: nothing lost, nothing escapes.

Every hostile or broken file (tests/bad_inputs.py) must end as its own ``reports`` row
with the specific problem code, the seeds must still score 100%, and the build, run as
a separate process whose working folder, HOME and TMPDIR are in a sandbox, must write
nothing anywhere but its output folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.bad_inputs import HOSTILE_NAMES, NOT_A_REPORT, notice, slow_pdf, write_bad_corpus
from tests.conftest import ROOT, SAMPLES, run_scorer
from transform.build import build_dataset

#: What the build may leave in the sandbox's TMPDIR: jieba's dictionary cache, which it
#: keeps there by design (it is rebuilt when missing).
TEMPORARY_CACHES = {"jieba.cache"}
#: Seconds a document may take here: the slow PDF needs minutes, every other file well
#: under a second.
HANG_LIMIT = 10


def snapshot(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``root`` except ``skip``: size and modification time."""
    found = {}
    for path in root.rglob("*"):
        if path == skip or skip in path.parents:
            continue
        stat = path.lstat()
        found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def run_build(inputs: Path, out: Path, sandbox: Path) -> subprocess.CompletedProcess[str]:
    """``build_dataset([inputs], out)`` in a new process living in ``sandbox``."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(sandbox / "home"),
           "TMPDIR": str(sandbox / "tmp"), "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8",
           "SOURCE_DATE_EPOCH": "1609459200"}
    code = ("import sys; from pathlib import Path; from transform.build import build_dataset;"
            " from transform.isolation import Limits;"
            f" build_dataset([Path(sys.argv[1])], Path(sys.argv[2]),"
            f" limits=Limits(timeout={HANG_LIMIT}, memory_mb=2048))")
    return subprocess.run([sys.executable, "-c", code, str(inputs), str(out)],
                          cwd=sandbox / "cwd", env=env, capture_output=True, text=True,
                          timeout=900, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("bad-inputs")
    sandbox = base / "sandbox"
    for folder in ("home", "tmp", "cwd"):
        (sandbox / folder).mkdir(parents=True)
    inputs = sandbox / "in"
    shutil.copytree(SAMPLES, inputs / "seeds")
    expected = write_bad_corpus(inputs / "bad")
    # and one that hangs the parser: stopped at the build's time limit, recorded
    slow_pdf(inputs / "bad" / "hangs_the_parser.pdf")
    expected["hangs_the_parser.pdf"] = {"timeout"}
    out = sandbox / "out"
    before = snapshot(sandbox, out)
    done = run_build(inputs, out, sandbox)
    assert done.returncode == 0, done.stderr[-3000:]
    return {"base": base, "sandbox": sandbox, "inputs": inputs, "out": out,
            "expected": expected, "before": before, "after": snapshot(sandbox, out)}


def test_every_bad_file_is_a_report_row_with_its_problem(built: dict):
    reports = pd.read_parquet(built["out"] / "reports")
    problems = pd.read_parquet(built["out"] / "problems")
    bad = built["inputs"] / "bad"
    by_name = {str(Path(uri).relative_to(bad)): row for uri, row in
               zip(reports.source_uri, reports.itertuples(), strict=True)
               if Path(uri).is_relative_to(bad)}
    assert set(by_name) == set(built["expected"])
    for name, codes in built["expected"].items():
        row = by_name[name]
        found = set(problems[problems.report_id == row.report_id].code)
        assert codes <= found, (name, found)
        assert row.n_warnings == len(problems[problems.report_id == row.report_id])
        if codes == NOT_A_REPORT or codes >= NOT_A_REPORT:
            assert row.template == "unknown" and row.parse_status != "ok", name
        else:
            assert row.parse_status == "failed", (name, row.parse_status)


def test_files_are_read_as_what_their_bytes_are(built: dict):
    reports = pd.read_parquet(built["out"] / "reports")
    formats = {Path(uri).name: fmt for uri, fmt in zip(reports.source_uri,
                                                        reports.source_format, strict=True)}
    assert formats["really_a_pdf.docx"] == "pdf"
    assert formats["really_html.pdf"] == "html"
    assert formats["really_docx.txt"] == "docx"
    assert formats["really_encrypted_pdf.html"] == "pdf"
    assert formats["really_a_zip_bomb.pdf"] == "docx"
    assert formats["really_text.jpg"] == "txt"
    assert formats["encrypted.docx"] == "doc"  # an OLE container, not a zip


def test_the_seeds_still_score_perfectly(built: dict, shared_tools):
    gold, _ = shared_tools
    result = run_scorer(built["out"], gold)
    assert result.returncode == 0, result.stdout
    assert "(100.00%)" in result.stdout and "missing 0" in result.stdout


def test_nothing_is_written_outside_the_output_folder(built: dict):
    before, after = built["before"], built["after"]
    created = {p for p in set(after) - set(before)
               if not (p.startswith("tmp/") and Path(p).name in TEMPORARY_CACHES)}
    assert created == set()
    changed = {p for p in set(before) & set(after) if before[p] != after[p]}
    assert changed <= {"tmp"}  # the folder itself, where temporary folders came and went
    assert os.listdir(built["sandbox"] / "cwd") == []
    assert os.listdir(built["sandbox"] / "home") == []


def test_names_that_climb_out_create_nothing_where_they_point(built: dict):
    """``..``, backslashes and encoded slashes in names point next to the input folder,
    at the sandbox, and at the project: none of those places got a file."""
    places = [built["inputs"], built["sandbox"], built["base"], built["base"].parent, ROOT,
              Path.cwd()]
    for place in places:
        assert not [p.name for p in place.iterdir() if "escaped" in p.name], place
    # the corpus really does hold such names, next to the reports they became
    assert any("..\\" in name for name in HOSTILE_NAMES.values())
    assert (built["inputs"] / "bad" / HOSTILE_NAMES["backslash"]).is_file()


def test_regression_a_file_name_that_is_not_utf8_is_a_row(tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    name = os.fsdecode(b"report-\xff\xfe.txt")
    (inputs / name).write_bytes(notice("not utf-8"))
    out = tmp_path / "out"
    build_dataset([inputs], out)
    reports = pd.read_parquet(out / "reports")
    assert len(reports) == 1 and "report-" in reports.source_uri[0]
