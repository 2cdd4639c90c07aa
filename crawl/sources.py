"""The sources file (TOML): which sites to crawl and how politely.

    [defaults]                 # every key optional; these are the defaults
    rate = 1.0                 # requests per second per host
    concurrency = 2            # simultaneous requests per host
    timeout = 30               # seconds per request
    retries = 3                # attempts per URL on 5xx, connection errors and timeouts
    max_bytes = 52428800       # a larger body is abandoned (error too_large)
    max_redirects = 5
    max_listing_pages = 50     # per site

    [[site]]
    name = "jinan-licheng"
    profile = "hanweb"         # hanweb, trs or plain (crawl/profiles.yaml)
    start_urls = ["http://www.licheng.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=…"]
    allowed_hosts = ["www.licheng.gov.cn"]   # default: the hosts of start_urls
    rate = 0.5                 # any [defaults] key can be set per site
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawl.profiles import Profile, load_profiles


class SourcesError(ValueError):
    """The sources file is malformed; the message says where."""


@dataclass(frozen=True)
class Politeness:
    rate: float = 1.0
    concurrency: int = 2
    timeout: float = 30.0
    retries: int = 3
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    max_listing_pages: int = 50


@dataclass(frozen=True)
class Site:
    name: str
    profile: Profile
    start_urls: tuple[str, ...]
    allowed_hosts: frozenset[str]
    politeness: Politeness = field(default_factory=Politeness)

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and (
            parts.netloc in self.allowed_hosts or parts.hostname in self.allowed_hosts)


POLITENESS_KEYS = {f.name for f in fields(Politeness)}


def _politeness(base: Politeness, raw: dict[str, Any], where: str) -> Politeness:
    values = {k: v for k, v in raw.items() if k in POLITENESS_KEYS}
    try:
        merged = replace(base, **{k: type(getattr(base, k))(v) for k, v in values.items()})
    except (TypeError, ValueError) as exc:
        raise SourcesError(f"{where}: {exc}") from exc
    if merged.rate <= 0 or merged.concurrency < 1 or merged.timeout <= 0:
        raise SourcesError(f"{where}: rate, concurrency and timeout must be positive")
    return merged


def parse_sources(text: str) -> list[Site]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"not valid TOML: {exc}") from exc
    defaults = _politeness(Politeness(), raw.get("defaults", {}), "[defaults]")
    profiles = load_profiles()
    sites: list[Site] = []
    names: set[str] = set()
    for i, entry in enumerate(raw.get("site", [])):
        where = f"site #{i + 1} ({entry.get('name', 'unnamed')})"
        name = entry.get("name")
        if not name or name in names:
            raise SourcesError(f"{where}: every site needs a unique name")
        names.add(name)
        if entry.get("profile") not in profiles:
            raise SourcesError(f"{where}: profile must be one of {sorted(profiles)}")
        starts = tuple(entry.get("start_urls", ()))
        if not starts or not all(urlsplit(u).scheme in ("http", "https") for u in starts):
            raise SourcesError(f"{where}: start_urls must be http(s) URLs")
        hosts = entry.get("allowed_hosts") or [urlsplit(u).netloc for u in starts]
        sites.append(Site(name=name, profile=profiles[entry["profile"]], start_urls=starts,
                          allowed_hosts=frozenset(hosts),
                          politeness=_politeness(defaults, entry, where)))
    if not sites:
        raise SourcesError("no [[site]] entries")
    return sites


def load_sources(path: Path) -> list[Site]:
    return parse_sources(path.read_text(encoding="utf-8"))
