"""A browser of the rendered pages, for the coordinator's and the admin's pages:
log in through the page, fill in the rendered forms.

Happy-path posts take the CSRF token (and every other field) from the form as
the page renders it, so a test posts what a browser would post. The fixtures
at the end (`pages`, `pay`, `fresh`, `snapshot`) are imported by the
conftest.py files of tests/coordination and tests/admin.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import flask_babel
import pytest
import sqlalchemy as sa

from tauschring.db import atomic, db
from tauschring.ledger.service import book


class _FormParser(HTMLParser):
    """Collects each <form> with what a browser would submit by default."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get"),
                          "fields": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button"):
                self._form["fields"][a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class Pages:
    """A browser in the user's words: log in, open a page, submit one of its forms."""

    def __init__(self, client):
        self.client = client

    def login(self, person, language: str = "en") -> None:
        """Log in through the page; the tests read the pages in English."""
        page = self.client.get("/login").text
        form = next(f for f in forms_of(page) if "password" in f["fields"])
        fields = {**form["fields"], "email": person.email, "password": person.password}
        response = self.client.post(form["action"] or "/login", data=fields)
        assert response.status_code == 302, response.text
        response = self.client.post("/language", data={
            "csrf_token": self.csrf_token(), "language": language, "next": "/dashboard"})
        assert response.status_code == 302
        # The `app` fixture keeps one app context for the whole test, so `g` (where
        # Flask-Babel caches the locale) outlives each request: forget the old choice.
        flask_babel.refresh()

    def form(self, page: str, action: str) -> dict:
        """The fields of the form posting to `action` on `page`, as rendered."""
        response = self.client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        for form in forms_of(response.text):
            if form["action"] == action and form["method"].lower() == "post":
                return dict(form["fields"])
        raise AssertionError(f"no form posting to {action!r} on {page}")

    def submit(self, page: str, action: str, changes: dict | None = None, *,
               drop: tuple = ()):
        """Open `page`, fill in its form for `action` with `changes`, post it."""
        fields = self.form(page, action)
        fields.update(changes or {})
        for name in drop:
            fields.pop(name, None)
        return self.client.post(action, data=fields)

    def csrf_token(self) -> str:
        """A valid token of this session, from any rendered form."""
        html = self.client.get("/dashboard").text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def pay_past_limits(ring, payer, payee, minutes: int, memo: str = "test") -> None:
    """Book from one account to another (a Person, the RingInfo for its association
    account, or an account id), past any limit."""
    def account(x):
        return getattr(x, "account_id", None) or getattr(x, "association_account_id", x)

    atomic(lambda session: book(session, ring_id=ring.id, debit_account_id=account(payer),
                                credit_account_id=account(payee), minutes=minutes, memo=memo,
                                override_reason="test set-up"))


def fresh_session():
    """The test's session, forgetting what the pages' requests left behind."""
    db.session.rollback()
    return db.session


def stored_rows(ring_ids=None) -> dict:
    """Every row a refused request must leave as it was (of these rings, or all)."""
    session = fresh_session()

    def rows(sql):
        return [tuple(r) for r in session.execute(sa.text(sql)).all()]

    state = {
        "members": rows("SELECT id, ring_id, status, role, account_id, name, email "
                        "FROM members ORDER BY id"),
        "accounts": rows("SELECT id, ring_id, status, balance, min_balance, max_balance "
                         "FROM accounts ORDER BY id"),
        "rings": rows("SELECT id, name, slug, unit_name, default_min_balance, "
                      "default_max_balance, starting_credit, registration_open, "
                      "household_size, talent_lifetime_days, chain_length, chain_head, "
                      "description, contact_email FROM rings ORDER BY id"),
        "transfers": rows("SELECT id, ring_id FROM transfers ORDER BY id"),
        "audit_log": rows("SELECT id, ring_id FROM audit_log ORDER BY id"),
        "fee_charges": rows("SELECT id, ring_id, period, account_id FROM fee_charges "
                            "ORDER BY id"),
    }
    if ring_ids is not None:
        position = {"members": 1, "accounts": 1, "rings": 0, "transfers": 1, "audit_log": 1,
                    "fee_charges": 1}
        state = {name: [r for r in table if r[position[name]] in ring_ids]
                 for name, table in state.items()}
    return state


@pytest.fixture
def pages(client):
    return Pages(client)


@pytest.fixture
def pay(app):
    """pay(ring, payer, payee, minutes): book from one account to another (a Person,
    the RingInfo for its association account, or an account id), past any limit."""
    return pay_past_limits


@pytest.fixture
def fresh(app):
    """fresh() -> the test's session, forgetting what the pages' requests left behind."""
    return fresh_session


@pytest.fixture
def snapshot(app):
    """snapshot(ring_ids=None): every row a refused request must leave as it was."""
    return stored_rows
