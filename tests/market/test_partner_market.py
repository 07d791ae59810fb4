"""The partner market: members of ring A find the talents that members of an
active partner ring B published to partners or the region, search them in
German, open them and propose an exchange; nobody else sees them, and a paused
partnership hides them at once (on both engines, through real HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tauschring.away import service as away
from tauschring.db import atomic, db, utcnow
from tauschring.exchanges.models import Exchange
from tauschring.market import service as market_service
from tauschring.market.models import Category
from tauschring.partners import clearing
from tauschring.partners import service as partners


def _post(person, title, *, visibility, kind="offer", description="",
          category="sonstiges") -> int:
    def make(session):
        category_id = session.scalar(sa.select(Category.id).where(
            Category.ring_id == person.ring_id, Category.slug == category))
        return market_service.create_talent(
            session, person.actor, kind=kind, title=title, description=description,
            category_id=category_id, visibility=visibility).id
    return atomic(make)


def _set_partnership(ring_a, ring_b, status: str) -> None:
    def change(session):
        clearing.partnership_between(session, ring_a.id, ring_b.id).status = status
    atomic(change)


class Scene:
    """Auental (A) and Bergdorf (B) are partners; Cedern (C) trades with nobody."""

    def __init__(self, world):
        self.a, self.b, self.c = world.ring("auental"), world.ring("bergdorf"), \
            world.ring("cedern")
        self.anna = world.member(self.a, "Anna Adler")
        self.bernd = world.member(self.b, "Bernd Brandt")
        self.bea = world.member(self.b, "Bea Berger")
        self.carl = world.member(self.c, "Carl Claus")
        atomic(lambda s: partners.add(s, ring_id=self.a.id, partner_ring_id=self.b.id,
                                      credit_line=600))
        self.bike = _post(self.bernd, "Fahrradreparatur", visibility="partners",
                          description="Platten flicken und Bremsen einstellen.",
                          category="reparaturen")
        self.garden = _post(self.bernd, "Gartenhilfe", visibility="ring",
                            description="Hecke schneiden und Laub rechen.",
                            category="haus-und-garten")
        self.cake = _post(self.bea, "Kuchen backen", visibility="region", kind="request",
                          description="Für das Sommerfest im Garten.",
                          category="kochen-und-backen")
        self.own = _post(self.anna, "Vorlesen", visibility="partners")
        self.stranger = _post(self.carl, "Fahrrad putzen", visibility="region")


@pytest.fixture
def scene(world):
    return Scene(world)


def _titles(http, token, **params) -> list[str]:
    answer = http.get("/api/v1/talents", token=token, params={"scope": "partners", **params})
    assert answer.status_code == 200, answer.text
    return sorted(item["title"] for item in answer.json()["items"])


def test_partners_see_what_is_published_to_partners_or_the_region(scene, http):
    anna = http.token(scene.anna)
    answer = http.get("/api/v1/talents", token=anna, params={"scope": "partners"})
    assert answer.status_code == 200
    items = {item["title"]: item for item in answer.json()["items"]}
    assert sorted(items) == ["Fahrradreparatur", "Kuchen backen"]  # not the ring-only one
    bike = items["Fahrradreparatur"]
    assert bike["ring"] == {"id": scene.b.id, "slug": "bergdorf", "name": "Bergdorf"}
    assert bike["member_name"] == "Bernd Brandt" and bike["member_id"] == scene.bernd.id
    assert isinstance(bike["member_number"], int)
    assert bike["district"] is None
    assert scene.bernd.email not in answer.text
    assert not {"email", "phone", "address"} & set(bike)

    # The own ring's list is as it was: Anna's own talent only.
    own = http.get("/api/v1/talents", token=anna).json()["items"]
    assert [item["title"] for item in own] == ["Vorlesen"]
    # One partner ring, and one kind.
    assert _titles(http, anna, ring=scene.b.id, kind="request") == ["Kuchen backen"]
    assert _titles(http, anna, ring=scene.c.id) == []
    assert _titles(http, anna, category="reparaturen") == ["Fahrradreparatur"]
    # Bergdorf sees Anna's talent the other way round.
    assert _titles(http, http.token(scene.bernd)) == ["Vorlesen"]

    detail = http.get(f"/api/v1/talents/{scene.bike}", token=anna)
    assert detail.status_code == 200
    assert detail.json()["ring"]["slug"] == "bergdorf" and detail.json()["district"] is None
    # Reading is all: a partner's talent is not Anna's to change.
    assert http.patch(f"/api/v1/talents/{scene.bike}", token=anna,
                      json={"title": "Meins"}).status_code == 404
    assert http.delete(f"/api/v1/talents/{scene.bike}", token=anna).status_code == 404


def test_a_ring_without_partnership_sees_nothing_and_gets_404(scene, http, market):
    carl = http.token(scene.carl)
    assert _titles(http, carl) == []
    for talent_id in (scene.bike, scene.cake, scene.garden):
        assert http.get(f"/api/v1/talents/{talent_id}", token=carl).status_code == 404
    anna = http.token(scene.anna)
    # The partner's ring-only talent, and the unrelated ring's: unknown to Anna.
    for talent_id in (scene.garden, scene.stranger):
        answer = http.get(f"/api/v1/talents/{talent_id}", token=anna)
        assert answer.status_code == 404
        assert answer.headers["Content-Type"].startswith("application/problem+json")

    browser = market.browser(scene.carl)
    assert browser.get(f"/market/partners/{scene.bike}").status_code == 404
    assert browser.get(f"/talents/{scene.bike}").status_code == 404
    assert "Fahrradreparatur" not in browser.page("/market/partners")
    anna_browser = market.browser(scene.anna)
    assert anna_browser.get(f"/market/partners/{scene.garden}").status_code == 404
    assert anna_browser.get(f"/market/partners/{scene.own}").status_code == 404


def test_german_search_across_the_partner_rings(scene, http, market):
    anna = http.token(scene.anna)
    assert _titles(http, anna, q="Fahrräder") == ["Fahrradreparatur"]   # plural, umlaut
    assert _titles(http, anna, q="Fahradreparatur") == ["Fahrradreparatur"]  # misspelt
    assert _titles(http, anna, q="bremse") == ["Fahrradreparatur"]      # the description
    assert _titles(http, anna, q="Garten") == ["Kuchen backen"]         # not Gartenhilfe
    assert _titles(http, anna, q="Hecke") == []                         # ring-only
    assert _titles(http, anna, q="putzen") == []                        # no partner

    page = market.browser(scene.anna).page("/market/partners", query_string={"q": "Fahrräder"})
    assert "Fahrradreparatur" in page and "Kuchen backen" not in page


def test_a_paused_or_ended_partnership_hides_the_talents_at_once(scene, http, market):
    anna = http.token(scene.anna)
    browser = market.browser(scene.anna)
    assert browser.get(f"/market/partners/{scene.bike}").status_code == 200

    for status in ("paused", "ended"):
        _set_partnership(scene.a, scene.b, status)
        assert _titles(http, anna) == []
        assert http.get(f"/api/v1/talents/{scene.bike}", token=anna).status_code == 404
        assert browser.get(f"/market/partners/{scene.bike}").status_code == 404
        assert "Fahrradreparatur" not in browser.page("/market/partners")

    _set_partnership(scene.a, scene.b, "active")
    assert _titles(http, anna) == ["Fahrradreparatur", "Kuchen backen"]


def test_only_current_talents_of_members_who_are_not_away(scene, http):
    anna = http.token(scene.anna)
    atomic(away.set_away, scene.bernd.actor, utcnow().date() + timedelta(days=7))
    assert _titles(http, anna) == ["Kuchen backen"]
    assert http.get(f"/api/v1/talents/{scene.bike}", token=anna).status_code == 404
    atomic(away.set_away, scene.bernd.actor, None)
    atomic(market_service.withdraw_talent, scene.bea.actor, scene.cake)
    assert _titles(http, anna) == ["Fahrradreparatur"]
    assert http.get(f"/api/v1/talents/{scene.cake}", token=anna).status_code == 404


def test_the_partner_market_page_shows_ring_name_and_number_never_contacts(scene, market):
    browser = market.browser(scene.anna)
    assert "/market/partners" in browser.page("/market")
    page = browser.page("/market/partners")
    assert "Fahrradreparatur" in page and "Kuchen backen" in page
    assert "Gartenhilfe" not in page and "Vorlesen" not in page
    assert "Ring: Bergdorf" in page and "Bernd Brandt" in page and "member no." in page
    assert scene.bernd.email not in page

    detail = browser.page(f"/market/partners/{scene.bike}")
    assert "Bergdorf" in detail and "Bernd Brandt" in detail
    assert scene.bernd.email not in detail and "mailto:" not in detail
    assert f"/exchanges/new?talent={scene.bike}" in detail
    # The talent's own address leads there too.
    moved = browser.get(f"/talents/{scene.bike}")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/market/partners/{scene.bike}")

    form = browser.page(f"/exchanges/new?talent={scene.bike}")  # prefilled from the talent
    assert "Bernd Brandt" in form and "Fahrradreparatur" in form


def test_a_talent_is_published_to_partners_through_the_form_and_the_api(scene, http,
                                                                          market):
    browser = market.browser(scene.bernd)
    assert 'value="partners"' in browser.page("/talents/new")
    category = market.category_id(scene.b, "computerhilfe")
    response = browser.post("/talents/new", {
        "kind": "offer", "title": "Computerhilfe", "description": "", "category": category,
        "expires_on": "", "visibility": "partners"})
    assert response.status_code == 302
    talent_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert market.talent(talent_id)["visibility"] == "partners"
    assert "Also the members of our partner rings" in browser.page(f"/talents/{talent_id}")

    bernd = http.token(scene.bernd)
    posted = http.post("/api/v1/talents", token=bernd, json={
        "kind": "request", "title": "Hilfe beim Umzug", "category": "sonstiges",
        "visibility": "partners"})
    assert posted.status_code == 201 and posted.json()["visibility"] == "partners"
    before = market.snapshot()
    refused = http.patch(f"/api/v1/talents/{posted.json()['id']}", token=bernd,
                         json={"visibility": "world"})
    assert refused.status_code == 422 and "visibility" in refused.json()["errors"]
    assert market.snapshot() == before
    assert "Hilfe beim Umzug" in _titles(http, http.token(scene.anna))

    # Back to the ring only: gone from the partners' market.
    assert http.patch(f"/api/v1/talents/{posted.json()['id']}", token=bernd,
                      json={"visibility": "ring"}).status_code == 200
    assert "Hilfe beim Umzug" not in _titles(http, http.token(scene.anna))


def test_bad_filters_are_refused_clearly(scene, http):
    anna = http.token(scene.anna)
    for params in ({"scope": "world"}, {"scope": "partners", "district": "Altstadt"},
                   {"ring": scene.b.id},
                   {"scope": "partners", "ring": "x"}):
        answer = http.get("/api/v1/talents", token=anna, params=params)
        assert answer.status_code == 422, (params, answer.text)


def test_proposing_an_exchange_from_a_partners_offer(scene, market):
    """The partner talent's button leads to the exchanges' form, prefilled with the
    talent and its member; proposing asks Bernd (ring B) to confirm."""
    browser = market.browser(scene.anna)
    path = f"/exchanges/new?talent={scene.bike}"
    response = browser.post(path, {
        "direction": "received", "partner": scene.bernd.id, "minutes": "1:30",
        "description": "Fahrrad repariert", "performed_on": utcnow().date().isoformat(),
        "talent_id": scene.bike})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.rollback()
    exchange = db.session.scalars(sa.select(Exchange)).one()
    assert (exchange.provider_id, exchange.recipient_id, exchange.proposer_id) == (
        scene.bernd.id, scene.anna.id, scene.anna.id)
    assert (exchange.minutes, exchange.talent_id, exchange.state) == (90, scene.bike,
                                                                       "proposed")
    db.session.rollback()


def test_no_proposal_from_a_talent_the_member_may_not_see(scene, market):
    before = market.snapshot()
    for person, talent_id in ((scene.carl, scene.bike), (scene.anna, scene.garden)):
        browser = market.browser(person)
        assert browser.get(f"/exchanges/new?talent={talent_id}").status_code == 404
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Exchange)) == 0
    assert market.snapshot() == before
    db.session.rollback()
