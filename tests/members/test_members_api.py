"""Joining, the directory and profiles through the HTTP API."""

from tauschring.db import atomic
from tauschring.rings.service import update_settings


def test_registration_admission_and_starting_credit(world, http):
    ring = world.ring("sonnenberg")
    karin = world.coordinator(ring)
    atomic(update_settings, karin.actor, starting_credit=120)
    registered = http.post("/api/v1/members?ring=sonnenberg", json={
        "name": "Neu Mitglied", "email": "neu@example.org", "password": "ein gutes Passwort",
        "district": "Altstadt"})
    assert registered.status_code == 201, registered.text
    assert registered.json()["status"] == "pending"
    # The answer has no id (it reads alike for a taken address); the newcomer's own has.
    token = http.token_for("neu@example.org", "ein gutes Passwort")
    newcomer = http.get("/api/v1/me", token=token).json()
    refused = http.post("/api/v1/talents", token=token, json={
        "kind": "offer", "title": "Vorlesen", "category": "gesellschaft-und-begleitung"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_admitted"

    coordinator = http.token(karin)
    pending = http.get("/api/v1/members?status=pending", token=coordinator).json()
    assert [m["id"] for m in pending["items"]] == [newcomer["id"]]
    admitted = http.post(f"/api/v1/members/{newcomer['id']}/admit", token=coordinator)
    assert admitted.status_code == 200 and admitted.json()["status"] == "active"
    account = http.get(f"/api/v1/accounts/{newcomer['account_id']}", token=token).json()
    assert account["balance"] == 120 and account["status"] == "open"
    again = http.post(f"/api/v1/members/{newcomer['id']}/admit", token=coordinator)
    assert again.status_code == 409

    posted = http.post("/api/v1/talents", token=token, json={
        "kind": "offer", "title": "Vorlesen am Nachmittag",
        "category": "gesellschaft-und-begleitung"})
    assert posted.status_code == 201, posted.text
    found = http.get("/api/v1/talents?q=vorlesen&category=gesellschaft-und-begleitung",
                     token=coordinator).json()
    assert [t["id"] for t in found["items"]] == [posted.json()["id"]]


def test_profiles_hide_what_the_member_hides(world, http):
    ring = world.ring()
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    karin = world.coordinator(ring)
    anna_token = http.token(anna)
    patched = http.patch(f"/api/v1/members/{anna.id}", token=anna_token, json={
        "phone": "0421 123456", "phone_visibility": "coordinators", "district": "Weststadt"})
    assert patched.status_code == 200, patched.text
    seen_by_bernd = http.get(f"/api/v1/members/{anna.id}", token=http.token(bernd)).json()
    assert "phone" not in seen_by_bernd and seen_by_bernd["district"] == "Weststadt"
    seen_by_karin = http.get(f"/api/v1/members/{anna.id}", token=http.token(karin)).json()
    assert seen_by_karin["phone"] == "0421 123456"
    other = http.patch(f"/api/v1/members/{anna.id}", token=http.token(bernd),
                       json={"name": "Hacked"})
    assert other.status_code == 403
    role = http.patch(f"/api/v1/members/{bernd.id}", token=http.token(bernd),
                      json={"role": "coordinator"})
    assert role.status_code == 403


def test_another_rings_members_do_not_exist(world, http):
    a, b = world.ring("a-ring"), world.ring("b-ring")
    anna, boris = world.coordinator(a, "Anna"), world.member(b, "Boris")
    token = http.token(anna)
    assert http.get(f"/api/v1/members/{boris.id}", token=token).status_code == 404
    assert http.post(f"/api/v1/members/{boris.id}/leave", token=token,
                     json={}).status_code == 404
    listed = http.get("/api/v1/members", token=token).json()
    assert boris.id not in [m["id"] for m in listed["items"]]


def test_leaving_settles_the_balance_and_closes_the_account(world, http):
    ring = world.ring()
    karin, anna = world.coordinator(ring), world.member(ring, "Anna")
    coordinator = http.token(karin)
    http.post("/api/v1/transfers", token=coordinator, json={
        "debit_account_id": ring.association_account_id, "credit_account_id": anna.account_id,
        "minutes": 75, "memo": "Startguthaben"})
    left = http.post(f"/api/v1/members/{anna.id}/leave", token=coordinator,
                     json={"reason": "umgezogen"})
    assert left.status_code == 200 and left.json()["status"] == "left"
    account = http.get(f"/api/v1/accounts/{anna.account_id}", token=coordinator).json()
    assert account["balance"] == 0 and account["status"] == "closed"
    assert http.get("/api/v1/audit", token=coordinator).json()["ok"] is True
