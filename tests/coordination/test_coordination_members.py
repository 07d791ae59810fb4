"""The coordinator's members pages: the list, a member's page and its actions,
entering a member in person, and the ring's settings."""

from __future__ import annotations

import re

from sqlalchemy import select

from tauschring.auditlog import LoggedAction
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.members.models import Member
from tauschring.rings.models import Ring


def row_of(page: str, member_id: int) -> str:
    match = re.search(rf'<tr[^>]*data-member-id="{member_id}".*?</tr>', page, re.S)
    assert match, f"member {member_id} not listed"
    return match.group(0)


def test_the_list_shows_balances_limits_and_flags(world, pages, pay):
    ring = world.ring()  # -10:00 .. 20:00
    karin = world.coordinator(ring)
    near = world.member(ring, "Nora Nah")
    past = world.member(ring, "Paul Drüber")
    calm = world.member(ring, "Carla Ruhig")
    pay(ring, near, ring, 560)  # -9:20, within 1:00 of -10:00
    pay(ring, ring, past, 1300)  # 21:40, above 20:00 (booked with an override)
    pay(ring, ring, calm, 90)
    pages.login(karin)

    page = pages.client.get("/coordination/members").text
    assert "near a limit" in row_of(page, near.id) and "−9:20 h" in row_of(page, near.id)
    assert "past a limit" in row_of(page, past.id) and "21:40 h" in row_of(page, past.id)
    calm_row = row_of(page, calm.id)
    assert "1:30 h" in calm_row and "−10:00 h" in calm_row and "20:00 h" in calm_row
    assert "limit</span>" not in calm_row


def test_the_list_filters_by_status_and_search(world, pages):
    ring = world.ring()
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna Becker")
    paula = world.member(ring, "Paula Neu", status="pending")
    pages.login(karin)

    pending = pages.client.get("/coordination/members?status=pending").text
    assert f'data-member-id="{paula.id}"' in pending
    assert f'data-member-id="{anna.id}"' not in pending
    found = pages.client.get("/coordination/members?q=beck").text
    assert f'data-member-id="{anna.id}"' in found
    assert f'data-member-id="{paula.id}"' not in found
    # An unknown status shows everyone rather than failing.
    everyone = pages.client.get("/coordination/members?status=nonsense&page=abc")
    assert everyone.status_code == 200
    assert f'data-member-id="{paula.id}"' in everyone.text


def test_suspend_and_reactivate(world, pages, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)
    page = f"/coordination/members/{anton.id}"

    response = pages.submit(page, f"{page}/suspend", {"suspend-reason": "no-show"})
    assert response.status_code == 302
    assert fresh().get(Member, anton.id).status == "suspended"
    assert "Anton is suspended." in pages.client.get(page).text

    response = pages.submit(page, f"{page}/reactivate")
    assert response.status_code == 302
    assert fresh().get(Member, anton.id).status == "active"


def test_a_coordinator_cannot_suspend_themselves(world, pages, snapshot):
    ring = world.ring()
    karin = world.coordinator(ring)
    pages.login(karin)
    token = pages.csrf_token()
    before = snapshot()
    response = pages.client.post(f"/coordination/members/{karin.id}/suspend",
                                 data={"suspend-csrf_token": token})
    assert response.status_code == 409
    assert "cannot suspend themselves" in response.text
    assert snapshot() == before


def test_roles_member_and_coordinator_but_admin_only_by_admins(world, pages, fresh, snapshot):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)
    page, action = f"/coordination/members/{anton.id}", f"/coordination/members/{anton.id}/role"

    assert 'value="admin"' not in pages.client.get(page).text
    before = snapshot()
    refused = pages.submit(page, action, {"role-role": "admin"})
    assert refused.status_code == 422
    assert snapshot() == before

    assert pages.submit(page, action, {"role-role": "coordinator"}).status_code == 302
    session = fresh()
    assert session.get(Member, anton.id).role == "coordinator"
    assert session.scalars(select(LoggedAction).where(
        LoggedAction.action == "member.role")).one().subject == f"member:{anton.id}"


