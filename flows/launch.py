"""How a build run is laid out, decided before Prefect is loaded.

Loading Prefect takes the better part of a second, and a parser process about as long
to load its libraries and the jieba dictionary. Deciding first whether there is anything
to build, and starting the parsers when there is, lets the two loads overlap (on
different cores), and a run with nothing new never loads Prefect at all. Nothing here
imports Prefect; :func:`flows.build.run_build` runs the flow on the shape decided here.

The plan made here is handed to the flow in this process (:func:`take_plan`) rather than
made again: planning hashes every input (0.15-0.3 s per 5,000 documents here), and a
flow's parameters are stored with its run, so the plan itself, an entry per document,
is not passed as one.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from transform.build import BuildSummary, plan_build, up_to_date
from transform.isolation import DEFAULT_LIMITS, Limits, prestart
from transform.plan import BuildPlan

#: no time or memory limit, but still a separate process (for --doc-timeout 0 --doc-memory 0)
UNLIMITED_CHILD = Limits(timeout=None, memory_mb=None, child=True)
MIN_PARALLEL_DOCUMENTS = 40  # below this, handing work to threads costs more than it saves

_PLANS: dict[str, BuildPlan] = {}  # plans made by shape_run, until their flow takes them
_PLANS_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunShape:
    """What a run will do: nothing (``current`` is the published release, already this
    build), or build ``n_documents`` with ``workers`` parser processes, its units handed
    out in parallel or not, on a Dask cluster when ``dask_address`` is set.
    ``plan_id`` names the plan this process made, for the flow to take."""

    n_documents: int
    current: BuildSummary | None = None
    parallel: bool = False
    workers: int = 1
    dask_address: str | None = None
    plan_id: str | None = None


def hand_over(plan: BuildPlan) -> str:
    """Keep ``plan`` for a flow of this process; the id to take it by."""
    plan_id = uuid.uuid4().hex
    with _PLANS_LOCK:
        _PLANS[plan_id] = plan
    return plan_id


def take_plan(plan_id: str | None) -> BuildPlan | None:
    """The plan handed over under ``plan_id`` (once), or None: a flow started any other
    way, or in another process, plans for itself."""
    if plan_id is None:
        return None
    with _PLANS_LOCK:
        return _PLANS.pop(plan_id, None)


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def shape_run(inputs: list[str], out: str, *, workers: int | None = None,
              dask_address: str | None = None, archive: str | None = None,
              terms: str = "cut", incremental: bool = True, rebuild: bool = False,
              limits: Limits = DEFAULT_LIMITS) -> RunShape:
    """Plan the inputs, say whether the published release already is this build, and
    otherwise start this machine's parser processes (not waiting for them) and say how
    the flow is to run."""
    plan = plan_build(inputs, Path(archive) if archive else None, terms)
    n_documents = len(plan.refs)
    if incremental and not rebuild:
        current = up_to_date(plan, out)
        if current is not None:
            return RunShape(n_documents, current=current)
    if dask_address:  # the cluster's workers start their own parsers
        return RunShape(n_documents, parallel=True, dask_address=dask_address,
                        plan_id=hand_over(plan))
    workers = max(1, default_workers() if workers is None else workers)
    parallel = n_documents >= MIN_PARALLEL_DOCUMENTS
    prestart(UNLIMITED_CHILD if parallel and not limits.isolated else limits,
             workers if parallel else 1)
    return RunShape(n_documents, parallel=parallel, workers=workers if parallel else 1,
                    plan_id=hand_over(plan))
