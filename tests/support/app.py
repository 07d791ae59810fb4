"""The application under test and the people in it.

`make_app` builds the app as the tests use it; `World` builds rings and
members through the real services; `Http` talks to a real server. The
`harness` fixture hands out this module, so it also offers the database
helpers under the names it always had (`POSTGRES_URL`, `_pg_url`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import requests
from flask import g

from tauschring.actors import Actor
from tauschring.app import create_app
from tauschring.config import Settings
from tauschring.db import atomic, db
from tauschring.ledger.service import association_account
from tauschring.members.service import create_member
from tauschring.rings.service import create_ring
from tauschring.setup import upgrade_schema
from tests.support.databases import (  # noqa: F401 - offered to `harness` users
    ENGINES,
    POSTGRES_URL,
    STRICT,
    counter,
    pg_admin,
    pg_url,
)

PASSWORD = "correct horse battery"
FAST_ARGON2 = (1, 256)

# The names of the old tests/conftest.py module, which `harness` used to be.
_counter = counter
_pg_url = pg_url
_pg_admin = pg_admin


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


def migrate(database_url: str, instance: Path) -> None:
    """Bring the database at `database_url` to the newest schema."""
    app = make_app(database_url, instance)
    with app.app_context():
        upgrade_schema()
        db.engine.dispose()


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
        email = f"{name.lower().replace(' ', '.')}.{next(counter)}@example.org"

        def make(session):
            m = create_member(session, ring_id=ring.id, name=name, email=email,
                              password=PASSWORD, role=role, status=status)
            return Person(m.id, m.ring_id, m.account_id, m.email, m.name, m.role)
        return atomic(make)

    def coordinator(self, ring: RingInfo, name: str = "Karin") -> Person:
        return self.member(ring, name, role="coordinator")


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
