"""Each document is parsed in a child process that can be stopped: time and memory limits.

A PDF that sends pdfminer into a near-endless loop, or a file that asks for gigabytes,
must fail alone, recorded, while the build goes on. Python cannot interrupt a parser
stuck in C code nor reclaim memory a parser has taken, but it can kill a process. So a
long-lived parser process (one per build worker) reads the documents one at a time, and
the worker watches it:

* **time**: a document not done within ``timeout`` seconds gets the child killed and a
  ``timeout`` problem;
* **memory**: the child's resident memory is sampled while it works; above
  ``memory_mb`` it is killed and the document gets ``memory_limit``. The child also
  runs under an address-space-like ceiling (``RLIMIT_DATA``) a little above that, so a
  burst between two samples ends in a ``MemoryError`` rather than in the machine's
  OOM killer;
* **crashes**: a child that dies by itself (a segfault in a C library) is restarted and
  the document read once more; if it dies again the document gets ``worker_crashed``.

A killed child is replaced by a fresh one for the next document. The child is a plain
subprocess (``python -m transform.isolation``), not a multiprocessing child, so it can be
started from inside a Dask worker too. It loads the template map and the dictionaries
once, so the cost per document is one round trip of pickled bytes and rows.
"""

from __future__ import annotations

import argparse
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from transform.problems import Problem

if TYPE_CHECKING:
    from transform.report import ReportRows, Source

POLL_SECONDS = 0.05
STARTUP_SECONDS = 300  # a fresh parser loads its dictionaries before the clock starts
READY = "ready"
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-document limits; ``timeout`` or ``memory_mb`` None means unlimited, and both
    None parses in this process (no child at all)."""

    timeout: float | None = 300.0
    memory_mb: int | None = 4096

    @property
    def isolated(self) -> bool:
        return self.timeout is not None or self.memory_mb is not None


IN_PROCESS = Limits(timeout=None, memory_mb=None)
DEFAULT_LIMITS = Limits()


def _send(stream: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("the pipe closed")
    (size,) = struct.unpack("<Q", header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the pipe closed mid-message")
    return pickle.loads(data)


def serve(memory_mb: int | None, warm_terms: bool = True) -> None:
    """The parser process: read documents from stdin, write rows to stdout, until stdin
    closes (``python -m transform.isolation``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if memory_mb:
        import resource

        ceiling = (memory_mb + max(memory_mb // 2, 512)) * MB
        resource.setrlimit(resource.RLIMIT_DATA, (ceiling, ceiling))
    from transform.report import Source, failed_rows, process_source
    from transform.template_map import load_template_map

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing a parser prints may corrupt the pipe
    tmap = load_template_map()
    if warm_terms:  # load the dictionary now, not within the first document's time
        from transform.terms import tokenizer

        tokenizer()
    _send(stdout, READY)
    while True:
        try:
            uri, data, ingested_at, terms = _receive(stdin)
        except EOFError:
            return
        source = Source(uri=uri, data=data, ingested_at=ingested_at)
        try:
            rows = process_source(source, tmap, terms)
        except MemoryError:
            rows = failed_rows(source, [Problem(
                "memory_limit", f"the parser ran out of its {memory_mb} MB")])
        _send(stdout, rows)


class ParserProcess:
    """One child process parsing documents under :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0
        self._exit_description = "unknown"

    def _start(self) -> None:
        command = [sys.executable, "-m", "transform.isolation"]
        if self.limits.memory_mb:
            command += ["--memory-mb", str(self.limits.memory_mb)]
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env, cwd=root)
        self.started += 1
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], STARTUP_SECONDS)
        try:
            greeting = _receive(self.process.stdout) if ready else None
        except (EOFError, pickle.UnpicklingError, OSError):
            greeting = None
        if greeting != READY:
            self.stop()
            raise RuntimeError("the parser process did not start (python -m "
                               "transform.isolation); see its output above")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        process.wait(10)

    def parse(self, source: Source, terms: str = "cut") -> ReportRows:
        """The document's rows, or a failed report saying which limit stopped it."""
        from transform.report import ReportRows, failed_rows

        outcome = self._attempt(source, terms)
        if outcome == "crashed":
            outcome = self._attempt(source, terms)
        if isinstance(outcome, ReportRows):
            return outcome
        return failed_rows(source, [self._problem(outcome)])

    def _problem(self, outcome: str) -> Problem:
        if outcome == "timeout":
            return Problem("timeout", f"not read within the {self.limits.timeout:g} s limit; "
                           "the parser was stopped")
        if outcome == "memory":
            return Problem("memory_limit", f"the parser needed more than "
                           f"{self.limits.memory_mb} MB; it was stopped")
        return Problem("worker_crashed", f"the parser process died twice on this document "
                       f"({self._exit_description})")

    def _attempt(self, source: Source, terms: str) -> ReportRows | str:
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self._start()
        process = self.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            _send(process.stdin, (source.uri, source.data, source.ingested_at, terms))
        except (BrokenPipeError, OSError):
            return self._died()
        started = time.monotonic()
        watcher = _MemoryWatcher(process.pid)
        while True:
            ready, _, _ = select.select([process.stdout], [], [], POLL_SECONDS)
            if ready:
                try:
                    return _receive(process.stdout)
                except (EOFError, pickle.UnpicklingError, OSError):
                    return self._died()
            if process.poll() is not None:
                return self._died()
            if self.limits.timeout is not None and \
                    time.monotonic() - started > self.limits.timeout:
                self.stop()
                return "timeout"
            if self.limits.memory_mb is not None and \
                    watcher.rss() > self.limits.memory_mb * MB:
                self.stop()
                return "memory"

    def _died(self) -> str:
        process = self.process
        code = process.wait(10) if process is not None else None
        self._exit_description = (f"signal {signal.Signals(-code).name}"
                                  if code is not None and code < 0 else f"exit code {code}")
        self.stop()
        return "crashed"


class _MemoryWatcher:
    """Resident memory of a process, read from /proc (cheap enough to poll)."""

    def __init__(self, pid: int) -> None:
        self.path = f"/proc/{pid}/statm"
        self.page = os.sysconf("SC_PAGE_SIZE")

    def rss(self) -> int:
        try:
            with open(self.path, "rb") as fh:
                return int(fh.read().split()[1]) * self.page
        except (OSError, IndexError, ValueError):
            return 0


_PARSERS: dict[Limits, ParserProcess] = {}


def parse_document(source: Source, terms: str, limits: Limits,
                   tmap: Any = None) -> ReportRows:
    """Parse one document under ``limits`` (in this process when there are none)."""
    from transform.report import process_source

    if not limits.isolated:
        return process_source(source, tmap, terms)
    parser = _PARSERS.get(limits)
    if parser is None:
        parser = _PARSERS[limits] = ParserProcess(limits)
    return parser.parse(source, terms)


def stop_parsers() -> None:
    """Stop this process's parser children (they also stop when it exits)."""
    for parser in _PARSERS.values():
        parser.stop()
    _PARSERS.clear()


if __name__ == "__main__":
    options = argparse.ArgumentParser(prog="python -m transform.isolation")
    options.add_argument("--memory-mb", type=int, default=None)
    serve(options.parse_args().memory_mb)
