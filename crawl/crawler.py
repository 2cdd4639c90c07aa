"""Crawl the sites of a sources file into the raw archive.

For each site: read its listing pages (following pagination up to a limit), pick the
report links by URL pattern and link text (the site's profile), fetch each report page
and the attachments it links to, and store every body in the archive. Each request
leaves a record for the ``fetches`` table, successful or not, so an operator can see
exactly what happened; one failing URL never stops the crawl.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from crawl.archive import Archive
from crawl.fetch import Fetcher, FetchError, blank_record, new_client
from crawl.links import Link, extract_links
from crawl.sources import Site
from extract.document import UnreadableDocument
from extract.readers import read_document
from extract.sniff import sniff_format


@dataclass(frozen=True)
class CrawlSummary:
    n_requests: int
    n_documents: int
    n_new_bodies: int
    n_not_modified: int
    n_errors: int
    log: str | None


class SiteCrawl:
    """One site's crawl: what has been queued, and the records made so far."""

    def __init__(self, site: Site, fetcher: Fetcher, archive: Archive,
                 validators: dict[str, dict[str, Any]]) -> None:
        self.site = site
        self.fetcher = fetcher
        self.archive = archive
        self.validators = validators
        self.records: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.new_bodies = 0

    def conditional(self, url: str) -> dict[str, str]:
        return _conditional_headers(self.validators.get(url), self.archive)

    async def run(self) -> None:
        listings = list(self.site.start_urls)
        self.seen.update(listings)
        reports: list[tuple[str, str]] = []
        done = 0
        while listings and done < self.site.politeness.max_listing_pages:
            url = listings.pop(0)
            done += 1
            try:
                body = await self.fetch(url, "listing", referrer=None)
                links = extract_links(body, url) if body is not None else []
            except Exception as exc:  # one bad listing page must not stop the crawl
                self.records.append(self.internal_error(url, "listing", None, exc))
                continue
            for link in links:
                kind = self.classify(link)
                if kind is None or link.url in self.seen:
                    continue
                self.seen.add(link.url)
                if kind == "listing":
                    listings.append(link.url)
                else:
                    reports.append((link.url, url))
        await asyncio.gather(*(self.guarded_report(url, referrer)
                               for url, referrer in reports))

    async def guarded_report(self, url: str, referrer: str) -> None:
        """A report page that breaks the crawler's own code is recorded, not fatal."""
        try:
            await self.report(url, referrer)
        except Exception as exc:  # one bad page must not stop the crawl
            self.records.append(self.internal_error(url, "report_page", referrer, exc))

    def internal_error(self, url: str, role: str, referrer: str | None,
                       exc: Exception) -> dict[str, Any]:
        """The record of a page that broke the crawler's own code."""
        record = blank_record(url, self.site.name, role, referrer)
        record["error"] = f"internal_error: {type(exc).__name__}: {exc}"
        return record

    def classify(self, link: Link) -> str | None:
        profile = self.site.profile
        if not self.site.allows(link.url):
            return None
        if profile.pagination.search(link.url):
            return "listing"
        if profile.report_text.search(link.text) and (
                profile.report.search(link.url) or profile.is_attachment(link.url)):
            return "report"
        return None

    async def report(self, url: str, referrer: str) -> None:
        if self.site.profile.is_attachment(url) and not url.endswith((".html", ".htm")):
            await self.fetch(url, "attachment", referrer, document=True)
            return
        body = await self.fetch(url, "report_page", referrer, document=None)
        if body is None:
            return
        attachments = [link.url for link in extract_links(body, url)
                       if self.site.allows(link.url) and self.site.profile.is_attachment(link.url)
                       and link.url not in self.seen]
        self.seen.update(attachments)
        await asyncio.gather(*(self.fetch(a, "attachment", url, document=True)
                               for a in attachments))

    async def fetch(self, url: str, role: str, referrer: str | None,
                    document: bool | None = False) -> bytes | None:
        """Fetch ``url`` (conditionally when archived before), archive the body, record it.

        ``document=None`` decides from the body whether it is an inline report.
        """
        record = blank_record(url, self.site.name, role, referrer)
        self.records.append(record)
        if not await self.fetcher.allowed(url, self.site):
            record["error"] = "disallowed_by_robots"
            return None
        try:
            response = await self.fetcher.get(url, self.site, self.conditional)
        except FetchError as exc:
            record["error"] = str(exc)
            return None
        record.update({"final_url": response.final_url, "http_status": response.status,
                       "etag": response.headers.get("etag"),
                       "last_modified": response.headers.get("last-modified"),
                       "content_type": response.headers.get("content-type"),
                       "attempts": response.attempts})
        previous = self.validators.get(response.final_url)
        if response.status == 304 and previous:
            body = self.archive.get(previous["sha256"])
            record["etag"] = record["etag"] or previous["etag"]
            record["last_modified"] = record["last_modified"] or previous["last_modified"]
        elif response.status == 200:
            body = response.body
            if not self.archive.has(_sha(body)):
                self.new_bodies += 1
            self.archive.put(body)
        else:
            record["error"] = f"http_{response.status}"
            return None
        record["sha256"] = _sha(body)
        record["bytes"] = len(body)
        record["is_document"] = is_inline_report(body, self.site) if document is None \
            else document
        return body


def is_inline_report(body: bytes, site: Site) -> bool:
    """A report page that holds the report itself, not only a link to a file. The page
    is read the way the build will read it (size limit and XML checks included)."""
    fmt = sniff_format(body)
    if fmt != "html":
        return fmt not in ("empty", "binary")
    try:
        doc = read_document(body)
    except UnreadableDocument:
        return False
    chars = sum(len(p.text) for p in doc.paragraphs)
    return bool(doc.tables) or chars >= site.profile.inline_min_chars


def _conditional_headers(previous: dict[str, Any] | None, archive: Archive) -> dict[str, str]:
    """If-None-Match / If-Modified-Since for a body we still have, else nothing."""
    if not previous or not archive.has(previous["sha256"]):
        return {}
    headers = {}
    if previous.get("etag"):
        headers["If-None-Match"] = previous["etag"]
    if previous.get("last_modified"):
        headers["If-Modified-Since"] = previous["last_modified"]
    return headers


def _sha(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


async def crawl_sites(sites: list[Site], archive: Archive,
                      backoff: float = 1.0) -> CrawlSummary:
    """Crawl every site (sites in parallel, each host at its own pace) and log the run."""
    validators = archive.validators()
    async with new_client() as client:
        fetcher = Fetcher(client=client, backoff=backoff)
        crawls = [SiteCrawl(site, fetcher, archive, validators) for site in sites]
        await asyncio.gather(*(c.run() for c in crawls))
    records = fetcher.robots_records + [r for c in crawls for r in c.records]
    log = archive.write_log(records)
    return CrawlSummary(
        n_requests=sum(r["attempts"] for r in records),
        n_documents=sum(1 for r in records if r["is_document"]),
        n_new_bodies=sum(c.new_bodies for c in crawls),
        n_not_modified=sum(1 for r in records if r["http_status"] == 304),
        n_errors=sum(1 for r in records if r["error"]),
        log=str(log) if log else None,
    )


def crawl(sites: list[Site], archive: Archive, backoff: float = 1.0) -> CrawlSummary:
    return asyncio.run(crawl_sites(sites, archive, backoff))
