"""Every form of the member pages needs its CSRF token: without it the post is
refused with 400 and nothing changes; the same post with the token does change
something (so the refusal is the token's doing, not the data's)."""

from __future__ import annotations

import re

import pytest
from member_pages import csrf_token_in, outbox, text_of
from sqlalchemy import select

from tauschring.db import atomic, db
from tauschring.mail.models import OutgoingMail
from tauschring.members.models import Member
from tauschring.members.service import request_password_reset

PASSWORD = {"password": "ein neues Passwort", "password_again": "ein neues Passwort"}
PROFILE = {"name": "Changed", "email_visibility": "members", "phone_visibility": "members",
           "address_visibility": "members", "language": "de", "phone": "110"}

# (path, who is logged in, form data); {anna}, {token} are filled in per test.
POSTS = {
    "register": ("/register?ring=sonnenberg", None,
                 {"name": "Fritz", "email": "fritz@example.org", "language": "de",
                  **PASSWORD}),
    "login": ("/login", None, {"email": "{anna_email}", "password": "{anna_password}"}),
    "logout": ("/logout", "anna", {}),
    "change password": ("/password", "anna",
                        {"current_password": "{anna_password}",
                         "new_password": "ein neues Passwort",
                         "new_password_again": "ein neues Passwort"}),
    "forgotten password": ("/password/forgot", None, {"email": "{anna_email}"}),
    "reset password": ("/password/reset/{token}", None, PASSWORD),
    "own profile": ("/profile", "anna", PROFILE),
    "household": ("/profile/household", "anna",
                  {"household-name": "Jonas", "household-email": "jonas@example.org",
                   "household-password": "jonas-geheim",
                   "household-password_again": "jonas-geheim"}),
    "coordinator edits a profile": ("/members/{anna}/edit", "karin", PROFILE),
}


def snapshot() -> tuple:
    db.session.rollback()
    members = db.session.execute(select(
        Member.id, Member.name, Member.email, Member.password_hash, Member.phone,
        Member.status, Member.account_id, Member.language).order_by(Member.id)).all()
    mails = db.session.execute(select(OutgoingMail.id).order_by(OutgoingMail.id)).all()
    return members, mails


@pytest.mark.parametrize("name", list(POSTS))
def test_a_post_without_csrf_token_is_refused_and_changes_nothing(world, visitor, visitor_as,
                                                                  name):
    ring = world.ring("sonnenberg")
    anna = world.member(ring, "Anna")
    karin = world.coordinator(ring)
    atomic(request_password_reset, anna.email)
    token = re.search(r"/password/reset/(\S+)", outbox(anna.email)[-1].body).group(1)
    values = {"anna": anna.id, "anna_email": anna.email, "anna_password": anna.password,
              "token": token}
    path, who, data = POSTS[name]
    browser = {None: visitor, "anna": None, "karin": None}[who] or visitor_as(
        {"anna": anna, "karin": karin}[who])
    form = {key: value.format(**values) for key, value in data.items()}
    state_before = snapshot(), browser.get("/dashboard").status_code

    response = browser.post(path.format(**values), data=form)

    assert response.status_code == 400
    assert (snapshot(), browser.get("/dashboard").status_code) == state_before
    page_with_token = browser.get("/dashboard" if who else "/login")
    form["csrf_token"] = csrf_token_in(text_of(page_with_token))
    assert browser.post(path.format(**values), data=form).status_code in (200, 302)
    assert (snapshot(), browser.get("/dashboard").status_code) != state_before
