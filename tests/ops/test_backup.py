"""`tauschring backup` and `tauschring restore`, the real command in a subprocess,
on SQLite and PostgreSQL.

The proof of consistency: six threads book transfers through the service
layer in a loop while the backup is taken; restored into a new database, the
backup holds every transfer acknowledged before the backup began, audits ok,
and every ring's chain head is the one the backup command printed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tauschring import backup as backups
from tauschring.db import atomic, db
from tauschring.ledger import service
from tests.support.commands import refused
from tests.support.databases import postgres_database

COMMAND = Path(sys.executable).with_name("tauschring")
CLIENTS = 6
HEAD = re.compile(r"ring (\S+):.*chain length (\d+), head ([0-9a-f]{64})")


def tauschring(*args, database_url: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    return subprocess.run([str(COMMAND), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def heads(output: str) -> dict[str, tuple[int, str]]:
    return {slug: (int(length), head) for slug, length, head in HEAD.findall(output)}


@contextmanager
def empty_database(engine_name: str, folder: Path):
    if engine_name == "sqlite":
        yield f"sqlite:///{folder / 'restored' / 'tauschring.db'}"
    else:
        with postgres_database("restored") as url:
            yield url


def rows(url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def state(url: str) -> list:
    return [rows(url, "SELECT id, slug, chain_length, chain_head FROM rings ORDER BY id"),
            rows(url, "SELECT id, balance, status FROM accounts ORDER BY id"),
            rows(url, "SELECT id, hash FROM transfers ORDER BY id"),
            rows(url, "SELECT count(*) FROM entries")]


def triggers(url: str, engine_name: str) -> set[str]:
    if engine_name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return {name for (name,) in rows(url, sql)}


@pytest.fixture
def source(app, world, database_url):
    """A ring with members and a few bookings; the database's URL."""
    ring = world.ring("sicherung", min_balance=None, max_balance=None)
    accounts = [ring.association_account_id] + [
        world.member(ring, name).account_id for name in ("Anna", "Bert", "Clara", "Dora")]
    for n in range(5):
        atomic(service.book, ring_id=ring.id, debit_account_id=accounts[n % 5],
               credit_account_id=accounts[(n + 1) % 5], minutes=30, memo="Tausch")
    db.session.remove()
    return {"url": database_url, "ring": ring, "accounts": accounts}


def test_a_backup_under_load_restores_every_acknowledged_transfer(
        app, source, engine_name, tmp_path):
    ring, accounts = source["ring"], source["accounts"]
    stop = threading.Event()
    acknowledged: list[tuple[int, float]] = []   # (transfer id, when its commit returned)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(index):
        try:
            with app.app_context():
                n = 0
                while not stop.is_set():
                    debit = accounts[(index + n) % len(accounts)]
                    credit = accounts[(index + n + 1) % len(accounts)]
                    t = atomic(service.book, ring_id=ring.id, debit_account_id=debit,
                               credit_account_id=credit, minutes=1 + n % 50, memo="Last")
                    with lock:
                        acknowledged.append((t.id, time.monotonic()))
                    n += 1
                db.session.remove()
        except BaseException as exc:   # noqa: BLE001 - told by the test below
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < 30 and time.monotonic() < deadline and not errors:
            time.sleep(0.05)
        began = time.monotonic()
        backup_file = tmp_path / "copy.backup"
        taken = tauschring("backup", "--out", str(backup_file), database_url=source["url"],
                           cwd=tmp_path)
        ended = time.monotonic()
        time.sleep(0.2)   # bookings go on after the backup, too
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    assert taken.returncode == 0, taken.stderr
    before = {tid for tid, at in acknowledged if at < began}
    during = {tid for tid, at in acknowledged if at >= began}
    assert len(before) >= 30 and any(at > ended for _, at in acknowledged)
    backed_up = heads(taken.stdout)
    assert set(backed_up) == {"sicherung"}

    with empty_database(engine_name, tmp_path) as target:
        restored = tauschring("restore", str(backup_file), database_url=target, cwd=tmp_path)
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "ring sicherung: audit ok" in restored.stdout
        assert heads(restored.stdout) == backed_up
        stored = {tid for (tid,) in rows(target, "SELECT id FROM transfers")}
        assert before <= stored, "acknowledged before the backup began, but not in it"
        assert stored <= before | during | {tid for (tid,) in rows(
            source["url"], "SELECT id FROM transfers")}
        length, head = backed_up["sicherung"]
        assert rows(target, f"SELECT count(*), max(seq) FROM transfers "
                            f"WHERE ring_id = {ring.id}") == [(length, length)]
        assert rows(target, f"SELECT hash FROM transfers WHERE ring_id = {ring.id} "
                            f"AND seq = {length}") == [(head,)]
        assert all(result["ok"] for _, result in backups.audit_all(target))
        # The append-only triggers came along.
        kept = triggers(target, engine_name)
        assert kept == triggers(source["url"], engine_name)
        assert {"transfers", "entries"} <= {name.split("_")[0] for name in kept}
        engine = sa.create_engine(target, poolclass=sa.pool.NullPool)
        try:
            with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
                conn.execute(sa.text("UPDATE transfers SET minutes = minutes + 1"))
        finally:
            engine.dispose()


