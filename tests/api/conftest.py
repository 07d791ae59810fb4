"""Fixtures for the API contract tests.

`scene` is one small world per engine for the whole API test session, served
over real HTTP by its own waitress server: two rings, their coordinators and
members, a closed account, booked and reversed transfers, and tokens that are
valid, expired or revoked. Sharing it keeps the many table-driven cases fast.
Problems are checked with the `problem` fixture (tests/support/problems.py).
Tests that write book on accounts of their own (`scene.new_member`) and
compare before and after, so they need no particular order. Login failures
count per address for the whole session: 20 within the window throttle every
log-in from 127.0.0.1, so tests that fail log-ins on purpose stay well below.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from webtest.http import StopableWSGIServer

from tauschring.db import db
from tests.support.app import Http, World, make_app
from tests.support.databases import ENGINES, postgres_database

# --------------------------------------------------------------------------
# The shared scene

@dataclass
class Scene:
    engine: str
    app: object
    http: object
    ring_a: object
    ring_b: object
    people: dict
    tokens: dict
    transfers: dict
    closed_account_id: int
    world: object
    _last_seen: tuple | None = None

    def account(self, name: str) -> int:
        return self.people[name].account_id

    def sql(self, statement: str, **params):
        with self.app.app_context():
            with db.engine.begin() as conn:
                result = conn.execute(sa.text(statement), params)
                return result.all() if result.returns_rows else None

    def ledger_state(self, *, fresh: bool = True) -> dict:
        """Everything a failed request must leave as it was.

        As clients see it: ring A's audit by its coordinator (transfer count,
        chain head, sum of balances, mismatches) and transfer total. From the
        database, for both rings: every account's balance, limits and status,
        each ring's chain, and the rows of transfers, entries, the audit log,
        idempotent responses and members. The API's view is a function of the
        database: with fresh=False (for the state *before* a request) it is
        taken from the last look if the database is as it was then.
        """
        stored = self._stored_state()
        seen = self._last_seen
        if not fresh and seen is not None and seen[0] == stored:
            return {**seen[1], **stored}
        token = self.tokens["karin"]
        audit = self.http.get("/api/v1/audit", token=token)
        transfers = self.http.get("/api/v1/transfers?per_page=1", token=token)
        assert audit.status_code == 200 and transfers.status_code == 200, audit.text
        assert audit.json()["ok"] is True, audit.json()
        api = {"audit": audit.json(), "transfer_total": transfers.json()["total"]}
        self._last_seen = (stored, api)
        return {**api, **stored}

    def _stored_state(self) -> dict:
        return {
            "accounts": self.sql("SELECT id, ring_id, kind, status, balance, min_balance, "
                                 "max_balance FROM accounts ORDER BY id"),
            "rings": self.sql("SELECT id, chain_length, chain_head, default_min_balance, "
                              "default_max_balance FROM rings ORDER BY id"),
            "rows": self.sql(
                "SELECT 'transfers', count(*) FROM transfers UNION ALL "
                "SELECT 'entries', count(*) FROM entries UNION ALL "
                "SELECT 'audit_log', count(*) FROM audit_log UNION ALL "
                "SELECT 'idempotent_responses', count(*) FROM idempotent_responses UNION ALL "
                "SELECT 'members', count(*) FROM members"),
        }

    def new_member(self, name: str, *, ring: str = "A", role: str = "member"):
        """A further person in ring A or B, for a test that needs one of its own."""
        with self.app.app_context():
            return self.world.member(self.ring_a if ring == "A" else self.ring_b, name,
                                     role=role)

    def token(self, person) -> str:
        return self.http.token(person)

    def expire(self, token: str) -> None:
        expire_token(self, token)


def expire_token(scene, token: str) -> None:
    """Let a bearer token run out (tokens are stored as their SHA-256)."""
    scene.sql("UPDATE api_tokens SET expires_at = '2000-01-01 00:00:00' "
              "WHERE token_hash = :digest", digest=hashlib.sha256(token.encode()).hexdigest())


def _book(http, token, debit, credit, minutes, memo="Startguthaben"):
    response = http.post("/api/v1/transfers", token=token, json={
        "debit_account_id": debit, "credit_account_id": credit, "minutes": minutes,
        "memo": memo})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(scope="session", params=ENGINES)
def scene_database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("scene") / "tauschring.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with postgres_database("scene", request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture(scope="session")
def scene(scene_database_url, tmp_path_factory):
    engine = "sqlite" if scene_database_url.startswith("sqlite") else "postgresql"
    app = make_app(scene_database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        world = World(app)
        ring_a = world.ring("sonnenberg", min_balance=-600, max_balance=1200)
        ring_b = world.ring("talheim", min_balance=-300, max_balance=600)
        people = {
            "karin": world.coordinator(ring_a, "Karin"),
            "anna": world.member(ring_a, "Anna"),
            "bert": world.member(ring_a, "Bert"),
            "carl": world.member(ring_a, "Carl"),
            "otto": world.coordinator(ring_b, "Otto"),
            "olga": world.member(ring_b, "Olga"),
        }
    server = StopableWSGIServer.create(app, threads=8)
    try:
        http = Http(server.application_url)
        tokens = {name: http.token(person) for name, person in people.items()}
        karin, otto = tokens["karin"], tokens["otto"]
        transfers = {
            "open": _book(http, karin, ring_a.association_account_id,
                          people["anna"].account_id, 120),
            "reversed": _book(http, karin, ring_a.association_account_id,
                              people["bert"].account_id, 60),
            "ring_b": _book(http, otto, ring_b.association_account_id,
                            people["olga"].account_id, 30),
        }
        reversal = http.post(f"/api/v1/transfers/{transfers['reversed']['id']}/reverse",
                             token=karin, json={"reason": "falsch gebucht"})
        assert reversal.status_code == 201, reversal.text
        transfers["reversal"] = reversal.json()

        scene = Scene(engine=engine, app=app, http=http, ring_a=ring_a, ring_b=ring_b,
                      people=people, tokens=tokens, transfers=transfers,
                      closed_account_id=people["carl"].account_id, world=world)
        # Carl's account is closed; Carl himself stays a member who may log in.
        scene.sql("UPDATE accounts SET status = 'closed' WHERE id = :id",
                  id=scene.closed_account_id)
        # Karin holds two more tokens: one expired, one revoked.
        tokens["karin_expired"] = http.token(people["karin"])
        tokens["karin_revoked"] = http.token(people["karin"])
        expire_token(scene, tokens["karin_expired"])
        revoked = http.delete("/api/v1/tokens/current", token=tokens["karin_revoked"])
        assert revoked.status_code == 204, revoked.text
        for name in ("karin_expired", "karin_revoked"):
            assert http.get("/api/v1/me", token=tokens[name]).status_code == 401
        assert http.get("/api/v1/me", token=karin).status_code == 200
        yield scene
    finally:
        server.shutdown()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
