#!/usr/bin/env python
"""Pages benchmark: 16 logged-in clients browse the demo ring against a real
`tauschring serve`, side by side with the same server's /healthz.

    .venv/bin/python bench/pages.py [--quick] [--engines sqlite,postgresql]
                                    [--clients 16] [--think S] [--duration S]
                                    [--rounds N] [--queries] [--workers N] [--json FILE]

For each engine: a fresh database filled by `tauschring demo` (the demo ring:
members, talents, exchanges, bookings), served by `tauschring serve` (waitress,
its default threads) in a process of its own. The clients (--clients, in 4
processes of threads, each with its own keep-alive connection and session
cookie, logged in as the demo ring's members in turn) then take turns:

  healthz   every client GETs /healthz as fast as it can: the server's raw rate,
            the baseline;
  browse    every client walks the ring as a member does: the market, the
            dashboard, the exchanges, a member's profile, a search in the market
            (/market?q=...), over and over, reading each page for a moment
            (--think: a random pause, exponential, 0.5 s on average) before the
            next click, and arriving each after such a pause, not all at the
            round's first instant: 16 members browsing at once, a busy market
            evening;
  flat out  the same walk without pauses: how many pages the server can give.

The three alternate for --rounds rounds of --duration seconds each, so the load
of other processes on the machine hits all alike. Reported: requests per second,
the latency percentiles per page (p50, p95, p99, max), the flat-out pages' rate
as a share of /healthz's, the machine (CPUs) and the load average before and
after. Goal (issue 13): p99 of the pages < 100 ms with 16 clients browsing:
PASS/FAIL. (Flat out, 16 clients always waiting for the next page, the latency
is 16 / the rate by Little's law: a measure of capacity, not of the goal.)

--workers N serves PostgreSQL with `tauschring serve --workers N` (gunicorn
processes, as a busy instance on several cores runs); SQLite is always served
by one process.

--queries also counts the SQL statements each page sends (in-process, through
the app's test client) to find pages whose queries grow with the data (N+1),
and measures each page's CPU in that process (the best of 3 x 50 requests)
beside /healthz's: the code's cost per page, independent of the machine's load.

Nothing under tauschring/ is changed; the databases live in a temporary folder
that is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.serving import process_cpu_seconds, serving, tauschring_command  # noqa: E402

PASSWORD = "tauschen123"               # the demo ring's (tauschring/demo.py)
PAGES = ("market", "dashboard", "exchanges", "profile", "search")
GOAL_P99 = 0.100
CPU_REPEAT = 50                        # --queries: requests per page for its CPU
KINDS = ("healthz", "browse", "flat out")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def environment(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env.update(TAUSCHRING_DATABASE_URL=url, TAUSCHRING_SECRET_KEY="bench-secret",
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [
                   os.environ.get("PYTHONPATH")])]))
    return env


# --------------------------------------------------------------------------
# The demo ring and what the clients browse
# --------------------------------------------------------------------------

def fill_demo(url: str, workdir: Path) -> dict:
    """`tauschring demo` into the database; the logins, profiles and search words."""
    done = subprocess.run([*tauschring_command(), "demo"], cwd=workdir, env=environment(url),
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"tauschring demo failed: {done.stderr[-2000:]}")
    import sqlalchemy as sa
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ring_id = conn.execute(sa.text("SELECT id FROM rings WHERE slug = 'demo'")).scalar()
        members = conn.execute(sa.text(
            "SELECT id, email FROM members WHERE ring_id = :ring AND status = 'active' "
            "ORDER BY id"), {"ring": ring_id}).all()
        titles = conn.execute(sa.text(
            "SELECT title FROM talents WHERE ring_id = :ring"), {"ring": ring_id}).scalars().all()
    engine.dispose()
    words = sorted({w.lower() for t in titles for w in re.findall(r"\w{5,}", t)})[:12]
    return {"logins": [email for _, email in members], "profiles": [m for m, _ in members],
            "words": words or ["garten"]}


@contextmanager
def serve(url: str, workdir: Path, workers: int = 1):
    """A real `tauschring serve` subprocess (`--workers N`: N gunicorn processes, PostgreSQL);
    yields its base URL and pid once /healthz answers."""
    extra = ["--workers", str(workers)] if workers > 1 else []
    with serving(workdir, environment(url), extra) as (base, proc):
        yield base, proc.pid


# --------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------

def log_in(session, base: str, email: str) -> None:
    page = session.get(base + "/login", timeout=30).text
    match = CSRF.search(page)
    token = match.group(1) or match.group(2)
    response = session.post(base + "/login", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": token},
                            allow_redirects=False, timeout=60)
    if response.status_code != 302:
        raise RuntimeError(f"log-in of {email} failed: {response.status_code}")


def walk(n: int, demo: dict) -> list[tuple[str, str]]:
    """The n-th walk through the ring: (page, path) in a member's order."""
    profiles, words = demo["profiles"], demo["words"]
    return [("market", "/market"), ("dashboard", "/dashboard"), ("exchanges", "/exchanges"),
            ("profile", f"/members/{profiles[n % len(profiles)]}"),
            ("search", f"/market?q={words[n % len(words)]}")]


