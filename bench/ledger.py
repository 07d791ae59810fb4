#!/usr/bin/env python
"""Ledger benchmark: booking throughput and audit time, on SQLite and PostgreSQL.

    .venv/bin/python bench/ledger.py [--quick] [--engines sqlite,postgresql]

For each engine it measures, with durable commits (SQLite: WAL +
synchronous=FULL as configured by tauschring.db; PostgreSQL: a throwaway
cluster started with `scripts/pg-throwaway start DIR --durable`, fsync on):

  raw        the baseline: the plain driver (sqlite3 / psycopg), one
             transaction per booking that inserts the transfer row and
             updates two balances, then commits; 1 and 8 writers;
  service    tauschring.ledger.service.book_now: each booking committed on
             its own through the ring's group-commit queue, inside an app
             context (one per thread); 1 and 8 writers;
  atomic     (informational) book() inside tauschring.db.atomic, one
             transaction per booking;
  healthz,   8 clients (requests.Session each) GETting /healthz, then POSTing
  http       /api/v1/transfers with a coordinator's bearer token, against
             the same `tauschring serve` subprocess (waitress, its default threads;
             --http-workers N: gunicorn); p99 latency and server CPU per request;
  rings      (PostgreSQL) book_now from 1 writer process on one ring, then 8
             processes on 8 rings;
  raw+chain  (informational) the service's own SQL with the plain driver:
             lock the ring row, lock both accounts, insert the transfer with
             its real hash and its two entries, update the balances and the
             ring's chain head; shows what the design costs apart from the ORM;
  audit      tauschring.ledger.audit.audit_ring over a bulk-generated, valid
             ledger of 1,000,000 transfers (--quick: 100,000), in a fresh
             subprocess: wall time and peak-RSS growth (ru_maxrss delta).

Each figure is also given as a ratio to its base (service and atomic: raw with as
many writers; http: healthz; 8 rings: 1 ring). Goals (issue 13), PASS/FAIL:
service >= 0.5 of raw (1 and 8 writers); http >= 0.5 of healthz with p99 <
150 ms; 8 rings >= 3x one; audit of 1,000,000 transfers < 15 s. Nothing under
tauschring/ is changed; all databases live in temporary directories that are
removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.serving import process_cpu_seconds, serving  # noqa: E402

FAST_ARGON2 = (1, 256)          # password hashing cost for the bench's own members
PASSWORD = "bench password 123"
LIMIT = 10**9                   # "wide limits": never reached by the bench
WARMUP_STEPS = 3                # per writer, before the clock starts
MANY_RINGS = 8                  # the many-rings measure: 8 rings, one writer process each
MEMOS = ["Gartenarbeit", "Einkaufshilfe für Frau Müller", "Fahrdienst zum Arzt",
         "Computerhilfe", "Kuchen für das Straßenfest", "Nachhilfe Mathematik", ""]


def child_pythonpath() -> str:
    """Subprocesses import tauschring from this checkout (the one next to bench/),
    like this process does, even where the venv's editable install points elsewhere."""
    return os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------

class PostgresCluster:
    """scripts/pg-throwaway start DIR --durable ... stop DIR."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tauschring-bench-pg.")
        os.chmod(self.dir, 0o755)
        out = subprocess.run([str(ROOT / "scripts" / "pg-throwaway"), "start", self.dir,
                              "--durable"], check=True, capture_output=True, text=True)
        self.admin_url = out.stdout.strip().splitlines()[-1]

    def create_database(self, name: str) -> str:
        import psycopg
        with psycopg.connect(plain_pg_url(self.admin_url), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        import sqlalchemy as sa
        return sa.engine.make_url(self.admin_url).set(database=name).render_as_string(
            hide_password=False)

    def settings(self) -> dict:
        import psycopg
        with psycopg.connect(plain_pg_url(self.admin_url), autocommit=True) as conn:
            rows = conn.execute("SELECT name, setting FROM pg_settings WHERE name IN "
                                "('fsync', 'synchronous_commit', 'full_page_writes', "
                                "'server_version', 'shared_buffers', 'commit_delay')").fetchall()
        return dict(rows)

    def stop(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "pg-throwaway"), "stop", self.dir],
                       check=False, capture_output=True)


def plain_pg_url(url: str) -> str:
    import sqlalchemy as sa
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(
        hide_password=False)


def sqlite_path(url: str) -> str:
    return url[len("sqlite:///"):]


def make_app(database_url: str, instance: Path):
    from tauschring.app import create_app
    from tauschring.config import Settings
    settings = Settings(database_url=database_url, secret_key="bench-secret",
                        instance_path=str(instance))
    return create_app(settings, ARGON2_COST=FAST_ARGON2)


class Bench:
    """One migrated database with the rings and accounts the runs use."""

    def __init__(self, engine: str, url: str, workdir: Path, accounts: int):
        from tauschring.db import atomic, db
        from tauschring.ledger.service import open_account
        from tauschring.members.service import create_member
        from tauschring.rings.service import create_ring
        from tauschring.setup import upgrade_schema

        self.engine, self.url, self.workdir = engine, url, workdir
        self.app = make_app(url, workdir / "instance")
        self.coordinator_email = f"coordinator.{engine}@bench.example.org"

        def populate(session, slug, with_members):
            ring = create_ring(session, name=slug.title(), slug=slug,
                               default_min_balance=-LIMIT, default_max_balance=LIMIT)
            coordinator = None
            if with_members:
                coordinator = create_member(session, ring_id=ring.id, name="Bench Coordinator",
                                            email=f"coordinator.{slug}@bench.example.org",
                                            password=PASSWORD, role="coordinator")
                ids = [create_member(session, ring_id=ring.id, name=f"Member {i}",
                                     email=f"member{i}.{slug}@bench.example.org",
                                     password=PASSWORD).account_id
                       for i in range(accounts)]
            else:
                ids = [open_account(session, ring_id=ring.id).id for _ in range(accounts)]
            return ring.id, (coordinator.id if coordinator else None), \
                (coordinator.email if coordinator else None), ids

        with self.app.app_context():
            upgrade_schema()
            # The service and HTTP runs share one ring with members (a real ring);
            # the raw baselines get rings of their own so the service's chain stays valid.
            (self.ring_id, self.coordinator_id, self.coordinator_email,
             self.account_ids) = atomic(populate, "service", True)
            self.raw_ring_id, _, _, self.raw_account_ids = atomic(populate, "raw", False)
            self.chain_ring_id, _, _, self.chain_account_ids = atomic(populate, "rawchain",
                                                                      False)
            # Many rings, one writer process each (the many-rings measure).
            self.many_rings = [atomic(populate, f"many{n}", False)
                               for n in range(1, MANY_RINGS + 1)]
            db.session.remove()

    def audit_service_ring(self) -> dict:
        from tauschring.db import db
        from tauschring.ledger.audit import audit_ring
        with self.app.app_context():
            try:
                return audit_ring(db.session, self.ring_id)
            finally:
                db.session.remove()

    def dispose(self) -> None:
        from tauschring.db import db
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


# --------------------------------------------------------------------------
# Running N writers for a while
# --------------------------------------------------------------------------

def measure(writers: int, duration: float, worker) -> dict:
    """Run `writers` threads; `worker(i)` is a context manager yielding step(),
    one booking. Counts the bookings completed within `duration` seconds of a
    common start (those still in flight at the deadline are not counted)."""
    clock = {}

    def start_clock():
        clock["start"] = time.perf_counter()
        clock["deadline"] = clock["start"] + duration

    barrier = threading.Barrier(writers, action=start_clock)
    counts = [0] * writers
    latencies: list[list[float]] = [[] for _ in range(writers)]
    errors: list[BaseException] = []

    def run(i):
        try:
            with worker(i) as step:
                for _ in range(WARMUP_STEPS):
                    step()
                barrier.wait()
                deadline, n, mine = clock["deadline"], 0, latencies[i]
                now = time.perf_counter
                while True:
                    t0 = now()
                    step()
                    t1 = now()
                    if t1 > deadline:
                        break
                    mine.append(t1 - t0)
                    n += 1
                counts[i] = n
        except threading.BrokenBarrierError:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"a writer failed: {errors[0]!r}") from errors[0]
    total = sum(counts)
    return {"writers": writers, "bookings": total, "seconds": duration,
            "per_second": total / duration,
            "latencies": [x for mine in latencies for x in mine]}


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def random_pair(rnd: random.Random, ids: list[int]) -> tuple[int, int, int]:
    debit, credit = rnd.sample(ids, 2)
    return debit, credit, rnd.randint(1, 120)


# --- service layer ----------------------------------------------------------

def service_worker(bench: Bench):
    """The service's booking in a transaction of its own: book_now (group commit)."""
    from tauschring.db import db
    from tauschring.ledger.service import book_now

    @contextlib.contextmanager
    def worker(i):
        rnd = random.Random(1000 + i)
        with bench.app.app_context():
            def step():
                debit, credit, minutes = random_pair(rnd, bench.account_ids)
                book_now(ring_id=bench.ring_id, debit_account_id=debit,
                         credit_account_id=credit, minutes=minutes, memo="bench",
                         booked_by_id=bench.coordinator_id)
            try:
                yield step
            finally:
                db.session.remove()
    return worker


