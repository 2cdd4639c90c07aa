"""Scale figures of the whole build, on synthetic corpora (prints figures; not a test).

    .venv/bin/python benchmarks/scale.py                       # every part, default sizes
    .venv/bin/python benchmarks/scale.py --parts throughput --n 1000 --pdf-n 200
    .venv/bin/python benchmarks/scale.py --parts rss --rss-n 100000

Parts:

* ``throughput``: per format (txt, html, docx, pdf), one corpus built end to end (read →
  facts → checks → sections → terms → corpus tables → Parquet, no cache) four ways: the
  plain function in this process, and the Prefect flow with 1 and with 2 workers.
  Prints reports (and, for PDFs, pages) per second per core, the 2-worker speed-up, and
  Prefect's share of the wall time (flow with 1 worker against the plain function);
  then, for each format, the CPU time the 2-worker run took (build and parser processes,
  and the Prefect server) and the speed-up that CPU time allows on this machine: no
  schedule finishes before the CPU time of its processes divided by the cores.
* ``noop``: an archive of ``--noop-n`` crawled reports built once, then rebuilt with
  nothing new (and again after a crawl that only re-validated every URL: 304s).
* ``rss``: ``--rss-n`` text reports built with ``gongkai build --workers N`` for each N of
  ``--rss-workers``; the peak memory of the whole process tree (build process, parser
  processes, temporary Prefect server) and of the tree without that server, each as
  the sum of the processes' proportional set sizes (shared pages counted once) and as
  the sum of their resident sizes; and the peak resident size of the build process
  and of the largest parser process.
* ``score``: ``score.py`` on ``--score-n`` reports of each format.

``--formats`` limits the ``throughput`` and ``score`` parts to some formats.

Corpora are written once under ``--work`` (default /tmp/gongkai-bench) and reused.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GONGKAI = ROOT / ".venv" / "bin" / "gongkai"
SCORER = ROOT.parent / "shared" / "tools" / "score.py"
FORMATS = ("txt", "html", "docx", "pdf")
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def corpus(work: Path, fmt: str, n: int, seed: int) -> Path:
    """``n`` synthetic reports of one format (written once, then reused)."""
    from gongkai.synth.reports import write_corpus

    folder = work / f"{fmt}-{n}-{seed}"
    done = folder / "DONE"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        write_corpus(n, folder, (fmt,), seed=seed)
        done.write_text(f"{time.perf_counter() - t0:.1f} s\n")
    return folder


def clean_env(work: Path, api_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(work / "prefect-home"), SOURCE_DATE_EPOCH="1700000000")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


@dataclass(frozen=True)
class Server:
    url: str  # its API
    pid: int


@dataclass(frozen=True)
class Run:
    """One timed ``gongkai build``: wall seconds, and CPU seconds of its process tree
    (the build process and every process under it) and of the Prefect server meanwhile."""

    seconds: float
    cpu: float
    server_cpu: float
    stdout: str


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans: a parser process that
    outlives the build is then waited for here, and its CPU time counted in this
    process's children's usage."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def reap_orphans(keep: int | None) -> None:
    """Wait for (and so count) every child process but ``keep`` (the server)."""
    import psutil

    orphans = [c for c in psutil.Process().children() if c.pid != keep]
    for child in orphans:
        with contextlib.suppress(psutil.Error, ChildProcessError):
            child.wait(60)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a running process and its descendants so far."""
    import psutil

    total = 0.0
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        for proc in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
    return total


@contextlib.contextmanager
def prefect_server(work: Path) -> Iterator[Server]:
    """A Prefect server on 127.0.0.1, as a scheduled deployment runs under."""
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (work / "prefect-server.log").open("w")
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "prefect"), "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env=clean_env(work), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the Prefect server did not start; see {log.name}") from None
                time.sleep(0.5)
        yield Server(url, server.pid)
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def timed_cli(args: list[str], work: Path, server: Server | None = None) -> Run:
    keep = server.pid if server else None
    reap_orphans(keep)  # an earlier run's (the plain build's parsers): not this run's time
    server_before = tree_cpu(server.pid) if server else 0.0
    cpu_before = children_cpu()
    t0 = time.perf_counter()
    result = subprocess.run([str(GONGKAI), "build", *args], capture_output=True, text=True,
                            env=clean_env(work, server.url if server else None), check=False)
    elapsed = time.perf_counter() - t0
    server_cpu = tree_cpu(server.pid) - server_before if server else 0.0
    reap_orphans(keep)
    if result.returncode != 0:
        raise SystemExit(f"gongkai build failed:\n{result.stderr[-3000:]}")
    return Run(elapsed, children_cpu() - cpu_before, server_cpu, result.stdout)


