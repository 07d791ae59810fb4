"""The pages behind the public ones: a ring's coordinators say what their ring
covers; the contact point says how people reach it; both show on the region's
public pages at once."""

from __future__ import annotations

import pytest

from tests.support.app import PASSWORD
from tests.trust.browsers import Browser


def _logged_in(live_server, person) -> Browser:
    browser = Browser(live_server.application_url)
    assert browser.log_in(person.email, PASSWORD).status_code == 302
    return browser


def test_a_coordinator_says_where_and_when_the_ring_meets(region_scene, live_server, http):
    karin = _logged_in(live_server, region_scene.coordinator_a)
    page = karin.get("/ring/coverage")
    assert page.status_code == 200 and "33602, 33604" in page.text
    refused = karin.submit("/ring/coverage", {"postcodes": "33602, <b>"})
    assert refused.status_code == 422
    saved = karin.submit("/ring/coverage", {
        "postcodes": "33602, 33604, 33605", "places": "Sonnenberg; Altstadt; Neustadt",
        "meeting_place": "Stadtbibliothek", "meeting_time": "mittwochs 17 Uhr",
        "how_to_join": "Einfach vorbeikommen.", "contact_email": "tausch@sonnenberg.example",
        "contact_phone": ""})
    assert saved.status_code == 302
    rings = http.get("/api/v1/regions/lippetal/rings", params={"postcode": "33605"}).json()
    (ring,) = rings["items"]
    assert ring["meeting_place"] == "Stadtbibliothek"
    assert ring["places"] == ["Sonnenberg", "Altstadt", "Neustadt"]
    assert ring["contact_email"] == "tausch@sonnenberg.example"
    # A member of the ring may not.
    anna = _logged_in(live_server, region_scene.anna)
    assert anna.get("/ring/coverage").status_code == 403


def test_the_contact_point_keeps_its_contact_details_and_the_directory(
        region_scene, live_server, http):
    lena = _logged_in(live_server, region_scene.contact)
    desk = "/regions/lippetal/desk/settings"
    assert lena.get(desk).status_code == 200
    assert lena.submit(desk, {"contact_email": "kein-at"}).status_code == 422
    assert lena.submit(desk, {"description": "", "contact_address": "Markt 2, 33602 Lippetal",
                              "contact_hours": "Di 10–12 Uhr", "contact_phone": "05231 1",
                              "contact_email": "hallo@lippetal.example"}).status_code == 302
    point = http.get("/api/v1/regions/lippetal").json()["contact_point"]
    assert point == {"email": "hallo@lippetal.example", "phone": "05231 1",
                     "address": "Markt 2, 33602 Lippetal", "hours": "Di 10–12 Uhr"}

    new = "/regions/lippetal/desk/services/new"
    assert lena.submit(new, {"name": "Stillgruppe", "kind": "counselling", "cost": "paid",
                             "price_note": ""}).status_code == 422
    assert lena.submit(new, {"name": "Stillgruppe", "kind": "counselling", "cost": "free",
                             "places": "Talheim; Lindenau", "postcodes": "33649",
                             "contact": "Hebamme Frau Kurz", "hours": "Fr 10 Uhr",
                             "accessibility": "", "price_note": "", "description": "",
                             "meets_quality": "y"}).status_code == 302
    items = http.get("/api/v1/regions/lippetal/services", params={"q": "Stillgruppe"}).json()
    (service,) = items["items"]
    assert service["places"] == ["Talheim", "Lindenau"] and service["meets_quality"] is True
    edit = f"/regions/lippetal/desk/services/{service['id']}"
    assert "Stillgruppe" in lena.get(edit).text
    assert lena.submit(f"{edit}/delete", {}, form_on="/regions/lippetal/desk/services"
                       ).status_code == 302
    assert http.get("/api/v1/regions/lippetal/services",
                    params={"q": "Stillgruppe"}).json()["items"] == []
    report = lena.get("/regions/lippetal/desk/report/2026")
    assert report.status_code == 200 and "Sonnenberg" in report.text


