"""The weekly digest: run twice in a week (by the real command, as cron would),
each member who wants it receives one mail, in their language; whoever
switched it off receives none. And the inactivity reminder."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tauschring.db import atomic, db, utcnow
from tauschring.digest import service as digest
from tauschring.events import service as events
from tauschring.mail.models import OutgoingMail
from tauschring.mail.sender import MailSettings, send_due
from tauschring.market import service as market
from tauschring.market.models import Category
from tauschring.members.models import Member
from tauschring.news import service as news
from tests.support.ring_life import submit_form

COMMAND = Path(sys.executable).with_name("tauschring")


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, MailSettings(host="127.0.0.1", port=port, security="none",
                             sender="Tauschring <ring@example.org>", timeout=5)
    controller.stop()


def tauschring(database_url: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    done = subprocess.run([str(COMMAND), *args], env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def set_language(person, language):
    def change(session):
        session.get(Member, person.id).language = language
    atomic(change)


def a_week_of_ring_life(life):
    """An offer of Clara's, a news item and an event: something for everyone."""
    def make(session):
        category = session.scalar(sa.select(Category.id).where(Category.ring_id == life.ring.id))
        market.create_talent(session, life.clara.actor, kind="offer", title="Fahrrad flicken",
                             category_id=category)
        news.post(session, life.karin.actor, title="Sommerfest am Samstag", body="Alle sind "
                  "eingeladen.")
        events.create(session, life.karin.actor, title="Tauschtreffen", place="Gemeindehaus",
                      starts_at=utcnow() + timedelta(days=3))
    atomic(make)


def test_two_runs_in_a_week_send_one_digest_per_member(life, smtp, database_url):
    sink, settings = smtp
    set_language(life.anna, "de")
    set_language(life.bernd, "en")
    atomic(digest.set_preferences, life.clara.actor, weekly_digest=False)
    a_week_of_ring_life(life)
    db.session.remove()

    first = tauschring(database_url, "digest", "send")
    second = tauschring(database_url, "digest", "send", "--ring", life.ring.slug)
    assert "queued 3 digests" in first and "queued 0 digests" in second, (first, second)
    assert send_due(settings) == (3, 0)
    assert send_due(settings) == (0, 0)

    received = {m.rcpt_tos[0]: email.message_from_bytes(m.content, policy=email.policy.default)
                for m in sink.messages}
    assert len(sink.messages) == 3  # Karin, Anna, Bernd; Clara switched it off
    assert set(received) == {life.karin.email, life.anna.email, life.bernd.email}
    anna, bernd = received[life.anna.email], received[life.bernd.email]
    assert str(anna["Subject"]) == "Sonnenberg: was diese Woche neu ist"
    assert str(bernd["Subject"]) == "Sonnenberg: what is new this week"
    body = bernd.get_content()
    assert "Fahrrad flicken (Clara)" in body
    assert "Sommerfest am Samstag" in body and "Tauschtreffen, Gemeindehaus" in body
    assert "Neue Angebote" in anna.get_content()


def test_a_member_with_nothing_new_gets_none_and_a_later_run_catches_up(life):
    run = atomic(lambda session: digest.send_weekly(session, ring_id=life.ring.id))
    assert run.sent == [] and len(run.nothing_new) == 4
    a_week_of_ring_life(life)
    run = atomic(lambda session: digest.send_weekly(session, ring_id=life.ring.id))
    assert sorted(run.sent) == sorted([life.karin.id, life.anna.id, life.bernd.id,
                                       life.clara.id])  # Clara's own offer: news still new
    again = atomic(lambda session: digest.send_weekly(session, ring_id=life.ring.id))
    assert again.sent == [] and len(again.already) == 4
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 4


def test_the_members_choice_on_the_page_and_through_the_api(life, http):
    anna = life.browser(life.anna)
    response = submit_form(anna, "/mail-settings", "/mail-settings",
                           {"weekly_digest": None, "news_by_mail": "y"})
    assert response.status_code == 302
    token = http.token(life.anna)
    assert http.get("/api/v1/me/mail-preferences", token=token).json() == {
        "weekly_digest": False, "news_by_mail": True}
    changed = http.request("PUT", "/api/v1/me/mail-preferences", token=token,
                           json={"weekly_digest": True})
    assert changed.json() == {"weekly_digest": True, "news_by_mail": True}
    assert http.request("PUT", "/api/v1/me/mail-preferences", token=token,
                        json={"weekly_digest": "vielleicht"}).status_code == 422
    page = life.browser(life.anna, language="de").client.get("/mail-settings").text
    assert "Die wöchentliche Übersicht" in page


def test_inactive_members_are_reminded_once_and_listed_for_the_coordinator(life, http):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    assert exchange_id
    # Everyone joined long ago; Anna and Bernd exchanged today.
    def age(session):
        for member in session.scalars(sa.select(Member).where(Member.ring_id == life.ring.id)):
            member.joined_on = utcnow().date() - timedelta(days=400)
    atomic(age)
    karin = life.browser(life.karin)
    response = submit_form(karin, "/coordination/inactive", "/coordination/inactive",
                           {"months": "6"})
    assert response.status_code == 302
    page = karin.client.get("/coordination/inactive").text
    assert page.count('data-testid="inactive-member"') == 2  # Karin and Clara
    assert "Clara" in page and "Anna" not in page.split("<table>")[1]
    listed = http.get("/api/v1/members/inactive", token=http.token(life.karin)).json()
    assert listed["months"] == 6
    assert sorted(row["name"] for row in listed["items"]) == ["Clara", "Karin"]

    reminded = atomic(digest.send_reminders, life.ring.id)
    assert sorted(reminded) == sorted([life.karin.id, life.clara.id])
    assert atomic(digest.send_reminders, life.ring.id) == []  # once per period
    db.session.rollback()
    subjects = db.session.scalars(sa.select(OutgoingMail.subject).where(
        OutgoingMail.member_id == life.clara.id)).all()
    assert subjects == ["Sonnenberg misses you"] or subjects == ["Sonnenberg vermisst Sie"]
    assert http.get("/api/v1/members/inactive",
                    token=http.token(life.anna)).status_code == 403
