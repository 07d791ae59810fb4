"""The admin's pages: every ring at a glance, new rings, and their coordinators."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from tauschring.auditlog import LoggedAction
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.members.models import Member
from tauschring.rings.models import Ring


def test_the_rings_with_their_members_and_balances(world, pages, pay):
    home, other = world.ring("heimat"), world.ring("nachbarn")
    ada = world.member(home, "Ada", role="admin")
    anton = world.member(other, "Anton")
    world.member(other, "Paula", status="pending")
    pay(other, other, anton, 60)
    pages.login(ada)

    page = pages.client.get("/admin/rings").text
    row = re.search(rf'<tr data-ring-id="{other.id}">.*?</tr>', page, re.S).group(0)
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    assert cells == ["2", "1"]  # members who have not left, of them active
    assert "nachbarn" in row and "in order" in row


def test_creating_a_ring(world, pages, fresh):
    ada = world.member(world.ring("heimat"), "Ada", role="admin")
    pages.login(ada)
    response = pages.submit("/admin/rings", "/admin/rings", {
        "name": "Tauschring Nord", "slug": "nord", "unit_name": "Stunden",
        "default_min_balance": "-20", "default_max_balance": "40:00"})
    assert response.status_code == 302

    session = fresh()
    ring = session.scalars(select(Ring).where(Ring.slug == "nord")).one()
    assert response.headers["Location"].endswith(f"/admin/rings/{ring.id}")
    assert (ring.name, ring.unit_name, ring.default_min_balance, ring.default_max_balance) == (
        "Tauschring Nord", "Stunden", -1200, 2400)
    assert session.scalars(select(Account).where(Account.ring_id == ring.id,
                                                 Account.kind == "association")).one()
    logged = session.scalars(select(LoggedAction).where(LoggedAction.ring_id == ring.id)).one()
    assert (logged.action, logged.actor_id) == ("ring.create", ada.id)


def test_a_taken_or_malformed_slug_is_refused(world, pages, snapshot):
    ada = world.member(world.ring("heimat"), "Ada", role="admin")
    pages.login(ada)
    before = snapshot()
    taken = pages.submit("/admin/rings", "/admin/rings", {"name": "Zweite Heimat",
                                                          "slug": "heimat"})
    assert taken.status_code == 409
    assert "exists already" in taken.text
    malformed = pages.submit("/admin/rings", "/admin/rings", {"name": "X", "slug": "Nord Ost"})
    assert malformed.status_code == 422
    assert "lower-case letters" in malformed.text
    bad_hours = pages.submit("/admin/rings", "/admin/rings", {"name": "X", "slug": "x",
                                                              "default_min_balance": "-1.5"})
    assert bad_hours.status_code == 422
    assert snapshot() == before


def test_an_admin_appoints_a_coordinator_in_another_ring(world, pages, fresh):
    home, other = world.ring("heimat"), world.ring("nachbarn")
    ada = world.member(home, "Ada", role="admin")
    bea = world.member(other, "Bea")
    pages.login(ada)
    page = f"/admin/rings/{other.id}"
    assert "This ring has no coordinator yet." in pages.client.get(page).text

    response = pages.submit(page, f"{page}/coordinators", {"appoint-member_id": str(bea.id)})
    assert response.status_code == 302
    session = fresh()
    assert session.get(Member, bea.id).role == "coordinator"
    logged = session.scalars(select(LoggedAction).where(
        LoggedAction.action == "member.role")).one()
    assert (logged.ring_id, logged.actor_id, logged.subject) == (other.id, ada.id,
                                                                 f"member:{bea.id}")
    assert json.loads(logged.detail) == {"before": "member", "after": "coordinator"}
    assert "Bea" in pages.client.get(page).text.split("Coordinators")[1]

    # Bea now runs her own ring's coordination.
    pages.client.post("/logout", data={"csrf_token": pages.csrf_token()})
    pages.login(bea)
    assert pages.client.get("/coordination").status_code == 200


def test_appointing_someone_of_another_ring_or_not_active_is_refused(world, pages, snapshot):
    home, other = world.ring("heimat"), world.ring("nachbarn")
    ada = world.member(home, "Ada", role="admin")
    stranger = world.member(home, "Stefan")
    paula = world.member(other, "Paula", status="pending")
    pages.login(ada)
    assert f'value="{paula.id}"' not in pages.client.get(f"/admin/rings/{other.id}").text
    before = snapshot()

    token = pages.csrf_token()

    def appoint(ring_id, member_id):
        return pages.client.post(f"/admin/rings/{ring_id}/coordinators", data={
            "appoint-csrf_token": token, "appoint-member_id": str(member_id)})

    wrong_ring = appoint(other.id, stranger.id)
    assert wrong_ring.status_code == 404
    assert "does not exist in this ring" in wrong_ring.text
    pending = appoint(other.id, paula.id)
    assert pending.status_code == 409
    assert "Only active members" in pending.text
    assert appoint(999999, paula.id).status_code == 404
    assert appoint(other.id, "nobody").status_code == 422
    assert snapshot() == before


def test_an_admin_enters_the_first_coordinator_of_a_new_ring(world, pages, fresh):
    home, fresh_ring = world.ring("heimat"), world.ring("neu")
    ada = world.member(home, "Ada", role="admin")
    pages.login(ada)
    page = f"/admin/rings/{fresh_ring.id}"
    response = pages.submit(page, f"{page}/coordinators/new", {
        "new-name": "Erika Erste", "new-email": "erika@example.org", "new-password": ""})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    assert re.search(r'data-testid="password">([^<]{8,})<', response.text)

    session = fresh()
    erika = session.scalars(select(Member).where(Member.email == "erika@example.org")).one()
    assert (erika.ring_id, erika.role, erika.status) == (fresh_ring.id, "coordinator", "active")
    assert session.get(Account, erika.account_id).status == "open"
    assert audit_ring(session, fresh_ring.id)["ok"]
