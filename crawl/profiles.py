"""The portal families, as data (crawl/profiles.yaml), compiled once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PROFILES_PATH = Path(__file__).with_name("profiles.yaml")


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    pagination: re.Pattern[str]
    report: re.Pattern[str]
    report_text: re.Pattern[str]
    attachment: re.Pattern[str]
    inline_min_chars: int

    def is_attachment(self, url: str) -> bool:
        return self.attachment.search(url) is not None


@lru_cache(maxsize=1)
def load_profiles(path: Path = PROFILES_PATH) -> dict[str, Profile]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = raw["defaults"]
    profiles = {}
    for name, spec in raw["profiles"].items():
        merged = {**defaults, **spec}
        profiles[name] = Profile(
            name=name,
            description=" ".join(merged["description"].split()),
            pagination=re.compile(merged["pagination"]),
            report=re.compile(merged["report"]),
            report_text=re.compile(merged["report_text"]),
            attachment=re.compile(merged["attachment"], re.IGNORECASE),
            inline_min_chars=int(merged["inline_min_chars"]),
        )
    return profiles
