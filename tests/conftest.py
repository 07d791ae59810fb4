"""Fixtures: every database test runs on SQLite and on PostgreSQL.

Each test gets a fresh database: a copy of a migrated SQLite file, or a new
PostgreSQL database cloned from a migrated template. `world` builds rings
and members in the user's words; `http` talks to a real waitress server.
"""

from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass

import pytest
import requests
import sqlalchemy as sa
from flask import g
from webtest.http import StopableWSGIServer

from tauschring.actors import Actor
from tauschring.app import create_app
from tauschring.config import Settings
from tauschring.db import atomic, db
from tauschring.ledger.service import association_account
from tauschring.members.service import create_member
from tauschring.rings.service import create_ring
from tauschring.setup import upgrade_schema

POSTGRES_URL = os.environ.get("TAUSCHRING_TEST_POSTGRES_URL")
STRICT = os.environ.get("TAUSCHRING_TEST_STRICT") == "1"
ENGINES = ["sqlite", "postgresql"]
PASSWORD = "correct horse battery"
FAST_ARGON2 = (1, 256)
_counter = itertools.count()


def make_app(database_url: str, instance, **config):
    settings = Settings(database_url=database_url, secret_key="test-secret",
                        instance_path=str(instance))
    app = create_app(settings, TESTING=True, ARGON2_COST=FAST_ARGON2, **config)
    # The `app` fixture keeps one app context open for the test's own code, and
    # the test client's requests run inside it: start each request with an empty
    # `g` (logged-in member, language) as a real server would.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    # ... and end it without the request's language, so that the test's own code
    # (outside any request, like the command line) reads messages in English.
    app.teardown_request(lambda _error: g.pop("_flask_babel", None))
    return app


def _pg_url(name: str) -> str:
    return sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(
        hide_password=False)


def _pg_admin():
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    app = make_app(f"sqlite:///{path}", folder / "instance")
    with app.app_context():
        upgrade_schema()
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template():
    if not POSTGRES_URL:
        if STRICT:
            pytest.fail("TAUSCHRING_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL: run the suite with scripts/test")
    name = f"tauschring_template_{os.getpid()}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    app = make_app(_pg_url(name), "/tmp/tauschring-test-instance")
    with app.app_context():
        upgrade_schema()
        db.engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture(params=ENGINES)
def engine_name(request):
    return request.param


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
        self.name = f"tauschring_shared_{os.getpid()}"
        self.admin = _pg_admin()
        self.tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        self._clone()

    def _clone(self):
        with self.admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
            conn.execute(sa.text(f"CREATE DATABASE {self.name} TEMPLATE {self.template}"))

    def reset(self):
        engine = sa.create_engine(_pg_url(self.name), isolation_level="AUTOCOMMIT")
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
        self._clone()

    def close(self):
        with self.admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"))
        self.admin.dispose()


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
        yield _pg_url(shared.name)
        shared.reset()
        return
    template = request.getfixturevalue("postgres_template")
    name = f"tauschring_test_{os.getpid()}_{next(_counter)}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


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


@dataclass
class Person:
    id: int
    ring_id: int
    account_id: int
    email: str
    name: str
    role: str
    password: str = PASSWORD

    @property
    def actor(self) -> Actor:
        return Actor(ring_id=self.ring_id, member_id=self.id, role=self.role,
                     account_id=self.account_id)


@dataclass
class RingInfo:
    id: int
    slug: str
    association_account_id: int


class World:
    """Builds rings and members through the real services."""

    def __init__(self, app):
        self.app = app

    def ring(self, slug: str = "sonnenberg", *, min_balance: int | None = -600,
             max_balance: int | None = 1200) -> RingInfo:
        def make(session):
            ring = create_ring(session, name=slug.title(), slug=slug,
                               default_min_balance=min_balance,
                               default_max_balance=max_balance)
            return RingInfo(ring.id, ring.slug, association_account(session, ring.id).id)
        return atomic(make)

    def member(self, ring: RingInfo, name: str, *, role: str = "member",
               status: str = "active") -> Person:
        email = f"{name.lower().replace(' ', '.')}.{next(_counter)}@example.org"

        def make(session):
            m = create_member(session, ring_id=ring.id, name=name, email=email,
                              password=PASSWORD, role=role, status=status)
            return Person(m.id, m.ring_id, m.account_id, m.email, m.name, m.role)
        return atomic(make)

    def coordinator(self, ring: RingInfo, name: str = "Karin") -> Person:
        return self.member(ring, name, role="coordinator")


@pytest.fixture
def world(app):
    return World(app)


class Http:
    """A real HTTP client against a running waitress server."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def request(self, method: str, path: str, *, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {}) or {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.base_url + path, headers=headers,
                                    timeout=30, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def token(self, person: Person) -> str:
        return self.token_for(person.email, person.password)

    def token_for(self, email: str, password: str) -> str:
        response = requests.post(self.base_url + "/api/v1/tokens",
                                 json={"email": email, "password": password}, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()["token"]


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
