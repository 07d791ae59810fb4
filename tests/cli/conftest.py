"""Fixtures for the command-line contract tests: the real `tauschring`
command in a subprocess, with a clean environment and working directory.

Every command is a fresh Python process that spends about a second importing
the application. So each test module runs its commands once, side by side
(SQLite and PostgreSQL at the same time, tables of refusals in parallel),
in a module-scoped fixture that records every result; the tests then check
those results one by one. Commands that depend on each other run in order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.support.databases import (
    ENGINES,
    POSTGRES_URL,
    create_database,
    database_name,
    drop_database,
    require_postgres,
)

COMMAND = Path(sys.executable).with_name("tauschring")


@dataclass
class Result:
    args: tuple
    code: int
    out: str
    err: str

    def __str__(self):
        return (f"tauschring {' '.join(self.args)} -> exit {self.code}\n"
                f"--- stdout\n{self.out}--- stderr\n{self.err}")


def assert_refused(result: Result, code: int | None = None) -> str:
    """Failed with a non-zero exit and exactly one readable line on stderr."""
    assert result.code != 0, str(result)
    if code is not None:
        assert result.code == code, str(result)
    assert "Traceback" not in result.err + result.out, str(result)
    lines = result.err.splitlines()
    assert len(lines) == 1, str(result)
    line = lines[0].strip()
    assert line.startswith("error: ") and len(line) > len("error: ") + 5, str(result)
    return line


def runner(workdir: Path):
    """run(*args, database_url=None, env=None) -> Result: the real command, run in
    `workdir` with no TAUSCHRING_* variables but those given."""
    if not COMMAND.exists():
        pytest.fail(f"the tauschring command is not installed next to {sys.executable}")
    base = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}

    def run(*args, database_url: str | None = None, env: dict | None = None,
            timeout: float = 180) -> Result:
        environment = dict(base)
        if database_url is not None:
            environment["TAUSCHRING_DATABASE_URL"] = database_url
        environment.update(env or {})
        done = subprocess.run([str(COMMAND), *args], cwd=workdir, env=environment,
                              capture_output=True, text=True, timeout=timeout)
        return Result(tuple(args), done.returncode, done.stdout, done.stderr)

    return run


def run_all(tasks: dict) -> dict:
    """Run independent tasks side by side: {key: callable} -> {key: its result}."""
    workers = max(2, min(6, (os.cpu_count() or 2) + 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(task) for key, task in tasks.items()}
        return {key: future.result() for key, future in futures.items()}


def database_state(url: str) -> dict:
    """What a refused command must leave as it was."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            def rows(sql):
                return [tuple(r) for r in conn.execute(sa.text(sql))]
            return {
                "rings": rows("SELECT id, name, slug, unit_name, default_min_balance, "
                              "default_max_balance, chain_length, chain_head FROM rings "
                              "ORDER BY id"),
                "members": rows("SELECT id, ring_id, account_id, email, role, status "
                                "FROM members ORDER BY id"),
                "accounts": rows("SELECT id, ring_id, kind, status, balance FROM accounts "
                                 "ORDER BY id"),
                "transfers": rows("SELECT count(*) FROM transfers"),
            }
    finally:
        engine.dispose()


def execute(url: str, statement: str, **params):
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


class Databases:
    """Databases for one test module, on each engine that is available."""

    def __init__(self, request, folder: Path):
        self.request, self.folder = request, folder
        self.postgres = bool(POSTGRES_URL)
        self.created: list[str] = []

    def engines(self) -> list[str]:
        return ENGINES if self.postgres else ["sqlite"]

    def migrated(self, engine: str, name: str) -> str:
        if engine == "sqlite":
            path = self.folder / f"{name}.db"
            shutil.copy(self.request.getfixturevalue("sqlite_template"), path)
            return f"sqlite:///{path}"
        return self._postgres(name, self.request.getfixturevalue("postgres_template"))

    def empty(self, engine: str, name: str) -> str:
        if engine == "sqlite":
            return f"sqlite:///{self.folder / name / 'folder' / 'tauschring.db'}"
        return self._postgres(name, None)

    def _postgres(self, name: str, template: str | None) -> str:
        database = database_name(f"cli_{name}")
        self.created.append(database)
        return create_database(database, template)

    def drop_all(self):
        if self.created:
            drop_database(*self.created)


@pytest.fixture(scope="session")
def cli_harness(harness):
    """The shared test helpers (tests/support/app.py), as `harness`."""
    return harness


@pytest.fixture(scope="module")
def databases(request, tmp_path_factory):
    found = Databases(request, tmp_path_factory.mktemp("cli-databases"))
    yield found
    found.drop_all()


@pytest.fixture
def on_engine():
    """on_engine(results, engine): the engine's results, or skip without PostgreSQL."""
    def pick(results: dict, engine: str):
        if engine not in results:
            require_postgres()
        return results[engine]
    return pick


@pytest.fixture
def workdir(tmp_path):
    """An empty working directory: no tauschring.toml, no instance folder."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    return folder


@pytest.fixture
def tauschring(workdir):
    return runner(workdir)


@pytest.fixture
def refused():
    return assert_refused


@pytest.fixture(scope="session")
def cli_tools():
    """The helpers above, for the module-scoped fixtures of the test modules."""
    return SimpleNamespace(runner=runner, run_all=run_all, database_state=database_state,
                           execute=execute)
