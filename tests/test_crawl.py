"""Crawling three fake portals served for real on 127.0.0.x, then building from the archive."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path, PurePosixPath

import pandas as pd
import pytest

from crawl.archive import Archive
from crawl.crawler import CrawlSummary, crawl
from crawl.sources import SourcesError, load_sources, parse_sources
from tests.conftest import GOLD, run_scorer
from tests.fake_portals import FakePortals
from transform.build import BuildSummary, build_dataset

RATE = 4.0


def stem(url: str) -> str:
    """How the scorer names a document: its file name up to the first dot."""
    return PurePosixPath(url.split("?")[0]).name.split(".", 1)[0]


class Crawled:
    """Two crawls and two builds over the same portals (shared by the tests below)."""

    portals: FakePortals
    first: CrawlSummary
    first_log: list[dict]
    first_requests: list
    second: CrawlSummary
    second_requests: list
    builds: list[BuildSummary]
    archive: Archive
    out: Path
    root: Path


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("crawl")
    state = Crawled()
    state.root = root
    state.archive = Archive(root / "raw")
    state.out = root / "dataset"
    with FakePortals() as portals:
        state.portals = portals
        sources = root / "sources.toml"
        sources.write_text(portals.sources_toml(rate=RATE, concurrency=2, timeout=1.0,
                                                retries=3), encoding="utf-8")
        sites = load_sources(sources)
        state.first = crawl(sites, state.archive, backoff=0.1)
        state.first_requests = list(portals.requests)
        state.first_log = state.archive.fetch_log()
        first_build = build_dataset([], state.out, archive=root / "raw")
        portals.reset_log()
        state.second = crawl(sites, state.archive, backoff=0.1)
        state.second_requests = list(portals.requests)
        second_build = build_dataset([], state.out, archive=root / "raw")
        state.builds = [first_build, second_build]
        yield state


def test_every_allowed_report_archived_and_nothing_disallowed(crawled: Crawled):
    docs = {d.url: d for d in crawled.archive.documents()}
    assert set(docs) == set(crawled.portals.documents)
    for url, doc in docs.items():
        assert crawled.archive.has(doc.sha256), url
    requested = {(r.host, r.path) for r in crawled.first_requests}
    for url in crawled.portals.disallowed:
        assert not any(url.endswith(path) for _, path in requested), url
    for record in crawled.archive.fetch_log():
        if record["url"] in crawled.portals.disallowed:
            assert record["error"] == "disallowed_by_robots"
            assert record["http_status"] is None


def test_no_host_ever_got_more_than_the_rate_by_the_servers_own_log(crawled: Crawled):
    times = defaultdict(list)
    for request in crawled.first_requests + crawled.second_requests:
        times[request.host].append(request.time)
    assert len(times) == 3
    for host, stamps in times.items():
        stamps.sort()
        for i, start in enumerate(stamps):
            in_window = sum(1 for t in stamps[i:] if t < start + 1.0)
            assert in_window <= RATE, (host, in_window)
    agents = {r.user_agent for r in crawled.first_requests}
    assert len(agents) == 1 and agents.pop().startswith("gongkai/")


def test_failure_modes_each_leave_a_fetches_row_and_the_crawl_completes(crawled: Crawled):
    by_url: dict[str, list[dict]] = defaultdict(list)
    for record in crawled.first_log:
        by_url[record["url"]].append(record)
    failures = crawled.portals.failures
    (missing,) = by_url[failures["not_found"]]
    assert missing["error"] == "http_404" and missing["http_status"] == 404
    (slow,) = by_url[failures["slow"]]
    assert slow["error"].startswith("timeout") and slow["http_status"] is None
    (transient,) = by_url[failures["transient_500"]]
    assert transient["http_status"] == 200 and transient["attempts"] >= 2
    assert transient["error"] is None
    (redirected,) = by_url[failures["redirect_chain"]]
    assert redirected["http_status"] == 200 and redirected["final_url"] != redirected["url"]
    assert redirected["attempts"] == 3  # two hops and the page
    (octet,) = by_url[failures["wrong_content_type"]]
    assert octet["content_type"] == "application/octet-stream"
    assert crawled.archive.get(octet["sha256"]).startswith(b"%PDF")
    assert crawled.first.n_errors >= 2


def test_second_crawl_downloads_no_unchanged_body(crawled: Crawled):
    assert crawled.second.n_new_bodies == 0
    documents = {PurePosixPath(u.split("//", 1)[1]).as_posix() for u in
                 crawled.portals.documents}
    served = [r for r in crawled.second_requests
              if f"{r.host}{r.path}" in documents]
    assert len(served) >= len(crawled.portals.documents)
    for request in served:
        assert request.if_none_match, request.path
        assert request.status == 304, request.path
    assert crawled.second.n_not_modified >= len(crawled.portals.documents)


def test_the_build_after_an_unchanged_crawl_parses_nothing(crawled: Crawled):
    first, second = crawled.builds
    assert first.n_parsed == len(crawled.portals.documents) and first.n_cached == 0
    # Same documents, only the crawl log grew: the new release reuses the tables.
    assert second.n_parsed == 0 and second.n_cached == 0 and not second.unchanged
    assert second.n_documents == first.n_documents
    assert second.row_counts["fetches"] > first.row_counts["fetches"]
    assert {k: v for k, v in second.row_counts.items() if k != "fetches"} == \
        {k: v for k, v in first.row_counts.items() if k != "fetches"}


def test_crawled_dataset_scores_perfectly_for_every_seed_copy(crawled: Crawled,
                                                              shared_tools, tmp_path: Path):
    keys = tmp_path / "keys"
    keys.mkdir()
    for url, seed in crawled.portals.documents.items():
        shutil.copy(GOLD / f"{seed}.json", keys / f"{stem(url)}.json")
    result = run_scorer(crawled.out, keys)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "missing 0" in result.stdout
    reports = pd.read_parquet(crawled.out / "reports")
    assert set(reports["source_uri"]) == set(crawled.portals.documents)


def test_copies_of_one_report_point_to_one(crawled: Crawled):
    reports = pd.read_parquet(crawled.out / "reports")
    reports["seed"] = reports["source_uri"].map(crawled.portals.documents)
    for seed, group in reports.groupby("seed"):
        kept = group[group["duplicate_of"].isna()]
        assert len(kept) == 1, (seed, list(group["source_format"]))
        assert set(group["duplicate_of"].dropna()) <= set(kept["report_id"])
    # HTML + PDF of the same report on the Hanweb portal: one kept, the other pointing to it.
    hanweb = reports[reports["source_uri"].str.startswith(crawled.portals.base["hanweb"])]
    for _, group in hanweb.groupby("seed"):
        html = group[group["source_format"] == "html"]
        pdf = group[group["source_format"] == "pdf"]
        assert len(html) == len(pdf) == 1
        ids = {html["report_id"].item(), pdf["report_id"].item()}
        pointers = {html["duplicate_of"].item(), pdf["duplicate_of"].item()}
        assert pointers - {None} <= set(reports["report_id"])
        assert len(pointers & ids) <= 1


def test_fetches_table_published_beside_the_dataset(crawled: Crawled):
    fetches = pd.read_parquet(crawled.out / "fetches")
    assert len(fetches) == len(crawled.archive.fetch_log())
    for column in ("url", "final_url", "site", "fetched_at", "http_status", "etag",
                   "last_modified", "content_type", "bytes", "sha256", "error"):
        assert column in fetches.columns
    assert set(fetches["site"]) == {"hanweb-demo", "trs-demo", "plain-demo"}
    manifest = json.loads((crawled.out / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["row_counts"]["fetches"] == len(fetches)


def test_archive_paths_come_from_hashes_only(crawled: Crawled):
    for path in (crawled.root / "raw").rglob("*"):
        assert path.is_dir() or path.parent.name == "fetches" or (
            len(path.name) == 64 and path.parent.parent.parent.name == "objects"), path
    with pytest.raises(ValueError):
        crawled.archive.path("../../etc/passwd")


def test_sources_file_errors_are_clear():
    with pytest.raises(SourcesError, match="profile"):
        parse_sources('[[site]]\nname = "x"\nprofile = "nope"\nstart_urls = ["http://a/"]\n')
    with pytest.raises(SourcesError, match="unique name"):
        parse_sources('[[site]]\nprofile = "trs"\nstart_urls = ["http://a/"]\n')
    with pytest.raises(SourcesError, match="http"):
        parse_sources('[[site]]\nname = "x"\nprofile = "trs"\nstart_urls = ["ftp://a/"]\n')
    with pytest.raises(SourcesError, match="no \\[\\[site\\]\\]"):
        parse_sources("[defaults]\nrate = 1\n")
    (site,) = parse_sources('[defaults]\nrate = 2\n[[site]]\nname = "x"\nprofile = "trs"\n'
                            'start_urls = ["http://a.gov.cn/i.html"]\nconcurrency = 1\n')
    assert site.politeness.rate == 2 and site.politeness.concurrency == 1
    assert site.allows("http://a.gov.cn/x.pdf") and not site.allows("http://b.gov.cn/x.pdf")


def test_crawl_command_refuses_a_bad_sources_file(tmp_path: Path):
    import subprocess

    from tests.conftest import ROOT

    bad = tmp_path / "sources.toml"
    bad.write_text('[[site]]\nname = "x"\nprofile = "nope"\nstart_urls = ["http://a/"]\n',
                   encoding="utf-8")
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "gongkai"), "crawl", "--sources",
                             str(bad), "--archive", str(tmp_path / "raw")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and "profile must be one of" in result.stderr
    assert not (tmp_path / "raw").exists()
