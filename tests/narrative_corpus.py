"""Reports made of synthetic narrative, written as text exports, with known copies."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.synth.narrative import Body, mutate, random_body, report_narrative
from tests.export_writer import applications_table, reviews_table, text_export

HEADINGS = {
    "overview": "一、总体情况",
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "reviews_litigation": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other_matters": "六、其他需要报告的事项",
}
# What every report of a county prints because the county's notice asked for it: stock
# text, not copying.
STOCK = ("本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
         "坚持以公开为常态、不公开为例外，全面推进决策、执行、管理、服务、结果公开。")


def report_bytes(body: Body, year: int, sections: dict[str, str]) -> bytes:
    blocks: list = [f"{body.short}{year}年政府信息公开工作年度报告"]
    for key, heading in HEADINGS.items():
        blocks.append(heading)
        if key == "applications":
            blocks.append(applications_table())
        if key == "reviews_litigation":
            blocks.append(reviews_table())
        blocks.extend(p for p in sections[key].split("\n") if p.strip())
    return text_export(blocks)


@dataclass
class Corpus:
    files: dict[str, bytes] = field(default_factory=dict)
    copies: set[frozenset[str]] = field(default_factory=set)  # pairs of file names

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        return sorted(folder / n for n in self.files)


def copy_corpus(n_reports: int, n_sources: int, seed: int = 7) -> Corpus:
    """``n_reports`` independent reports; each of the first ``n_sources`` is copied once by
    a later body with its 总体情况 slightly changed (5 words), and once by itself the next
    year (3 words changed). Every report also carries the county's stock sentences."""
    rng = random.Random(seed)
    corpus = Corpus()
    originals = []
    for i in range(n_reports):
        body = random_body(rng)
        sections, _ = report_narrative(body, 2020, rng)
        sections["overview"] = STOCK.format(year=2020) + "\n" + sections["overview"]
        name = f"r{i:03d}.txt"
        corpus.files[name] = report_bytes(body, 2020, sections)
        originals.append((name, body, sections))
    for i, (name, body, sections) in enumerate(originals[:n_sources]):
        copier = random_body(rng)
        copied, _ = report_narrative(copier, 2020, rng)
        copied["overview"] = mutate(sections["overview"], 5, rng)
        copy_name = f"c{i:03d}.txt"
        corpus.files[copy_name] = report_bytes(copier, 2020, copied)
        next_year, _ = report_narrative(body, 2021, rng)
        next_year["overview"] = mutate(sections["overview"], 3, rng)
        again = f"n{i:03d}.txt"
        corpus.files[again] = report_bytes(body, 2021, next_year)
        for pair in ((name, copy_name), (name, again), (copy_name, again)):
            corpus.copies.add(frozenset(pair))
    return corpus