def test_an_admin_may_appoint_an_admin(world, pages, fresh):
    ring = world.ring()
    ada = world.member(ring, "Ada", role="admin")
    anton = world.member(ring, "Anton")
    pages.login(ada)
    page = f"/coordination/members/{anton.id}"
    assert pages.submit(page, f"{page}/role", {"role-role": "admin"}).status_code == 302
    assert fresh().get(Member, anton.id).role == "admin"


def test_entering_a_member_with_a_generated_password(world, pages, client, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    pages.login(karin)
    page = "/coordination/members/new"

    response = pages.submit(page, page, {"name": "Olga Offline", "email": "olga@example.org",
                                         "district": "Nordstadt", "password": ""})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r'data-testid="password">([^<]+)<', response.text).group(1)
    assert len(password) >= 8

    session = fresh()
    olga = session.scalars(select(Member).where(Member.email == "olga@example.org")).one()
    assert (olga.status, olga.role, olga.district) == ("active", "member", "Nordstadt")
    assert session.get(Account, olga.account_id).status == "open"

    pages.client.post("/logout", data={"csrf_token": pages.csrf_token()})
    olga_person = type("P", (), {"email": "olga@example.org", "password": password})
    pages.login(olga_person)
    assert pages.client.get("/dashboard").status_code == 200


def test_entering_a_member_into_a_household(world, pages, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna")
    pages.login(karin)
    page = "/coordination/members/new"
    assert f'value="{anna.id}"' in pages.client.get(page).text

    response = pages.submit(page, page, {"name": "Jonas", "email": "jonas@example.org",
                                         "password": "long enough pw",
                                         "household_of": str(anna.id)})
    assert response.status_code == 201
    assert 'data-testid="password"' not in response.text  # chosen, so not shown
    jonas = fresh().scalars(select(Member).where(Member.email == "jonas@example.org")).one()
    assert jonas.account_id == anna.account_id


def test_entering_a_member_with_a_taken_address_is_refused(world, pages, snapshot):
    ring = world.ring()
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna")
    pages.login(karin)
    before = snapshot()
    page = "/coordination/members/new"
    response = pages.submit(page, page, {"name": "Anna 2", "email": anna.email,
                                         "password": "long enough pw"})
    assert response.status_code == 409
    assert "exists already" in response.text
    assert snapshot() == before


def test_settings_in_hours(world, pages, fresh, snapshot):
    ring = world.ring()
    karin = world.coordinator(ring)
    pages.login(karin)
    page = "/coordination/settings"
    form = pages.form(page, page)
    assert (form["default_min_balance"], form["default_max_balance"]) == ("-10:00", "20:00")
    assert form["registration_open"] == "y"

    response = pages.submit(page, page, {
        "name": "Tauschring Nord", "default_min_balance": "-20", "default_max_balance": "",
        "starting_credit": "1:30", "household_size": "2", "talent_lifetime_days": "0",
        "contact_email": "nord@example.org"}, drop=("registration_open",))
    assert response.status_code == 302
    saved = fresh().get(Ring, ring.id)
    assert (saved.name, saved.default_min_balance, saved.default_max_balance,
            saved.starting_credit, saved.registration_open, saved.household_size,
            saved.talent_lifetime_days, saved.contact_email) == (
        "Tauschring Nord", -1200, None, 90, False, 2, 0, "nord@example.org")

    before = snapshot()
    crossed = pages.submit(page, page, {"default_min_balance": "5",
                                        "default_max_balance": "1"})
    assert crossed.status_code == 422
    assert "The lowest allowed balance must not be above the highest." in crossed.text
    negative = pages.submit(page, page, {"starting_credit": "-1"})
    assert negative.status_code == 422
    assert snapshot() == before


def test_the_overview_and_the_audit_page(world, pages, pay):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pay(ring, ring, anton, 1300)  # past the maximum of 20:00
    pages.login(karin)

    overview = pages.client.get("/coordination").text
    from tauschring.db import db
    head = audit_ring(db.session, ring.id)["chain"]["head"]
    assert "in order" in overview and head in overview
    audit = pages.client.get("/coordination/audit").text
    assert "in order" in audit
    violations = audit.split("Balances outside their limits")[1]
    assert "Anton" in violations and "21:40 h" in violations