def timed_plain(reports: Path, out: Path) -> float:
    """The same build as a plain function call, no Prefect: the whole process, timed
    like the command line (interpreter start and imports included)."""
    code = ("import sys; sys.path.insert(0, {root!r}); "
            "from transform.build import build_dataset; "
            "build_dataset([{inputs!r}], {out!r}, incremental=False)")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code.format(root=str(ROOT), inputs=str(reports), out=str(out))],
        capture_output=True, text=True, env=clean_env(out.parent), check=True)
    return time.perf_counter() - t0


def pages_of(out: Path) -> int:
    import pandas as pd

    reports = pd.read_parquet(out / "reports", columns=["n_pages"])
    return int(reports["n_pages"].fillna(0).sum())


def throughput(work: Path, n: int, pdf_n: int, formats: tuple[str, ...] = FORMATS,
               repeat: int = 1) -> None:
    print("\n## Throughput, end to end (no cache)\n")
    print("Flows run against a Prefect server, as the nightly deployment does; the cost of\n"
          "the temporary server a one-off `gongkai build` starts is measured on its own.")
    print(f"Each figure is the fastest of {repeat} run{'s' if repeat > 1 else ''} "
          "(plain, one worker and two workers taken in turn).\n")
    print(f"{'format':6} {'reports':>7} {'pages':>6} {'plain 1 core':>13} {'flow 1 worker':>14} "
          f"{'flow 2 workers':>15} {'speed-up':>8} {'Prefect share':>13}")
    flow_one: dict[str, float] = {}
    cores: list[tuple[str, float, Run]] = []
    with prefect_server(work) as server:
        for fmt in formats:
            size = pdf_n if fmt == "pdf" else n
            reports = corpus(work, fmt, size, seed=11) / "reports"
            runs = work / "runs" / fmt
            shutil.rmtree(runs, ignore_errors=True)
            runs.mkdir(parents=True)
            timed_plain(reports, runs / "warm")  # file cache and bytecode warm
            times: dict[str, list[float]] = {"plain": [], "one": [], "two": []}
            twos: list[Run] = []
            for _ in range(repeat):  # interleaved, so a drift of the machine hits all three
                times["plain"].append(timed_plain(reports, runs / "plain"))
                for name, workers in (("one", "1"), ("two", "2")):
                    run = timed_cli([str(reports), "--out", str(runs / name), "--workers",
                                     workers, "--full"], work, server)
                    times[name].append(run.seconds)
                    if name == "two":
                        twos.append(run)
            plain, one, two = (min(times[name]) for name in ("plain", "one", "two"))
            cores.append((fmt, one, min(twos, key=lambda run: run.seconds)))
            flow_one[fmt] = one
            pages = pages_of(runs / "one")
            units = pages if fmt == "pdf" else size
            label = "pg" if fmt == "pdf" else "r"

            def rate(seconds: float, cores: int, units: int = units, label: str = label) -> str:
                return f"{units / seconds / cores:7.1f} {label}/s/c"

            share = max(0.0, (one - plain) / one)
            print(f"{fmt:6} {size:7d} {pages:6d} {rate(plain, 1):>13} {rate(one, 1):>14} "
                  f"{rate(two, 2):>15} {one / two:7.2f}x {share:12.1%}", flush=True)
    print_cores(cores)
    if "txt" not in flow_one:
        return
    reports = corpus(work, "txt", n, seed=11) / "reports"
    runs = work / "runs" / "temporary"
    shutil.rmtree(runs, ignore_errors=True)
    alone = timed_cli([str(reports), "--out", str(runs), "--workers", "1", "--full"],
                      work).seconds
    print(f"\nWith no server configured, `gongkai build` starts and stops a temporary "
          f"Prefect server: txt, flow 1 worker, {alone:.1f} s instead of "
          f"{flow_one['txt']:.1f} s ({alone - flow_one['txt']:+.1f} s per run).")


