"""Every command fails on bad input with one readable line on stderr and a
non-zero exit, never a traceback, and changes nothing.

The tables of refusals are run once, side by side (see conftest.py),
against databases holding ring 'sonnenberg' with coordinator Karin: those
that depend on the database on both engines, the others on SQLite. Each case
is then checked on its own, and the databases and the working directory must
be as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tauschring.db import atomic, db
from tauschring.members.service import create_member
from tauschring.rings.service import create_ring

PASSWORD = "langes passwort"
EXISTING_EMAIL = "karin@example.org"


def member_create(**options):
    values = {"--ring": "sonnenberg", "--name": "Neu", "--email": "neu@example.org",
              "--password": PASSWORD, **options}
    return ["member", "create", *[part for item in values.items() for part in item]]


def ring_create(*extra):
    return ["ring", "create", "--name", "Neu", "--slug", "neu", *extra]


# Refusals that depend on what the database holds: on both engines (exit 1).
REFUSED_BY_THE_DATABASE = {
    "unknown-ring": member_create(**{"--ring": "nirgendwo"}),
    "duplicate-slug": ["ring", "create", "--name", "Noch einer", "--slug", "sonnenberg"],
    "duplicate-email": member_create(**{"--email": EXISTING_EMAIL}),
}

# Further refusals, alike on any engine: on SQLite (exit 1).
REFUSED_VALUES = {
    "duplicate-email-other-case": member_create(**{"--email": " KARIN@Example.org "}),
    "demo-on-a-filled-database": ["demo"],
    "bad-email": member_create(**{"--email": "keine-adresse"}),
    "short-password": member_create(**{"--password": "kurz"}),
    "bad-slug": ["ring", "create", "--name", "X", "--slug", "Mit Leerzeichen"],
}

# Refused by the command line itself: exit 2 and a pointer to --help.
USAGE_ERRORS = {
    "unknown-option": ["--frobnicate"],
    "unknown-command": ["frobnicate"],
    "missing-option": ["ring", "create", "--name", "X"],
    "missing-value": ["audit", "--ring"],
    "min-balance-not-a-number": ring_create("--min-balance", "abc"),
    "min-balance-huge": ring_create("--min-balance", str(-10**30)),
    "unknown-role": member_create(**{"--role": "kaiser"}),
    "unit-name-too-long": ring_create("--unit-name", "T" * 41),
    "port-out-of-range": ["serve", "--port", "0"],
}

# TAUSCHRING_CONFIG files that cannot be used (the database they name is fine).
BAD_CONFIG_FILES = {
    "invalid-toml": "[database\nurl = 'x'\n",
    "port-not-a-number": '[server]\nport = "abc"\n',
    "port-out-of-range": "[server]\nport = 99999\n",
    "flag-not-boolean": "[security]\nsecure_cookies = 1\n",
    "failures-not-whole": "[security]\nlogin_max_failures = 2.5\n",
    "url-not-text": "[database]\nurl = 5\n",
    "misspelt-key": "[server]\nprot = 8080\n",
    "section-not-a-table": 'database = "sqlite:///x.db"\n',
    "not-utf8": b"\xff\xfe[server]\n",
    "missing-file": None,
    "a-directory": "DIRECTORY",
}

BAD_DATABASE_URLS = {
    "unsupported": "mysql://root:secret@localhost/tauschring",
    "not-a-url": "sqlite:tauschring.db",
    "bad-port": "postgresql+psycopg://tauschring:secret@localhost:port/tauschring",
    "nobody-listens": "postgresql+psycopg://tauschring:secret@127.0.0.1:1/tauschring",
    "missing-sqlite-file": "sqlite:///{tmp}/nowhere/tauschring.db",
}


def seed(harness, url, instance: Path):
    """Ring 'sonnenberg' with coordinator Karin, made through the services."""
    app = harness.make_app(url, instance)
    with app.app_context():
        def make(session):
            ring = create_ring(session, name="Sonnenberg", slug="sonnenberg")
            create_member(session, ring_id=ring.id, name="Karin", email=EXISTING_EMAIL,
                          password=PASSWORD, role="coordinator")
        atomic(make)
        db.session.remove()
        db.engine.dispose()


@dataclass
class Refusals:
    results: dict  # (table, case) -> Result, on SQLite
    by_database: dict  # engine -> case -> Result
    before: dict  # engine -> database state before
    after: dict  # engine -> database state after
    workdir: Path
    base: Path


@pytest.fixture(scope="module")
def refusals(databases, cli_harness, cli_tools, tmp_path_factory):
    """Every table above, run side by side against seeded databases: the refusals
    that depend on the database on each engine, the others on SQLite."""
    base = tmp_path_factory.mktemp("refusals")
    workdir = base / "cwd"
    workdir.mkdir()
    run = cli_tools.runner(workdir)
    urls = {}
    for engine in databases.engines():
        urls[engine] = databases.migrated(engine, f"refusals-{engine}")
        seed(cli_harness, urls[engine], base / f"seed-{engine}")
    sqlite = urls["sqlite"]

    def command(args, **kwargs):
        return lambda: run(*args, **kwargs)

    tasks = {("db", case, engine): command(args, database_url=url)
             for engine, url in urls.items() for case, args in REFUSED_BY_THE_DATABASE.items()}
    tasks.update({("value", case): command(args, database_url=sqlite)
                  for case, args in REFUSED_VALUES.items()})
    tasks.update({("usage", case): command(args, database_url=sqlite)
                  for case, args in USAGE_ERRORS.items()})
    configs = base / "configs"
    configs.mkdir()
    for case, content in BAD_CONFIG_FILES.items():
        path = config_file(configs, case, content, sqlite)
        tasks[("config", case)] = command(ring_create(), env={"TAUSCHRING_CONFIG": str(path)})
    for case, url in BAD_DATABASE_URLS.items():
        tasks[("url", case)] = command(["audit"], database_url=url.format(tmp=base))
    tasks[("url", "missing-sqlite-file-ring-create")] = command(
        ring_create(), database_url=BAD_DATABASE_URLS["missing-sqlite-file"].format(tmp=base))

    before = {engine: cli_tools.database_state(url) for engine, url in urls.items()}
    results = cli_tools.run_all(tasks)
    after = {engine: cli_tools.database_state(url) for engine, url in urls.items()}
    by_database = {engine: {case: results.pop(("db", case, engine))
                            for case in REFUSED_BY_THE_DATABASE} for engine in urls}
    return Refusals(results=results, by_database=by_database, before=before, after=after,
                    workdir=workdir, base=base)


def config_file(folder: Path, name: str, content, database_url: str) -> Path:
    path = folder / f"{name}.toml"
    if content is None:
        return path  # does not exist
    if content == "DIRECTORY":
        path.mkdir()
        return path
    if isinstance(content, bytes):
        path.write_bytes(content)
        return path
    if not content.startswith(("[database]", "database")):
        content = f'[database]\nurl = "{database_url}"\n\n' + content
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", REFUSED_BY_THE_DATABASE)
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_refused_by_what_the_database_holds(refusals, refused, on_engine, engine, case):
    refused(on_engine(refusals.by_database, engine)[case], code=1)


@pytest.mark.parametrize("case", REFUSED_VALUES)
def test_refused_values(refusals, refused, case):
    refused(refusals.results[("value", case)], code=1)


@pytest.mark.parametrize("case", USAGE_ERRORS)
def test_usage_errors(refusals, refused, case):
    line = refused(refusals.results[("usage", case)], code=2)
    assert "--help" in line


@pytest.mark.parametrize("case", BAD_CONFIG_FILES)
def test_a_bad_configuration_file_is_named_in_one_line(refusals, refused, case):
    line = refused(refusals.results[("config", case)], code=1)
    assert f"{case}.toml" in line


@pytest.mark.parametrize("case", [*BAD_DATABASE_URLS, "missing-sqlite-file-ring-create"])
def test_an_unusable_database_url_is_one_line(refusals, refused, case):
    line = refused(refusals.results[("url", case)], code=1)
    assert "secret" not in line, "the password is not shown"
    if case.startswith("missing-sqlite-file"):
        assert "init" in line
        assert not (refusals.base / "nowhere").exists(), "no folder or file was made"


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_nothing_changed(refusals, on_engine, engine):
    """Not one refused command changed a database or left files behind."""
    before = on_engine(refusals.before, engine)
    assert refusals.after[engine] == before
    assert before["members"], "the database was seeded"
    assert list(refusals.workdir.iterdir()) == []


def test_help_lists_every_command(tauschring):
    from tauschring.cli import main

    top = tauschring("--help")
    assert top.code == 0 and top.err == ""
    listed = {line.split()[0] for line in top.out.split("Commands:", 1)[1].splitlines()
              if line.startswith("  ") and line.split()}
    assert {"init", "ring", "member", "serve", "demo", "audit"} <= listed
    assert set(main.commands) <= listed
    for group in ("ring", "member"):
        shown = tauschring(group, "--help")
        assert shown.code == 0, str(shown)
        assert "create" in {line.split()[0] for line in shown.out.split(
            "Commands:", 1)[1].splitlines() if line.split()}
