"""Helpers for the market pages: logged-in browsers, talents posted through the
services, and the CSRF token read from a rendered form as a browser would."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tauschring.db import atomic, db, utcnow
from tauschring.market import service
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')
CARD_TITLE = re.compile(r'id="talent-\d+-title"><a href="[^"]*">([^<]*)</a>')


def csrf_token(page_html: str) -> str:
    """The CSRF token of the first form on the page."""
    field = CSRF_INPUT.search(page_html)
    assert field, "the page has no form with a CSRF token"
    return VALUE.search(field.group(0)).group(1)


def card_titles(page_html: str) -> list[str]:
    return [html.unescape(title) for title in CARD_TITLE.findall(page_html)]


def _set_member(person, **fields) -> None:
    def change(session):
        member = session.get(Member, person.id)
        for name, value in fields.items():
            setattr(member, name, value)
    atomic(change)


class Browser:
    """One person's browser: a test client with its own session cookie.

    The person reads the pages in English, so the tests keep passing once the
    German translations arrive. Each request runs in an app context of its own, as
    under a real server: the test's long-lived context would otherwise share `g`
    (and with it the cached CSRF token) between different people's requests.
    """

    def __init__(self, app, person, language: str = "en"):
        self.app = app
        self.person = person
        self.client = app.test_client()
        _set_member(person, language=language)
        page = self.get("/login").get_data(as_text=True)
        response = self._request("post", "/login", data={
            "email": person.email, "password": person.password, "csrf_token": csrf_token(page)})
        assert response.status_code == 302, response.get_data(as_text=True)

    def _request(self, method: str, path: str, **kwargs):
        with self.app.app_context():
            return getattr(self.client, method)(path, **kwargs)

    def get(self, path, **kwargs):
        return self._request("get", path, **kwargs)

    def page(self, path, **kwargs) -> str:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def post(self, path, data=None, *, csrf_from: str | None = None):
        """POST as the page's form does: with the token read from `csrf_from` (the
        form's page; by default the page posted to, else the market)."""
        data = dict(data or {})
        if "csrf_token" not in data:
            source = self.get(csrf_from or path)
            if source.status_code != 200:
                source = self.get("/market")
            data["csrf_token"] = csrf_token(source.get_data(as_text=True))
        return self._request("post", path, data=data)

    def post_without_csrf(self, path, data=None):
        return self._request("post", path, data=dict(data or {}))

    def titles(self, **params) -> list[str]:
        """The titles on the market page for these filters (first page)."""
        return card_titles(self.page("/market", query_string=params))


class Market:
    """Talents posted and aged through the real services."""

    def __init__(self, app):
        self.app = app

    def browser(self, person) -> Browser:
        return Browser(self.app, person)

    def category_id(self, ring, slug: str) -> int:
        return db.session.scalar(sa.select(Category.id).where(
            Category.ring_id == ring.id, Category.slug == slug))

    def post(self, person, title: str, *, kind: str = "offer", description: str = "",
             category: str = "sonstiges", expires_on=None) -> int:
        category_id = db.session.scalar(sa.select(Category.id).where(
            Category.ring_id == person.ring_id, Category.slug == category))
        return atomic(lambda session: service.create_talent(
            session, person.actor, kind=kind, title=title, description=description,
            category_id=category_id, expires_on=expires_on).id)

    def expire(self, talent_id: int, days_ago: int = 1) -> None:
        """Time passes: the talent's expiry date lies `days_ago` days back."""
        def age(session):
            session.get(Talent, talent_id).expires_on = utcnow().date() - timedelta(days_ago)
        atomic(age)

    def set_member(self, person, **fields) -> None:
        _set_member(person, **fields)

    def talent(self, talent_id: int) -> dict:
        """The talent's stored row, read afresh."""
        db.session.rollback()
        row = db.session.execute(sa.select(Talent.__table__).where(
            Talent.id == talent_id)).mappings().one()
        db.session.rollback()
        return dict(row)

    def snapshot(self) -> tuple:
        """Every talent and category as stored: what a refused request leaves alone."""
        db.session.rollback()
        talents = db.session.execute(sa.select(Talent.__table__).order_by(Talent.id)).all()
        categories = db.session.execute(
            sa.select(Category.__table__).order_by(Category.id)).all()
        db.session.rollback()
        return [tuple(row) for row in talents], [tuple(row) for row in categories]


@pytest.fixture
def market(app):
    return Market(app)
