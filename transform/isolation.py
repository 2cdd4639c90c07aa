"""Documents are parsed in child processes that can be stopped: time and memory limits.

A PDF that sends pdfminer into a near-endless loop, or a file that asks for gigabytes,
must fail alone, recorded, while the build goes on. Python cannot interrupt a parser
stuck in C code nor reclaim memory a parser has taken, but it can kill a process. So
long-lived parser processes (one per unit of work running at once) read whole batches
of documents, saying which document they are on, and the build watches them:

* **time**: a document not done within ``timeout`` seconds gets the child killed and a
  ``timeout`` problem;
* **memory**: the child's resident memory is sampled while it works; above
  ``memory_mb`` it is killed and the document gets ``memory_limit``. The child also
  runs under an address-space-like ceiling (``RLIMIT_DATA``) a little above that, so a
  burst between two samples ends in a ``MemoryError`` rather than in the machine's
  OOM killer;
* **crashes**: a child that dies by itself (a segfault in a C library) is restarted and
  the document read once more; if it dies again the document gets ``worker_crashed``.

A killed child is replaced by a fresh one, which reads the batch again with the
stopped document marked failed (stopped documents are rare; results already cached
are not parsed twice). The whole batch, from bytes to Arrow tables, is done in the
child, so the process that hands out the work only passes references in and tables
out: the build's own processes stay idle enough for the children to use every core.
The child also computes the corpus-wide pieces (:data:`CALLS`) when asked.

The child is a plain subprocess (``python -m transform.isolation``), not a
multiprocessing child, so it can be started from inside a Dask worker or from a
thread of the build. It loads the template map and the dictionaries once.
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
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from transform.problems import Problem

if TYPE_CHECKING:
    from transform.batch import BatchOutput
    from transform.plan import DocumentRef

POLL_SECONDS = 0.05
STARTUP_SECONDS = 300  # a fresh parser loads its dictionaries before the clock starts
READY = "ready"
MB = 1024 * 1024
PIPE_BYTES = 1024 * 1024  # a batch's tables come back in a few large reads
#: A parser process larger than this after a unit of work is replaced. Its memo caches
#: and what its allocator keeps grow over tens of thousands of documents; a fresh one
#: costs about a second.
RECYCLE_MB = 400


@dataclass(frozen=True)
class Limits:
    """Per-document limits; ``timeout`` or ``memory_mb`` None means unlimited, and both
    None parses in this process (no child at all) unless ``child`` asks for one."""

    timeout: float | None = 300.0
    memory_mb: int | None = 4096
    child: bool = False

    @property
    def isolated(self) -> bool:
        return self.timeout is not None or self.memory_mb is not None or self.child


IN_PROCESS = Limits(timeout=None, memory_mb=None)
DEFAULT_LIMITS = Limits()


def _send(stream: BinaryIO, message: Any) -> None:
    """One message: a pickle whose large buffers (Arrow columns, arrays) follow it
    out of band, so they are neither copied into the pickle nor out of it."""
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    views = [buffer.raw() for buffer in buffers]
    stream.write(struct.pack(f"<QQ{len(views)}Q", len(data), len(views),
                             *(view.nbytes for view in views)))
    _write_all(stream, memoryview(data))
    for view in views:
        _write_all(stream, view)
    stream.flush()


def _write_all(stream: BinaryIO, view: memoryview) -> None:
    while view.nbytes:
        written = stream.write(view)
        view = view[written if written is not None else view.nbytes:]


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    """``size`` bytes from an unbuffered pipe (which returns what has arrived so far)."""
    chunks, got = [], 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_into(stream: BinaryIO, size: int) -> Any:
    """``size`` bytes read straight into a buffer of Arrow's memory pool."""
    import pyarrow as pa

    buffer = pa.allocate_buffer(size)
    view = memoryview(buffer).cast("B")
    got = 0
    while got < size:
        n = stream.readinto(view[got:])
        if not n:
            raise EOFError("the pipe closed mid-message")
        got += n
    return buffer


def _receive(stream: BinaryIO) -> Any:
    header = _read_exact(stream, 16)
    if len(header) < 16:
        raise EOFError("the pipe closed")
    size, n_buffers = struct.unpack("<QQ", header)
    sizes = struct.unpack(f"<{n_buffers}Q", _read_exact(stream, 8 * n_buffers))
    data = _read_exact(stream, size)
    if len(data) < size:
        raise EOFError("the pipe closed mid-message")
    return pickle.loads(data, buffers=[_read_into(stream, n) for n in sizes])


def _calls() -> dict[str, Any]:
    """The corpus-wide pieces a child computes on request, by name."""
    from transform.batch import keyword_chunk, signature_chunk

    return {"keyword_chunk": keyword_chunk, "signature_chunk": signature_chunk}


