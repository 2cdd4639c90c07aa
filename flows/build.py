"""The build flow: the plain build of ``transform.build``, its work mapped onto Prefect tasks.

Thin wiring: :func:`transform.build.execute` does the build; this flow only hands it a
mapper that runs each unit of work (a batch of documents, a chunk of the corpus tables)
as a Prefect task. Units are batches of up to 200 documents, so Prefect's per-task cost
stays small next to the parsing.

Parsing is CPU-bound, so it runs in worker processes. On one machine (``workers``) the
tasks run in threads of this process (two per worker), each handing its unit to one of
``workers`` parser processes (``transform.isolation``: the same processes that enforce
the per-document limits) and waiting: the CPU work is all in those processes, and
nothing else (no scheduler, no second copy of the pipeline per worker) competes with
them for the cores. On a Dask cluster (``dask_address``, e.g. ``tcp://scheduler:8786``;
its workers need gongkai installed and the input paths readable) the tasks run in the
cluster's workers (prefect-dask), each with its own parser process. At most two units
per worker are in flight, and results are taken back in order, so the driver writes them
as they come and holds no more than that.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.launch import UNLIMITED_CHILD, RunShape, shape_run, take_plan
from transform.batch import keyword_chunk, process_batch, signature_chunk
from transform.build import (
    BATCH_SIZE,
    DEFAULT_LIMITS,
    BuildSummary,
    cache_dir,
    execute,
    plan_batches,
    plan_build,
)
from transform.isolation import Limits, call_in_child

__all__ = ["build_flow", "plan_batches", "run_build"]

IN_FLIGHT_PER_WORKER = 2

class Packed:
    """A unit's arguments, handed through Prefect unopened.

    Prefect walks task arguments that are collections or dataclasses looking for
    futures: every DocumentRef of a batch, every row of a chunk. An object of a plain
    class is passed as it is (``quote`` would do the same in this process, but a Dask
    task runner turns it into a bare tuple on the way to the worker). ``child`` is set
    when a corpus-wide piece is to be computed in a parser process (with these limits)
    rather than in the task's own process. ``slots`` caps the units that hold a parser
    process at once (local threads, see :func:`task_mapper`).
    """

    __slots__ = ("args", "child", "slots")

    def __init__(self, args: tuple[Any, ...], child: Limits | None = None,
                 slots: threading.Semaphore | None = None) -> None:
        self.args = args
        self.child = child
        self.slots = slots  # local threads: held while a parser process does the work

    def parser_slot(self) -> AbstractContextManager[Any]:
        return self.slots if self.slots is not None else nullcontext()

    def __repr__(self) -> str:  # what the Prefect UI shows as the task's parameter
        first = self.args[0] if self.args else None
        size = len(first) if isinstance(first, list) else getattr(first, "num_rows", "?")
        return f"<{size} items>"


class Handoff:
    """A task's result, which the driver takes out once.

    A finished Prefect future and its state refer to each other, and the state holds
    what the task returned: were that a batch's tables, tens of megabytes of Arrow
    columns would stay alive until Python's cycle collector ran, which it does by the
    count of Python objects, blind to buffers (measured: 144-203 MB of Arrow memory held
    after 5,000 documents; the build process at 3.7 GB after 100,000, against 0.7 GB
    with the box). Taken out of the box, the data is freed as soon as it is written;
    the cycle keeps an empty box.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def take(self) -> Any:
        value, self.value = self.value, None
        return value


def _process_batch(unit: Packed) -> Handoff:
    with unit.parser_slot():  # in a parser process whenever limits are set
        return Handoff(process_batch(*unit.args))


def _keyword_chunk(unit: Packed) -> Handoff:
    if unit.child is not None:
        with unit.parser_slot():
            return Handoff(call_in_child("keyword_chunk", unit.args, unit.child))
    return Handoff(keyword_chunk(*unit.args))


def _signature_chunk(unit: Packed) -> Handoff:
    if unit.child is not None:
        with unit.parser_slot():
            return Handoff(call_in_child("signature_chunk", unit.args, unit.child))
    return Handoff(signature_chunk(*unit.args))


TASKS = {
    process_batch: task(_process_batch, name="process-documents", cache_policy=NO_CACHE),
    keyword_chunk: task(_keyword_chunk, name="keywords", cache_policy=NO_CACHE),
    signature_chunk: task(_signature_chunk, name="reuse-signatures", cache_policy=NO_CACHE),
}


