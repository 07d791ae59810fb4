"""Backing up and restoring a whole instance's database.

A backup is a consistent copy taken while the instance serves:

- SQLite: Python's online backup API (`sqlite3.Connection.backup`) copies
  every page in one step, inside one read transaction, so the copy is the
  database as it stood at one moment; writers go on (WAL mode) meanwhile.
  The backup is itself a SQLite database.
- PostgreSQL: `pg_dump` in its custom format (-Fc). The rings' chain heads
  are read in the very snapshot pg_dump dumps (`pg_export_snapshot`), so
  what is printed is what the file holds.

The file says what it is by its first bytes ("SQLite format 3" or
"PGDMP"), so a SQLite backup is never restored into PostgreSQL or back.

`restore` fills an EMPTY database only: a SQLite file that does not exist
yet or has no tables, or a PostgreSQL database without tables (a new
`createdb`). A database with any table, even a migrated one without rows,
is refused and left as it was. The restored database keeps everything the
backup had, the append-only triggers on transfers and entries included
(pg_restore creates triggers after the data); afterwards every ring is
audited.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SUFFIXES = {"sqlite": ".sqlite", "postgresql": ".pgdump"}
# Time-stamped backups in a folder: tauschring-20261204T223100.123456Z.sqlite
STAMPED = re.compile(r"^tauschring-\d{8}T\d{6}\.\d{6}Z\.(sqlite|pgdump)$")
# Where Debian and Ubuntu keep the PostgreSQL client tools when they are not on PATH.
POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


class BackupError(Exception):
    """A backup or restore that cannot be done: one line for the operator."""


@dataclass
class RingHead:
    slug: str
    chain_length: int
    chain_head: str


@dataclass
class Outcome:
    path: Path
    engine: str
    rings: list[RingHead]
    removed: list[Path] = field(default_factory=list)
    audits: list[tuple[str, dict]] = field(default_factory=list)


def engine_of(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in SUFFIXES:
        raise BackupError(f"backups know SQLite and PostgreSQL, not {backend}")
    return backend


# --- backup ---------------------------------------------------------------------------

def backup(database_url: str, out: str | Path, keep: int | None = None,
           now: datetime | None = None) -> Outcome:
    """Copy the database to `out`. With `keep`, `out` is a folder: the copy gets a
    time-stamped name there, and the folder's older backups beyond the newest
    `keep` are removed."""
    engine = engine_of(database_url)
    target = _target(str(out), engine, keep is not None, now)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if engine == "sqlite":
            rings = _backup_sqlite(database_url, partial)
        else:
            rings = _backup_postgres(database_url, partial)
        os.replace(partial, target)
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    removed = _prune(target.parent, keep) if keep is not None else []
    return Outcome(target, engine, rings, removed)


def _target(out: str, engine: str, stamped: bool, now: datetime | None) -> Path:
    path = Path(out)
    is_folder = out.endswith(("/", os.sep)) or path.is_dir()
    if stamped and not is_folder:
        raise BackupError(f"--keep needs a folder for --out (end it with /): {out}")
    if is_folder:
        if not path.is_dir():
            raise BackupError(f"the folder {path} does not exist")
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        path = path / f"tauschring-{moment:%Y%m%dT%H%M%S.%fZ}{SUFFIXES[engine]}"
    elif not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise BackupError(f"cannot write into the folder {path.parent}")
    return path


def _prune(folder: Path, keep: int) -> list[Path]:
    """Remove the folder's time-stamped backups but the newest `keep`; nothing else."""
    found = sorted(p for p in folder.iterdir() if STAMPED.match(p.name) and p.is_file())
    old = found[:-keep] if keep > 0 else found
    for path in old:
        path.unlink(missing_ok=True)
    return old


def sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise BackupError("backups need a SQLite database in a file")
    return Path(database)


def _backup_sqlite(database_url: str, out: Path) -> list[RingHead]:
    source_path = sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"the database file {source_path} does not exist")
    source = sqlite3.connect(source_path, timeout=30)   # reads only
    try:
        copy = sqlite3.connect(out)
        try:
            source.backup(copy)   # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")   # the backup is one file
            return _heads_sqlite(copy)
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite backup failed: {exc}") from None
    finally:
        source.close()


def _heads_sqlite(connection: sqlite3.Connection) -> list[RingHead]:
    rows = connection.execute(
        "SELECT slug, chain_length, chain_head FROM rings ORDER BY id").fetchall()
    return [RingHead(*row) for row in rows]