def serve(memory_mb: int | None, warm_terms: bool = True) -> None:
    """The parser process: read requests from stdin, write replies to stdout, until stdin
    closes (``python -m transform.isolation``).

    Requests: ``("batch", refs, terms, cache, sampled, forced)`` → a ``("doc", i)`` as each
    document is started, then ``("done", BatchOutput)``; ``("call", name, args)`` →
    ``("done", result)``. A failure outside any document is ``("error", traceback)``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    from transform.memory import release_memory, tune_allocator

    tune_allocator()
    if memory_mb:
        import resource

        ceiling = (memory_mb + max(memory_mb // 2, 512)) * MB
        resource.setrlimit(resource.RLIMIT_DATA, (ceiling, ceiling))
    from transform.batch import process_batch_here
    from transform.template_map import load_template_map

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing a parser prints may corrupt the pipe
    load_template_map()  # cached: the batches read it from memory
    if warm_terms:  # load the dictionary now, not within the first document's time
        from transform.terms import tokenizer

        tokenizer()
    calls = _calls()

    def started(index: int | None) -> None:
        _send(stdout, ("doc", index))  # raises BrokenPipeError once the parent is gone

    try:
        _send(stdout, READY)
        while True:
            try:
                request = _receive(stdin)
            except EOFError:
                return
            kind = request[0]
            try:
                if kind == "batch":
                    _, refs, terms, cache, sampled, forced = request
                    reply: Any = process_batch_here(refs, terms, cache, sampled,
                                                    forced=forced, on_document=started)
                else:
                    _, name, args = request
                    reply = calls[name](*args)
            except MemoryError:
                _send(stdout, ("memory", None))
                continue
            except BrokenPipeError:
                raise
            except Exception:
                _send(stdout, ("error", traceback.format_exc()))
                continue
            _send(stdout, ("done", reply))
            del reply
            release_memory()  # what a unit freed goes back before the process waits
    except BrokenPipeError:  # the build is gone: stop, write nothing more
        return


class WorkerFailed(RuntimeError):
    """A unit of work failed in the parser process outside any one document."""


class ParserProcess:
    """One child process parsing documents under :class:`Limits`."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0
        self.ready = False  # the process said it has loaded what it needs
        self._exit_description = "unknown"

    def warm(self) -> None:
        """Start the process now, without waiting for it to load: the first unit of work
        waits for its greeting (see :func:`prestart`)."""
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self._spawn()

    def _start(self) -> None:
        self._spawn()
        self._await_ready()

    def _spawn(self) -> None:
        command = [sys.executable, "-m", "transform.isolation"]
        if self.limits.memory_mb:
            command += ["--memory-mb", str(self.limits.memory_mb)]
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        # unbuffered: select() must see every message that has arrived
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env, cwd=root, bufsize=0)
        self.started += 1
        self.ready = False
        assert self.process.stdout is not None
        _widen_pipe(self.process.stdout)

    def _await_ready(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], STARTUP_SECONDS)
        try:
            greeting = _receive(self.process.stdout) if ready else None
        except (EOFError, pickle.UnpicklingError, OSError):
            greeting = None
        if greeting != READY:
            self.stop()
            raise RuntimeError("the parser process did not start (python -m "
                               "transform.isolation); see its output above")
        self.ready = True

    def resident(self) -> int:
        """Resident bytes of the process now (0 when there is none)."""
        if self.process is None or self.process.poll() is not None:
            return 0
        return _MemoryWatcher(self.process.pid).rss()

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

    # -- a batch of documents -------------------------------------------------------
    def run_batch(self, refs: list[DocumentRef], terms: str, cache: Path | None,
                  sampled: frozenset[str]) -> BatchOutput:
        """A batch's :class:`BatchOutput`, each document under the limits.

        A document that outlives its time, takes too much memory or kills the child
        twice is marked failed, and the batch is read again by a fresh child with that
        document's failed row put in its place.
        """
        forced: dict[int, Problem] = {}
        crashes: dict[int | None, int] = {}
        while True:
            request = ("batch", refs, terms, cache, sampled, dict(forced))
            outcome, index = self._exchange(request)
            if isinstance(outcome, WorkerFailed):
                raise outcome
            if not isinstance(outcome, str):
                return outcome
            if outcome == "crashed":
                crashes[index] = crashes.get(index, 0) + 1
                if crashes[index] < 2:
                    continue  # killed from outside, say: once more
            if index is None:  # not while reading a document: nothing to mark failed
                raise WorkerFailed(f"the parser process stopped between documents "
                                   f"({outcome}: {self._exit_description})")
            forced[index] = self._problem(outcome)

    # -- a corpus-wide piece --------------------------------------------------------
    def call(self, name: str, args: tuple[Any, ...]) -> Any:
        """``CALLS[name](*args)`` computed in the child (no time limit: not a document)."""
        outcome, _ = self._exchange(("call", name, args))
        if isinstance(outcome, WorkerFailed):
            raise outcome
        if isinstance(outcome, str):
            raise WorkerFailed(f"{name} stopped in the parser process ({outcome}: "
                               f"{self._exit_description})")
        return outcome

    def _problem(self, outcome: str) -> Problem:
        if outcome == "timeout":
            return Problem("timeout", f"not read within the {self.limits.timeout:g} s limit; "
                           "the parser was stopped")
        if outcome == "memory":
            return Problem("memory_limit", f"the parser needed more than "
                           f"{self.limits.memory_mb} MB; it was stopped")
        return Problem("worker_crashed", f"the parser process died twice on this document "
                       f"({self._exit_description})")

    def _exchange(self, request: tuple[Any, ...]) -> tuple[Any, int | None]:
        """Send one request and wait for its reply, watching the limits.

        Returns (reply, None) or (``"timeout"`` / ``"memory"`` / ``"crashed"``, the
        document it happened on, None between documents), or (WorkerFailed, None) for an
        error the child reported. The clock starts with each document the child says it
        has started; nothing else is timed (a corpus-wide piece is not a document).
        """
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self._start()
        elif not self.ready:  # started by warm(): it may still be loading
            self._await_ready()
        process = self.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            _send(process.stdin, request)
        except (BrokenPipeError, OSError):
            return self._died(), None
        index: int | None = None
        started = time.monotonic()
        watcher = _MemoryWatcher(process.pid)
        while True:
            ready, _, _ = select.select([process.stdout], [], [], POLL_SECONDS)
            if ready:
                try:
                    kind, payload = _receive(process.stdout)
                except (EOFError, pickle.UnpicklingError, OSError, ValueError, TypeError):
                    return self._died(), index
                if kind == "doc":
                    index, started = payload, time.monotonic()
                    continue
                if kind == "done":
                    return payload, None
                if kind == "memory":
                    self.stop()
                    return "memory", index
                return WorkerFailed(f"the parser process failed:\n{payload}"), None
            if process.poll() is not None:
                return self._died(), index
            if index is not None and self.limits.timeout is not None and \
                    time.monotonic() - started > self.limits.timeout:
                self.stop()
                return "timeout", index
            if self.limits.memory_mb is not None and \
                    watcher.rss() > self.limits.memory_mb * MB:
                self.stop()
                return "memory", index

    def _died(self) -> str:
        process = self.process
        code = process.wait(10) if process is not None else None
        self._exit_description = (f"signal {signal.Signals(-code).name}"
                                  if code is not None and code < 0 else f"exit code {code}")
        self.stop()
        return "crashed"


