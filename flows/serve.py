"""``gongkai serve``: the nightly crawl → build as a Prefect deployment on a schedule.

``flow.serve`` registers the deployment with the Prefect API (a server, or Prefect's
temporary local one) and then runs each scheduled flow run in this process until
stopped. Production runs it under a long-lived Prefect server; see the README.
"""

from __future__ import annotations

from typing import Any

from prefect.schedules import Cron

from flows.crawl import nightly_flow

DEPLOYMENT_NAME = "nightly"


def nightly_deployment_args(sources: str, archive: str, out: str, cron: str,
                            timezone: str) -> dict[str, Any]:
    """What ``serve`` registers: name, schedule, parameters (tested on their own)."""
    return {
        "name": DEPLOYMENT_NAME,
        "schedule": Cron(cron, timezone=timezone),
        "parameters": {"sources": sources, "archive": archive, "out": out},
        "description": "Crawl the sources into the raw archive, then build and publish the "
                       "dataset (only new documents are parsed).",
        "tags": ["gongkai", "nightly"],
    }


def serve_nightly(sources: str, archive: str, out: str, cron: str, timezone: str) -> None:
    nightly_flow.serve(**nightly_deployment_args(sources, archive, out, cron, timezone),
                       print_starting_message=True)
