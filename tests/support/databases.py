"""Test databases: names, URLs, creating and dropping PostgreSQL databases.

Every test process (the one pytest process, or each pytest-xdist worker) has
session fixtures of its own, so each migrates its own templates. The names of
the PostgreSQL databases it creates carry RUN_ID, its process id and a random
suffix: workers, and other test runs on the same server, never meet (nor drop)
each other's databases.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tauschring.db import db

POSTGRES_URL = os.environ.get("TAUSCHRING_TEST_POSTGRES_URL")
STRICT = os.environ.get("TAUSCHRING_TEST_STRICT") == "1"
ENGINES = ["sqlite", "postgresql"]
RUN_ID = f"{os.getpid()}_{secrets.token_hex(2)}"
counter = itertools.count()


def require_postgres() -> None:
    """Skip the test without a PostgreSQL server (fail under scripts/test)."""
    if not POSTGRES_URL:
        if STRICT:
            pytest.fail("TAUSCHRING_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: run the suite with scripts/test")


def database_name(kind: str) -> str:
    """A database name of this test process: tauschring_<kind>_<RUN_ID>_<n>."""
    kind = re.sub(r"[^a-z0-9_]", "_", kind.lower())[:24]
    return f"tauschring_{kind}_{RUN_ID}_{next(counter)}"


def pg_url(name: str) -> str:
    """The URL of the database `name` on the test server."""
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(
        hide_password=False)


def pg_admin() -> sa.Engine:
    """An engine on the server's default database, for CREATE/DROP DATABASE."""
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT",
                            poolclass=sa.pool.NullPool)


def create_database(name: str, template: str | None = None) -> str:
    """A new database (a copy of `template`, or empty); its URL."""
    admin = pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(sa.text(
                f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")))
    finally:
        admin.dispose()
    return pg_url(name)


def drop_database(*names: str) -> None:
    admin = pg_admin()
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    finally:
        admin.dispose()


@contextmanager
def postgres_database(kind: str, template: str | None = None) -> Iterator[str]:
    """A new database of this process for the with block (then dropped): its URL."""
    name = database_name(kind)
    url = create_database(name, template)
    try:
        yield url
    finally:
        drop_database(name)


APPEND_ONLY_TRIGGERS = 4  # transfers and entries: row and TRUNCATE triggers each


class SharedPostgres:
    """One migrated database reused by the tests, emptied after each.

    Cloning a database per test costs about a second; emptying one costs a
    few milliseconds. Tests that change the schema (drop a trigger) ask for
    a database of their own with @pytest.mark.own_database; should one forget,
    the missing triggers are noticed here and the database is made anew.
    """

    def __init__(self, template: str):
        self.template = template
        self.name = database_name("shared")
        self.tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        self.url = create_database(self.name, self.template)

    def reset(self) -> None:
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT",
                                  poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
                triggers = conn.scalar(sa.text(
                    "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%append_only' "
                    "OR tgname LIKE '%no_truncate'"))
                if triggers == APPEND_ONLY_TRIGGERS:
                    # The append-only triggers refuse TRUNCATE; replica mode skips them.
                    conn.execute(sa.text("SET session_replication_role = replica"))
                    conn.execute(sa.text(f"TRUNCATE {self.tables} RESTART IDENTITY CASCADE"))
                    return
        finally:
            engine.dispose()
        create_database(self.name, self.template)

    def close(self) -> None:
        drop_database(self.name)