def atomic_worker(bench: Bench):
    """book() inside atomic, one transaction per booking: what callers that do
    more in the same transaction (exchanges, imports) pay."""
    from tauschring.db import atomic, db
    from tauschring.ledger.service import book

    @contextlib.contextmanager
    def worker(i):
        rnd = random.Random(1500 + i)
        with bench.app.app_context():
            def step():
                debit, credit, minutes = random_pair(rnd, bench.account_ids)
                atomic(book, ring_id=bench.ring_id, debit_account_id=debit,
                       credit_account_id=credit, minutes=minutes, memo="bench",
                       booked_by_id=bench.coordinator_id)
            try:
                yield step
            finally:
                db.session.remove()
    return worker


# --- raw baseline -------------------------------------------------------------

RAW_INSERT = ("INSERT INTO transfers (ring_id, seq, debit_account_id, credit_account_id, "
              "minutes, memo, booked_at, hash) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p})")


def sqlite_connect(path: str) -> sqlite3.Connection:
    """The same connection settings as tauschring.db.tune_engine."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def checkpoint(bench: Bench) -> None:
    """SQLite: write the WAL back into the database and empty it, before each measure:
    a measure then pays for its own checkpoints, not for the WAL the one before left
    (8 writers fill it with tens of thousands of bookings)."""
    conn = sqlite_connect(sqlite_path(bench.url))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()


def sqlite_time(moment: datetime) -> str:
    """What SQLAlchemy stores for a UtcDateTime on SQLite (naive UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def raw_worker(bench: Bench, seq_counter):
    insert = RAW_INSERT.format(p="?" if bench.engine == "sqlite" else "%s")

    @contextlib.contextmanager
    def worker(i):
        rnd = random.Random(2000 + i)
        if bench.engine == "sqlite":
            conn = sqlite_connect(sqlite_path(bench.url))

            def step():
                debit, credit, minutes = random_pair(rnd, bench.raw_account_ids)
                seq = next(seq_counter)
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute(insert, (bench.raw_ring_id, seq, debit, credit, minutes,
                                          "bench", sqlite_time(datetime.now(UTC)),
                                          f"{seq:064x}"))
                    conn.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?",
                                 (minutes, debit))
                    conn.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?",
                                 (minutes, credit))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
        else:
            import psycopg
            conn = psycopg.connect(plain_pg_url(bench.url))

            def step():
                debit, credit, minutes = random_pair(rnd, bench.raw_account_ids)
                seq = next(seq_counter)
                # Balances in ascending id order, like the service, so no deadlocks.
                updates = sorted([(debit, -minutes), (credit, minutes)])
                with conn.cursor() as cur:
                    try:
                        cur.execute(insert, (bench.raw_ring_id, seq, debit, credit, minutes,
                                             "bench", datetime.now(UTC), f"{seq:064x}"))
                        for account_id, delta in updates:
                            cur.execute("UPDATE accounts SET balance = balance + %s "
                                        "WHERE id = %s", (delta, account_id))
                        conn.commit()
                    except BaseException:
                        conn.rollback()
                        raise
        try:
            yield step
        finally:
            conn.close()
    return worker


