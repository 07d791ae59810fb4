"""Posting, keeping and looking at offers and requests through the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tauschring.db import utcnow


@pytest.fixture
def ring(world):
    return world.ring("sonnenberg")


def test_a_member_posts_edits_renews_withdraws_and_posts_again(ring, world, market):
    anna = world.member(ring, "Anna")
    browser = market.browser(anna)
    garden = market.category_id(ring, "haus-und-garten")

    form = browser.page("/talents/new")
    assert 'name="kind"' in form and "<legend>" in form
    response = browser.post("/talents/new", {
        "kind": "offer", "title": "Hecke schneiden", "description": "Mit eigener Schere.",
        "category": garden, "expires_on": ""})
    assert response.status_code == 302
    talent_id = int(response.headers["Location"].rsplit("/", 1)[1])
    stored = market.talent(talent_id)
    assert (stored["title"], stored["kind"], stored["category_id"]) == (
        "Hecke schneiden", "offer", garden)
    assert stored["expires_on"] == utcnow().date() + timedelta(days=180)  # ring's default
    assert browser.titles() == ["Hecke schneiden"]

    edit = browser.page(f"/talents/{talent_id}/edit")
    assert 'value="Hecke schneiden"' in edit
    soon = utcnow().date() + timedelta(days=10)
    response = browser.post(f"/talents/{talent_id}/edit", {
        "kind": "request", "title": "Hilfe beim Heckeschneiden", "description": "",
        "category": garden, "expires_on": soon.strftime("%d.%m.%Y")})  # typed German-style
    assert response.status_code == 302
    stored = market.talent(talent_id)
    assert (stored["title"], stored["kind"], stored["expires_on"]) == (
        "Hilfe beim Heckeschneiden", "request", soon)

    assert browser.post(f"/talents/{talent_id}/renew", csrf_from=f"/talents/{talent_id}"
                        ).status_code == 302
    assert market.talent(talent_id)["expires_on"] == utcnow().date() + timedelta(days=180)

    assert "Yes, withdraw it" in browser.page(f"/talents/{talent_id}/withdraw")
    assert browser.post(f"/talents/{talent_id}/withdraw").status_code == 302
    assert market.talent(talent_id)["status"] == "withdrawn"
    assert browser.titles() == []
    assert "Post it again" in browser.page(f"/talents/{talent_id}")
    assert "Withdrawn" in browser.page("/talents/mine")

    browser.post(f"/talents/{talent_id}/renew", csrf_from=f"/talents/{talent_id}")
    assert market.talent(talent_id)["status"] == "active"
    assert browser.titles() == ["Hilfe beim Heckeschneiden"]


def test_a_refused_form_says_why_beside_the_field_and_stores_nothing(ring, world, market):
    anna = world.member(ring, "Anna")
    browser = market.browser(anna)
    before = market.snapshot()

    empty = browser.post("/talents/new", {"kind": "offer", "title": "  ", "category": ""})
    assert empty.status_code == 200
    page = empty.get_data(as_text=True)
    assert "This field is required." in page
    assert "Please choose one of the categories." in page

    past = browser.post("/talents/new", {
        "kind": "offer", "title": "Fenster putzen",
        "category": market.category_id(ring, "sonstiges"),
        "expires_on": (utcnow().date() - timedelta(days=3)).isoformat()})
    assert past.status_code == 422
    assert "The date lies in the past." in past.get_data(as_text=True)
    assert market.snapshot() == before


def test_a_pending_member_is_told_to_wait_for_admission(ring, world, market):
    fritz = world.member(ring, "Fritz", status="pending")
    browser = market.browser(fritz)
    before = market.snapshot()

    page = browser.get("/talents/new")
    assert page.status_code == 403
    assert "waits for admission" in page.get_data(as_text=True)
    assert 'name="title"' not in page.get_data(as_text=True)
    response = browser.post("/talents/new", {
        "kind": "offer", "title": "Fenster putzen",
        "category": market.category_id(ring, "sonstiges")}, csrf_from="/profile")
    assert response.status_code == 403
    assert "waits for admission" in response.get_data(as_text=True)
    assert market.snapshot() == before


def test_a_member_cannot_change_anothers_talent(ring, world, market):
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    talent_id = market.post(anna, "Fenster putzen")
    before = market.talent(talent_id)
    browser = market.browser(bernd)

    assert "Edit" not in browser.page(f"/talents/{talent_id}").split("</h1>")[1]
    assert browser.get(f"/talents/{talent_id}/edit").status_code == 403
    assert browser.get(f"/talents/{talent_id}/withdraw").status_code == 403
    for path, data in [
            (f"/talents/{talent_id}/edit", {"kind": "request", "title": "Meins!",
                                            "category": before["category_id"]}),
            (f"/talents/{talent_id}/withdraw", {}),
            (f"/talents/{talent_id}/renew", {})]:
        response = browser.post(path, data, csrf_from=f"/talents/{talent_id}")
        assert response.status_code == 403, path
        assert "Only the member who posted it or a coordinator" in response.get_data(
            as_text=True)
    assert market.talent(talent_id) == before


def test_a_coordinator_may_correct_a_members_talent(ring, world, market):
    anna, karin = world.member(ring, "Anna"), world.coordinator(ring)
    talent_id = market.post(anna, "Fenstr putzen")
    browser = market.browser(karin)

    response = browser.post(f"/talents/{talent_id}/edit", {
        "kind": "offer", "title": "Fenster putzen", "category": market.talent(talent_id)[
            "category_id"]})
    assert response.status_code == 302
    assert market.talent(talent_id)["title"] == "Fenster putzen"


def test_another_rings_talent_is_unknown(world, market):
    ring_a, ring_b = world.ring("ring-a"), world.ring("ring-b")
    anna = world.member(ring_a, "Anna")
    boris = world.member(ring_b, "Boris")
    boris_coordinator = world.coordinator(ring_b, "Berta")
    talent_id = market.post(anna, "Fenster putzen")
    before = market.talent(talent_id)

    for person in (boris, boris_coordinator):
        browser = market.browser(person)
        for path in ("", "/edit", "/withdraw"):
            assert browser.get(f"/talents/{talent_id}{path}").status_code == 404
        for path in ("/edit", "/withdraw", "/renew"):
            assert browser.post(f"/talents/{talent_id}{path}", {"title": "x"},
                                csrf_from="/market").status_code == 404
        assert browser.titles() == []
    assert market.talent(talent_id) == before


def test_the_detail_shows_the_contact_lines_the_viewer_may_see(ring, world, market):
    anna, bernd, karin = (world.member(ring, "Anna"), world.member(ring, "Bernd"),
                          world.coordinator(ring))
    market.set_member(anna, phone="0761 123456", phone_visibility="members",
                      email_visibility="coordinators", address="Lindenweg 3",
                      address_visibility="coordinators", district="Altstadt")
    talent_id = market.post(anna, "Fenster putzen", description="Zeile eins\nZeile zwei")

    as_member = market.browser(bernd).page(f"/talents/{talent_id}")
    assert "0761 123456" in as_member and "Altstadt" in as_member
    assert anna.email not in as_member and "Lindenweg" not in as_member
    as_coordinator = market.browser(karin).page(f"/talents/{talent_id}")
    assert anna.email in as_coordinator and "Lindenweg 3" in as_coordinator
