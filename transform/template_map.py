"""Loads ``template_map.yaml``, the one declarative description of the national templates.

The YAML is the source of truth; this module only gives it types and builds the label
indexes the interpreter needs, once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from transform.labels import LabelIndex

MAP_PATH = Path(__file__).with_name("template_map.yaml")
VERSIONS = ("2019", "2021")


@dataclass(frozen=True)
class Entry:
    """One row or column of a template table."""

    code: str
    label_zh: str
    variants: tuple[str, ...] = ()
    templates: tuple[str, ...] = VERSIONS
    kind: str = "reported"  # reported | total
    group: str | None = None
    article: str | None = None
    unit: str | None = None
    signed: bool = False
    derived_in: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label_zh, *self.variants)

    def kind_in(self, template: str) -> str:
        return "derived" if template in self.derived_in else self.kind

    @classmethod
    def from_yaml(cls, raw: dict[str, Any]) -> Entry:
        return cls(
            code=raw["code"],
            label_zh=raw["label_zh"],
            variants=tuple(raw.get("variants", ())),
            templates=tuple(raw.get("templates", VERSIONS)),
            kind=raw.get("kind", "reported"),
            group=raw.get("group"),
            article=raw.get("article"),
            unit=raw.get("unit"),
            signed=bool(raw.get("signed", False)),
            derived_in=tuple(raw.get("derived_in", ())),
            derived_from=tuple(raw.get("derived_from", ())),
        )


def _entries(raw: list[dict[str, Any]]) -> tuple[Entry, ...]:
    return tuple(Entry.from_yaml(r) for r in raw)


@dataclass(frozen=True)
class CheckSpec:
    """A sum the template demands: ``sum(left) == sum(right)`` per scope."""

    name: str
    table: str
    description: str
    per: str
    left: tuple[str, ...]
    right: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class TemplateMap:
    """Typed view of the YAML map (compared and hashed by identity: one per process)."""

    raw: dict[str, Any] = field(repr=False)

    # -- table 二 ---------------------------------------------------------------------
    @cached_property
    def items(self) -> tuple[Entry, ...]:
        return _entries(self.raw["active_disclosure"]["items"])

    @cached_property
    def metrics(self) -> tuple[Entry, ...]:
        return _entries(self.raw["active_disclosure"]["metrics"])

    @cached_property
    def active_layout(self) -> dict[str, dict[str, list[str]]]:
        return self.raw["active_disclosure"]["layout"]

    # -- table 三 ---------------------------------------------------------------------
    @cached_property
    def applicants(self) -> tuple[Entry, ...]:
        return _entries(self.raw["applications"]["columns"])

    @cached_property
    def application_groups(self) -> tuple[Entry, ...]:
        return _entries(self.raw["applications"]["groups"])

    @cached_property
    def application_rows(self) -> tuple[Entry, ...]:
        return _entries(self.raw["applications"]["rows"])

    # -- table 四 ---------------------------------------------------------------------
    @cached_property
    def proceedings(self) -> tuple[Entry, ...]:
        return _entries(self.raw["reviews_litigation"]["proceedings"])

    @cached_property
    def outcomes(self) -> tuple[Entry, ...]:
        return _entries(self.raw["reviews_litigation"]["outcomes"])

    # -- shared -----------------------------------------------------------------------
    @cached_property
    def checks(self) -> tuple[CheckSpec, ...]:
        return tuple(
            CheckSpec(
                name=c["name"], table=c["table"], description=c["description"], per=c["per"],
                left=tuple(c["left"]), right=tuple(c["right"]),
            )
            for c in self.raw["checks"]
        )

    @cached_property
    def templates(self) -> dict[str, dict[str, Any]]:
        return self.raw["templates"]

    @cached_property
    def evidence(self) -> dict[str, dict[str, list[str]]]:
        return self.raw["template_evidence"]

    @cached_property
    def narrative(self) -> dict[str, Any]:
        """Vocabulary, boilerplate sentences and fact patterns of the prose."""
        return self.raw["narrative"]

    def table_info(self, table: str) -> dict[str, Any]:
        return self.raw[table]

    def markers(self, table: str) -> tuple[str, ...]:
        return tuple(self.raw[table].get("markers", ()))

    def titles(self, table: str) -> tuple[str, ...]:
        info = self.raw[table]
        return (info["title_zh"], *info.get("title_variants", ()))

    @cached_property
    def ocr_confusables(self) -> dict[str, str]:
        """Misread character → the label character OCR took it for."""
        return dict(self.raw.get("ocr_confusables") or {})

    # -- label indexes ----------------------------------------------------------------
    def _index(self, entries: Iterable[Entry], threshold: float = 0.82) -> LabelIndex:
        return LabelIndex(((e.code, e.labels) for e in entries), threshold=threshold,
                          confusables=self.ocr_confusables)

    @cached_property
    def item_index(self) -> LabelIndex:
        return self._index(self.items)

    @cached_property
    def metric_index(self) -> LabelIndex:
        return self._index(self.metrics)

    @cached_property
    def applicant_index(self) -> LabelIndex:
        return self._index(self.applicants, threshold=0.9)

    @cached_property
    def application_group_index(self) -> LabelIndex:
        return self._index(self.application_groups)

    @cached_property
    def proceeding_index(self) -> LabelIndex:
        return self._index(self.proceedings, threshold=0.9)

    @cached_property
    def outcome_index(self) -> LabelIndex:
        return self._index(self.outcomes, threshold=0.9)

    def application_row_index(self, group: str | None) -> LabelIndex:
        """Rows matched within a group first: '3.其他' means other.other only under 其他处理."""
        return self._row_indexes[group]

    @cached_property
    def _row_indexes(self) -> dict[str | None, LabelIndex]:
        groups = {None, *(g.code for g in self.application_groups)}
        return {
            group: self._index(r for r in self.application_rows
                               if group is None or r.group == group)
            for group in groups
        }

    def entry(self, kind: str, code: str) -> Entry:
        return self._entries_by_code[kind][code]

    @cached_property
    def _entries_by_code(self) -> dict[str, dict[str, Entry]]:
        return {
            "item": {e.code: e for e in self.items},
            "metric": {e.code: e for e in self.metrics},
            "applicant": {e.code: e for e in self.applicants},
            "row": {e.code: e for e in self.application_rows},
            "proceeding": {e.code: e for e in self.proceedings},
            "outcome": {e.code: e for e in self.outcomes},
        }

    def all_labels(self) -> list[str]:
        """Every printed label of both templates (for the segmentation dictionary)."""
        labels: list[str] = []
        for group in (self.items, self.metrics, self.applicants, self.application_groups,
                      self.application_rows, self.proceedings, self.outcomes):
            for entry in group:
                labels.extend(entry.labels)
        for table in ("active_disclosure", "applications", "reviews_litigation"):
            labels.extend(self.titles(table))
        return labels


@lru_cache(maxsize=1)
def load_template_map(path: Path = MAP_PATH) -> TemplateMap:
    with path.open(encoding="utf-8") as fh:
        return TemplateMap(raw=yaml.safe_load(fh))