def raw_chain_worker(bench: Bench):
    """The service's statements, plain driver: what the design costs without the ORM."""
    from tauschring.ledger.chain import transfer_hash

    pg = bench.engine != "sqlite"
    p = "%s" if pg else "?"
    lock = " FOR UPDATE" if pg else ""
    ring_sql = (f"SELECT chain_length, chain_head, default_min_balance, default_max_balance "
                f"FROM rings WHERE id = {p}{lock}")
    accounts_sql = (f"SELECT id, balance, min_balance, max_balance, status FROM accounts "
                    f"WHERE id IN ({p}, {p}) ORDER BY id{lock}")
    transfer_sql = (f"INSERT INTO transfers (ring_id, seq, debit_account_id, credit_account_id, "
                    f"minutes, memo, booked_at, booked_by_id, exchange_id, reverses_id, "
                    f"override_reason, hash) VALUES ({', '.join([p] * 12)})")
    entry_sql = (f"INSERT INTO entries (transfer_id, account_id, counterparty_account_id, "
                 f"minutes, balance_after, booked_at) VALUES ({', '.join([p] * 6)})")
    balance_sql = f"UPDATE accounts SET balance = {p} WHERE id = {p}"
    ring_update_sql = f"UPDATE rings SET chain_length = {p}, chain_head = {p} WHERE id = {p}"
    if pg:
        transfer_sql += " RETURNING id"

    @contextlib.contextmanager
    def worker(i):
        rnd = random.Random(3000 + i)
        ring_id = bench.chain_ring_id
        if pg:
            import psycopg
            conn = psycopg.connect(plain_pg_url(bench.url))
        else:
            conn = sqlite_connect(sqlite_path(bench.url))

        def step():
            debit, credit, minutes = random_pair(rnd, bench.chain_account_ids)
            cur = conn.cursor()
            try:
                if not pg:
                    cur.execute("BEGIN IMMEDIATE")
                length, head, low, high = cur.execute(ring_sql, (ring_id,)).fetchone()
                rows = {r[0]: r for r in cur.execute(accounts_sql, (debit, credit)).fetchall()}
                debit_after = rows[debit][1] - minutes
                credit_after = rows[credit][1] + minutes
                if (rows[debit][4] != "open" or rows[credit][4] != "open"
                        or debit_after < low or credit_after > high):
                    raise RuntimeError("limit or status check failed in raw+chain")
                now = datetime.now(UTC)
                seq = length + 1
                digest = transfer_hash(head, ring_id=ring_id, seq=seq, debit_account_id=debit,
                                       credit_account_id=credit, minutes=minutes,
                                       memo="bench", booked_at=now, booked_by_id=None,
                                       exchange_id=None, reverses_id=None,
                                       override_reason=None)
                stored_at = now if pg else sqlite_time(now)
                cur.execute(transfer_sql, (ring_id, seq, debit, credit, minutes, "bench",
                                           stored_at, None, None, None, None, digest))
                transfer_id = cur.fetchone()[0] if pg else cur.lastrowid
                cur.executemany(entry_sql, [
                    (transfer_id, debit, credit, -minutes, debit_after, stored_at),
                    (transfer_id, credit, debit, minutes, credit_after, stored_at)])
                cur.executemany(balance_sql, sorted([(debit_after, debit),
                                                     (credit_after, credit)],
                                                    key=lambda r: r[1]))
                cur.execute(ring_update_sql, (seq, digest, ring_id))
                if pg:
                    conn.commit()
                else:
                    cur.execute("COMMIT")
            except BaseException:
                if pg:
                    conn.rollback()
                else:
                    with contextlib.suppress(sqlite3.Error):
                        cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()
        try:
            yield step
        finally:
            conn.close()
    return worker


# --- HTTP ---------------------------------------------------------------------

@contextlib.contextmanager
def serve(bench: Bench, workers: int = 1):
    """A real `tauschring serve` subprocess on the bench database (PostgreSQL:
    `--workers N` processes when asked)."""
    cwd = bench.workdir / "serve"
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env.update(TAUSCHRING_DATABASE_URL=bench.url, TAUSCHRING_SECRET_KEY="bench-secret",
               PYTHONPATH=child_pythonpath())
    extra = ["--workers", str(workers)] if workers > 1 and bench.engine != "sqlite" else []
    with serving(cwd, env, extra) as (base, proc):
        bench.server_pid = proc.pid
        yield base


def http_worker(bench: Bench, base: str, token: str):
    import requests

    @contextlib.contextmanager
    def worker(i):
        rnd = random.Random(4000 + i)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        url = base + "/api/v1/transfers"

        def step():
            debit, credit, minutes = random_pair(rnd, bench.account_ids)
            response = session.post(url, json={"debit_account_id": debit,
                                               "credit_account_id": credit,
                                               "minutes": minutes, "memo": "bench"},
                                    timeout=120)
            if response.status_code != 201:
                raise RuntimeError(f"POST /api/v1/transfers -> {response.status_code}: "
                                   f"{response.text[:300]}")
        try:
            yield step
        finally:
            session.close()
    return worker


def healthz_worker(base: str):
    """The same server's cheapest answer (one SELECT 1): what HTTP costs by itself."""
    import requests

    @contextlib.contextmanager
    def worker(i):
        session = requests.Session()
        url = base + "/healthz"

        def step():
            response = session.get(url, timeout=120)
            if response.status_code != 200:
                raise RuntimeError(f"GET /healthz -> {response.status_code}")
        try:
            yield step
        finally:
            session.close()
    return worker


# --- many rings, one writer process each ---------------------------------------

def ring_writer_process(url: str, instance: str, ring_id: int, account_ids: list[int],
                        ready, start, results, seed: int, duration: float) -> None:
    """A writer process of its own (no shared GIL): book_now on one ring."""
    try:
        sys.path.insert(0, str(ROOT))
        app = make_app(url, Path(instance))
        from tauschring.db import db
        from tauschring.ledger.service import book_now
        rnd = random.Random(seed)
        with app.app_context():
            def step():
                debit, credit, minutes = random_pair(rnd, account_ids)
                book_now(ring_id=ring_id, debit_account_id=debit, credit_account_id=credit,
                         minutes=minutes, memo="bench")
            for _ in range(WARMUP_STEPS):
                step()
            ready.put(os.getpid())
            begin = start.get()
            while time.time() < begin:
                time.sleep(0.001)
            deadline, n = begin + duration, 0
            while True:
                step()
                if time.time() > deadline:
                    break
                n += 1
            db.session.remove()
            db.engine.dispose()
        results.put(("ok", n))
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        results.put(("error", repr(exc)))


