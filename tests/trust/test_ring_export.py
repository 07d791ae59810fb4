"""A ring's export holds no secrets, whichever door it leaves by (the API, the
coordinators' page, `tauschring export`): no password hash of anyone (the
admin's neither), no API token or its hash, no log-in session or failure, no
reset link. Moved members cannot log in until they set a password with the
reset link, which works. Files of version 1 (which held hashes) still import,
and their hashes are ignored."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g

from tauschring.app import create_app
from tauschring.config import Settings
from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.imports.commands import import_ring_from_file
from tauschring.imports.ring_file import VERSION, import_ring
from tauschring.ledger import service as ledger
from tauschring.members.service import appoint_coordinator, request_password_reset

COMMAND = Path(sys.executable).with_name("tauschring")
CSRF_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*\bvalue="([^"]+)"')
RESET_LINK = re.compile(r"(/password/reset/[^\s]+)")
NEW_PASSWORD = "ein ganz neues Passwort"
# Names of fields that would hold a secret; none may appear in an export.
SECRET_NAMES = re.compile(r"password|passwort|token|secret|key_hash|salt|argon",
                          re.IGNORECASE)


def query(statement: str, **params) -> list[tuple]:
    db.session.rollback()
    return [tuple(r) for r in db.session.execute(sa.text(statement), params).all()]


def table_exists(name: str) -> bool:
    return sa.inspect(db.engine).has_table(name)


def secrets_in_database() -> dict[str, list[str]]:
    """Every secret the instance keeps, by kind."""
    found = {"password hash": [h for (h,) in query("SELECT password_hash FROM members")],
             "API token hash": [h for (h,) in query("SELECT token_hash FROM api_tokens")]}
    if table_exists("login_sessions"):
        found["session key hash"] = [h for (h,) in query("SELECT key_hash FROM login_sessions")]
    found["reset link"] = [m.group(1) for (body,) in query("SELECT body FROM outbox")
                           for m in RESET_LINK.finditer(body)]
    return found


def keys_of(value, path="") -> list[str]:
    """Every key of a JSON document, as a path."""
    if isinstance(value, dict):
        return [k for key, child in value.items()
                for k in [f"{path}.{key}", *keys_of(child, f"{path}.{key}")]]
    if isinstance(value, list):
        return [k for child in value for k in keys_of(child, f"{path}[]")]
    return []


def assert_no_secrets(text: str, secrets: dict[str, list[str]], tokens: list[str]) -> None:
    document = json.loads(text)
    assert document["format"] == "tauschring-ring-export" and document["version"] == VERSION
    assert "argon2" not in text.lower()
    for kind, values in {**secrets, "API token": tokens}.items():
        for value in values:
            assert value not in text, f"the export holds a {kind}"
    named = [k for k in keys_of(document) if SECRET_NAMES.search(k.rsplit(".", 1)[-1])]
    assert named == [], named
    for table in ("api_tokens", "login_sessions", "login_failures", "outbox",
                  "idempotent_responses"):
        assert table not in document


class Browser:
    """One browser: each request in an app context of its own, pages in English."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.client.set_cookie("lang", "en")

    def get(self, path: str):
        with self.app.app_context():
            return self.client.get(path)

    def submit(self, path: str, data: dict):
        token = CSRF_TOKEN.search(self.get(path).get_data(as_text=True)).group(1)
        with self.app.app_context():
            return self.client.post(path, data={"csrf_token": token, **data})


def api_log_in(app, email: str, password: str):
    with app.app_context():
        return app.test_client().post("/api/v1/tokens",
                                      json={"email": email, "password": password})


@pytest.fixture
def lively(world, app):
    """A ring with an admin, a coordinator appointed by the admin of another ring,
    members who traded, API tokens, a log-in on the pages, a failed log-in and a
    reset link waiting in the outbox."""
    other = world.ring("nachbarn")
    outside_admin = world.member(other, "Olga Admin", role="admin")
    ring = world.ring("umzug")
    admin = world.member(ring, "Ada Admin", role="admin")
    karin = world.coordinator(ring, "Karin")
    anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")
    atomic(lambda s: ledger.book(s, ring_id=ring.id, debit_account_id=anna.account_id,
                                 credit_account_id=bert.account_id, minutes=45,
                                 memo="Rasen mähen"))
    atomic(appoint_coordinator, outside_admin.actor, ring.id, bert.id)
    tokens = [api_log_in(app, person.email, person.password).get_json()["token"]
              for person in (admin, karin, anna)]
    assert api_log_in(app, anna.email, "not her password").status_code == 401
    browser = Browser(app)
    assert browser.submit("/login", {"email": karin.email,
                                     "password": karin.password}).status_code == 302
    atomic(request_password_reset, bert.email)
    people = {"admin": admin, "karin": karin, "anna": anna, "bert": bert,
              "outside_admin": outside_admin}
    return ring, people, tokens, browser