def task_mapper(parallel: bool, workers: int,
                child: Limits | None = None) -> Callable[..., Iterator[Any]]:
    """Run each unit as a Prefect task: submitted to the task runner, a bounded number
    ahead, results yielded in order; or called in turn when not parallel. ``child``:
    compute the corpus-wide pieces in parser processes too (local threads).

    Local threads (``child`` set) are ``IN_FLIGHT_PER_WORKER`` per worker, but only
    ``workers`` of them hold a parser process at a time: a task's own bookkeeping with
    the Prefect server (a few API calls before and after the work) is done while another
    task's batch is being read, rather than leaving the parser idle between batches.
    """
    slots = threading.BoundedSemaphore(workers) if child is not None else None

    def mapper(fn: Callable[..., Any], args: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        prefect_task = TASKS[fn]
        if not parallel:
            for item in args:
                yield prefect_task(Packed(item)).take()
            return
        pending: deque[Any] = deque()
        for item in args:
            pending.append(prefect_task.submit(Packed(item, child, slots)))
            if len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                yield pending.popleft().result().take()
        while pending:
            yield pending.popleft().result().take()

    return mapper


@flow(name="gongkai-build", log_prints=True, validate_parameters=False)
def build_flow(inputs: list[str], out: str, batch_size: int = BATCH_SIZE,
               terms: str = "cut", archive: str | None = None,
               incremental: bool = True, force: bool = False, rebuild: bool = False,
               parallel: bool = False, workers: int = 1,
               limits: Limits = DEFAULT_LIMITS, cache: str | None = None,
               local: bool = False, plan_id: str | None = None) -> BuildSummary:
    """Read every report under ``inputs`` (and in the crawl ``archive``) and publish the
    dataset at ``out``. ``parallel`` submits the units to the flow's task runner;
    ``local`` says its tasks run in threads of this process (so every piece of CPU work
    is handed to a parser process); ``plan_id``: the plan of these inputs that
    :func:`flows.launch.shape_run` made in this process already."""
    plan = take_plan(plan_id) or plan_build(inputs, Path(archive) if archive else None, terms)
    if local and parallel and not limits.isolated:
        limits = UNLIMITED_CHILD  # threads alone would share one core
    child = limits if local and parallel else None
    summary = execute(
        plan, out, mapper=task_mapper(parallel, workers, child),
        workers=workers if parallel else 1,
        cache=(Path(cache) if cache else cache_dir(out)) if incremental else None,
        limits=limits, incremental=incremental, force=force, rebuild=rebuild,
        batch_size=batch_size)
    if summary.unchanged:
        print(f"nothing new: release {Path(str(summary.release)).name} is up to date")
    elif not summary.published:
        print(f"release {Path(str(summary.release)).name} NOT published: "
              + "; ".join(summary.gate_failures))
    return summary


def run_build(inputs: list[str], out: str, *, workers: int | None = None,
              dask_address: str | None = None, shape: RunShape | None = None,
              **options: Any) -> BuildSummary:
    """Run the build flow in this process, in local worker processes, or on a cluster.

    When the published release was built from exactly these inputs there is nothing to
    do, and no flow is started: a nightly run with nothing new costs the hashing of the
    inputs only. ``shape``: the run as :func:`flows.launch.shape_run` laid it out
    already (the CLI does that before it loads Prefect).
    """
    if shape is None:
        shape = shape_run(inputs, out, workers=workers, dask_address=dask_address,
                          **_shape_options(options))
    if shape.current is not None:
        return shape.current
    try:
        return _run_shaped(inputs, out, shape, {**options, "plan_id": shape.plan_id})
    finally:
        take_plan(shape.plan_id)  # not left behind when the flow did not start


def _run_shaped(inputs: list[str], out: str, shape: RunShape,
                options: dict[str, Any]) -> BuildSummary:
    if shape.dask_address:
        from distributed import Client
        from prefect_dask import DaskTaskRunner

        with Client(shape.dask_address) as client:
            n = max(1, len(client.scheduler_info().get("workers", {})))
        runner = DaskTaskRunner(address=shape.dask_address)
        return build_flow.with_options(task_runner=runner)(
            inputs=inputs, out=out, parallel=True, workers=n, **options)
    if not shape.parallel:
        return build_flow(inputs=inputs, out=out, **options)
    # One worker too: while one task thread's batch is read in the parser process, the
    # other thread's task does its Prefect bookkeeping and this thread writes results.
    from prefect.task_runners import ThreadPoolTaskRunner

    runner = ThreadPoolTaskRunner(max_workers=IN_FLIGHT_PER_WORKER * shape.workers)
    return build_flow.with_options(task_runner=runner)(
        inputs=inputs, out=out, parallel=True, workers=shape.workers, local=True, **options)


def _shape_options(options: dict[str, Any]) -> dict[str, Any]:
    """The flow's options :func:`flows.launch.shape_run` needs too."""
    names = ("archive", "terms", "incremental", "rebuild", "limits")
    return {name: options[name] for name in names if name in options}
