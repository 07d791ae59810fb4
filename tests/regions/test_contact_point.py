"""The contact point logs in like a member (same form, tokens, throttling,
sessions that end on the server), lands at its region's desk, keeps the
directory and reads figures, and never reaches anything inside a ring."""

from __future__ import annotations

import pytest

from tauschring.auth.service import authenticate
from tauschring.db import atomic, db, utcnow
from tauschring.errors import Throttled
from tauschring.exchanges import service as exchanges
from tauschring.regions import service as regions
from tauschring.regions.models import FamilyService
from tests.support.app import PASSWORD
from tests.trust.browsers import Browser


def _token(http, scene) -> str:
    return http.token_for(scene.contact.email, PASSWORD)


def test_the_contact_point_logs_in_through_the_form_and_lands_at_its_desk(
        region_scene, live_server):
    browser = Browser(live_server.application_url)
    response = browser.log_in(region_scene.contact.email, PASSWORD)
    assert response.status_code == 302
    landing = browser.session.get(browser.base_url + "/dashboard", timeout=30)
    assert landing.status_code == 200 and landing.url.endswith("/regions/lippetal/desk")
    # Its menu leads to its desk, to nothing inside a ring.
    assert 'href="/desk"' in landing.text and 'href="/market"' not in landing.text
    for ring_page in ("/market", "/members", "/exchanges", f"/members/{region_scene.anna.id}",
                      "/coordination", "/statements", "/help-requests", "/profile"):
        assert browser.get(ring_page).status_code == 403, ring_page
    # Logging out ends the session on the server: a copied cookie is worth nothing.
    copy = browser.copy()
    assert browser.submit("/logout", {}, form_on="/regions/lippetal/desk").status_code == 302
    assert copy.get("/regions/lippetal/desk").status_code == 302  # to the log-in


def test_with_a_token_the_contact_point_keeps_the_directory_and_reads_figures(
        region_scene, http, problem):
    token = _token(http, region_scene)
    created = http.post("/api/v1/regions/lippetal/services", token=token, json={
        "name": "Mütterzentrum", "kind": "childcare", "places": ["Talheim"],
        "postcodes": ["33649"], "cost": "paid", "price_note": "5 € im Monat",
        "meets_quality": True})
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]
    changed = http.patch(f"/api/v1/regions/lippetal/services/{service_id}", token=token,
                         json={"hours": "Di 9–11 Uhr"})
    assert changed.status_code == 200 and changed.json()["hours"] == "Di 9–11 Uhr"
    problem(http.post("/api/v1/regions/lippetal/services", token=token,
                      json={"name": "Teuer", "kind": "childcare", "cost": "paid"}), 422,
            field="price_note")
    assert http.delete(f"/api/v1/regions/lippetal/services/{service_id}",
                       token=token).status_code == 204
    assert db.session.get(FamilyService, service_id) is None

    year = utcnow().year
    report = http.get(f"/api/v1/regions/lippetal/report/{year}", token=token)
    assert report.status_code == 200, report.text
    assert {row["slug"] for row in report.json()["rings"]} == {"sonnenberg", "talheim"}
    assert http.get(f"/api/v1/regions/lippetal/report/{year}.csv",
                    token=token).status_code == 200

    # Nothing inside a ring: not a member, an account, an entry, a talent.
    anna = region_scene.anna
    for path in ("/api/v1/me", "/api/v1/members", f"/api/v1/members/{anna.id}",
                 f"/api/v1/accounts/{anna.account_id}",
                 f"/api/v1/accounts/{anna.account_id}/entries", "/api/v1/talents",
                 "/api/v1/exchanges", "/api/v1/rings/current", f"/api/v1/reports/{year}"):
        body = problem(http.get(path, token=token), 403)
        assert body["code"] == "contact_point_no_ring", path
    # Ending the token works like a member's.
    assert http.delete("/api/v1/tokens/current", token=token).status_code == 204
    problem(http.get(f"/api/v1/regions/lippetal/report/{year}", token=token), 401)


