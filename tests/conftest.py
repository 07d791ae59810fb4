"""Fixtures: every database test runs on SQLite and on PostgreSQL.

Each test gets a fresh database: a copy of a migrated SQLite file, or a new
PostgreSQL database cloned from a migrated template. `world` builds rings
and members in the user's words; `http` talks to a real waitress server.
The helpers behind them are in tests/support (`from tests.support.app import
World`); `harness` hands that module to a fixture or test that wants it.

Markers, set here on collection: `postgres` on every test that runs on
PostgreSQL (an `engine_name`, or any parameter, of "postgresql"), `browser`
on every test in tests/browser. `scripts/test --quick` leaves both out.

Session fixtures belong to one process: under pytest-xdist each worker
migrates templates of its own, and the PostgreSQL databases' names carry the
process (tests/support/databases.py), so workers never share a database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from webtest.http import StopableWSGIServer

from tauschring.db import db
from tests.support import app as support_app
from tests.support.app import (  # noqa: F401 - the names tests/conftest.py always had
    PASSWORD,
    Http,
    Person,
    RingInfo,
    World,
    make_app,
    migrate,
)
from tests.support.databases import (
    ENGINES,
    SharedPostgres,
    create_database,
    database_name,
    drop_database,
    pg_url,
    postgres_database,
    require_postgres,
)
from tests.support.problems import assert_problem

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
POSTGRES_FIXTURES = {"postgres_template", "shared_postgres"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec else ()
        if "postgresql" in params or POSTGRES_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def harness():
    """The shared test helpers (tests/support/app.py): World, Http, make_app, PASSWORD,
    and the database helpers. New code can import them instead."""
    return support_app


@pytest.fixture(scope="session")
def problem():
    """assert_problem(response, status, field=None) -> the problem's body."""
    return assert_problem


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    migrate(f"sqlite:///{path}", folder / "instance")
    return path


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory):
    require_postgres()
    name = database_name("template")
    create_database(name)
    try:
        migrate(pg_url(name), tmp_path_factory.mktemp("template-instance"))
        yield name
    finally:
        drop_database(name)


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


@pytest.fixture(scope="session")
def shared_postgres(postgres_template):
    shared = SharedPostgres(postgres_template)
    yield shared
    shared.close()


@pytest.fixture
def database_url(engine_name, request, tmp_path):
    if engine_name == "sqlite":
        path = tmp_path / "tauschring.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    if request.node.get_closest_marker("own_database") is None:
        shared = request.getfixturevalue("shared_postgres")
        yield shared.url
        shared.reset()
        return
    with postgres_database("test", request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(database_url, tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app):
    return World(app)


@pytest.fixture
def live_server(app):
    server = StopableWSGIServer.create(app, threads=16)
    try:
        yield server
    finally:
        server.shutdown()


@pytest.fixture
def http(live_server):
    return Http(live_server.application_url)