def test_the_admin_makes_a_region_adds_rings_and_appoints_its_contact_point(
        world, live_server, http):
    ring_a, ring_b = world.ring("sonnenberg"), world.ring("talheim")
    admin = world.member(ring_a, "Ada Admin", role="admin")
    ada = _logged_in(live_server, admin)
    assert ada.submit("/admin/regions", {"name": "Lippetal", "slug": "Lippe Tal"}
                      ).status_code == 422
    assert ada.submit("/admin/regions", {"name": "Lippetal", "slug": "lippetal"}
                      ).status_code == 302
    for ring in (ring_a, ring_b):
        assert ada.submit("/admin/regions/lippetal/rings", {"ring": ring.slug},
                          form_on="/admin/regions/lippetal").status_code == 302
    assert ada.submit("/admin/regions/lippetal/contact", {
        "name": "Lena Lotse", "email": "lena@lippetal.example", "password": "kurz"},
        form_on="/admin/regions/lippetal").status_code == 422
    assert ada.submit("/admin/regions/lippetal/contact", {
        "name": "Lena Lotse", "email": "lena@lippetal.example", "password": PASSWORD},
        form_on="/admin/regions/lippetal").status_code == 302
    page = ada.get("/admin/regions/lippetal").text
    assert "Sonnenberg" in page and "Talheim" in page and "lena@lippetal.example" in page
    rings = http.get("/api/v1/regions/lippetal").json()["rings"]
    assert {ring["slug"] for ring in rings} == {"sonnenberg", "talheim"}
    lena = Browser(live_server.application_url)
    assert lena.log_in("lena@lippetal.example", PASSWORD).status_code == 302
    assert lena.get("/regions/lippetal/desk").status_code == 200
    # A coordinator is no admin here.
    karin = _logged_in(live_server, world.coordinator(ring_a))
    assert karin.get("/admin/regions").status_code == 403


def test_a_coordinator_posts_a_passed_on_request_in_the_rings_market(region_scene,
                                                                      live_server):
    from sqlalchemy import select

    from tauschring.db import atomic, db
    from tauschring.market.models import Category, Talent
    from tauschring.regions import service as regions

    scene = region_scene
    request = atomic(regions.ask_for_help, scene.slug, need="Wer liest meinem Vater vor?",
                     email="leser@example.org", consent=True)
    atomic(regions.forward_help_request, scene.contact_actor, scene.slug, request.id,
           ring_slug="talheim")
    otto = _logged_in(live_server, scene.coordinator_b)
    assert "Wer liest meinem Vater vor?" in otto.get("/help-requests").text
    page = f"/help-requests/{request.id}"
    assert "leser@example.org" in otto.get(page).text
    category = db.session.scalar(select(Category.id).where(
        Category.ring_id == scene.ring_b.id, Category.slug == "sonstiges"))
    assert otto.submit(f"{page}/post", {"title": "", "category": str(category)},
                       form_on=page).status_code == 422
    posted = otto.submit(f"{page}/post", {"title": "Vorlesen für einen Senior",
                                          "category": str(category)}, form_on=page)
    assert posted.status_code == 302 and "/talents/" in posted.headers["Location"]
    db.session.rollback()
    talent = db.session.scalar(select(Talent).where(Talent.title == "Vorlesen für einen Senior"))
    assert (talent.kind, talent.ring_id, talent.description) == (
        "request", scene.ring_b.id, "Wer liest meinem Vater vor?")
    # Sonnenberg's coordinator does not see it at all.
    karin = _logged_in(live_server, scene.coordinator_a)
    assert karin.get(page).status_code == 404


@pytest.mark.parametrize("language, words", [
    ("de", ["Welcher Tauschring ist in meiner Nähe?", "Verzeichnis der Angebote",
            "Hilfe anfragen", "Öffnungszeiten", "Treffpunkt"]),
    ("en", ["Which ring is near me?", "Directory of services", "Ask for help",
            "Opening hours", "Meeting place"]),
])
def test_the_public_pages_speak_german_first_and_english(region_scene, live_server,
                                                         language, words):
    browser = Browser(live_server.application_url)
    browser.session.cookies.set("lang", language)
    text = "".join(browser.get(path).text for path in (
        "/regions/lippetal", "/regions/lippetal/services", "/regions/lippetal/help"))
    assert f'<html lang="{language}">' in text
    for word in words:
        assert word in text, word