def test_restore_refuses_a_database_that_is_not_empty(source, engine_name, tmp_path):
    backup_file = tmp_path / "copy.backup"
    assert tauschring("backup", "--out", str(backup_file), database_url=source["url"],
                      cwd=tmp_path).returncode == 0
    was = state(source["url"])
    line = refused(tauschring("restore", str(backup_file), database_url=source["url"],
                              cwd=tmp_path))
    assert "not empty" in line
    assert state(source["url"]) == was


def test_keep_leaves_the_newest_backups_in_the_folder(source, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup")
    made = []
    for _ in range(4):
        done = tauschring("backup", "--out", f"{folder}/", "--keep", "2",
                          database_url=source["url"], cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        made.append(re.search(r"to (\S+)\n", done.stdout).group(1))
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([Path(made[2]).name, Path(made[3]).name, "notes.txt"])
    assert "removed the older backup" in done.stdout


def test_bad_input_is_one_line(source, engine_name, tmp_path):
    url = source["url"]
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[engine_name]
    foreign = tmp_path / "foreign.backup"
    foreign.write_bytes(backups.SQLITE_MAGIC if other == "sqlite" else b"PGDMP\x01\x0e")
    cases = {
        "missing": (("restore", str(tmp_path / "nope.backup")), "does not exist"),
        "not a backup": (("restore", str(not_a_backup)), "not a Tauschring backup"),
        "wrong engine": (("restore", str(foreign)), "backup, but the configured database"),
        "no folder": (("backup", "--out", str(tmp_path / "gone" / "x.backup")),
                      "does not exist"),
        "folder is a file": (("backup", "--out", f"{a_file}/x.backup"), "does not exist"),
        "keep needs a folder": (("backup", "--out", str(tmp_path / "x.backup"), "--keep",
                                 "2"), "needs a folder"),
    }
    if os.geteuid() != 0:   # root writes everywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        cases["unwritable"] = (("backup", "--out", f"{locked}/"), "cannot write")
    was = state(url)
    for name, (args, expected) in cases.items():
        line = refused(tauschring(*args, database_url=url, cwd=tmp_path))
        assert expected in line, (name, line)
    assert state(url) == was
    assert not (tmp_path / "x.backup").exists()


def test_a_missing_pg_dump_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backups, "POSTGRES_BIN_GLOB", str(tmp_path / "nothing" / "*"))
    with pytest.raises(backups.BackupError, match="pg_dump was not found"):
        backups.backup("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path / "x")
    assert list(tmp_path.iterdir()) == []
