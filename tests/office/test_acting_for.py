"""Acting for someone: a helper confirms an exchange for a member; the history and
the audit log name both; once the member ends the authorisation the helper is
refused (403)."""

from __future__ import annotations

from datetime import date

import pytest

from tauschring.auditlog import LoggedAction
from tauschring.db import db
from tests.support.pages import Pages


@pytest.fixture
def scene(world, http):
    ring = world.ring()
    anna, bernd, helga = (world.member(ring, name) for name in ("Anna Adler", "Bernd Bauer",
                                                                 "Helga Hilfreich"))
    karin = world.coordinator(ring, "Karin Kohl")
    tokens = {p.name: http.token(p) for p in (anna, bernd, helga, karin)}
    return ring, anna, bernd, helga, karin, tokens


def propose(http, token, provider, recipient, minutes=60):
    response = http.post("/api/v1/exchanges", token=token, json={
        "provider_id": provider.id, "recipient_id": recipient.id, "minutes": minutes,
        "description": "Einkauf erledigt", "performed_on": date.today().isoformat()})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_helper_confirms_for_a_member_until_it_ends(app, http, scene, problem):
    ring, anna, bernd, helga, karin, tokens = scene
    exchange_id = propose(http, tokens["Bernd Bauer"], bernd, anna)
    confirm = f"/api/v1/acting-for/{anna.id}/exchanges/{exchange_id}/confirm"
    problem(http.post(confirm, token=tokens["Helga Hilfreich"]), 403)  # not authorised yet

    given = http.post("/api/v1/authorisations", token=tokens["Anna Adler"],
                      json={"helper_id": helga.id})
    assert given.status_code == 201, given.text
    confirmed = http.post(confirm, token=tokens["Helga Hilfreich"])
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "booked"
    events = http.get(f"/api/v1/exchanges/{exchange_id}", token=tokens["Bernd Bauer"]
                      ).json()["events"]
    assert [(e["action"], e["actor_id"], e["by_id"]) for e in events] == [
        ("proposed", bernd.id, None), ("confirmed", anna.id, helga.id)]
    anna_account = http.get(f"/api/v1/accounts/{anna.account_id}", token=tokens["Anna Adler"])
    assert anna_account.json()["balance"] == -60

    # The history names both: Anna confirmed, by Helga for Anna.
    history = _page_as(app, anna, f"/exchanges/{exchange_id}")
    assert "by Helga Hilfreich for Anna Adler" in history
    entry = db.session.query(LoggedAction).filter_by(action="proxy.exchange.confirm").one()
    assert entry.actor_id == helga.id and entry.subject == f"member:{anna.id}"
    log = _page_as(app, karin, "/coordination/log")
    row = log[log.index('data-action="proxy.exchange.confirm"'):][:2000]
    assert "Helga Hilfreich" in row and "Anna Adler" in row

    # Anna sees the authorisation and ends it; Helga is refused from then on.
    listed = http.get("/api/v1/authorisations", token=tokens["Anna Adler"]).json()
    assert [a["helper_id"] for a in listed["given"]] == [helga.id]
    ended = http.post(f"/api/v1/authorisations/{given.json()['id']}/end",
                      token=tokens["Anna Adler"])
    assert ended.status_code == 200 and ended.json()["ended_at"]
    second = propose(http, tokens["Bernd Bauer"], bernd, anna)
    problem(http.post(f"/api/v1/acting-for/{anna.id}/exchanges/{second}/confirm",
                      token=tokens["Helga Hilfreich"]), 403)
    problem(http.post(f"/api/v1/acting-for/{anna.id}/talents", token=tokens["Helga Hilfreich"],
                      json={}), 403)
    assert _status_as(app, helga, f"/acting-for/{anna.id}") == 403


def test_the_office_acts_with_a_members_powers_only(http, scene, world, problem):
    ring, anna, bernd, helga, karin, tokens = scene
    assert http.post("/api/v1/authorisations", token=tokens["Anna Adler"],
                     json={"office": True}).status_code == 201
    exchange_id = propose(http, tokens["Bernd Bauer"], bernd, anna)
    # A coordinator acting for Anna may confirm for her ...
    answer = http.post(f"/api/v1/acting-for/{anna.id}/exchanges/{exchange_id}/confirm",
                       token=tokens["Karin Kohl"])
    assert answer.status_code == 200, answer.text
    # ... but not for Bernd, who authorised nobody; another ring's coordinator sees nobody.
    problem(http.post(f"/api/v1/acting-for/{bernd.id}/talents", token=tokens["Karin Kohl"],
                      json={}), 403)
    other = world.coordinator(world.ring("talheim"), "Otto")
    problem(http.post(f"/api/v1/acting-for/{anna.id}/talents", token=http.token(other),
                      json={}), 404)


def _pages_of(app, person) -> Pages:
    pages = Pages(app.test_client())
    pages.login(person)
    return pages


def _page_as(app, person, path) -> str:
    response = _pages_of(app, person).client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.text


def _status_as(app, person, path) -> int:
    return _pages_of(app, person).client.get(path).status_code


def test_a_helper_posts_and_proposes_on_the_pages(app, http, scene):
    from sqlalchemy import select

    from tauschring.exchanges.models import Exchange
    from tauschring.market.models import Category, Talent

    ring, anna, bernd, helga, karin, tokens = scene
    assert http.post("/api/v1/authorisations", token=tokens["Anna Adler"],
                     json={"helper_id": helga.id}).status_code == 201
    pages = _pages_of(app, helga)
    home = pages.client.get(f"/acting-for/{anna.id}").text
    assert "Anna Adler" in home
    category = db.session.scalar(select(Category.id).where(Category.ring_id == ring.id))
    posted = pages.submit(f"/acting-for/{anna.id}/talents/new",
                          f"/acting-for/{anna.id}/talents/new",
                          {"kind": "offer", "title": "Vorlesen am Nachmittag",
                           "category": str(category)})
    assert posted.status_code == 302, posted.text[:2000]
    talent = db.session.scalars(select(Talent).where(
        Talent.title == "Vorlesen am Nachmittag")).one()
    assert talent.member_id == anna.id
    proposed = pages.submit(f"/acting-for/{anna.id}/exchanges/new",
                            f"/acting-for/{anna.id}/exchanges/new",
                            {"direction": "provided", "partner": str(bernd.id),
                             "minutes": "1:30", "description": "Vorgelesen"})
    assert proposed.status_code == 302, proposed.text[:2000]
    db.session.remove()
    exchange = db.session.scalars(select(Exchange).where(
        Exchange.description == "Vorgelesen")).one()
    assert (exchange.provider_id, exchange.proposer_id, exchange.minutes) == (
        anna.id, anna.id, 90)
    history = _page_as(app, bernd, f"/exchanges/{exchange.id}")
    assert "by Helga Hilfreich for Anna Adler" in history
    actions = {e.action for e in db.session.scalars(select(LoggedAction).where(
        LoggedAction.actor_id == helga.id))}
    assert {"proxy.talent.create", "proxy.exchange.propose"} <= actions