def print_cores(cores: list[tuple[str, float, Run]]) -> None:
    """The CPU time of each format's fastest 2-worker run, and the speed-up over one
    worker it leaves room for on this machine's cores: the build process and the
    Prefect server run on the same cores as the two parsers, so their CPU time is taken
    from the second worker's core."""
    n_cores = os.cpu_count() or 1
    print(f"\nCPU time of the 2-worker run (fastest), and the speed-up it allows on "
          f"{n_cores} cores:\n")
    print(f"{'format':6} {'wall':>7} {'build+parsers':>14} {'server':>7} {'cores busy':>10} "
          f"{'ceiling':>8}")
    for fmt, one, run in cores:
        cpu = run.cpu + run.server_cpu
        floor = cpu / n_cores  # no schedule ends sooner
        print(f"{fmt:6} {run.seconds:6.1f}s {run.cpu:13.1f}s {run.server_cpu:6.1f}s "
              f"{cpu / run.seconds:10.2f} {one / floor:7.2f}x", flush=True)


def archive_of(work: Path, n: int) -> Path:
    """An archive as the crawler leaves it: ``n`` bodies and one fetch log."""

    from crawl.archive import Archive

    folder = work / f"archive-{n}"
    if (folder / "DONE").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    reports = corpus(work, "txt", n, seed=21) / "reports"
    archive = Archive(folder)
    records = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i, path in enumerate(sorted(reports.iterdir())):
        sha = archive.put(path.read_bytes())
        records.append(_fetch(f"https://example.gov.cn/gk/{path.name}", sha, 200,
                              start + timedelta(seconds=i)))
    archive.write_log(records)
    (folder / "DONE").write_text("ok\n")
    return folder


def _fetch(url: str, sha: str, status: int, when: datetime) -> dict[str, object]:
    return {"url": url, "final_url": url, "site": "example", "fetched_at": when,
            "http_status": status, "etag": f'"{sha[:16]}"', "last_modified": None,
            "content_type": "text/plain", "bytes": 1, "sha256": sha, "error": None,
            "role": "document", "is_document": True, "referrer": None, "attempts": 1}


def noop(work: Path, n: int) -> None:
    from crawl.archive import Archive

    print(f"\n## Rebuild of {n} archived reports with nothing new\n")
    archive = archive_of(work, n)
    out = work / f"noop-out-{n}"
    shutil.rmtree(out, ignore_errors=True)
    first = timed_cli(["--archive", str(archive), "--out", str(out), "--workers", "2"], work)
    print(f"first build (2 workers):                 {first.seconds:7.1f} s")
    same = timed_cli(["--archive", str(archive), "--out", str(out)], work)
    assert "up to date" in same.stdout, same.stdout
    print(f"rebuild, nothing new:                    {same.seconds:7.1f} s")
    records = Archive(archive).fetch_log()
    later = datetime(2026, 2, 1, tzinfo=UTC)
    Archive(archive).write_log([{**r, "http_status": 304, "fetched_at": later} for r in records])
    try:
        grown = timed_cli(["--archive", str(archive), "--out", str(out)], work)
        print(f"rebuild after a crawl of only 304s:      {grown.seconds:7.1f} s")
    finally:
        newest = sorted((archive / "fetches").glob("*.parquet"))[-1]
        newest.unlink()
        (archive / "DONE").write_text("ok\n")