def _widen_pipe(stream: BinaryIO) -> None:
    """A larger pipe buffer: fewer round trips for a batch's tables (Linux only)."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), 1031, PIPE_BYTES)  # F_SETPIPE_SZ
    except (ImportError, OSError, AttributeError):
        pass


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


_IDLE: dict[Limits, list[ParserProcess]] = {}
_LOCK = threading.Lock()


@contextmanager
def borrowed(limits: Limits) -> Iterator[ParserProcess]:
    """A parser process of this process's pool, for one unit of work at a time.

    Units running at once (threads of a build, or the one thread of a Dask worker) each
    get their own; an idle one is reused, so the dictionaries are loaded once per
    process, not per unit.
    """
    with _LOCK:
        idle = _IDLE.setdefault(limits, [])
        parser = idle.pop() if idle else ParserProcess(limits)
    try:
        yield parser
    finally:
        if parser.resident() > RECYCLE_MB * MB:
            parser.stop()  # replaced by a fresh one when next needed
        with _LOCK:
            _IDLE[limits].append(parser)


def prestart(limits: Limits, n: int) -> None:
    """Start ``n`` parser processes of this process's pool now (fewer if some are idle
    already), without waiting for them: each loads its libraries and the dictionaries
    (about a second) while the build plans and starts its flow, instead of when the
    first batch is handed to it."""
    if not limits.isolated:
        return
    with _LOCK:
        idle = _IDLE.setdefault(limits, [])
        while len(idle) < n:
            parser = ParserProcess(limits)
            parser.warm()
            idle.append(parser)


def run_batch(refs: list[DocumentRef], terms: str, cache: Path | None, limits: Limits,
              sampled: frozenset[str]) -> BatchOutput:
    """A batch read by a parser process of the pool, each document under ``limits``."""
    with borrowed(limits) as parser:
        return parser.run_batch(refs, terms, cache, sampled)


def call_in_child(name: str, args: tuple[Any, ...], limits: Limits) -> Any:
    """A corpus-wide piece computed by a parser process of the pool (see :func:`_calls`)."""
    with borrowed(limits) as parser:
        return parser.call(name, args)


def stop_parsers() -> None:
    """Stop this process's parser children (they also stop when it exits)."""
    with _LOCK:
        for parsers in _IDLE.values():
            for parser in parsers:
                parser.stop()
        _IDLE.clear()


if __name__ == "__main__":
    options = argparse.ArgumentParser(prog="python -m transform.isolation")
    options.add_argument("--memory-mb", type=int, default=None)
    serve(options.parse_args().memory_mb)
