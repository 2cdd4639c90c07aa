"""Split the narrative into the contract's sections, tables removed.

Headings are recognised by what they say, not by their numbers: reports number them
一、…六、, 6、, or not at all, misnumber them (two 三、), use the wording of Article 50
('行政机关主动公开政府信息的情况'), or put the tables in an appendix under their own
headings. A top-level heading that names no contract section (一、统一认识，加强领导…)
continues the section it is in; before any section it opens the overview, since reports
start with the general situation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.document import Document, Paragraph

SECTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("appendix", re.compile(r"^(?:附件|附表|附：|附:)")),
    ("other_matters", re.compile(r"其他需要报告的事项|其它需要报告的事项|其他需要报告")),
    ("problems", re.compile(r"存在的?主要问题|主要问题及改进"
                            r"|存在的?问题(?:和|及|与)?(?:改进|不足|整改)"
                            r"|问题及改进|改进情况|不足(?:之处)?及改进")),
    ("reviews_litigation", re.compile(r"行政复议.{0,3}行政诉讼|复议.{0,2}诉讼")),
    ("applications", re.compile(r"收到和处理政府信息公开申请|依申请公开(?:政府信息)?(?:情况|工作)?$"
                                r"|处理政府信息公开申请")),
    ("active_disclosure", re.compile(r"主动公开政府信息(?:的)?情况|主动公开(?:情况|工作)$")),
    ("overview", re.compile(r"总体情况|基本情况|工作概况|概述|总体工作情况")),
)
TOP_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|第[一二三四五六七八九十]+[部分章])")
ARABIC_NUMBER = re.compile(r"^\s*\d{1,2}\s*[、.．]\s*")
SUB_NUMBER = re.compile(r"^\s*[（(]")
MAX_HEADING = 40
WHITESPACE = re.compile(r"\s+")
SENTENCE_END = re.compile(r"[。；;]")
APPENDIX_HEADING = re.compile(r"^(?:附件|附表)\s*\d*\s*[：:]?")


@dataclass
class Section:
    section: str
    heading: str | None
    position: int
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(p for p in self.parts if p)


def classify_heading(text: str) -> str | None:
    """The section a heading names, or None when it names none."""
    body = WHITESPACE.sub("", text)
    for name, pattern in SECTION_PATTERNS:
        if pattern.search(body):
            return name
    return None


def _heading_kind(para: Paragraph) -> tuple[bool, str | None]:
    """(is a heading, section it names)."""
    text = para.text.strip()
    compact = WHITESPACE.sub("", text)
    if not compact or SUB_NUMBER.match(text):
        return False, None
    short = len(compact) <= MAX_HEADING and not SENTENCE_END.search(compact[:-1])
    if APPENDIX_HEADING.match(compact) and len(compact) <= 60:
        return True, "appendix"
    named = classify_heading(compact) if short else None
    if TOP_NUMBER.match(text) and short:
        return True, named
    if ARABIC_NUMBER.match(text) and short and named:
        return True, named
    if named and short and (para.style in ("heading", "title") or len(compact) <= 24):
        return True, named
    return False, None


def split_sections(doc: Document, title_paragraphs: int) -> list[Section]:
    """Sections in order of first appearance, one per contract section."""
    sections: dict[str, Section] = {}
    current: Section | None = None
    seen_paragraphs = 0
    for block in doc.blocks:
        if not isinstance(block, Paragraph):
            continue
        seen_paragraphs += 1
        if seen_paragraphs <= title_paragraphs:
            continue
        is_heading, named = _heading_kind(block)
        text = block.text.strip()
        if is_heading:
            target = named or (current.section if current and current.section != "preamble"
                               else "overview")
            if target not in sections:
                sections[target] = Section(target, text, len(sections))
                current = sections[target]
                continue
            current = sections[target]
            current.parts.append(text)
            continue
        if current is None:
            current = sections.setdefault("preamble", Section("preamble", None, len(sections)))
        current.parts.append(text)
    return sorted(sections.values(), key=lambda s: s.position)
