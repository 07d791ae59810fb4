"""Roles stay in their lanes, and sessions end on the server.

Findings of the trust review, each as its users would meet it: a coordinator
cannot take over the admin; a suspended coordinator loses every power at
once; a new password ends the other sessions and tokens; logging out ends the
session cookie itself, not just the browser's copy of it.
"""

from __future__ import annotations

import json

import pytest
from browsers import Browser
from sqlalchemy import select

from tauschring.auditlog import LoggedAction
from tauschring.db import atomic, db
from tauschring.mail.models import OutgoingMail
from tauschring.members import service as members
from tauschring.members.models import Member


@pytest.fixture
def ring(world):
    return world.ring()


def stored(person) -> Member:
    db.session.rollback()
    return db.session.get(Member, person.id)


def mails_to(address: str) -> list[OutgoingMail]:
    db.session.rollback()
    return list(db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.to_address == address).order_by(OutgoingMail.id)))


def log_entries(action: str) -> list[LoggedAction]:
    db.session.rollback()
    return list(db.session.scalars(select(LoggedAction).where(LoggedAction.action == action)))


# --- 1. a coordinator cannot take over the admin ------------------------------------

def test_a_coordinator_cannot_change_the_admins_email_suspend_or_remove_them(
        ring, world, http, problem):
    admin = world.member(ring, "Ada", role="admin")
    karin = http.token(world.coordinator(ring))

    for method, path, body in (
            ("PATCH", f"/api/v1/members/{admin.id}", {"email": "karin.owns@example.org"}),
            ("PATCH", f"/api/v1/members/{admin.id}", {"name": "Ada (ehemals)"}),
            ("POST", f"/api/v1/members/{admin.id}/suspend", {"reason": "x"}),
            ("POST", f"/api/v1/members/{admin.id}/leave", {"reason": "x"})):
        problem(http.request(method, path, token=karin, json=body), 403)

    after = stored(admin)
    assert (after.email, after.name, after.status) == (admin.email, "Ada", "active")
    assert mails_to("karin.owns@example.org") == []


def test_a_coordinator_cannot_set_the_limits_of_the_admins_account(ring, world, http, problem):
    admin = world.member(ring, "Ada", role="admin")
    karin = http.token(world.coordinator(ring))
    problem(http.patch(f"/api/v1/accounts/{admin.account_id}", token=karin,
                       json={"min_balance": -60000}), 403)
    assert http.patch(f"/api/v1/accounts/{admin.account_id}", token=http.token(admin),
                      json={"min_balance": -600}).status_code == 200


def test_a_coordinator_cannot_change_another_coordinators_log_in_address(
        ring, world, http, problem):
    otto = world.coordinator(ring, "Otto")
    karin = http.token(world.coordinator(ring))
    problem(http.patch(f"/api/v1/members/{otto.id}", token=karin,
                       json={"email": "karin.again@example.org"}), 403)
    assert stored(otto).email == otto.email
    # The admin may.
    admin = http.token(world.member(ring, "Ada", role="admin"))
    assert http.patch(f"/api/v1/members/{otto.id}", token=admin,
                      json={"email": "otto.neu@example.org"}).status_code == 200


def test_an_email_change_by_a_coordinator_is_logged_and_told_to_the_old_address(
        ring, world, http):
    anna = world.member(ring, "Anna")
    karin = world.coordinator(ring)
    changed = http.patch(f"/api/v1/members/{anna.id}", token=http.token(karin),
                         json={"email": "anna.neu@example.org"})
    assert changed.status_code == 200
    [entry] = log_entries("member.email_change_requested")
    assert entry.actor_id == karin.id and entry.subject == f"member:{anna.id}"
    assert json.loads(entry.detail) == {"before": anna.email, "after": "anna.neu@example.org"}
    [told] = mails_to(anna.email)
    assert "anna.neu@example.org" in told.body
    # Until the new address confirms, the old one logs in.
    assert stored(anna).email == anna.email


# --- 2. a suspended coordinator keeps no power ------------------------------------------