def client_process(number: int, threads: int, base: str, demo: dict, plan: list,
                   start_at: float, think: float, results) -> None:
    """One process of `threads` clients; runs the rounds of `plan` [(kind, seconds)],
    all processes starting at the wall-clock moment start_at."""
    import requests

    sessions = []
    for i in range(threads):
        session = requests.Session()
        logins = demo["logins"]
        log_in(session, base, logins[(number * threads + i) % len(logins)])
        for _, path in walk(i, demo):                 # warm-up, untimed
            session.get(base + path, timeout=60)
        sessions.append(session)
    samples: list = []
    lock = threading.Lock()

    def run(session, offset: int, kind: str, until: float, round_: int) -> None:
        mine, n, errors = [], offset, 0
        pause = random.Random(offset * 1000 + round_)
        if kind == "browse":
            # Members arrive each in their own time, not all at the round's first
            # instant: the same pause as between pages comes before the first.
            time.sleep(min(pause.expovariate(1 / think), 5 * think))
        while True:
            steps = [("healthz", "/healthz")] if kind == "healthz" else walk(n, demo)
            for page, path in steps:
                start = time.perf_counter()
                response = session.get(base + path, timeout=60)
                took = time.perf_counter() - start
                if response.status_code != 200:
                    errors += 1
                mine.append((round_, kind, page, took))
                if kind == "browse":
                    time.sleep(min(pause.expovariate(1 / think), 5 * think))
            n += 1
            if time.time() >= until:
                break
        with lock:
            samples.extend(mine)
            if errors:
                samples.append((round_, kind, "errors", errors))

    moment = start_at
    for round_, (kind, seconds) in enumerate(plan):
        time.sleep(max(0.0, moment - time.time()))
        until = moment + seconds
        workers = [threading.Thread(target=run, args=(s, number * threads + i, kind, until,
                                                      round_))
                   for i, s in enumerate(sessions)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        moment = until + 1.0          # a pause between rounds: the stragglers finish
    results.put(samples)


def sample_cpu(pid: int, moments: list[tuple[float, float]], found: list) -> None:
    """The server's CPU time at the start and end of every round."""
    for start, end in moments:
        time.sleep(max(0.0, start - time.time()))
        before = process_cpu_seconds(pid)
        time.sleep(max(0.0, end - time.time()))
        after = process_cpu_seconds(pid)
        found.append(None if before is None or after is None else after - before)


def measure(base: str, pid: int, demo: dict, clients: int, rounds: int, duration: float,
            think: float) -> dict:
    processes = min(4, clients)
    per = [clients // processes + (1 if i < clients % processes else 0)
           for i in range(processes)]
    plan = [(kind, duration) for _ in range(rounds) for kind in KINDS]
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    results = context.Queue()
    start_at = time.time() + 8 + clients * 0.6          # time to log in (Argon2) and warm up
    workers = [context.Process(target=client_process,
                               args=(i, per[i], base, demo, plan, start_at, think,
                                     results))
               for i in range(processes)]
    for worker in workers:
        worker.start()
    cpu: list = []
    sampler = threading.Thread(target=sample_cpu, args=(pid, [
        (start_at + i * (duration + 1), start_at + i * (duration + 1) + duration)
        for i in range(len(plan))], cpu), daemon=True)
    sampler.start()
    samples = []
    for _ in workers:
        samples.extend(results.get(timeout=start_at - time.time() + len(plan) *
                                   (duration + 1) + 600))
    for worker in workers:
        worker.join()
    sampler.join(timeout=10)
    figures = summarize(samples, rounds, duration)
    for k, kind in enumerate(KINDS):           # the server's CPU per request, load aside
        used = [c for i, c in enumerate(cpu) if i % len(KINDS) == k and c is not None]
        figures[kind]["server_cpu_ms"] = (1000 * sum(used) / figures[kind]["requests"]
                                          if used and figures[kind]["requests"] else None)
    return figures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarize(samples: list, rounds: int, duration: float) -> dict:
    errors = sum(s[3] for s in samples if s[2] == "errors")
    samples = [s for s in samples if s[2] != "errors"]
    figures: dict = {"errors": errors, "rounds": []}
    for kind in KINDS:
        times = [s[3] for s in samples if s[1] == kind]
        figures[kind] = {"requests": len(times), "rate": len(times) / (rounds * duration),
                         **latencies(times)}
        figures[kind]["by_page"] = {page: latencies([s[3] for s in samples
                                                     if s[1] == kind and s[2] == page])
                                    for page in PAGES}
    for round_ in range(rounds):
        figures["rounds"].append({kind: sum(1 for s in samples if s[0] == len(KINDS) * round_
                                            + k and s[1] == kind) / duration
                                  for k, kind in enumerate(KINDS)})
    return figures


def latencies(times: list[float]) -> dict:
    if not times:
        return {"n": 0}
    return {"n": len(times), "p50": statistics.median(times), "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99), "max": max(times)}


# --------------------------------------------------------------------------
# SQL statements per page (in-process)
# --------------------------------------------------------------------------

def count_queries(url: str, workdir: Path, demo: dict) -> dict:
    """The SQL statements each page sends, through the app's test client."""
    from sqlalchemy import event

    from tauschring.app import create_app
    from tauschring.config import Settings
    from tauschring.db import db

    app = create_app(Settings(database_url=url, secret_key="bench-secret",
                              instance_path=str(workdir / "instance")),
                     WTF_CSRF_ENABLED=False)
    counts: dict = {}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    # Each request in its own app context, as served: nothing (the logged-in
    # member) is kept in flask.g from one request to the next.
    client = app.test_client()
    client.post("/login", data={"email": demo["logins"][1], "password": PASSWORD})
    for page, path in walk(1, demo):
        client.get(path)              # warm: caches, the session's first queries
        statements.clear()
        response = client.get(path)
        counts[page] = {"status": response.status_code, "queries": len(statements),
                        "statements": list(statements)}
    # The CPU of each page in this process (no network, no other clients): what
    # the code costs, whatever the machine's load; /healthz as the baseline.
    for page, path in [*walk(1, demo), ("healthz", "/healthz")]:
        best = None
        for _ in range(3):
            started = time.process_time()
            for _ in range(CPU_REPEAT):
                client.get(path)
            used = (time.process_time() - started) / CPU_REPEAT
            best = used if best is None else min(best, used)
        counts.setdefault(page, {})["cpu_ms"] = 1000 * best
    engine.dispose()
    return counts


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def run_engine(engine: str, workroot: Path, args, cluster_box: list) -> dict:
    workdir = workroot / engine
    workdir.mkdir()
    if engine == "sqlite":
        url = f"sqlite:///{workdir / 'pages.db'}"
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        from ledger import PostgresCluster
        log("postgresql: starting a durable throwaway cluster")
        cluster_box.append(PostgresCluster())
        url = cluster_box[-1].create_database("tauschring_bench_pages")
    log(f"{engine}: filling the demo ring")
    demo = fill_demo(url, workdir)
    figures: dict = {"members": len(demo["logins"])}
    if args.queries:
        figures["queries"] = count_queries(url, workdir, demo)
        for page, found in figures["queries"].items():
            if page in PAGES:
                log(f"{engine}: {page}: {found['queries']} SQL statements (HTTP "
                    f"{found['status']}), {found['cpu_ms']:.2f} ms CPU in-process")
    workers = args.workers if engine == "postgresql" else 1
    with serve(url, workdir, workers) as (base, pid):
        log(f"{engine}: {args.clients} clients, {args.rounds} rounds of {args.duration:.0f} s "
            "(healthz, browse, flat out)")
        figures.update(measure(base, pid, demo, args.clients, args.rounds, args.duration,
                               args.think))
    browse, flat, healthz = figures["browse"], figures["flat out"], figures["healthz"]
    log(f"{engine}: browsing p99 {browse['p99'] * 1000:.0f} ms; flat out {flat['rate']:.0f} "
        f"pages/s; healthz {healthz['rate']:.0f}/s")
    return figures


def print_report(results: dict, args, meta: dict) -> None:
    line = "-" * 100
    print()
    print("Tauschring pages benchmark" + (" (quick)" if args.quick else ""))
    print(f"  code: {meta['source']}")
    print(f"  {meta['cpus']} CPUs, Python {meta['python']}; load average before: "
          f"{' '.join(f'{x:.1f}' for x in meta['load'])}, after: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"  {args.clients} clients (4 processes of threads, keep-alive) on the same machine, "
          "`tauschring serve` (waitress, default threads"
          + (f"; PostgreSQL: --workers {args.workers}, gunicorn)" if args.workers > 1 else ")"))
    print(f"  {args.rounds} rounds of {args.duration:.0f} s of healthz, browse (a pause of "
          f"{args.think:.1f} s on average after each page) and flat out (no pause), in turn")
    print()
    print(line)
    print(f"{'engine':<11}{'measure':<15}{'requests':>9}{'per s':>8}{'p50 ms':>9}"
          f"{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'vs healthz':>12}")
    print(line)
    for engine, fig in results.items():
        healthz = fig["healthz"]["rate"]
        for kind in KINDS:
            rows = [(kind, fig[kind], fig[kind]["rate"])]
            if kind != "healthz":
                rows += [(f"  {page}", fig[kind]["by_page"][page], None) for page in PAGES]
            for label, figures, rate in rows:
                if not figures.get("n"):
                    continue
                share = f"{rate / healthz:.2f}" if rate is not None else ""
                per_s = f"{rate:.0f}" if rate is not None else ""
                print(f"{engine:<11}{label:<15}{figures['n']:>9,}{per_s:>8}"
                      f"{figures['p50'] * 1000:>9.1f}{figures['p95'] * 1000:>9.1f}"
                      f"{figures['p99'] * 1000:>9.1f}{figures['max'] * 1000:>9.1f}{share:>12}")
        rounds = ", ".join(f"{r['flat out'] / r['healthz']:.2f}" if r["healthz"] else "-"
                           for r in fig["rounds"])
        print(f"{'':<11}(flat out / healthz per round: {rounds}; failed requests: "
              f"{fig['errors']}; {fig['members']} members log in)")
        cpu = {kind: fig[kind].get("server_cpu_ms") for kind in KINDS}
        if all(cpu.values()):
            ratio = cpu["flat out"] / cpu["healthz"]
            print(f"{'':<11}the server's CPU per request: healthz {cpu['healthz']:.1f} ms, "
                  f"a page {cpu['flat out']:.1f} ms flat out ({ratio:.1f}x healthz), "
                  f"{cpu['browse']:.1f} ms browsing")
        if "queries" in fig:
            found = fig["queries"]
            print(f"{'':<11}SQL statements per page: " + ", ".join(
                f"{page} {found[page]['queries']}" for page in PAGES))
            base = found["healthz"]["cpu_ms"]
            print(f"{'':<11}CPU per request in-process: healthz {base:.2f} ms; " + ", ".join(
                f"{page} {found[page]['cpu_ms']:.2f} ms ({found[page]['cpu_ms'] / base:.1f}x)"
                for page in PAGES))
        print(line)
    print()
    print(f"Goal (issue 13) — {meta['cpus']} CPUs, load average now: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for engine, fig in results.items():
        browse, flat, healthz = fig["browse"], fig["flat out"], fig["healthz"]["rate"]
        ok = browse["p99"] < GOAL_P99 and not fig["errors"]
        print(f"  {'PASS' if ok else 'FAIL'} {engine}: pages p99 {browse['p99'] * 1000:.0f} ms "
              f"with {args.clients} clients browsing (goal < {GOAL_P99 * 1000:.0f} ms; "
              f"{browse['rate']:.0f} pages/s)")
        print(f"  info {engine}: flat out {flat['rate']:.0f} pages/s = "
              f"{flat['rate'] / healthz:.2f} of /healthz's {healthz:.0f}/s, p99 "
              f"{flat['p99'] * 1000:.0f} ms")


def describe_source() -> str:
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                "tauschring", "templates"], capture_output=True, text=True,
                               check=True).stdout.strip()
        return f"{ROOT} (git {head}{', modified' if dirty else ''})"
    except (OSError, subprocess.CalledProcessError):
        return str(ROOT)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 5 s")
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--think", type=float, default=0.5,
                        help="browse: mean pause after each page in seconds (default 0.5)")
    parser.add_argument("--duration", type=float, help="seconds per round (default 10)")
    parser.add_argument("--rounds", type=int, help="rounds of healthz and pages (default 3)")
    parser.add_argument("--queries", action="store_true",
                        help="also count the SQL statements of each page")
    parser.add_argument("--workers", type=int, default=1,
                        help="PostgreSQL: serve --workers N (gunicorn processes); SQLite: one")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    args.duration = args.duration or (5.0 if args.quick else 10.0)
    args.rounds = args.rounds or 3
    meta = {"source": describe_source(), "cpus": os.cpu_count(),
            "python": sys.version.split()[0], "load": os.getloadavg()}
    workroot = Path(tempfile.mkdtemp(prefix="tauschring-bench-pages."))
    results, clusters = {}, []
    try:
        for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
            results[engine] = run_engine(engine, workroot, args, clusters)
    finally:
        for cluster in clusters:
            cluster.stop()
        shutil.rmtree(workroot, ignore_errors=True)
    print_report(results, args, meta)
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2,
                                              default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
