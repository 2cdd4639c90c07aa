"""Polite HTTP: robots.txt, per-host rate and concurrency, retries, caps, conditional GET.

Every request, including each redirect hop and each retry, waits for its host's turn,
so a host never sees more than ``rate`` requests per second nor more than
``concurrency`` at once, whatever the crawl is doing elsewhere. Redirects are followed
by hand for that reason, and so that each hop is checked against the site's allowed
hosts and robots.txt.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from protego import Protego
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from crawl.links import absolute_url
from crawl.sources import Politeness, Site
from gongkai import __version__

USER_AGENT = (f"gongkai/{__version__} (research crawler of open-government annual reports; "
              "honours robots.txt)")
ROBOTS_AGENT = "gongkai"
REDIRECTS = (301, 302, 303, 307, 308)
BACKOFF_MAX = 30.0


class FetchError(Exception):
    """A fetch that failed for good; ``code`` goes into the fetches table."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class RetryableStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass
class Response:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    attempts: int


class HostGate:
    """One host's turn: at most ``concurrency`` requests in flight, starts spaced by
    slightly more than 1/rate seconds (the margin absorbs network jitter, so the server,
    not only the crawler, never counts more than ``rate`` in a second)."""

    def __init__(self, politeness: Politeness) -> None:
        self.interval = 1.05 / politeness.rate + 0.01
        self.slots = asyncio.Semaphore(politeness.concurrency)
        self.lock = asyncio.Lock()
        self.next_start = 0.0

    async def turn(self) -> None:
        async with self.lock:
            now = time.monotonic()
            if now < self.next_start:
                await asyncio.sleep(self.next_start - now)
            self.next_start = time.monotonic() + self.interval


@dataclass
class Fetcher:
    """Fetches for one crawl: one HTTP client, one gate and one robots.txt per host."""

    client: httpx.AsyncClient
    gates: dict[str, HostGate] = field(default_factory=dict)
    robots: dict[str, Protego | None] = field(default_factory=dict)
    robots_records: list[dict[str, Any]] = field(default_factory=list)
    backoff: float = 1.0

    def gate(self, url: str, politeness: Politeness) -> HostGate:
        host = urlsplit(url).netloc
        if host not in self.gates:
            self.gates[host] = HostGate(politeness)
        return self.gates[host]

    async def allowed(self, url: str, site: Site) -> bool:
        """robots.txt of the URL's host, fetched once per crawl through the host's gate."""
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self.robots:
            robots_url = f"{parts.scheme}://{host}/robots.txt"
            record = blank_record(robots_url, site.name, "robots", None)
            try:
                response = await self._get(robots_url, site, _unconditional, retry=False)
                record.update(_response_fields(response))
                if response.status >= 500:
                    # A failing robots.txt means "stay away for now", as search engines read it.
                    self.robots[host] = Protego.parse("User-agent: *\nDisallow: /")
                elif response.status >= 400:
                    self.robots[host] = None  # no robots.txt: everything allowed
                else:
                    self.robots[host] = Protego.parse(
                        response.body.decode("utf-8", errors="replace"))
            except FetchError as exc:
                record["error"] = str(exc)
                self.robots[host] = Protego.parse("User-agent: *\nDisallow: /")
            self.robots_records.append(record)
        rules = self.robots[host]
        return rules is None or rules.can_fetch(url, ROBOTS_AGENT)

    async def get(self, url: str, site: Site,
                  conditional: Callable[[str], dict[str, str]]) -> Response:
        """GET with retries, hand-followed redirects, and on every hop the conditional
        headers ``conditional(hop_url)`` gives (so an unchanged body is never resent,
        even behind a redirect)."""
        return await self._get(url, site, conditional, retry=True)

    async def _get(self, url: str, site: Site, conditional: Callable[[str], dict[str, str]],
                   retry: bool) -> Response:
        politeness = site.politeness
        attempts = 0
        current = url
        for _hop in range(politeness.max_redirects + 1):
            if current != url:
                if not site.allows(current):
                    raise FetchError("off_site_redirect", current)
                if not await self.allowed(current, site):
                    raise FetchError("disallowed_by_robots", current)
            headers = conditional(current)
            status, response_headers, body, tries = await self._request(
                current, politeness, headers, retry)
            attempts += tries
            if status in REDIRECTS and "location" in response_headers:
                target = absolute_url(current, response_headers["location"])
                if target is None:
                    raise FetchError("bad_redirect",
                                     repr(response_headers["location"][:200]))
                current = target
                continue
            return Response(url, current, status, response_headers, body, attempts)
        raise FetchError("too_many_redirects", f"more than {politeness.max_redirects}")

    async def _request(self, url: str, politeness: Politeness, headers: dict[str, str],
                       retry: bool) -> tuple[int, dict[str, str], bytes, int]:
        tries = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(politeness.retries if retry else 1),
            wait=wait_exponential(multiplier=self.backoff, max=BACKOFF_MAX),
            retry=retry_if_exception_type((httpx.TransportError, RetryableStatus)),
            reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    tries += 1
                    status, got, body = await self._once(url, politeness, headers)
                    if status >= 500:
                        raise RetryableStatus(status)
                    return status, got, body, tries
        except RetryableStatus as exc:
            raise FetchError(f"http_{exc.status}", f"after {tries} attempts") from exc
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{type(exc).__name__} after {tries} attempts") from exc
        except httpx.TransportError as exc:
            raise FetchError("connection", f"{type(exc).__name__}: {exc}") from exc
        except (httpx.InvalidURL, ValueError) as exc:
            raise FetchError("bad_url", f"{type(exc).__name__}: {exc}") from exc
        raise FetchError("connection", "no attempt made")  # pragma: no cover

    async def _once(self, url: str, politeness: Politeness,
                    headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        gate = self.gate(url, politeness)
        async with gate.slots:
            await gate.turn()
            async with self.client.stream("GET", url, headers=headers,
                                          timeout=politeness.timeout) as response:
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > politeness.max_bytes:
                    raise FetchError("too_large", f"Content-Length {declared}")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > politeness.max_bytes:
                        raise FetchError("too_large", f"more than {politeness.max_bytes} bytes")
                    chunks.append(chunk)
                return (response.status_code, {k.lower(): v for k, v in response.headers.items()},
                        b"".join(chunks))


def _unconditional(url: str) -> dict[str, str]:
    return {}


def blank_record(url: str, site: str, role: str, referrer: str | None) -> dict[str, Any]:
    """A fetches row before the request is made (every column present)."""
    return {"url": url, "final_url": None, "site": site, "fetched_at": datetime.now(UTC),
            "http_status": None, "etag": None, "last_modified": None, "content_type": None,
            "bytes": None, "sha256": None, "error": None, "role": role,
            "is_document": False, "referrer": referrer, "attempts": 0}


def _response_fields(response: Response) -> dict[str, Any]:
    return {"final_url": response.final_url, "http_status": response.status,
            "etag": response.headers.get("etag"),
            "last_modified": response.headers.get("last-modified"),
            "content_type": response.headers.get("content-type"),
            "bytes": len(response.body), "attempts": response.attempts}


def new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"User-Agent": USER_AGENT}, follow_redirects=False,
                             trust_env=False)
