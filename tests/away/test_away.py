"""Away mode: while a member is away, their talents are hidden from the market,
and whoever proposes an exchange to them is told."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from tauschring.away import service as away
from tauschring.db import atomic, db, utcnow
from tauschring.exchanges import service as exchanges
from tauschring.market import service as market
from tauschring.market.models import Category
from tests.support.ring_life import submit_form


def offer(life, person, title):
    def post(session):
        category = session.scalar(sa.select(Category.id).where(Category.ring_id == life.ring.id))
        return market.create_talent(session, person.actor, kind="offer", title=title,
                                    category_id=category).id
    return atomic(post)


def titles(http, token, **query):
    return [t["title"] for t in http.get("/api/v1/talents", token=token,
                                         params=query).json()["items"]]


def test_talents_of_a_member_away_are_hidden_until_they_are_back(life, http):
    offer(life, life.anna, "Fahrrad reparieren")
    offer(life, life.bernd, "Rasenmähen")
    anna, clara = http.token(life.anna), http.token(life.clara)
    until = (utcnow().date() + timedelta(days=14)).isoformat()
    answer = http.request("PUT", "/api/v1/me/away", token=anna, json={"until": until})
    assert answer.status_code == 200 and answer.json() == {"until": until}
    assert titles(http, clara) == ["Rasenmähen"]
    assert titles(http, clara, q="Fahrrad") == []
    assert "Fahrrad reparieren" not in life.browser(life.clara).client.get("/market").text
    assert http.get("/api/v1/me/away", token=anna).json() == {"until": until}

    back = http.request("PUT", "/api/v1/me/away", token=anna, json={"until": None})
    assert back.json() == {"until": None}
    assert sorted(titles(http, clara)) == ["Fahrrad reparieren", "Rasenmähen"]
    assert http.request("PUT", "/api/v1/me/away", token=anna,
                        json={"until": "2001-01-01"}).status_code == 422
    assert http.request("PUT", "/api/v1/me/away", token=anna,
                        json={"until": "bald"}).status_code == 422


def test_away_ends_by_itself_after_the_last_day(life):
    offer(life, life.anna, "Vorlesen")
    atomic(away.set_away, life.anna.actor, utcnow().date())
    db.session.rollback()
    today = utcnow().date()
    assert [t.title for t in db.session.scalars(
        market.current_talents(db.session, life.ring.id, today=today))] == []
    assert [t.title for t in db.session.scalars(
        market.current_talents(db.session, life.ring.id,
                               today=today + timedelta(days=1)))] == ["Vorlesen"]


def test_the_page_sets_away_and_the_proposer_is_told(life):
    anna = life.browser(life.anna)
    until = date.today() + timedelta(days=10)
    response = submit_form(anna, "/away", "/away", {"until": until.isoformat()})
    assert response.status_code == 302
    assert 'data-testid="away-until"' in anna.client.get("/away").text
    proposal = atomic(exchanges.propose, life.bernd.actor, provider_id=life.bernd.id,
                      recipient_id=life.anna.id, minutes=60, description="Einkauf",
                      performed_on=date.today())
    page = life.browser(life.bernd).client.get(f"/exchanges/{proposal.id}").text
    assert 'data-testid="partner-away"' in page and "Anna is away until" in page
    german = life.browser(life.bernd, language="de").client.get(f"/exchanges/{proposal.id}")
    assert "ist abwesend bis" in german.text
    assert submit_form(anna, "/away", "/away", {"until": "2001-01-01"}).status_code == 200


def test_the_api_tells_the_proposer_too(life, http):
    until = utcnow().date() + timedelta(days=5)
    atomic(away.set_away, life.anna.actor, until)
    proposed = http.post("/api/v1/exchanges", token=http.token(life.bernd), json={
        "provider_id": life.bernd.id, "recipient_id": life.anna.id, "minutes": 60,
        "description": "Einkauf", "performed_on": date.today().isoformat()})
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["other_party_away_until"] == until.isoformat()
    seen_by_anna = http.get(f"/api/v1/exchanges/{proposed.json()['id']}",
                            token=http.token(life.anna)).json()
    assert seen_by_anna["other_party_away_until"] is None
