"""The database: one SQLAlchemy handle, engine tuning, and the unit of work.

Every write goes through `atomic`, the one place where transactions begin,
commit, roll back and are retried after a serialization failure.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from tauschring.text import check_flush

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

# Every ORM write, by any service, keeps control characters out (tauschring/text.py).
event.listen(Session, "before_flush", check_flush)

WRITE = "tauschring_write"
MAX_ATTEMPTS = 8

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A moment in UTC, handed back with its offset on every engine.

    SQLite keeps no offset, so values are stored as naive UTC there.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use tauschring.db.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # The driver must not open transactions itself: we emit BEGIN (IMMEDIATE).
        return {"connect_args": {"timeout": 30, "isolation_level": None}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def tune_engine(engine: Engine) -> None:
    """SQLite: WAL, durable commits, foreign keys, and writers that queue.

    A write transaction starts with BEGIN IMMEDIATE, so two writers never both
    read a balance and then race to upgrade their locks.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # SQLite's own lower() knows ASCII only; searches must find "Über" by "über".
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # On the driver's connection: every transaction starts here, and SQLAlchemy's
        # statement execution would cost more than SQLite's BEGIN does.
        statement = "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) \
            else "BEGIN"
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as exc:  # as SQLAlchemy says it, so `atomic` retries a busy one
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error,
                                      dialect=connection.dialect) from exc


class RetryTransaction(Exception):
    """Raised inside `atomic` to roll back and run the whole unit again."""


def _lower(text):
    return text.lower() if isinstance(text, str) else text


def atomic(fn: Callable[..., T], /, *args, **kwargs) -> T:
    """Run fn(session, *args, **kwargs) in one write transaction and commit.

    On a serialization failure, deadlock or busy database the whole call is
    rolled back and run again; any other error rolls back and propagates, so
    a refused request changes nothing.
    """
    session: Session = db.session
    with writer_queue(session.get_bind()):
        return _run(session, fn, args, kwargs)


# SQLite lets one writer in at a time; a waiting writer polls with growing
# sleeps. Queueing this process's writers on a lock wakes the next one the
# moment the last commits (other processes still wait through SQLite itself).
_queues: dict[str, threading.RLock] = {}
_queues_lock = threading.Lock()


def writer_queue(bind: Engine):
    """SQLite: the lock this process's writers of the database queue on."""
    if bind.dialect.name != "sqlite":
        return contextlib.nullcontext()
    queue = bind.__dict__.get("_tauschring_writer_queue")  # rendering the URL costs
    if queue is None:
        with _queues_lock:
            queue = _queues.setdefault(str(bind.url), threading.RLock())
        bind.__dict__["_tauschring_writer_queue"] = queue
    return queue


def _run(session: Session, fn, args, kwargs):
    for attempt in range(1, MAX_ATTEMPTS + 1):
        # A read transaction may be open (e.g. loading the current member);
        # a write must start its own so SQLite takes the write lock up front.
        # Objects loaded before (sessions keep them across commits) are expired,
        # so the unit reads the rows as they are now, not as they were.
        session.rollback()
        session.expire_all()
        try:
            session.connection(execution_options={WRITE: True})
            result = fn(session, *args, **kwargs)
            session.commit()
            return result
        except (DBAPIError, RetryTransaction) as exc:
            session.rollback()
            if attempt == MAX_ATTEMPTS or not (
                    isinstance(exc, RetryTransaction) or is_retryable(exc)):
                raise
            time.sleep(0.005 * attempt)
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def driver_cursor(connection):
    """A cursor of the driver under `connection`, for the hottest statements, whose
    SQLAlchemy execution would cost more than the database's own work. Its errors
    are raised as SQLAlchemy raises them (a lost connection is dropped from the
    pool), so `atomic` and the booking queue retry what is retryable."""
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    cursor = driver.cursor()
    try:
        yield driver, cursor
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, driver, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from exc
    finally:
        cursor.close()


def is_retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock detected
        return True
    if isinstance(exc, OperationalError):
        message = str(exc.orig).lower()
        return "database is locked" in message or "database is busy" in message
    return False
