"""What the driver of a build needs again only at its end, kept on disk until then.

While the documents are read the driver holds, besides the row groups being filled,
everything the end of the build needs from every document: the ``reports`` rows, the
shingle sample that finds stock phrases, and later the band keys of every section. At
100,000 reports they are tens to hundreds of megabytes, held through the phase in which
the parser processes and the driver are at their largest together. Each goes into an
Arrow IPC file in the staging folder as it arrives (a sequential write, no encoding) and
is read back once, when it is needed, after which the file is removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa

from transform.reuse import Signatures


class TableSpill:
    """Tables of one schema appended to one Arrow file, read back whole once."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.n_rows = 0
        self._sink: pa.NativeFile | None = None
        self._writer: pa.ipc.RecordBatchFileWriter | None = None

    def append(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._sink = pa.OSFile(str(self.path), "wb")
            self._writer = pa.ipc.new_file(self._sink, self.schema)
        self._writer.write_table(table.select(self.schema.names).cast(self.schema))
        self.n_rows += table.num_rows

    def take(self) -> pa.Table:
        """Every row appended, in order (a chunk per append), read into memory; the
        file is removed."""
        if self._writer is None:
            return self.schema.empty_table()
        self._close()
        with pa.OSFile(str(self.path), "rb") as source:
            table = pa.ipc.open_file(source).read_all()
        self.discard()
        return table

    @contextmanager
    def mapped(self) -> Iterator[pa.Table]:
        """Every row appended, mapped from the file rather than read (for a caller that
        turns the rows into something else at once); the file is removed afterwards."""
        if self._writer is None:
            yield self.schema.empty_table()
            return
        self._close()
        try:
            with pa.memory_map(str(self.path)) as source:
                yield pa.ipc.open_file(source).read_all()
        finally:
            self.discard()

    def discard(self) -> None:
        self._close()
        self.path.unlink(missing_ok=True)
        self.n_rows = 0

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._sink is not None:
            self._sink.close()
            self._sink = None


class SpillFolder:
    """The spill files of one build, one folder removed as a whole at the end."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.spills: list[TableSpill] = []

    def table(self, name: str, schema: pa.Schema) -> TableSpill:
        spill = TableSpill(self.directory / f"{name}.arrow", schema)
        self.spills.append(spill)
        return spill

    def remove(self) -> None:
        for spill in self.spills:
            spill.discard()
        shutil.rmtree(self.directory, ignore_errors=True)


SAMPLE_SCHEMA = pa.schema([("shingle", pa.uint64()), ("count", pa.int64())])


class SampleSpill:
    """Per section kind, the shingle counts of the sampled texts (``sample_counts`` of
    each batch), and how many texts they came from."""

    def __init__(self, folder: SpillFolder) -> None:
        self.folder = folder
        self.kinds: dict[str, TableSpill] = {}
        self.n_texts: dict[str, int] = {}

    def add(self, kind: str, part: tuple[np.ndarray, np.ndarray, int]) -> None:
        values, counts, n = part
        if kind not in self.kinds:
            self.kinds[kind] = self.folder.table(f"sample-{kind}", SAMPLE_SCHEMA)
            self.n_texts[kind] = 0
        self.kinds[kind].append(pa.table({"shingle": values, "count": counts},
                                         schema=SAMPLE_SCHEMA))
        self.n_texts[kind] += n

    def take(self) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
        """Per kind, all the counts as one part (values may repeat across batches, as
        they did across parts; ``reuse.common_from_counts`` sums them)."""
        taken = {}
        for kind in sorted(self.kinds):
            table = self.kinds.pop(kind).take()
            taken[kind] = (table.column("shingle").to_numpy(),
                           table.column("count").to_numpy(), self.n_texts.pop(kind))
        return taken


BAND_KEY = pa.string()


class SignatureSpill:
    """Band keys of every section kind (an Arrow file per kind), from the moment they
    arrive until text reuse takes them, one kind at a time.

    At 100,000 reports they are 630,000 texts' keys, about 230 MB in memory; held there
    through the signatures phase they were the largest thing in the build process.
    """

    def __init__(self, folder: SpillFolder) -> None:
        self.folder = folder
        self.spills: dict[str, TableSpill] = {}

    def add(self, sig: Signatures) -> None:
        if not sig.keys:
            return
        width = sig.bands.shape[1]
        if sig.section not in self.spills:
            schema = pa.schema([("key", BAND_KEY), ("bands", pa.list_(pa.uint32(), width))])
            self.spills[sig.section] = self.folder.table(f"signatures-{sig.section}", schema)
        bands = pa.FixedSizeListArray.from_arrays(
            pa.array(np.ascontiguousarray(sig.bands).ravel()), width)
        self.spills[sig.section].append(
            pa.table({"key": pa.array(sig.keys, BAND_KEY), "bands": bands}))

    def kinds(self) -> list[str]:
        return sorted(self.spills)

    def take(self, kind: str) -> tuple[list[str], np.ndarray]:
        """A kind's keys and band keys (rows in arrival order); its file is removed."""
        spill = self.spills.pop(kind)
        width = spill.schema.field("bands").type.list_size
        with spill.mapped() as table:
            keys = table.column("key").to_pylist()
            column = table.column("bands").combine_chunks()
            bands = column.values.to_numpy().reshape(-1, width).copy()
            del table, column
        return keys, bands