def proportional(pid: int) -> int:
    """A process's proportional set size in bytes (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss(work: Path, n: int, workers: int) -> None:
    """Peak resident memory of ``gongkai build`` over ``n`` text reports: of the whole
    process tree (build, parser processes, and the temporary Prefect server a one-off run
    starts), of the tree without that server (which a deployment runs as a service of
    its own), and of the largest single process.

    The tree is measured two ways: the sum of the processes' resident sizes (RSS), which
    counts every page shared between them (the interpreter, the libraries) once per
    process, and the sum of their proportional sizes (PSS, from
    ``/proc/<pid>/smaps_rollup``), which counts a shared page once: the memory the
    build occupies."""
    import psutil

    print(f"\n## Peak memory building {n} text reports ({workers} worker"
          f"{'s' if workers > 1 else ''})\n")
    reports = corpus(work, "txt", n, seed=31) / "reports"
    out = work / f"rss-out-{n}"
    shutil.rmtree(out, ignore_errors=True)
    process = subprocess.Popen([str(GONGKAI), "build", str(reports), "--out", str(out),
                                "--workers", str(workers), "--full"], env=clean_env(work),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks = {"tree": 0, "without server": 0, "build process": 0, "parser process": 0,
             "tree pss": 0, "without server pss": 0}
    samples = 0
    stop = threading.Event()

    def role(proc: psutil.Process) -> str:
        command = " ".join(proc.cmdline())
        if "uvicorn" in command or "prefect" in command.split(" -m ", 1)[-1][:20]:
            return "server"
        return "parser process" if "transform.isolation" in command else "other"

    def sample() -> None:
        nonlocal samples
        root = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                sizes: dict[str, int] = {"server": 0, "other": 0}
                shares: dict[str, int] = {"server": 0, "other": 0}
                for proc in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error, OSError):
                        kind, size = role(proc), proc.memory_info().rss
                        sizes[kind] = sizes.get(kind, 0) + size
                        shares[kind] = shares.get(kind, 0) + proportional(proc.pid)
                        if kind == "parser process":
                            peaks[kind] = max(peaks[kind], size)
                own = root.memory_info().rss
                peaks["build process"] = max(peaks["build process"], own)
                total = own + sum(sizes.values())
                peaks["tree"] = max(peaks["tree"], total)
                peaks["without server"] = max(peaks["without server"], total - sizes["server"])
                share = proportional(root.pid) + sum(shares.values())
                peaks["tree pss"] = max(peaks["tree pss"], share)
                peaks["without server pss"] = max(peaks["without server pss"],
                                                  share - shares["server"])
                samples += 1
            except psutil.Error:
                pass
            stop.wait(0.25)

    watcher = threading.Thread(target=sample, daemon=True)
    t0 = time.perf_counter()
    watcher.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - t0
    stop.set()
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"build failed:\n{stderr[-3000:]}")
    gib = {k: v / 2**30 for k, v in peaks.items()}
    print(f"wall time {elapsed:.0f} s ({n / elapsed:.0f} reports/s); peak memory of the "
          f"whole process tree {gib['tree pss']:.2f} GiB PSS ({gib['tree']:.2f} GiB summed "
          f"RSS), without the temporary Prefect server {gib['without server pss']:.2f} GiB "
          f"PSS ({gib['without server']:.2f} GiB RSS); peak RSS of the build process "
          f"{gib['build process']:.2f} GiB, of the largest parser process "
          f"{gib['parser process']:.2f} GiB ({samples} samples)")
    print(stdout.strip().splitlines()[0])


def score(work: Path, n: int, formats: tuple[str, ...] = FORMATS) -> None:
    print(f"\n## score.py on {n} synthetic reports per format\n")
    for fmt in formats:
        folder = corpus(work, fmt, n, seed=41)
        out = work / "score-out" / fmt
        shutil.rmtree(out, ignore_errors=True)
        timed_cli([str(folder / "reports"), "--out", str(out), "--workers", "2"], work)
        result = subprocess.run([sys.executable, str(SCORER), "--dataset", str(out),
                                 "--gold", str(folder / "keys")],
                                capture_output=True, text=True, check=False)
        line = [x for x in result.stdout.splitlines() if x.startswith("score:")]
        print(f"{fmt:5} {line[-1] if line else (result.stdout + result.stderr)[-500:]}",
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default="throughput,noop,rss,score")
    ap.add_argument("--work", type=Path, default=Path("/tmp/gongkai-bench"))
    ap.add_argument("--n", type=int, default=1000, help="reports per format (throughput)")
    ap.add_argument("--pdf-n", type=int, default=200, help="PDF reports (throughput)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs of each throughput figure; the fastest is shown")
    ap.add_argument("--noop-n", type=int, default=10_000)
    ap.add_argument("--rss-n", type=int, default=100_000)
    ap.add_argument("--rss-workers", default="1,2", help="worker counts of the rss part")
    ap.add_argument("--score-n", type=int, default=1000)
    ap.add_argument("--formats", default=",".join(FORMATS),
                    help="formats of the throughput and score parts")
    args = ap.parse_args()
    formats = tuple(args.formats.split(","))
    unknown = set(formats) - set(FORMATS)
    if unknown:
        ap.error(f"unknown formats {sorted(unknown)}: choose from {', '.join(FORMATS)}")
    args.work.mkdir(parents=True, exist_ok=True)
    adopt_orphans()
    cpu = re.sub(r"\s+", " ", next((line.split(":", 1)[1] for line in
                                    Path("/proc/cpuinfo").read_text().splitlines()
                                    if line.startswith("model name")), "?")).strip()
    print(f"machine: {os.cpu_count()} cores ({cpu}), "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
          f"python {sys.version.split()[0]}")
    parts = set(args.parts.split(","))
    if "throughput" in parts:
        throughput(args.work, args.n, args.pdf_n, formats, max(1, args.repeat))
    if "noop" in parts:
        noop(args.work, args.noop_n)
    if "rss" in parts:
        for workers in (int(w) for w in args.rss_workers.split(",")):
            rss(args.work, args.rss_n, workers)
    if "score" in parts:
        score(args.work, args.score_n, formats)


if __name__ == "__main__":
    main()
