"""News: coordinators post, members read them (API, page, dashboard), and those
who asked for news by mail get them in their language."""

from __future__ import annotations

import sqlalchemy as sa

from tauschring.db import atomic, db
from tauschring.digest import service as digest
from tauschring.mail.models import OutgoingMail
from tauschring.members.models import Member
from tests.support.ring_life import submit_form


def outbox():
    db.session.rollback()
    return db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()


def test_coordinator_posts_news_and_members_read_them(life, http):
    karin, anna = http.token(life.karin), http.token(life.anna)
    posted = http.post("/api/v1/news", token=karin, json={
        "title": "Sommerfest", "body": "Am Samstag im Pfarrgarten."})
    assert posted.status_code == 201, posted.text
    http.post("/api/v1/news", token=karin, json={"title": "Neue Kategorie"})
    listed = http.get("/api/v1/news", token=anna).json()
    assert [n["title"] for n in listed["items"]] == ["Neue Kategorie", "Sommerfest"]
    assert listed["total"] == 2
    assert http.get("/api/v1/news", token=http.token(life.otto)).json()["items"] == []
    assert http.post("/api/v1/news", token=anna, json={"title": "x"}).status_code == 403
    assert http.post("/api/v1/news", token=karin, json={"title": ""}).status_code == 422
    assert outbox() == []  # not asked to mail them


def test_news_by_mail_reaches_those_who_want_it_in_their_language(life, http):
    atomic(digest.set_preferences, life.anna.actor, news_by_mail=True)
    atomic(digest.set_preferences, life.bernd.actor, news_by_mail=True)

    def english(session):
        session.get(Member, life.bernd.id).language = "en"
    atomic(english)
    posted = http.post("/api/v1/news", token=http.token(life.karin), json={
        "title": "Sommerfest", "body": "Am Samstag im Pfarrgarten.", "mail": True})
    assert posted.json()["mailed"] is True
    mails = {m.to_address: m for m in outbox()}
    assert set(mails) == {life.anna.email, life.bernd.email}
    assert mails[life.bernd.email].subject == "News from Sonnenberg: Sommerfest"
    assert mails[life.anna.email].subject == "Neues aus Sonnenberg: Sommerfest"
    assert "Am Samstag im Pfarrgarten." in mails[life.anna.email].body


def test_the_news_page_and_the_dashboard(life):
    karin = life.browser(life.karin)
    response = submit_form(karin, "/news", "/news", {"title": "Tauschtreffen verschoben",
                                                     "body": "Auf den 12. Dezember."})
    assert response.status_code == 302
    assert submit_form(karin, "/news", "/news", {"title": ""}).status_code == 422
    anna = life.browser(life.anna)
    page = anna.client.get("/news").text
    assert "Tauschtreffen verschoben" in page and 'action="/news"' not in page
    dashboard = anna.client.get("/dashboard").text
    assert 'data-testid="latest-news"' in dashboard and "Auf den 12. Dezember." in dashboard
    german = life.browser(life.anna, language="de").client.get("/news").text
    assert "Neuigkeiten" in german
    assert "Beitrag veröffentlichen" in life.browser(life.karin, "de").client.get("/news").text
