"""What the build keeps on disk until its end: the same rows back, and nothing left over."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from tests.conftest import SAMPLES
from transform.reuse import Signatures, common_from_counts, comparable_text, sample_counts
from transform.spill import SampleSpill, SignatureSpill, SpillFolder, TableSpill

SCHEMA = pa.schema([("report_id", pa.string()), ("n", pa.int64())])


def test_a_table_spill_gives_back_every_row_in_order_and_removes_its_file(tmp_path: Path):
    spill = TableSpill(tmp_path / "s" / "rows.arrow", SCHEMA)
    assert spill.take().equals(SCHEMA.empty_table())  # nothing appended: no file either
    assert not (tmp_path / "s").exists()
    parts = [pa.table({"report_id": [f"r{i}-{j}" for j in range(i)], "n": list(range(i))},
                      schema=SCHEMA) for i in (3, 0, 5, 1)]
    for part in parts:
        spill.append(part)
    assert spill.path.stat().st_size > 0 and spill.n_rows == 9  # on disk, not in memory
    taken = spill.take()
    assert taken.equals(pa.concat_tables(parts))
    assert not spill.path.exists()


def test_spilled_samples_find_the_same_stock_shingles(tmp_path: Path):
    """The per-batch shingle counts, spilled and read back as one part, give the stock
    phrases the parts held in memory gave: counts summed over batches, texts too."""
    texts = []
    for path in sorted(SAMPLES.glob("*.txt")):
        body = comparable_text(path.read_text(encoding="utf-8"))
        texts += [body[i:i + 400] for i in range(0, len(body) - 400, 150)]
    batches = [texts[i::3] for i in range(3)]
    parts = [sample_counts(batch) for batch in batches]
    spill = SampleSpill(SpillFolder(tmp_path / "spill"))
    for part in parts:
        spill.add("overview", part)
    (taken,) = spill.take().values()
    assert taken[2] == sum(n for _, _, n in parts) > 0
    for step in (1, 2):
        expected = common_from_counts(parts, step)
        assert len(expected) > 0
        assert np.array_equal(common_from_counts([taken], step), expected)


def test_signatures_come_back_by_kind_and_the_folder_goes(tmp_path: Path):
    folder = SpillFolder(tmp_path / "spill")
    spill = SignatureSpill(folder)
    rng = np.random.default_rng(7)
    first = rng.integers(0, 2**32, size=(3, 4), dtype=np.uint32)
    second = rng.integers(0, 2**32, size=(2, 4), dtype=np.uint32)
    spill.add(Signatures("overview", ["a", "b", "c"], first))
    spill.add(Signatures("plan", [], np.empty((0, 4), np.uint32)))  # nothing to keep
    spill.add(Signatures("overview", ["d", "e"], second))
    assert spill.kinds() == ["overview"]
    keys, bands = spill.take("overview")
    assert keys == ["a", "b", "c", "d", "e"]
    assert np.array_equal(bands, np.vstack([first, second]))
    spill.add(Signatures("problems", ["x"], first[:1]))
    folder.remove()
    assert not folder.directory.exists()


def test_a_build_keeps_report_rows_on_disk_and_publishes_no_spill(tmp_path: Path):
    from transform.batch import process_batch
    from transform.plan import plan_build
    from transform.release import SPILL_DIR, ReleaseBuilder

    plan = plan_build([SAMPLES], None, "cut")
    staging = tmp_path / "staging"
    staging.mkdir()
    builder = ReleaseBuilder(plan, staging)
    builder.add_batch(process_batch(list(plan.refs), sampled=builder.sampled(plan.refs)))
    assert builder.reports.n_rows == len(plan.refs)
    assert builder.reports.path.is_file() and (staging / SPILL_DIR).is_dir()
    builder.close_documents()
    builder.common_shingles()
    manifest = builder.finish()
    assert manifest["row_counts"]["reports"] == len(plan.refs)
    assert not (staging / SPILL_DIR).exists()
    assert sorted(p.name for p in staging.iterdir() if p.name.startswith(".")) == []