def postgres_tool(name: str) -> str:
    """The PostgreSQL client tool `name`: on PATH, else the newest one in
    /usr/lib/postgresql/*/bin (Debian's place); else a one-line error."""
    found = shutil.which(name)
    if found:
        return found
    folders = sorted(glob.glob(POSTGRES_BIN_GLOB),
                     key=lambda f: [int(p) for p in re.findall(r"\d+", f)] or [0])
    for folder in reversed(folders):
        candidate = Path(folder) / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(f"{name} was not found: install the PostgreSQL client tools "
                      f"(the version of the server or newer) and put {name} on PATH")


def libpq(database_url: str) -> tuple[str, dict]:
    """A connection URL for the PostgreSQL tools, and their environment: the
    password travels in PGPASSWORD, never on the command line."""
    url: URL = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(tool: str, args: list[str], env: dict) -> None:
    done = subprocess.run([postgres_tool(tool), *args], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{tool} failed: {lines[0] if lines else f'exit {done.returncode}'}")


def _backup_postgres(database_url: str, out: Path) -> list[RingHead]:
    tool = postgres_tool("pg_dump")   # before connecting: a missing tool is told first
    target, env = libpq(database_url)
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect().execution_options(
                isolation_level="REPEATABLE READ") as conn, conn.begin():
            snapshot = conn.scalar(sa.text("SELECT pg_export_snapshot()"))
            rings = [RingHead(*row) for row in conn.execute(sa.text(
                "SELECT slug, chain_length, chain_head FROM rings ORDER BY id"))]
            done = subprocess.run(
                [tool, "--format=custom", f"--snapshot={snapshot}", f"--file={out}",
                 f"--dbname={target}"], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                lines = [line for line in done.stderr.splitlines() if line.strip()]
                raise BackupError("pg_dump failed: "
                                  + (lines[0] if lines else f"exit {done.returncode}"))
        return rings
    except sa.exc.DBAPIError as exc:
        raise BackupError(f"the database cannot be read: {_first_line(exc.orig)}") from None
    finally:
        engine.dispose()


def _first_line(error) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# --- restore --------------------------------------------------------------------------

def kind_of(path: Path) -> str:
    """"sqlite" or "postgresql": what the backup file says it is."""
    if not path.is_file():
        raise BackupError(f"the backup file {path} does not exist")
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror or exc}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a Tauschring backup (neither a SQLite database "
                      "nor a pg_dump custom-format file)")


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def restore(database_url: str, file: str | Path) -> Outcome:
    """Fill the configured, empty database from a backup; then audit every ring."""
    path = Path(file)
    kind = kind_of(path)
    engine = engine_of(database_url)
    if kind != engine:
        raise BackupError(f"{path} is a {NAMES[kind]} backup, but the configured database "
                          f"is {NAMES[engine]}: restore it into a {NAMES[kind]} database")
    tables = existing_tables(database_url)
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables, e.g. "
                          f"{sorted(tables)[0]}): restore only into a new, empty database")
    if engine == "sqlite":
        _restore_sqlite(path, sqlite_path(database_url))
    else:
        _run_restore_postgres(path, database_url)
    return Outcome(path, engine, ring_heads(database_url), audits=audit_all(database_url))


def existing_tables(database_url: str) -> list[str]:
    if engine_of(database_url) == "sqlite" and not sqlite_path(database_url).exists():
        return []
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).get_table_names()
    except sa.exc.DBAPIError as exc:
        raise BackupError(f"the database cannot be used: {_first_line(exc.orig)}") from None
    finally:
        engine.dispose()


def _restore_sqlite(path: Path, target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is a damaged SQLite database")
            copy = sqlite3.connect(target, timeout=30)
            try:
                source.backup(copy)
                copy.execute("PRAGMA journal_mode=WAL")   # as the instance runs it
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        raise BackupError(f"the SQLite restore failed: {exc}") from None
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from None


def _run_restore_postgres(path: Path, database_url: str) -> None:
    target, env = libpq(database_url)
    # One transaction: a failed restore leaves the database empty, as it was.
    _run("pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner",
                        "--no-privileges", f"--dbname={target}", str(path)], env)


def ring_heads(database_url: str) -> list[RingHead]:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [RingHead(*row) for row in conn.execute(sa.text(
                "SELECT slug, chain_length, chain_head FROM rings ORDER BY id"))]
    finally:
        engine.dispose()


def audit_all(database_url: str) -> list[tuple[str, dict]]:
    """Every ring's audit (tauschring/ledger/audit.py) of the restored database."""
    from sqlalchemy.orm import Session

    from tauschring.ledger.audit import audit_ring
    from tauschring.rings.models import Ring

    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with Session(engine) as session:
            rings = session.execute(sa.select(Ring.id, Ring.slug).order_by(Ring.id)).all()
            return [(slug, audit_ring(session, ring_id)) for ring_id, slug in rings]
    finally:
        engine.dispose()
