"""Fixtures for moving data in and out: CSV files in the user's words, a browser
that posts forms with their CSRF token, API callers, and a second, empty
database to move a ring into."""

from __future__ import annotations

import re
import shutil

import pytest
import sqlalchemy as sa

from tauschring.db import db
from tests.support.app import make_app
from tests.support.databases import postgres_database

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')
HEADER = ("name", "email", "household", "role", "phone", "postcode", "district",
          "opening_balance", "language", "password")


def csv_of(rows: list[dict], *, header=HEADER, delimiter: str = ",") -> str:
    """A CSV file: one dict per member, missing columns left empty."""
    def cell(value) -> str:
        text = "" if value is None else str(value)
        if any(c in text for c in (delimiter, '"', "\n")):
            text = '"' + text.replace('"', '""') + '"'
        return text

    lines = [delimiter.join(header)]
    lines += [delimiter.join(cell(row.get(name)) for name in header) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def csv_file():
    """csv_file(rows, header=..., delimiter=...) -> the text of a CSV file."""
    return csv_of


class Browser:
    """One browser session: each request in an app context of its own, as on a
    server; forms are posted with the CSRF token read from their page."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.client.set_cookie("lang", "en")

    def get(self, path: str, **kwargs):
        with self.app.app_context():
            return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs):
        with self.app.app_context():
            return self.client.post(path, **kwargs)

    def token_on(self, path: str) -> str:
        page = self.get(path)
        assert page.status_code == 200, page.status_code
        match = CSRF_TOKEN.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def log_in_as(self, person) -> Browser:
        token = self.token_on("/login")
        response = self.post("/login", data={"csrf_token": token, "email": person.email,
                                             "password": person.password})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.post("/language", data={"csrf_token": self.token_on("/dashboard"),
                                     "language": "en", "next": "/dashboard"})
        return self


@pytest.fixture
def browser_as(app):
    """browser_as(person): a browser logged in as that person (pages in English)."""
    return lambda person: Browser(app).log_in_as(person)


class ApiCaller:
    """The API through the test client, with a bearer token of one person."""

    def __init__(self, app, person):
        self.app = app
        self.client = app.test_client()
        with app.app_context():
            response = self.client.post("/api/v1/tokens", json={
                "email": person.email, "password": person.password})
        assert response.status_code == 201, response.get_data(as_text=True)
        self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    def get(self, path: str, **kwargs):
        with self.app.app_context():
            return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        with self.app.app_context():
            return self.client.post(path, headers=headers, **kwargs)


@pytest.fixture
def api_as(app):
    """api_as(person): an API caller with that person's bearer token."""
    return lambda person: ApiCaller(app, person)


@pytest.fixture
def counts(app):
    """counts() -> rows per table that an import writes to, as committed."""
    tables = ("members", "accounts", "transfers", "entries", "audit_log")

    def take() -> dict:
        db.session.rollback()
        return {t: db.session.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in tables}
    return take


@pytest.fixture
def empty_database_url(engine_name, request, tmp_path):
    """A second database with the schema and nothing in it: where a ring moves to."""
    if engine_name == "sqlite":
        path = tmp_path / "target.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with postgres_database("target", request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture
def target_app(empty_database_url, tmp_path):
    """An app on the empty database; use it inside `with target_app.app_context():`."""
    app = make_app(empty_database_url, tmp_path / "target-instance")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