def test_members_and_coordinators_do_not_reach_the_desk(region_scene, http, problem):
    year = utcnow().year
    for person in (region_scene.anna, region_scene.coordinator_a):
        token = http.token(person)
        problem(http.get(f"/api/v1/regions/lippetal/report/{year}", token=token), 403)
        problem(http.post("/api/v1/regions/lippetal/services", token=token,
                          json={"name": "X", "kind": "other"}), 403)
    problem(http.get(f"/api/v1/regions/lippetal/report/{year}"), 401)


def test_a_contact_point_is_throttled_like_a_member(region_scene, app):
    for _ in range(app.config["TAUSCHRING"].login_max_failures):
        assert atomic(authenticate, email=region_scene.contact.email, password="falsch",
                      remote_addr="203.0.113.9") is None
    with pytest.raises(Throttled):
        atomic(authenticate, email=region_scene.contact.email, password="falsch",
               remote_addr="203.0.113.9")
    with pytest.raises(Throttled):
        atomic(authenticate, email=region_scene.contact.email, password=PASSWORD,
               remote_addr="203.0.113.9")


def test_the_figures_count_members_exchanges_and_answered_requests(region_scene, http):
    scene = region_scene
    # Anna provides Bert an hour and a half; booked in ring Sonnenberg.
    exchange = atomic(exchanges.propose, scene.bert.actor, provider_id=scene.anna.id,
                      recipient_id=scene.bert.id, minutes=90, description="Vorlesen",
                      performed_on=utcnow().date())
    atomic(exchanges.confirm, scene.anna.actor, exchange.id)
    request = atomic(regions.ask_for_help, scene.slug, need="Einkauf", email="a@example.org",
                     consent=True)
    atomic(regions.forward_help_request, scene.contact_actor, scene.slug, request.id,
           ring_slug="sonnenberg")
    atomic(regions.record_outcome, scene.contact_actor, scene.slug, request.id,
           outcome="geholfen")
    atomic(regions.ask_for_help, scene.slug, need="Garten", email="b@example.org",
           consent=True)

    year = utcnow().year
    report = http.get(f"/api/v1/regions/lippetal/report/{year}",
                      token=_token(http, scene)).json()
    rings = {row["slug"]: row for row in report["rings"]}
    sonnenberg, talheim = rings["sonnenberg"], rings["talheim"]
    assert sonnenberg["members_active"] == 3 and sonnenberg["members_joined"] == 3
    assert (sonnenberg["exchanges"], sonnenberg["minutes_exchanged"]) == (1, 90)
    assert (sonnenberg["requests_received"], sonnenberg["requests_answered"]) == (1, 1)
    assert sonnenberg["median_answer_hours"] is not None
    assert (talheim["exchanges"], talheim["requests_received"]) == (0, 0)
    assert talheim["median_answer_hours"] is None
    totals = report["totals"]
    assert totals["members_active"] == 5 and totals["minutes_exchanged"] == 90
    assert (totals["requests_received"], totals["requests_answered"]) == (2, 1)
    # No member's name in the figures.
    text = str(report)
    for name in ("Anna", "Bert", "Karin", "Olga", "Otto"):
        assert name not in text
    pdf = http.get(f"/api/v1/regions/lippetal/report/{year}.pdf", token=_token(http, scene))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_contact_point_changes_its_password_and_other_sessions_end(region_scene,
                                                                     live_server):
    first = Browser(live_server.application_url)
    assert first.log_in(region_scene.contact.email, PASSWORD).status_code == 302
    second = Browser(live_server.application_url)
    assert second.log_in(region_scene.contact.email, PASSWORD).status_code == 302
    changed = first.submit("/password", {"current_password": PASSWORD,
                                         "new_password": "ein neues langes Passwort",
                                         "new_password_again": "ein neues langes Passwort"})
    assert changed.status_code == 302
    assert first.get("/regions/lippetal/desk").status_code == 200
    assert second.get("/regions/lippetal/desk").status_code == 302  # to the log-in
