"""Fixtures and helpers for the statements and reports tests: a ring with three
years of history, logged-in browsers, and the text of CSVs and PDFs. The
conftest.py files of tests/statements and tests/reports import the fixtures
(`clock`, `history`, `browser`) from here."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pypdf import PdfReader

from tests.support.ledger_history import Clock, build_history


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def history(world, clock):
    return build_history(world, clock)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "a CSV for Excel starts with the BOM"
    text = data.decode("utf-8")[1:]
    delimiter = ";" if text.split("\r\n", 1)[0].count(";") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"'
                        r'|value="([^"]*)"[^>]*name="csrf_token"')


class Browser:
    """One person's browser, logged in, reading the pages in `language`."""

    def __init__(self, app, person, language: str = "en"):
        from sqlalchemy import update

        from tauschring.db import atomic
        from tauschring.members.models import Member

        atomic(lambda s: s.execute(update(Member).where(Member.id == person.id)
                                   .values(language=language)))
        self.app, self.client = app, app.test_client()
        page = self.get("/login").get_data(as_text=True)
        match = CSRF_INPUT.search(page)
        token = match.group(1) or match.group(2)
        response = self._request("post", "/login", data={
            "email": person.email, "password": person.password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def _request(self, method: str, path: str, **kwargs):
        with self.app.app_context():
            return getattr(self.client, method)(path, **kwargs)

    def get(self, path, **kwargs):
        return self._request("get", path, **kwargs)


@pytest.fixture
def browser(app):
    return lambda person, language="en": Browser(app, person, language)
