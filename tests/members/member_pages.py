"""Helpers for the member pages' tests: a visitor who fills in forms as a browser
does, with the CSRF token read from the page the form is on, and the outbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from tauschring.db import db
from tauschring.mail.models import OutgoingMail

CSRF_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*\bvalue="([^"]+)"')


def csrf_token_in(html: str) -> str:
    match = CSRF_TOKEN.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


class Visitor:
    """One browser session against the Flask test client.

    Each request runs in an app context of its own, as on a real server: the
    `app` fixture keeps one open for the whole test, and requests would
    otherwise share its `g` (and with it Flask-Login's current user) and its
    database session.
    """

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        # Pages in English, so the tests read alike before and after translation.
        self.client.set_cookie("lang", "en")

    def _request(self, method: str, path: str, **kwargs):
        with self.app.app_context():
            return self.client.open(path, method=method, **kwargs)

    def get(self, path: str, **kwargs):
        return self._request("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self._request("POST", path, **kwargs)

    def submit(self, path: str, data: dict, *, form_on: str | None = None,
               follow: bool = False):
        """Open the page with the form (`form_on`, else `path`), then post `data` with
        the token read from it."""
        page = self.get(form_on or path)
        assert page.status_code == 200, page.status_code
        token = csrf_token_in(page.get_data(as_text=True))
        return self.post(path, data={"csrf_token": token, **data}, follow_redirects=follow)

    def log_in(self, email: str, password: str):
        response = self.submit("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def log_in_as(self, person) -> Visitor:
        self.log_in(person.email, person.password)
        # A logged-in member's own language wins over the cookie; make it English.
        self.submit("/language", {"language": "en"}, form_on="/dashboard")
        return self


def text_of(response) -> str:
    return response.get_data(as_text=True)


def outbox(to: str | None = None) -> list[OutgoingMail]:
    db.session.rollback()  # see what other transactions committed
    statement = select(OutgoingMail).order_by(OutgoingMail.id)
    if to:
        statement = statement.where(OutgoingMail.to_address == to)
    return list(db.session.scalars(statement))