def measure_rings(bench: Bench, writers: int, duration: float) -> dict:
    """`writers` processes, each booking on a ring of its own, from one moment."""
    import multiprocessing
    ctx = multiprocessing.get_context("spawn")
    ready, start, results = ctx.Queue(), ctx.Queue(), ctx.Queue()
    procs = []
    for i in range(writers):
        ring_id, _, _, ids = bench.many_rings[i]
        proc = ctx.Process(target=ring_writer_process, daemon=True, args=(
            bench.url, str(bench.workdir / "instance"), ring_id, ids, ready, start, results,
            5000 + i, duration))
        proc.start()
        procs.append(proc)
    watch = RingWatch(bench.url)
    try:
        for _ in range(writers):
            ready.get(timeout=300)
        begin = time.time() + 0.2
        for _ in range(writers):
            start.put(begin)
        watch.start(begin, duration)
        outcomes = [results.get(timeout=duration + 300) for _ in range(writers)]
    finally:
        watch.stop()
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    failed = [detail for status, detail in outcomes if status != "ok"]
    if failed:
        raise RuntimeError(f"a ring writer failed: {failed[0]}")
    total = sum(n for _, n in outcomes)
    return {"writers": writers, "bookings": total, "seconds": duration,
            "per_second": total / duration, "latencies": [], **watch.figures()}


def machine_cpu() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


class RingWatch:
    """While the ring writers run: how busy the machine's CPUs are, and whether any
    writer waits for a lock (pg_stat_activity, sampled every 5 ms). Rings share no
    locks, so none should; the cores are then what bounds the rate."""

    def __init__(self, url: str):
        self.url, self.samples, self.lock_waits = url, 0, 0
        self.cpu: list[tuple[float, float]] = []
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, begin: float, duration: float) -> None:
        self._thread = threading.Thread(target=self._run, args=(begin, duration), daemon=True)
        self._thread.start()

    def _run(self, begin: float, duration: float) -> None:
        import psycopg
        with psycopg.connect(plain_pg_url(self.url), autocommit=True) as conn:
            time.sleep(max(0.0, begin - time.time()))
            self.cpu.append(machine_cpu())
            while time.time() < begin + duration and not self._done.is_set():
                waiting = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'").fetchone()[0]
                self.samples += 1
                self.lock_waits += waiting > 0
                time.sleep(0.005)
            self.cpu.append(machine_cpu())

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def figures(self) -> dict:
        if len(self.cpu) < 2:
            return {}
        (busy0, all0), (busy1, all1) = self.cpu
        return {"lock_samples": self.samples, "lock_waits": self.lock_waits,
                "machine_busy": (busy1 - busy0) / max(all1 - all0, 1e-9),
                "machine_cpu_seconds": busy1 - busy0}


def login(base: str, bench: Bench) -> str:
    import requests
    response = requests.post(base + "/api/v1/tokens", json={"email": bench.coordinator_email,
                                                            "password": PASSWORD}, timeout=60)
    if response.status_code != 201:
        raise RuntimeError(f"POST /api/v1/tokens -> {response.status_code}: "
                           f"{response.text[:300]}")
    return response.json()["token"]


# --------------------------------------------------------------------------
# The audit over a bulk-generated ledger
# --------------------------------------------------------------------------

def generate_ledger(n: int, *, ring_id: int, account_ids: list[int], booked_by_id: int | None,
                    first_transfer_id: int, first_entry_id: int, chunk: int = 50_000):
    """Yield (transfers, entries) chunks of a valid ledger: seq 1..n, the real hash
    chain, entries with running balances. Finally returns (balances, head)."""
    from tauschring.ledger.chain import GENESIS_HASH, transfer_hash

    rnd = random.Random(42)
    balances = dict.fromkeys(account_ids, 0)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    head = GENESIS_HASH
    transfers, entries = [], []
    entry_id = first_entry_id
    for seq in range(1, n + 1):
        debit, credit = rnd.sample(account_ids, 2)
        minutes = rnd.randint(1, 240)
        memo = MEMOS[seq % len(MEMOS)]
        booked_at = base + timedelta(seconds=30 * seq, microseconds=(seq * 7919) % 1_000_000)
        head = transfer_hash(head, ring_id=ring_id, seq=seq, debit_account_id=debit,
                             credit_account_id=credit, minutes=minutes, memo=memo,
                             booked_at=booked_at, booked_by_id=booked_by_id, exchange_id=None,
                             reverses_id=None, override_reason=None)
        transfer_id = first_transfer_id + seq - 1
        transfers.append((transfer_id, ring_id, seq, debit, credit, minutes, memo, booked_at,
                          booked_by_id, None, None, None, head))
        balances[debit] -= minutes
        balances[credit] += minutes
        entries.append((entry_id, transfer_id, debit, credit, -minutes, balances[debit],
                        booked_at))
        entries.append((entry_id + 1, transfer_id, credit, debit, minutes, balances[credit],
                        booked_at))
        entry_id += 2
        if len(transfers) >= chunk:
            yield transfers, entries
            transfers, entries = [], []
    if transfers:
        yield transfers, entries
    return balances, head


TRANSFER_COLUMNS = ("id, ring_id, seq, debit_account_id, credit_account_id, minutes, memo, "
                    "booked_at, booked_by_id, exchange_id, reverses_id, override_reason, hash")
ENTRY_COLUMNS = "id, transfer_id, account_id, counterparty_account_id, minutes, balance_after, " \
                "booked_at"