def test_no_door_hands_out_a_password_hash_or_any_other_secret(app, lively, database_url,
                                                               tmp_path):
    ring, people, tokens, browser = lively
    secrets = secrets_in_database()
    assert len(secrets["password hash"]) == 5 and secrets["reset link"]
    assert all(h.startswith("$argon2") for h in secrets["password hash"])

    with app.app_context():
        by_api = app.test_client().get("/api/v1/rings/current/export",
                                       headers={"Authorization": f"Bearer {tokens[1]}"})
    assert by_api.status_code == 200, by_api.get_data(as_text=True)
    by_page = browser.get("/coordination/export.json")
    assert by_page.status_code == 200
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    out = tmp_path / "umzug.json"
    done = subprocess.run([str(COMMAND), "export", "--ring", "umzug", "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr

    texts = {"API": by_api.get_data(as_text=True), "page": by_page.get_data(as_text=True),
             "command line": out.read_text(encoding="utf-8")}
    for door, text in texts.items():
        assert_no_secrets(text, secrets, tokens)
        members = json.loads(text)["members"]
        assert {m["name"] for m in members} == {"Ada Admin", "Karin", "Anna", "Bert"}, door
        assert all("password_hash" not in m for m in members), door


def make_target_app(url: str, instance: Path):
    """The app as the tests make it (fast Argon2), on another database."""
    app = create_app(Settings(database_url=url, secret_key="test-secret",
                              instance_path=str(instance)), TESTING=True, ARGON2_COST=(1, 256))
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: g.__dict__.clear())
    return app


@pytest.fixture
def empty_app(engine_name, request, tmp_path):
    """An app on a second database with the schema and nothing in it."""
    admin, name = None, None
    if engine_name == "sqlite":
        path = tmp_path / "target.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        template = request.getfixturevalue("postgres_template")
        server = sa.engine.make_url(os.environ["TAUSCHRING_TEST_POSTGRES_URL"])
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        name = f"tauschring_moved_{os.getpid()}_{tmp_path.name}".replace("-", "_").lower()
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
        url = server.set(database=name).render_as_string(hide_password=False)
    target = make_target_app(url, tmp_path / "target-instance")
    yield target
    with target.app_context():
        db.session.remove()
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def set_password_by_reset_link(target, email: str) -> int:
    with target.app_context():
        atomic(request_password_reset, email)
        bodies = [body for (body,) in db.session.execute(sa.text(
            "SELECT body FROM outbox WHERE to_address = :a ORDER BY id"), {"a": email})]
        link = RESET_LINK.search(bodies[-1]).group(1)
        db.session.remove()
    return Browser(target).submit(link, {"password": NEW_PASSWORD,
                                         "password_again": NEW_PASSWORD}).status_code


def test_moved_members_set_their_password_by_the_reset_link(app, lively, empty_app, tmp_path):
    ring, people, _tokens, browser = lively
    out = tmp_path / "umzug.json"
    out.write_bytes(browser.get("/coordination/export.json").get_data())

    with empty_app.app_context():
        moved = import_ring_from_file(out)
        assert moved["audit"]["ok"] and moved["slug"] == "umzug"
        db.session.remove()
    for name in ("admin", "karin", "anna", "bert"):
        person = people[name]
        assert api_log_in(empty_app, person.email, person.password).status_code == 401, name
    anna = people["anna"]
    assert set_password_by_reset_link(empty_app, anna.email) == 302
    assert api_log_in(empty_app, anna.email, NEW_PASSWORD).status_code == 201
    assert api_log_in(empty_app, anna.email, anna.password).status_code == 401


def test_hashes_in_a_version_1_file_are_ignored(app, lively, empty_app):
    ring, people, _tokens, browser = lively
    document = json.loads(browser.get("/coordination/export.json").get_data())
    hashes = {m: h for m, h in query("SELECT id, password_hash FROM members")}
    old = {**document, "version": 1,
           "members": [{**m, "password_hash": hashes[m["id"]]} for m in document["members"]]}
    forged = {**document, "members": [{**m, "password_hash": hashes[m["id"]]}
                                      for m in document["members"]]}

    with empty_app.app_context():
        with pytest.raises(Invalid) as refused:
            atomic(import_ring, forged)
        assert "password_hash" in refused.value.message
        summary = atomic(import_ring, old)
        assert summary["slug"] == "umzug"
        stored = {h for (h,) in db.session.execute(sa.text("SELECT password_hash FROM members"))}
        assert stored.isdisjoint(hashes.values())
        db.session.remove()
    karin = people["karin"]
    assert api_log_in(empty_app, karin.email, karin.password).status_code == 401
    assert set_password_by_reset_link(empty_app, karin.email) == 302
    assert api_log_in(empty_app, karin.email, NEW_PASSWORD).status_code == 201
