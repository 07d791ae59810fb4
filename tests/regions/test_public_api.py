"""The region's public API: rings near a postcode, the directory, offers published
to the region; no log-in needed."""

from __future__ import annotations


def test_the_region_lists_its_rings_with_their_meeting_places(region_scene, http):
    response = http.get(f"/api/v1/regions/{region_scene.slug}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Lippetal" and body["slug"] == "lippetal"
    rings = {ring["slug"]: ring for ring in body["rings"]}
    assert set(rings) == {"sonnenberg", "talheim"}
    assert rings["sonnenberg"]["postcodes"] == ["33602", "33604"]
    assert rings["sonnenberg"]["places"] == ["Sonnenberg", "Altstadt"]
    assert rings["sonnenberg"]["meeting_place"] == "Café Mitte"
    assert rings["talheim"]["contact_email"] == "kontakt@talheim.example"
    assert body["contact_point"]["phone"] == "05231 12345"


def test_which_ring_serves_a_postcode(region_scene, http):
    def near(**query):
        response = http.get(f"/api/v1/regions/{region_scene.slug}/rings", params=query)
        assert response.status_code == 200, response.text
        return [ring["slug"] for ring in response.json()["items"]]

    assert near(postcode="33604") == ["sonnenberg"]
    assert near(postcode="33649") == ["talheim"]
    assert near(postcode="99999") == []
    assert near(place="talh") == ["talheim"]
    assert sorted(near()) == ["sonnenberg", "talheim"]


def test_the_directory_is_searchable_by_postcode_kind_and_words(region_scene, http):
    def names(**query):
        response = http.get(f"/api/v1/regions/{region_scene.slug}/services", params=query)
        assert response.status_code == 200, response.text
        return {item["name"] for item in response.json()["items"]}

    everything = names()
    assert everything == {"Familienzentrum Arche", "Seniorenbüro Talheim",
                          "Haushaltshilfe Müller", "Erziehungsberatung Lippe"}
    # A service without postcodes serves the whole region.
    assert names(postcode="33649") == {"Seniorenbüro Talheim", "Erziehungsberatung Lippe"}
    assert names(postcode="3360") == {"Erziehungsberatung Lippe"}  # whole postcodes only
    assert names(kind="childcare") == {"Familienzentrum Arche"}
    assert names(q="haushaltshilfe") == {"Haushaltshilfe Müller"}
    response = http.get(f"/api/v1/regions/{region_scene.slug}/services")
    paid = next(i for i in response.json()["items"] if i["name"] == "Haushaltshilfe Müller")
    assert paid["cost"] == "paid" and paid["price_note"] == "18 € je Stunde"
    assert paid["meets_quality"] is True and paid["places"] == ["Sonnenberg"]
    assert http.get(f"/api/v1/regions/{region_scene.slug}/services",
                    params={"kind": "nonsense"}).status_code == 422


def test_only_talents_published_to_the_region_are_shown_with_the_rings_contact(
        region_scene, http):
    response = http.get(f"/api/v1/regions/{region_scene.slug}/talents")
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert {item["title"] for item in items} == {"Vorlesen für Kinder",
                                                 "Einkaufen für Nachbarn"}
    reading = next(item for item in items if item["title"] == "Vorlesen für Kinder")
    assert reading["ring"] == {"name": "Sonnenberg", "slug": "sonnenberg",
                               "contact_email": "kontakt@sonnenberg.example",
                               "contact_phone": ""}
    assert "member_id" not in reading and "member_name" not in reading
    found = http.get(f"/api/v1/regions/{region_scene.slug}/talents",
                     params={"q": "Vorlesen"}).json()["items"]
    assert [item["title"] for item in found] == ["Vorlesen für Kinder"]


def test_an_unknown_region_is_404(region_scene, http, problem):
    problem(http.get("/api/v1/regions/nowhere"), 404)
    assert http.get("/regions/nowhere").status_code == 404


def test_a_member_publishes_an_offer_to_the_region_and_takes_it_back(region_scene, http):
    token = http.token(region_scene.bert)
    posted = http.post("/api/v1/talents", token=token, json={
        "kind": "offer", "title": "Gartenarbeit im Herbst", "category": "sonstiges",
        "visibility": "region"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["visibility"] == "region"

    def published():
        items = http.get(f"/api/v1/regions/{region_scene.slug}/talents").json()["items"]
        return {item["title"] for item in items}

    assert "Gartenarbeit im Herbst" in published()
    changed = http.patch(f"/api/v1/talents/{posted.json()['id']}", token=token,
                         json={"visibility": "ring"})
    assert changed.status_code == 200 and changed.json()["visibility"] == "ring"
    assert "Gartenarbeit im Herbst" not in published()
    refused = http.patch(f"/api/v1/talents/{posted.json()['id']}", token=token,
                         json={"visibility": "world"})
    assert refused.status_code == 422


def test_the_market_form_publishes_to_the_region(region_scene, live_server, http):
    from sqlalchemy import select

    from tauschring.db import db
    from tauschring.market.models import Category
    from tests.support.app import PASSWORD
    from tests.trust.browsers import Browser

    category = db.session.scalar(select(Category.id).where(
        Category.ring_id == region_scene.ring_a.id, Category.slug == "sonstiges"))
    browser = Browser(live_server.application_url)
    assert browser.log_in(region_scene.bert.email, PASSWORD).status_code == 302
    assert 'value="region"' in browser.get("/talents/new").text
    posted = browser.submit("/talents/new", {
        "kind": "offer", "title": "Hecke schneiden im Lippetal", "description": "",
        "category": str(category), "expires_on": "", "visibility": "region"})
    assert posted.status_code == 302, posted.text[:500]
    items = http.get(f"/api/v1/regions/{region_scene.slug}/talents").json()["items"]
    assert "Hecke schneiden im Lippetal" in {item["title"] for item in items}


def test_the_ring_settings_contact_address_is_not_published(region_scene, http):
    """A coordinator may have put a personal address in the ring settings: only
    the public contact entered on the coverage page is shown."""
    from tauschring.db import atomic
    from tauschring.regions.models import RingCoverage
    from tauschring.rings.models import Ring

    def set_up(session):
        ring = session.get(Ring, region_scene.ring_a.id)
        ring.contact_email = "karin.privat@example.org"
        session.query(RingCoverage).filter_by(ring_id=ring.id).one().contact_email = ""
    atomic(set_up)
    for path in (f"/api/v1/regions/{region_scene.slug}",
                 f"/api/v1/regions/{region_scene.slug}/talents",
                 f"/regions/{region_scene.slug}", f"/regions/{region_scene.slug}/offers"):
        response = http.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert "karin.privat@example.org" not in response.text, path
    rings = {r["slug"]: r for r in http.get(f"/api/v1/regions/{region_scene.slug}").json()[
        "rings"]}
    assert rings[region_scene.ring_a.slug]["contact_email"] == ""