def test_suspension_ends_the_coordinators_tokens_and_sessions_and_every_power(
        ring, world, http, problem):
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna")
    newcomer = world.member(ring, "Nina", status="pending")
    token = http.token(karin)
    browser = Browser(http.base_url)
    assert browser.log_in(karin.email, karin.password).status_code == 302
    assert browser.get("/coordination").status_code == 200

    admin = world.member(ring, "Ada", role="admin")
    assert http.post(f"/api/v1/members/{karin.id}/suspend", token=http.token(admin),
                     json={"reason": "Vorstandsbeschluss"}).status_code == 200

    problem(http.get("/api/v1/me", token=token), 401)
    assert not browser.logged_in()
    # Logging in again gives a reader, not a coordinator.
    token = http.token(karin)
    assert http.get("/api/v1/me", token=token).status_code == 200
    for method, path, body in (
            ("POST", "/api/v1/transfers", {"debit_account_id": ring.association_account_id,
                                           "credit_account_id": anna.account_id,
                                           "minutes": 60, "memo": "Geschenk"}),
            ("POST", f"/api/v1/members/{newcomer.id}/admit", None),
            ("POST", f"/api/v1/members/{anna.id}/suspend", {"reason": "x"}),
            ("GET", "/api/v1/rings/current/export", None),
            ("GET", "/api/v1/accounts", None),
            ("GET", "/api/v1/audit", None)):
        problem(http.request(method, path, token=token,
                             **({"json": body} if body is not None else {})), 403)
    browser = Browser(http.base_url)
    assert browser.log_in(karin.email, karin.password).status_code == 302
    assert browser.get("/coordination").status_code == 403
    assert browser.get("/coordination/export.json").status_code == 403
    assert (stored(anna).status, stored(newcomer).status) == ("active", "pending")


def test_leaving_ends_every_session_and_token(ring, world, http, problem):
    anna = world.member(ring, "Anna")
    token = http.token(anna)
    browser = Browser(http.base_url)
    browser.log_in(anna.email, anna.password)
    assert browser.logged_in()
    karin = http.token(world.coordinator(ring))
    assert http.post(f"/api/v1/members/{anna.id}/leave", token=karin,
                     json={"reason": "Umzug"}).status_code == 200
    problem(http.get("/api/v1/me", token=token), 401)
    assert not browser.logged_in()


# --- 3. passwords and log-out end sessions on the server ---------------------------------

def test_a_password_change_ends_every_token_and_other_session(ring, world, http, problem):
    anna = world.member(ring, "Anna")
    token = http.token(anna)
    here, elsewhere = Browser(http.base_url), Browser(http.base_url)
    here.log_in(anna.email, anna.password)
    elsewhere.log_in(anna.email, anna.password)

    changed = here.submit("/password", {"current_password": anna.password,
                                        "new_password": "ein neues Passwort",
                                        "new_password_again": "ein neues Passwort"})
    assert changed.status_code == 302

    problem(http.get("/api/v1/me", token=token), 401)
    assert not elsewhere.logged_in()
    assert here.logged_in()  # the browser that changed it goes on


def test_a_password_reset_ends_every_token(ring, world, http, problem, app):
    anna = world.member(ring, "Anna")
    token = http.token(anna)
    with app.test_request_context():
        atomic(members.request_password_reset, anna.email)
    reset_token = mails_to(anna.email)[-1].body.split("/password/reset/")[1].split()[0]
    browser = Browser(http.base_url)
    reset = browser.submit(f"/password/reset/{reset_token}",
                           {"password": "ganz neu und lang", "password_again": "ganz neu und lang"})
    assert reset.status_code == 302
    problem(http.get("/api/v1/me", token=token), 401)


def test_logging_out_ends_the_session_even_for_a_copied_cookie(ring, world, http):
    anna = world.member(ring, "Anna")
    browser = Browser(http.base_url)
    browser.log_in(anna.email, anna.password)
    copied = browser.copy()
    assert copied.logged_in()

    assert browser.submit("/logout", {}, form_on="/dashboard").status_code == 302

    assert not browser.logged_in()
    assert not copied.logged_in()
    redirect = copied.get("/dashboard")
    assert redirect.status_code == 302 and "/login" in redirect.headers["Location"]


def test_the_csrf_token_changes_at_log_in(ring, world, http):
    anna = world.member(ring, "Anna")
    browser = Browser(http.base_url)
    before = browser.csrf("/login")
    browser.log_in(anna.email, anna.password)
    after = browser.csrf("/profile")
    assert after != before
    # A form sent with the token from before the log-in is refused.
    stale = browser.session.post(http.base_url + "/profile", timeout=30,
                                 allow_redirects=False,
                                 data={"csrf_token": before, "name": "Mallory"})
    assert stale.status_code == 400
    assert stored(anna).name == "Anna"