def bulk_load(engine: str, url: str, n: int, *, ring_id: int, account_ids: list[int],
              booked_by_id: int | None) -> None:
    """Write n transfers (executemany on SQLite, COPY on PostgreSQL) and make the
    ring's chain head and the accounts' balances agree. Returns seconds per phase."""
    from collections import defaultdict
    phases: dict[str, float] = defaultdict(float)
    if engine == "sqlite":
        conn = sqlite_connect(sqlite_path(url))
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB, for the index inserts
        first_t = (conn.execute("SELECT coalesce(max(id), 0) FROM transfers").fetchone()[0]) + 1
        first_e = (conn.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()[0]) + 1
        gen = generate_ledger(n, ring_id=ring_id, account_ids=account_ids,
                              booked_by_id=booked_by_id, first_transfer_id=first_t,
                              first_entry_id=first_e)
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Secondary (non-unique) indexes are built once at the end, from their own
            # definitions, rather than maintained row by row: the usual bulk-load trick.
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
                "('transfers', 'entries') AND sql IS NOT NULL "
                "AND upper(sql) NOT LIKE 'CREATE UNIQUE%'").fetchall()
            for name, _ in indexes:
                conn.execute(f'DROP INDEX "{name}"')
            while True:
                try:
                    t0 = time.perf_counter()
                    transfers, entries = next(gen)
                    phases["generate + hash (Python)"] += time.perf_counter() - t0
                except StopIteration as done:
                    balances, head = done.value
                    break
                t0 = time.perf_counter()
                conn.executemany(f"INSERT INTO transfers ({TRANSFER_COLUMNS}) VALUES "
                                 f"({', '.join('?' * 13)})",
                                 [t[:7] + (sqlite_time(t[7]),) + t[8:] for t in transfers])
                conn.executemany(f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES "
                                 f"({', '.join('?' * 7)})",
                                 [e[:6] + (sqlite_time(e[6]),) for e in entries])
                phases["insert rows"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            for _, sql in indexes:
                conn.execute(sql)
            phases["create secondary indexes"] += time.perf_counter() - t0
            conn.executemany("UPDATE accounts SET balance = ? WHERE id = ?",
                             [(b, a) for a, b in balances.items()])
            conn.execute("UPDATE rings SET chain_length = ?, chain_head = ? WHERE id = ?",
                         (n, head, ring_id))
            t0 = time.perf_counter()
            conn.execute("COMMIT")
            phases["commit"] += time.perf_counter() - t0
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        t0 = time.perf_counter()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        phases["checkpoint"] += time.perf_counter() - t0
        conn.close()
        return phases

    import psycopg
    with psycopg.connect(plain_pg_url(url)) as conn:
        first_t = conn.execute("SELECT coalesce(max(id), 0) FROM transfers").fetchone()[0] + 1
        first_e = conn.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()[0] + 1
        gen = generate_ledger(n, ring_id=ring_id, account_ids=account_ids,
                              booked_by_id=booked_by_id, first_transfer_id=first_t,
                              first_entry_id=first_e)
        with conn.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            # Like pg_restore --disable-triggers: no per-row foreign-key trigger during
            # the COPY (the rows reference existing ids by construction; checked below).
            # The append-only triggers fire on UPDATE/DELETE only and are not involved.
            cur.execute("SET LOCAL session_replication_role = replica")
            indexes = cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND "
                "tablename IN ('transfers', 'entries') "
                "AND indexdef NOT LIKE 'CREATE UNIQUE%'").fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            while True:
                try:
                    t0 = time.perf_counter()
                    transfers, entries = next(gen)
                    phases["generate + hash (Python)"] += time.perf_counter() - t0
                except StopIteration as done:
                    balances, head = done.value
                    break
                t0 = time.perf_counter()
                with cur.copy(f"COPY transfers ({TRANSFER_COLUMNS}) FROM STDIN") as copy:
                    for row in transfers:
                        copy.write_row(row)
                with cur.copy(f"COPY entries ({ENTRY_COLUMNS}) FROM STDIN") as copy:
                    for row in entries:
                        copy.write_row(row)
                phases["COPY rows"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            for _, sql in indexes:
                cur.execute(sql)
            phases["create secondary indexes"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            cur.execute("SET LOCAL session_replication_role = origin")
            orphans = cur.execute(
                "SELECT (SELECT count(*) FROM transfers t WHERE t.ring_id = %(r)s AND ("
                "  NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.debit_account_id) OR"
                "  NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.credit_account_id) OR"
                "  NOT EXISTS (SELECT 1 FROM members m WHERE m.id = t.booked_by_id))) + "
                "(SELECT count(*) FROM entries e WHERE NOT EXISTS "
                "  (SELECT 1 FROM transfers t WHERE t.id = e.transfer_id) OR NOT EXISTS "
                "  (SELECT 1 FROM accounts a WHERE a.id = e.account_id) OR NOT EXISTS "
                "  (SELECT 1 FROM accounts a WHERE a.id = e.counterparty_account_id))",
                {"r": ring_id}).fetchone()[0]
            if orphans:
                raise RuntimeError(f"bulk load wrote {orphans} rows with dangling references")
            phases["check references"] += time.perf_counter() - t0
            cur.executemany("UPDATE accounts SET balance = %s WHERE id = %s",
                            [(b, a) for a, b in balances.items()])
            cur.execute("UPDATE rings SET chain_length = %s, chain_head = %s WHERE id = %s",
                        (n, head, ring_id))
            # Explicit ids were written: move the id sequences past them.
            for table in ("transfers", "entries"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
        t0 = time.perf_counter()
        conn.commit()
        phases["commit"] += time.perf_counter() - t0
    # What autovacuum would have done by the time a ring has a million transfers.
    t0 = time.perf_counter()
    with psycopg.connect(plain_pg_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE transfers")
        conn.execute("VACUUM ANALYZE entries")
        conn.execute("VACUUM ANALYZE accounts")
    phases["VACUUM ANALYZE"] += time.perf_counter() - t0
    return phases


def _proc_status(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_kb(reset_peak: bool = False) -> int:
    """The current RSS; with reset_peak, the kernel's high-water mark (VmHWM) is
    reset to it first (Linux: write 5 to /proc/self/clear_refs)."""
    if reset_peak:
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")
    current = _proc_status("VmRSS")
    return current if current is not None else \
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_kb() -> int:
    peak = _proc_status("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def audit_child(url: str, ring_id: int, instance: str) -> None:
    """Run in a fresh process: time audit_ring and its peak-RSS growth."""
    from tauschring.db import db
    from tauschring.ledger.audit import audit_ring
    from tauschring.rings.models import Ring

    trace = os.environ.get("BENCH_TRACEMALLOC") == "1"
    app = make_app(url, Path(instance))
    with app.app_context():
        db.session.get(Ring, ring_id)         # connect, load the mappers
        db.session.remove()
        if trace:
            import tracemalloc
            tracemalloc.start()
        before = rss_kb(reset_peak=True)
        start = time.perf_counter()
        result = audit_ring(db.session, ring_id)
        seconds = time.perf_counter() - start
        after = peak_rss_kb()
        heap_peak = tracemalloc.get_traced_memory()[1] if trace else None
    print(json.dumps({"seconds": seconds, "rss_before_kb": before, "rss_peak_kb": after,
                      "tracemalloc_peak_bytes": heap_peak,
                      "ok": result["ok"], "transfers": result["transfers"],
                      "accounts": result["accounts"], "chain_ok": result["chain"]["ok"],
                      "chain_problem": result["chain"]["problem"],
                      "entries_ok": result["entries"]["ok"],
                      "mismatched": len(result["mismatched_accounts"]),
                      "sum_of_balances": result["sum_of_balances"]}))


def run_audit(engine: str, url: str, workdir: Path, n: int, accounts: int,
              tracemalloc_pass: bool = False) -> dict:
    from tauschring.db import atomic, db
    from tauschring.members.service import create_member
    from tauschring.rings.service import create_ring
    from tauschring.setup import upgrade_schema

    workdir.mkdir(parents=True, exist_ok=True)
    app = make_app(url, workdir / "instance")

    def populate(session):
        ring = create_ring(session, name="Audit", slug="audit", default_min_balance=-LIMIT,
                           default_max_balance=LIMIT)
        coordinator = create_member(session, ring_id=ring.id, name="Audit Coordinator",
                                    email="coordinator@audit.example.org", password=PASSWORD,
                                    role="coordinator")
        ids = [create_member(session, ring_id=ring.id, name=f"Member {i}",
                             email=f"member{i}@audit.example.org",
                             password=PASSWORD).account_id for i in range(accounts)]
        return ring.id, coordinator.id, ids

    with app.app_context():
        upgrade_schema()
        ring_id, coordinator_id, ids = atomic(populate)
        db.session.remove()
        db.engine.dispose()

    log(f"{engine}: generating {n:,} transfers ({2 * n:,} entries) by bulk insert")
    start = time.perf_counter()
    phases = bulk_load(engine, url, n, ring_id=ring_id, account_ids=ids,
                       booked_by_id=coordinator_id)
    generated = time.perf_counter() - start
    log(f"{engine}: generated in {generated:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()) + "); auditing in a fresh process")

    def child(trace: bool) -> dict:
        env = dict(os.environ, BENCH_TRACEMALLOC="1" if trace else "0",
                   PYTHONPATH=child_pythonpath())
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--audit-child",
                              url, str(ring_id), str(workdir / "instance")],
                             capture_output=True, text=True, cwd=str(workdir), env=env)
        if out.returncode != 0:
            raise RuntimeError(f"audit subprocess failed:\n{out.stderr}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    result = child(False)
    if tracemalloc_pass:
        log(f"{engine}: audit again under tracemalloc (Python heap peak; slower, not timed)")
        result["tracemalloc_peak_bytes"] = child(True)["tracemalloc_peak_bytes"]
    result["generate_seconds"] = generated
    result["generate_phases"] = dict(phases)
    result["requested"] = n
    result["rss_delta_mb"] = (result["rss_peak_kb"] - result["rss_before_kb"]) / 1024
    return result


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def run_engine(engine: str, url: str, workdir: Path, args) -> dict:
    """The throughput runs, interleaved: every round runs each measure for
    duration/rounds seconds, so a change in the machine's load during the run
    hits all measures alike. Then the audit over a bulk-generated ledger."""
    results: dict = {"engine": engine, "runs": {}, "load_before": os.getloadavg()}
    bench = Bench(engine, url, workdir, args.accounts)
    seq_counter = itertools.count(1)
    slice_s = args.duration / args.rounds
    try:
        with contextlib.ExitStack() as stack:
            def threads(make_worker):
                return lambda writers, seconds: measure(writers, seconds, make_worker())

            def served(make_worker):
                """measure(), and the server's CPU per request (ms, approximate: the
                warm-up and the last requests in flight count too)."""
                def run(writers, seconds):
                    before = process_cpu_seconds(bench.server_pid) or 0.0
                    figure = measure(writers, seconds, make_worker())
                    used = (process_cpu_seconds(bench.server_pid) or 0.0) - before
                    figure["server_cpu"] = used
                    figure["requests"] = figure["bookings"] + writers * (WARMUP_STEPS + 1)
                    return figure
                return run

            plan = [
                ("raw", 1, threads(lambda: raw_worker(bench, seq_counter))),
                ("service", 1, threads(lambda: service_worker(bench))),
                ("atomic", 1, threads(lambda: atomic_worker(bench))),
                ("raw", 8, threads(lambda: raw_worker(bench, seq_counter))),
                ("service", 8, threads(lambda: service_worker(bench))),
                ("atomic", 8, threads(lambda: atomic_worker(bench))),
            ]
            if not args.no_http:
                base = stack.enter_context(serve(bench, args.http_workers))
                token = login(base, bench)
                plan += [("healthz", 8, served(lambda: healthz_worker(base))),
                         ("http", 8, served(lambda: http_worker(bench, base, token)))]
            if not args.no_raw_chain:
                plan += [("raw+chain", 1, threads(lambda: raw_chain_worker(bench))),
                         ("raw+chain", 8, threads(lambda: raw_chain_worker(bench)))]
            if engine == "postgresql" and not args.no_rings:
                plan += [("rings", 1, lambda w, secs: measure_rings(bench, w, secs)),
                         ("rings", MANY_RINGS, lambda w, secs: measure_rings(bench, w, secs))]
            for round_no in range(1, args.rounds + 1):
                for kind, writers, run in plan:
                    key = f"{kind}/{writers}"
                    if engine == "sqlite":
                        checkpoint(bench)
                    figure = run(writers, slice_s)
                    total = results["runs"].setdefault(key, {"writers": writers, "bookings": 0,
                                                             "seconds": 0.0, "rounds": [],
                                                             "latencies": []})
                    total["bookings"] += figure["bookings"]
                    total["seconds"] += figure["seconds"]
                    total["rounds"].append(figure["per_second"])
                    total["per_second"] = total["bookings"] / total["seconds"]
                    total["latencies"] += figure["latencies"]
                    for name in ("lock_samples", "lock_waits", "machine_cpu_seconds"):
                        if name in figure:
                            total[name] = total.get(name, 0) + figure[name]
                    if "machine_busy" in figure:
                        total.setdefault("machine_busy_rounds", []).append(figure["machine_busy"])
                    if "server_cpu" in figure:
                        total["server_cpu"] = total.get("server_cpu", 0.0) + figure["server_cpu"]
                        total["requests"] = total.get("requests", 0) + figure["requests"]
                        total["server_cpu_ms"] = 1000 * total["server_cpu"] / total["requests"]
                    total["p50_ms"] = _ms(percentile(total["latencies"], 0.50))
                    total["p99_ms"] = _ms(percentile(total["latencies"], 0.99))
                    log(f"{engine}: round {round_no}/{args.rounds} {key}: "
                        f"{figure['per_second']:.1f}/s"
                        + (f", p99 {total['p99_ms']:.1f} ms" if total["p99_ms"] else ""))
            for figure in results["runs"].values():
                del figure["latencies"]  # the percentiles are kept
        audit = bench.audit_service_ring()
        results["service_ring_audit_ok"] = audit["ok"]
        results["service_ring_transfers"] = audit["transfers"]
        log(f"{engine}: audit of the service ring after the runs "
            f"({audit['transfers']} transfers): {'ok' if audit['ok'] else 'NOT OK'}")
    finally:
        bench.dispose()
    results["load_after_runs"] = os.getloadavg()
    if args.audit_transfers > 0:
        if engine == "sqlite":
            audit_url = f"sqlite:///{workdir / 'audit.db'}"
        else:
            audit_url = args.pg.create_database("tauschring_bench_audit")
        results["audit"] = run_audit(engine, audit_url, workdir / "audit", args.audit_transfers,
                                     args.accounts, args.tracemalloc)
        results["load_after_audit"] = os.getloadavg()
        if engine == "sqlite":
            (workdir / "audit.db").unlink(missing_ok=True)
    return results


RATIO_BASE = {"service/1": "raw/1", "service/8": "raw/8", "atomic/1": "raw/1",
              "atomic/8": "raw/8", "http/8": "healthz/8", "raw+chain/1": "raw/1",
              "raw+chain/8": "raw/8", f"rings/{MANY_RINGS}": "rings/1"}
LABELS = {"raw": "raw baseline (driver)", "service": "service: book_now (group commit)",
          "atomic": "atomic+book (info)", "healthz": "HTTP GET /healthz",
          "http": "HTTP POST /transfers", "raw+chain": "raw, service's SQL (info)",
          "rings": "book_now, 1 ring per process"}
ORDER = ["raw/1", "service/1", "atomic/1", "raw+chain/1", "raw/8", "service/8", "atomic/8",
         "raw+chain/8", "healthz/8", "http/8", "rings/1", f"rings/{MANY_RINGS}"]
# key -> (goal, least ratio to RATIO_BASE[key])
TARGETS = {"service/1": (1, 0.5), "service/8": (1, 0.5), "http/8": (2, 0.5),
           f"rings/{MANY_RINGS}": (3, 3.0)}
HTTP_P99_MS = 150.0
AUDIT_TARGET_S, AUDIT_TARGET_N = 15.0, 1_000_000


def print_report(all_results: list[dict], args, meta: dict) -> None:
    print()
    print("Tauschring ledger benchmark" + (" (quick)" if args.quick else ""))
    print(f"  code: {meta['source']}")
    print(f"  machine: {meta['cpus']} cores ({meta['cpu_model']}), Python {meta['python']}, "
          f"SQLite {meta['sqlite']}; {args.accounts} member accounts, random pairs, "
          f"{args.duration:g} s per measure in {args.rounds} interleaved round(s)")
    for res in all_results:
        loads = [f"{name.replace('_', ' ')} {' '.join(f'{x:.1f}' for x in res[name])}"
                 for name in ("load_before", "load_after_runs", "load_after_audit")
                 if name in res]
        print(f"  load average ({res['engine']}): {'; '.join(loads)}")
    if "postgresql" in meta:
        pg = meta["postgresql"]
        print(f"  PostgreSQL {pg.get('server_version')}: fsync={pg.get('fsync')}, "
              f"synchronous_commit={pg.get('synchronous_commit')}, "
              f"full_page_writes={pg.get('full_page_writes')}, "
              f"shared_buffers={pg.get('shared_buffers')}x8kB")
    print("  SQLite: WAL, synchronous=FULL, BEGIN IMMEDIATE (as tauschring.db configures it)")
    if args.http_workers > 1:
        print(f"  HTTP on PostgreSQL: tauschring serve --workers {args.http_workers}")
    print()
    print("Bookings (requests) per second")
    line = "-" * 124
    print(line)
    print(f"{'engine':<11}{'measure':<34}{'writers':>8}{'count':>8}{'seconds':>8}"
          f"{'per s':>9}{'min-max':>12}{'p99 ms':>8}{'ratio':>7}  {'vs':<10}target")
    print(line)
    verdicts = []
    for res in all_results:
        runs = res["runs"]
        for key in ORDER:
            if key not in runs:
                continue
            kind, writers = key.split("/")
            fig = runs[key]
            ratio, versus, target = "", "", ""
            base = RATIO_BASE.get(key)
            if base and base in runs and runs[base]["per_second"] > 0:
                r = fig["per_second"] / runs[base]["per_second"]
                ratio, versus = f"{r:.2f}", base
                if key in TARGETS:
                    goal, least = TARGETS[key]
                    passed = r >= least
                    target = f"goal {goal}: >= {least:g}"
                    if kind == "http":
                        p99 = fig.get("p99_ms")
                        passed = passed and p99 is not None and p99 < HTTP_P99_MS
                        target += f", p99 < {HTTP_P99_MS:g} ms"
                    target += f": {'PASS' if passed else 'FAIL'}"
                    verdicts.append((f"goal {goal} {res['engine']} {key} vs {base}", passed))
            spread = f"{min(fig['rounds']):.0f}-{max(fig['rounds']):.0f}"
            p99 = f"{fig['p99_ms']:.1f}" if fig.get("p99_ms") else ""
            print(f"{res['engine']:<11}{LABELS[kind]:<34}{writers:>8}{fig['bookings']:>8}"
                  f"{fig['seconds']:>8.1f}{fig['per_second']:>9.1f}{spread:>12}{p99:>8}"
                  f"{ratio:>7}  {versus:<10}{target}")
        cpu = {key: runs[key].get("server_cpu_ms") for key in ("healthz/8", "http/8")
               if key in runs}
        if all(cpu.values()) and len(cpu) == 2:
            print(f"{res['engine']:<11}(server CPU per request: /healthz "
                  f"{cpu['healthz/8']:.2f} ms, POST /transfers {cpu['http/8']:.2f} ms; "
                  f"ratio {cpu['healthz/8'] / cpu['http/8']:.2f}, independent of the load)")
        for key in ("rings/1", f"rings/{MANY_RINGS}"):
            fig = runs.get(key, {})
            if fig.get("machine_busy_rounds") and fig.get("bookings"):
                busy = sum(fig["machine_busy_rounds"]) / len(fig["machine_busy_rounds"])
                per = 1000 * fig["machine_cpu_seconds"] / fig["bookings"]
                ceiling = os.cpu_count() / (per / 1000)
                print(f"{res['engine']:<11}({key}: the machine's {os.cpu_count()} CPUs "
                      f"{100 * busy:.0f}% busy, {per:.2f} ms of CPU per booking (writers, "
                      f"database and all): at most {ceiling:.0f}/s on this machine; a writer "
                      f"waiting for a lock in {fig['lock_waits']} of {fig['lock_samples']} "
                      f"samples)")
        busy_rounds = runs.get("rings/1", {}).get("machine_busy_rounds")
        # One writer alternates between itself and its database backend: the cores it
        # keeps busy (the whole machine's) bound what more writers can add, whatever
        # the code does.
        cores = os.cpu_count() * sum(busy_rounds) / len(busy_rounds) if busy_rounds else 0
        if cores > 0:
            print(f"{res['engine']:<11}(goal 3 on this machine: one writer keeps {cores:.2f} "
                  f"of the {os.cpu_count()} CPUs busy, so more writers can reach about "
                  f"{os.cpu_count() / cores:.1f}x its rate at most; 3x needs "
                  f"{3 * cores:.1f} CPUs)")
        if "service_ring_audit_ok" in res:
            print(f"{res['engine']:<11}(audit of the service ring afterwards: "
                  f"{res['service_ring_transfers']} transfers, "
                  f"{'ok' if res['service_ring_audit_ok'] else 'NOT OK'})")
        print(line)
    audits = [res for res in all_results if "audit" in res]
    if audits:
        print()
        print("Audit (tauschring.ledger.audit.audit_ring, fresh process)")
        print(line)
        print(f"{'engine':<11}{'transfers':>11}{'accounts':>10}{'generate s':>12}"
              f"{'audit s':>9}{'ok':>5}{'peak RSS +MB':>14}  target")
        print(line)
        for res in audits:
            a = res["audit"]
            scaled = ""
            if a["transfers"] < AUDIT_TARGET_N:
                est = a["seconds"] * AUDIT_TARGET_N / max(a["transfers"], 1)
                scaled = f" (~{est:.0f} s at 1M, linear)"
                passed = est < AUDIT_TARGET_S
            else:
                passed = a["seconds"] < AUDIT_TARGET_S
            verdicts.append((f"{res['engine']} audit", passed and a["ok"]))
            print(f"{res['engine']:<11}{a['transfers']:>11,}{a['accounts']:>10}"
                  f"{a['generate_seconds']:>12.1f}{a['seconds']:>9.2f}"
                  f"{('yes' if a['ok'] else 'NO'):>5}{a['rss_delta_mb']:>14.1f}  "
                  f"< {AUDIT_TARGET_S:g} s: {'PASS' if passed else 'FAIL'}{scaled}")
            if a.get("tracemalloc_peak_bytes") is not None:
                print(f"{'':<11}Python heap peak during the audit (tracemalloc): "
                      f"{a['tracemalloc_peak_bytes'] / 2**20:.1f} MB")
            if not a["ok"]:
                print(f"{'':<11}chain ok={a['chain_ok']} ({a['chain_problem']}), entries ok="
                      f"{a['entries_ok']}, mismatched accounts={a['mismatched']}, "
                      f"sum={a['sum_of_balances']}")
        print(line)
    print()
    for name, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")


def cpu_model() -> str:
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                return row.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def describe_source() -> str:
    import tauschring
    where = Path(tauschring.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--",
                                "tauschring", "migrations"], capture_output=True, text=True,
                               check=True).stdout.strip()
        return f"{where} (git {head}{', tauschring/ modified' if dirty else ''})"
    except (OSError, subprocess.CalledProcessError):
        return str(where)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="short runs (3 s) and an audit over 100,000 transfers")
    parser.add_argument("--engines", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--duration", type=float, help="seconds per throughput run "
                        "(default 10, quick 3)")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--audit-transfers", type=int,
                        help="transfers for the audit (default 1,000,000, quick 100,000; "
                             "0 skips it)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per measure "
                        "(default 2, quick 1); each runs duration/rounds seconds")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP runs")
    parser.add_argument("--http-workers", type=int, default=1,
                        help="PostgreSQL: `tauschring serve --workers N` for the HTTP runs")
    parser.add_argument("--no-rings", action="store_true",
                        help="skip the many-rings runs (PostgreSQL, 1 and 8 writer processes)")
    parser.add_argument("--no-raw-chain", action="store_true",
                        help="skip the informational raw+chain runs")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="run the audit a second time under tracemalloc and report the "
                             "Python heap peak too")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--audit-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.audit_child:
        url, ring_id, instance = args.audit_child
        audit_child(url, int(ring_id), instance)
        return 0

    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.rounds = max(1, args.rounds or (1 if args.quick else 2))
    if args.audit_transfers is None:
        args.audit_transfers = 100_000 if args.quick else 1_000_000
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")

    meta = {"source": describe_source(), "cpus": os.cpu_count(), "cpu_model": cpu_model(),
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version}
    started = time.perf_counter()
    workroot = Path(tempfile.mkdtemp(prefix="tauschring-bench."))
    args.pg = None
    all_results = []
    try:
        for engine in engines:
            workdir = workroot / engine
            workdir.mkdir()
            if engine == "sqlite":
                url = f"sqlite:///{workdir / 'bench.db'}"
            else:
                log("postgresql: starting a durable throwaway cluster")
                args.pg = PostgresCluster()
                meta["postgresql"] = args.pg.settings()
                url = args.pg.create_database("tauschring_bench")
            all_results.append(run_engine(engine, url, workdir, args))
    finally:
        if args.pg is not None:
            args.pg.stop()
        shutil.rmtree(workroot, ignore_errors=True)
    print_report(all_results, args, meta)
    print(f"(whole run: {time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "results": all_results},
                                              indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
