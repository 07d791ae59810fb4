"""Passwords: changing one's own, and choosing a new one through a mailed link."""

from __future__ import annotations

import re

from member_pages import CSRF_TOKEN, Visitor, outbox, text_of

from tauschring.db import db
from tauschring.members.models import Member

NEW = "ein ganz neues Passwort"


def password_hash(person) -> str:
    db.session.rollback()
    return db.session.get(Member, person.id).password_hash


def can_log_in(app, email: str, password: str) -> bool:
    visitor = Visitor(app)
    response = visitor.submit("/login", {"email": email, "password": password})
    return response.status_code == 302


def test_a_member_changes_the_password_knowing_the_current_one(app, world, visitor_as):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    browser = visitor_as(anna)

    wrong = browser.submit("/password", {"current_password": "not it", "new_password": NEW,
                                         "new_password_again": NEW})
    assert wrong.status_code == 200 and "The current password is not right" in text_of(wrong)
    mismatch = browser.submit("/password", {"current_password": anna.password,
                                            "new_password": NEW,
                                            "new_password_again": NEW + "!"})
    assert mismatch.status_code == 200 and 'class="error"' in text_of(mismatch)
    assert can_log_in(app, anna.email, anna.password)

    done = browser.submit("/password", {"current_password": anna.password,
                                        "new_password": NEW, "new_password_again": NEW})
    assert done.status_code == 302
    assert can_log_in(app, anna.email, NEW)
    assert not can_log_in(app, anna.email, anna.password)


def test_the_password_page_needs_a_log_in(visitor, world):
    world.ring()
    response = visitor.get("/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def reset_link_in(body: str) -> str:
    """The path of the reset link in a mail."""
    return re.search(r"https?://[^/\s]+(/password/reset/\S+)", body).group(1)


def test_a_forgotten_password_is_reset_through_the_mailed_link_once(app, world, visitor):
    ring = world.ring()
    anna = world.member(ring, "Anna")

    answer = visitor.submit("/password/forgot", {"email": anna.email.upper()})
    assert answer.status_code == 200
    mail, = outbox(anna.email)
    link = reset_link_in(mail.body)

    form = visitor.get(link)
    assert form.status_code == 200 and 'name="password_again"' in text_of(form)
    too_short = visitor.submit(link, {"password": "kurz", "password_again": "kurz"})
    assert too_short.status_code == 200 and "at least 8 characters" in text_of(too_short)
    done = visitor.submit(link, {"password": NEW, "password_again": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert can_log_in(app, anna.email, NEW)
    assert not can_log_in(app, anna.email, anna.password)

    again = visitor.get(link)
    assert again.status_code == 200
    assert "used already" in text_of(again) and 'name="password"' not in text_of(again)
    hash_after_first_use = password_hash(anna)
    visitor.post(link, data={"csrf_token": CSRF_TOKEN.search(text_of(again)).group(1),
                             "password": "noch ein anderes", "password_again": "noch ein anderes"})
    assert password_hash(anna) == hash_after_first_use


def test_the_forgotten_password_page_answers_alike_whether_the_address_exists_or_not(
        world, visitor):
    ring = world.ring()
    anna = world.member(ring, "Anna")

    def answer_for(email: str) -> str:
        page = text_of(visitor.submit("/password/forgot", {"email": email}))
        return CSRF_TOKEN.sub("", page).replace(email, "ADDRESS")

    assert answer_for(anna.email) == answer_for("nobody@example.org")
    assert len(outbox(anna.email)) == 1
    assert outbox("nobody@example.org") == []


def test_a_forged_reset_link_is_refused(world, visitor):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    before = password_hash(anna)
    page = visitor.get("/password/reset/not-a-token")
    assert page.status_code == 200 and "invalid or has expired" in text_of(page)
    visitor.submit("/password/reset/not-a-token", {"password": NEW, "password_again": NEW})
    assert password_hash(anna) == before
