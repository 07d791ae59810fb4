"""Exchanges across partner rings: a member of Auental trades with a member of
Bergdorf. Through the real HTTP API (a live server) and the pages, on both
engines: both halves are booked in one step or neither, both audits stay ok
and the clearing accounts mirror each other; the credit line and each
member's own limits refuse with 422 and nothing moves; disputes reach both
rings' coordinators; a third ring sees nothing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import requests
import sqlalchemy as sa

from tauschring.db import atomic, db, utcnow
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.models import Exchange
from tauschring.partners import clearing
from tauschring.partners import service as partners
from tauschring.rings.service import update_settings
from tests.ledger.conftest import assert_ledger_sound, ledger_facts
from tests.support.pages import Pages

CREDIT_LINE = 300


@dataclass
class Scene:
    a: object
    b: object
    c: object
    people: dict
    tokens: dict

    def __getattr__(self, name):
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None


@pytest.fixture
def scene(world, http):
    """Auental (A) and Bergdorf (B) are partners; Celle (C) is not."""
    a, b, c = world.ring("auental"), world.ring("bergdorf"), world.ring("celle")
    people = {
        "anna": world.member(a, "Anna"), "alf": world.member(a, "Alf"),
        "karin": world.coordinator(a, "Karin"),
        "bernd": world.member(b, "Bernd"), "bea": world.member(b, "Bea"),
        "kurt": world.coordinator(b, "Kurt"),
        "carl": world.member(c, "Carl"), "carla": world.coordinator(c, "Carla"),
    }
    atomic(lambda s: partners.add(s, ring_id=a.id, partner_ring_id=b.id,
                                  credit_line=CREDIT_LINE))
    tokens = {name: http.token(person) for name, person in people.items()}
    return Scene(a, b, c, people, tokens)


def proposal(provider, recipient, minutes=90, **extra):
    return {"provider_id": provider.id, "recipient_id": recipient.id, "minutes": minutes,
            "description": "Fahrrad repariert", "performed_on": date.today().isoformat(),
            **extra}


def propose(http, token, provider, recipient, minutes=90, **extra):
    response = http.post("/api/v1/exchanges", token=token,
                         json=proposal(provider, recipient, minutes, **extra))
    assert response.status_code == 201, response.text
    return response.json()


def audit(http, token) -> dict:
    response = http.get("/api/v1/audit", token=token)
    assert response.status_code == 200, response.text
    return response.json()


def both_audits_ok(http, scene, *, clearing_a: int) -> None:
    """Each ring's audit is ok, and A's clearing balance for B is `clearing_a`,
    B's for A exactly its negative."""
    for token, other, expected in (("karin", scene.b, clearing_a),
                                   ("kurt", scene.a, -clearing_a)):
        report = audit(http, scene.tokens[token])
        assert report["ok"] is True, report
        [partner] = report["partners"]
        assert partner["ring"] == other.slug and partner["mirrored"] is True
        assert partner["clearing_balance"] == expected
    for ring in (scene.a, scene.b):
        assert_ledger_sound(ring.id)


def balance(http, token, person) -> int:
    return http.get(f"/api/v1/accounts/{person.account_id}", token=token).json()["balance"]


def snapshots(*rings):
    return tuple(ledger_facts(ring.id).snapshot() for ring in rings)


def transfers_of(exchange_id: int) -> list[tuple]:
    db.session.rollback()
    rows = db.session.execute(sa.text(
        "SELECT id, ring_id, debit_account_id, credit_account_id, minutes, reverses_id "
        "FROM transfers WHERE exchange_id = :e ORDER BY id"), {"e": exchange_id}).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def _mail_to(person) -> str:
    db.session.rollback()
    bodies = db.session.scalars(sa.text(
        "SELECT body FROM outbox WHERE member_id = :m ORDER BY id"),
        {"m": person.id}).all()
    db.session.rollback()
    return "\n".join(bodies)


def page_for(app, person) -> Pages:
    pages = Pages(app.test_client())
    pages.login(person)
    return pages


# --- proposing and confirming ---------------------------------------------------

def test_proposed_across_and_confirmed_books_both_halves(http, scene, app):
    anna, bernd = scene.anna, scene.bernd
    exchange = propose(http, scene.tokens["anna"], provider=bernd, recipient=anna)
    assert exchange["state"] == "proposed"
    assert (exchange["ring_id"], exchange["partner_ring_id"]) == (scene.a.id, scene.b.id)
    assert exchange["partner_ring"] == {"id": scene.b.id, "slug": "bergdorf",
                                        "name": "Bergdorf"}
    assert exchange["other_ring"]["slug"] == "bergdorf"
    assert exchange["allowed_actions"] == ["cancel", "dispute"]

    # Bernd, in the partner ring, finds it waiting for him and confirms.
    seen = http.get(f"/api/v1/exchanges/{exchange['id']}", token=scene.tokens["bernd"]).json()
    assert seen["allowed_actions"] == ["confirm", "decline", "dispute"]
    assert seen["other_ring"]["slug"] == "auental" and seen["blocked_by"] is None
    listed = http.get("/api/v1/exchanges?state=proposed", token=scene.tokens["bernd"]).json()
    assert [e["id"] for e in listed["items"]] == [exchange["id"]]
    kinds = [n["kind"] for n in http.get("/api/v1/notifications",
                                         token=scene.tokens["bernd"]).json()["items"]]
    assert kinds == ["awaiting_confirmation"]
    assert ": Anna (Auental)\n" in _mail_to(bernd)  # his mail, in German
    bernds_page = page_for(app, bernd)
    waiting = bernds_page.client.get("/exchanges").text
    assert "Waiting for you" in waiting and "Fahrrad repariert" in waiting
    assert "Anna <span class=\"ring-name\">(Auental)</span>" in waiting

    confirmed = http.post(f"/api/v1/exchanges/{exchange['id']}/confirm",
                          token=scene.tokens["bernd"])
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["state"] == "booked"
    assert body["transfer_id"] and body["partner_transfer_id"]
    again = http.post(f"/api/v1/exchanges/{exchange['id']}/confirm",
                      token=scene.tokens["bernd"])
    assert again.status_code == 409

    # One half in each ring: Anna -> A's clearing account; B's clearing -> Bernd.
    halves = {row[1]: row for row in transfers_of(exchange["id"])}
    assert set(halves) == {scene.a.id, scene.b.id}
    assert halves[scene.a.id][0] == body["transfer_id"]
    assert halves[scene.b.id][0] == body["partner_transfer_id"]
    assert halves[scene.a.id][2] == anna.account_id and halves[scene.b.id][3] == bernd.account_id
    assert {row[4] for row in halves.values()} == {90}
    assert http.get(f"/api/v1/transfers/{body['transfer_id']}",
                    token=scene.tokens["karin"]).status_code == 200
    assert http.get(f"/api/v1/transfers/{body['partner_transfer_id']}",
                    token=scene.tokens["kurt"]).status_code == 200

    assert balance(http, scene.tokens["anna"], anna) == -90
    assert balance(http, scene.tokens["bernd"], bernd) == 90
    both_audits_ok(http, scene, clearing_a=90)

    # Both lists and both dashboards show it booked; the history names both.
    for name in ("anna", "bernd", "karin", "kurt"):
        items = http.get("/api/v1/exchanges", token=scene.tokens[name]).json()["items"]
        assert [(e["id"], e["state"]) for e in items] == [(exchange["id"], "booked")], name
    for person, other in ((anna, "Bernd <span class=\"ring-name\">(Bergdorf)</span>"),
                          (bernd, "Anna <span class=\"ring-name\">(Auental)</span>")):
        pages = bernds_page if person is bernd else page_for(app, person)
        dashboard = pages.client.get("/dashboard").text
        assert "Fahrrad repariert" in dashboard and other in dashboard
        assert 'state-booked' in dashboard
        detail = pages.client.get(f"/exchanges/{exchange['id']}").text
        assert "Across partner rings: Bergdorf and Auental" in detail
        history = detail.split("History", 1)[1]
        assert "proposed" in history and "confirmed and booked" in history
        assert ("Anna" in history and "Bernd" in history and
                ("(Auental)" in history or "(Bergdorf)" in history))


def test_confirming_on_the_page_books_across(http, scene, app):
    exchange = propose(http, scene.tokens["bernd"], provider=scene.bernd, recipient=scene.anna,
                       minutes=45)
    annas_page = page_for(app, scene.anna)
    answer = annas_page.submit(f"/exchanges/{exchange['id']}",
                               f"/exchanges/{exchange['id']}/confirm")
    assert answer.status_code == 302
    assert "booked" in annas_page.client.get(f"/exchanges/{exchange['id']}").text
    both_audits_ok(http, scene, clearing_a=45)


def test_proposing_from_a_partners_published_talent(http, scene, app):
    """Bernd's offer, published to partner rings, is proposed from in Auental."""
    talent = http.post("/api/v1/talents", token=scene.tokens["bernd"], json={
        "kind": "offer", "title": "Fahrräder reparieren", "description": "Schnell",
        "category": _a_category(http, scene.tokens["bernd"])})
    assert talent.status_code == 201, talent.text
    talent_id = talent.json()["id"]
    with_ring_only = http.post("/api/v1/exchanges", token=scene.tokens["anna"], json=proposal(
        scene.bernd, scene.anna, talent_id=talent_id))
    assert with_ring_only.status_code == 422
    assert with_ring_only.json()["code"] == "talent_not_found"
    _publish(talent_id, "partners")
    exchange = propose(http, scene.tokens["anna"], scene.bernd, scene.anna,
                       talent_id=talent_id)
    assert exchange["talent_id"] == talent_id and exchange["partner_ring_id"] == scene.b.id

    # The page: "I'd like this" from the partner's offer preselects Bernd.
    annas_page = page_for(app, scene.anna)
    form = annas_page.client.get(f"/exchanges/new?talent={talent_id}")
    assert form.status_code == 200
    assert "Bernd (Bergdorf)" in form.text and "(Bernd, Bergdorf)" in form.text
    url = f"/exchanges/new?talent={talent_id}"
    fields = annas_page.form(url, "")  # the form posts back to the page
    fields.update({"minutes": "1:00", "description": "Schlauch geflickt"})
    posted = annas_page.client.post(url, data=fields)
    assert posted.status_code == 302, posted.text
    proposed = http.get("/api/v1/exchanges?state=proposed", token=scene.tokens["bernd"]).json()
    assert {e["description"] for e in proposed["items"]} == {"Fahrrad repariert",
                                                             "Schlauch geflickt"}
    # From Bernd's profile: ?member= names a partner ring's member; not Celle's.
    from_profile = annas_page.client.get(f"/exchanges/new?member={scene.bernd.id}").text
    assert "Bernd (Bergdorf)" in from_profile
    assert "Carl" not in annas_page.client.get(f"/exchanges/new?member={scene.carl.id}").text
    # Celle is no partner of Bergdorf: its members do not see the offer.
    assert page_for(app, scene.carl).client.get(url).status_code == 404


def _a_category(http, token) -> str:
    categories = http.get("/api/v1/categories", token=token).json()
    items = categories["items"] if isinstance(categories, dict) else categories
    return items[0]["slug"]


def _publish(talent_id: int, visibility: str) -> None:
    db.session.rollback()
    db.session.execute(sa.text("UPDATE talents SET visibility = :v WHERE id = :t"),
                       {"v": visibility, "t": talent_id})
    db.session.commit()


def test_a_member_of_an_unrelated_ring_stays_unknown(http, scene):
    before = snapshots(scene.a, scene.c)
    refused = http.post("/api/v1/exchanges", token=scene.tokens["anna"],
                        json=proposal(scene.carl, scene.anna))
    assert refused.status_code == 422 and refused.json()["code"] == "member_not_found"
    # Both parties in the partner ring: the actor is no party.
    neither = http.post("/api/v1/exchanges", token=scene.tokens["anna"],
                        json=proposal(scene.bernd, scene.bea))
    assert neither.status_code == 403
    assert snapshots(scene.a, scene.c) == before
    assert _exchange_count() == 0


def _exchange_count() -> int:
    db.session.rollback()
    count = db.session.scalar(sa.text("SELECT count(*) FROM exchanges"))
    db.session.rollback()
    return count


# --- refusals: nothing moves ----------------------------------------------------------

def test_the_credit_line_refuses_and_nothing_moves(http, scene):
    first = propose(http, scene.tokens["anna"], scene.bernd, scene.anna, minutes=250)
    assert http.post(f"/api/v1/exchanges/{first['id']}/confirm",
                     token=scene.tokens["bernd"]).status_code == 200
    second = propose(http, scene.tokens["bernd"], scene.bernd, scene.anna, minutes=51)
    shown = http.get(f"/api/v1/exchanges/{second['id']}", token=scene.tokens["anna"]).json()
    assert shown["blocked_by"]["code"] == "credit_line_exceeded"
    # A member is told the line, not the rings' clearing balance (coordinators only).
    assert "balance_after" not in shown["blocked_by"]
    assert shown["blocked_by"]["credit_line"] == shown["blocked_by"]["limit"]
    before = snapshots(scene.a, scene.b)
    refused = http.post(f"/api/v1/exchanges/{second['id']}/confirm",
                        token=scene.tokens["anna"])
    assert refused.status_code == 422, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "credit_line_exceeded"
    assert snapshots(scene.a, scene.b) == before
    after = http.get(f"/api/v1/exchanges/{second['id']}", token=scene.tokens["anna"]).json()
    assert after["state"] == "proposed" and after["transfer_id"] is None
    assert after["partner_transfer_id"] is None
    assert transfers_of(second["id"]) == []
    # The other way round the line has room: Bernd pays Anna back.
    back = propose(http, scene.tokens["bernd"], scene.anna, scene.bernd, minutes=300)
    assert http.post(f"/api/v1/exchanges/{back['id']}/confirm",
                     token=scene.tokens["anna"]).status_code == 200
    both_audits_ok(http, scene, clearing_a=-50)


def test_a_members_own_limit_refuses_in_its_own_ring(http, scene):
    # Anna (A) may fall to -600: 700 is refused in A's half.
    too_much = propose(http, scene.tokens["bernd"], scene.bernd, scene.anna, minutes=700)
    before = snapshots(scene.a, scene.b)
    refused = http.post(f"/api/v1/exchanges/{too_much['id']}/confirm",
                        token=scene.tokens["anna"])
    assert refused.status_code == 422 and refused.json()["code"] == "exceeds_min_balance"
    assert snapshots(scene.a, scene.b) == before

    # Bea (B) may rise to 30 only: B's half is refused after A's was written, and
    # A's goes too.
    limited = http.patch(f"/api/v1/accounts/{scene.bea.account_id}",
                         token=scene.tokens["kurt"], json={"max_balance": 30})
    assert limited.status_code == 200, limited.text
    exchange = propose(http, scene.tokens["anna"], scene.bea, scene.anna, minutes=60)
    seen = http.get(f"/api/v1/exchanges/{exchange['id']}", token=scene.tokens["bea"]).json()
    assert seen["blocked_by"]["code"] == "exceeds_max_balance"
    assert seen["blocked_by"]["balance_after"] == 60  # Bea's own ring: her own balance
    # Anna in the partner ring learns why, not Bea's balance or limit.
    across = http.get(f"/api/v1/exchanges/{exchange['id']}", token=scene.tokens["anna"]).json()
    assert across["blocked_by"] == {"code": "exceeds_max_balance", "member_id": scene.bea.id}
    before = snapshots(scene.a, scene.b)
    refused = http.post(f"/api/v1/exchanges/{exchange['id']}/confirm",
                        token=scene.tokens["bea"])
    assert refused.status_code == 422 and refused.json()["code"] == "exceeds_max_balance"
    assert snapshots(scene.a, scene.b) == before
    for exchange_id in (too_much["id"], exchange["id"]):
        shown = http.get(f"/api/v1/exchanges/{exchange_id}", token=scene.tokens["kurt"]).json()
        assert shown["state"] == "proposed"
    both_audits_ok(http, scene, clearing_a=0)


@pytest.mark.parametrize("status", ["paused", "ended"])
def test_a_paused_or_ended_partnership_refuses(http, scene, status):
    waiting = propose(http, scene.tokens["anna"], scene.bernd, scene.anna, minutes=30)
    _set_partnership(scene, status)
    before = snapshots(scene.a, scene.b)
    refused = http.post("/api/v1/exchanges", token=scene.tokens["anna"],
                        json=proposal(scene.bernd, scene.anna))
    assert refused.status_code == 422 and refused.json()["code"] == "not_partners"
    assert _exchange_count() == 1
    seen = http.get(f"/api/v1/exchanges/{waiting['id']}", token=scene.tokens["bernd"]).json()
    assert seen["blocked_by"] == {"code": "not_partners"}
    confirm = http.post(f"/api/v1/exchanges/{waiting['id']}/confirm",
                        token=scene.tokens["bernd"])
    assert confirm.status_code == 422 and confirm.json()["code"] == "not_partners"
    assert snapshots(scene.a, scene.b) == before
    assert http.get(f"/api/v1/exchanges/{waiting['id']}",
                    token=scene.tokens["anna"]).json()["state"] == "proposed"
    # Withdrawing still works.
    assert http.post(f"/api/v1/exchanges/{waiting['id']}/cancel",
                     token=scene.tokens["anna"], json={}).status_code == 200


def _set_partnership(scene, status: str) -> None:
    def change(session):
        clearing.partnership_between(session, scene.a.id, scene.b.id).status = status
    atomic(change)


# --- disputes -------------------------------------------------------------------------

def test_a_dispute_reaches_both_rings_and_b_reverses_both_halves(http, scene, app):
    exchange = propose(http, scene.tokens["anna"], scene.bernd, scene.anna, minutes=120)
    http.post(f"/api/v1/exchanges/{exchange['id']}/confirm", token=scene.tokens["bernd"])
    both_audits_ok(http, scene, clearing_a=120)
    disputed = http.post(f"/api/v1/exchanges/{exchange['id']}/dispute",
                         token=scene.tokens["anna"], json={"reason": "Das Rad ist kaputt"})
    assert disputed.status_code == 200 and disputed.json()["state"] == "disputed"

    for coordinator in ("karin", "kurt"):
        token = scene.tokens[coordinator]
        kinds = [n["kind"] for n in http.get("/api/v1/notifications", token=token)
                 .json()["items"]]
        assert kinds == ["disputed"], coordinator
        queue = http.get("/api/v1/exchanges?state=disputed", token=token).json()["items"]
        assert [e["id"] for e in queue] == [exchange["id"]]
        assert "resolve" in queue[0]["allowed_actions"]
        page = page_for(app, scene.people[coordinator]).client.get("/exchanges/disputes").text
        assert "Fahrrad repariert" in page
    assert "Fahrrad repariert" not in page_for(app, scene.carla).client.get(
        "/exchanges/disputes").text
    kurts = page_for(app, scene.kurt).client.get(f"/exchanges/{exchange['id']}").text
    assert "Decide the dispute" in kurts and "Anna <span class=\"ring-name\">(Auental)" in kurts

    resolved = http.post(f"/api/v1/exchanges/{exchange['id']}/resolve",
                         token=scene.tokens["kurt"],
                         json={"decision": "cancel", "note": "Rückbuchung vereinbart"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["state"] == "reversed"
    rows = transfers_of(exchange["id"])
    assert len(rows) == 4
    originals = {row[0]: row for row in rows if row[5] is None}
    reversals = [row for row in rows if row[5] is not None]
    assert set(originals) == {exchange_id for exchange_id in (
        resolved.json()["transfer_id"], resolved.json()["partner_transfer_id"])}
    for reversal in reversals:
        original = originals[reversal[5]]
        assert reversal[1] == original[1]  # in the same ring as the half it reverses
        assert (reversal[2], reversal[3], reversal[4]) == (original[3], original[2], original[4])
    assert balance(http, scene.tokens["anna"], scene.anna) == 0
    assert balance(http, scene.tokens["bernd"], scene.bernd) == 0
    both_audits_ok(http, scene, clearing_a=0)
    again = http.post(f"/api/v1/exchanges/{exchange['id']}/resolve", token=scene.tokens["karin"],
                      json={"decision": "cancel", "note": "nochmal"})
    assert again.status_code == 409


def test_a_coordinator_of_a_corrects_across(http, scene):
    exchange = propose(http, scene.tokens["bernd"], scene.bernd, scene.anna, minutes=120)
    http.post(f"/api/v1/exchanges/{exchange['id']}/confirm", token=scene.tokens["anna"])
    http.post(f"/api/v1/exchanges/{exchange['id']}/dispute", token=scene.tokens["anna"],
              json={"reason": "Nur eine Stunde"})
    message = http.post(f"/api/v1/exchanges/{exchange['id']}/messages",
                        token=scene.tokens["kurt"], json={"message": "Stimmt das?"})
    assert message.status_code == 201
    resolved = http.post(f"/api/v1/exchanges/{exchange['id']}/resolve",
                         token=scene.tokens["karin"],
                         json={"decision": "adjust", "minutes": 60, "note": "Eine Stunde"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["state"] == "booked" and resolved.json()["minutes"] == 60
    assert balance(http, scene.tokens["anna"], scene.anna) == -60
    assert balance(http, scene.tokens["bernd"], scene.bernd) == 60
    assert len(transfers_of(exchange["id"])) == 4
    both_audits_ok(http, scene, clearing_a=60)


def test_cancelling_after_a_correction_reverses_the_correction_too(http, scene):
    """Booked at 2:00, corrected to 1:00, then cancelled: nothing stays booked,
    across the rings and (the same rule) inside one."""
    for provider, recipient, proposer, confirmer in (
            ("bernd", "anna", "bernd", "anna"), ("alf", "anna", "alf", "anna")):
        exchange = propose(http, scene.tokens[proposer], scene.people[provider],
                           scene.people[recipient], minutes=120)
        path = f"/api/v1/exchanges/{exchange['id']}"
        assert http.post(f"{path}/confirm", token=scene.tokens[confirmer]).status_code == 200
        for decision in ({"decision": "adjust", "minutes": 60, "note": "Eine Stunde"},
                         {"decision": "cancel", "note": "Doch nichts"}):
            assert http.post(f"{path}/dispute", token=scene.tokens[recipient],
                             json={"reason": "Falsch"}).status_code == 200
            resolved = http.post(f"{path}/resolve", token=scene.tokens["karin"], json=decision)
            assert resolved.status_code == 200, resolved.text
        assert resolved.json()["state"] == "reversed"
        rows = transfers_of(exchange["id"])
        assert len([r for r in rows if r[5] is not None]) == len(rows) // 2
        for name in (provider, recipient):
            assert balance(http, scene.tokens["karin" if name != "bernd" else "kurt"],
                           scene.people[name]) == 0, name
    both_audits_ok(http, scene, clearing_a=0)


# --- who sees what --------------------------------------------------------------------

def test_only_the_parties_and_both_rings_coordinators_see_it(http, scene, app):
    across = propose(http, scene.tokens["anna"], scene.bernd, scene.anna)
    inside = propose(http, scene.tokens["anna"], scene.alf, scene.anna)
    path = f"/api/v1/exchanges/{across['id']}"
    for name in ("anna", "bernd", "karin", "kurt"):
        assert http.get(path, token=scene.tokens[name]).status_code == 200, name
    for name in ("carla", "carl", "bea", "alf"):
        assert http.get(path, token=scene.tokens[name]).status_code == 404, name
    assert http.post(f"{path}/confirm", token=scene.tokens["bea"]).status_code == 404
    assert http.post(f"{path}/resolve", token=scene.tokens["carla"],
                     json={"decision": "book", "note": "x"}).status_code == 404
    # Ring A's internal exchange stays internal to A.
    for name in ("kurt", "bernd", "bea"):
        assert http.get(f"/api/v1/exchanges/{inside['id']}",
                        token=scene.tokens[name]).status_code == 404, name
        listed = http.get("/api/v1/exchanges", token=scene.tokens[name]).json()["items"]
        assert inside["id"] not in [e["id"] for e in listed], name
    assert [e["id"] for e in http.get("/api/v1/exchanges", token=scene.tokens["bea"])
            .json()["items"]] == []
    assert [e["id"] for e in http.get("/api/v1/exchanges", token=scene.tokens["carla"])
            .json()["items"]] == []
    carlas = page_for(app, scene.carla)
    assert carlas.client.get(f"/exchanges/{across['id']}").status_code == 404
    assert page_for(app, scene.bea).client.get(f"/exchanges/{across['id']}").status_code == 404


# --- many at once ---------------------------------------------------------------------

THREADS = 20


def run_threads(count: int, work) -> list:
    barrier = threading.Barrier(count)

    def start(index):
        barrier.wait(timeout=60)
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


@pytest.fixture
def crowd(world, http):
    """Five members in each of two partner rings, with a wide credit line."""
    a, b = world.ring("auental"), world.ring("bergdorf")
    atomic(lambda s: partners.add(s, ring_id=a.id, partner_ring_id=b.id, credit_line=100_000))
    in_a = [world.member(a, f"A{i}") for i in range(5)]
    in_b = [world.member(b, f"B{i}") for i in range(5)]
    coordinators = world.coordinator(a, "Karin"), world.coordinator(b, "Kurt")
    tokens = {p.id: http.token(p) for p in [*in_a, *in_b, *coordinators]}
    return a, b, in_a, in_b, coordinators, tokens


def test_twenty_concurrent_confirmations_in_both_directions(http, crowd):
    a, b, in_a, in_b, (karin, kurt), tokens = crowd
    planned = []  # (exchange, confirmer, payer ring, minutes)
    for index in range(THREADS):
        a_member, b_member = in_a[index % 5], in_b[(index * 2) % 5]
        minutes = 10 + index
        if index % 2:  # A pays B: Bernd's side proposes, the A member confirms
            exchange = propose(http, tokens[b_member.id], b_member, a_member, minutes)
            planned.append((exchange, a_member, a.id, minutes))
        else:          # B pays A
            exchange = propose(http, tokens[a_member.id], a_member, b_member, minutes)
            planned.append((exchange, b_member, b.id, minutes))

    def work(index):
        exchange, confirmer, _, _ = planned[index]
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {tokens[confirmer.id]}"
            url = f"{http.base_url}/api/v1/exchanges/{exchange['id']}/confirm"
            first = session.post(url, timeout=60)
            second = session.post(url, timeout=60)  # a retry: the state has moved on
            return first.status_code, first.json(), second.status_code

    answers = run_threads(THREADS, work)
    assert [(status, again) for status, _, again in answers] == [(200, 409)] * THREADS, answers
    expected_a = sum(m if payer == a.id else -m for _, _, payer, m in planned)
    for (exchange, _, _, minutes), (_, body, _) in zip(planned, answers, strict=True):
        rows = transfers_of(exchange["id"])
        assert len(rows) == 2, rows  # booked exactly once: one half in each ring
        assert {row[1] for row in rows} == {a.id, b.id}
        assert {row[0] for row in rows} == {body["transfer_id"], body["partner_transfer_id"]}
        assert all(row[4] == minutes and row[5] is None for row in rows)
    for token, partner, clearing_balance in ((tokens[karin.id], b, expected_a),
                                             (tokens[kurt.id], a, -expected_a)):
        report = audit(http, token)
        assert report["ok"] is True, report
        assert report["transfers"] == THREADS
        [mirror] = report["partners"]
        assert mirror["ring"] == partner.slug and mirror["mirrored"] is True
        assert mirror["clearing_balance"] == clearing_balance
    for ring in (a, b):
        assert_ledger_sound(ring.id, overridden=set())


def test_concurrent_confirmations_stop_at_the_credit_line(http, world):
    """Twenty confirmations of 60 minutes from A to B against a line of 600:
    exactly ten are booked, ten refused, and nothing half-booked."""
    a, b = world.ring("auental"), world.ring("bergdorf")
    atomic(lambda s: partners.add(s, ring_id=a.id, partner_ring_id=b.id, credit_line=600))
    payers = [world.member(a, f"A{i}") for i in range(THREADS)]
    payee = world.member(b, "Bernd", )
    karin = world.coordinator(a, "Karin")
    payee_token = http.token(payee)
    tokens = [http.token(p) for p in payers]
    planned = [propose(http, payee_token, payee, payer, 60) for payer in payers]

    def work(index):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {tokens[index]}"
            response = session.post(
                f"{http.base_url}/api/v1/exchanges/{planned[index]['id']}/confirm", timeout=60)
            return response.status_code, response.json().get("code")

    answers = run_threads(THREADS, work)
    assert sorted(answers, key=str) == sorted(
        [(200, None)] * 10 + [(422, "credit_line_exceeded")] * 10, key=str), answers
    for exchange, (status, _) in zip(planned, answers, strict=True):
        assert len(transfers_of(exchange["id"])) == (2 if status == 200 else 0)
    report = audit(http, http.token(karin))
    assert report["ok"] is True and report["partners"][0]["clearing_balance"] == 600
    for ring in (a, b):
        assert_ledger_sound(ring.id, overridden=set())


# --- automatic confirmation -----------------------------------------------------------

def test_auto_confirm_across_follows_the_ring_of_who_would_confirm(http, scene):
    """Auental confirms after 7 days, Bergdorf never: the ring of the member who
    would confirm decides, never the proposer's ring for a partner's member."""
    atomic(update_settings, scene.karin.actor, auto_confirm_days=7)
    # Anna proposes to pay Bernd: Bernd (Bergdorf, never) would confirm.
    from_a = propose(http, scene.tokens["anna"], scene.bernd, scene.anna, minutes=40)
    # Bernd invoices Alf and Anna: they (Auental, 7 days) would confirm.
    too_much = propose(http, scene.tokens["bernd"], scene.bernd, scene.alf, minutes=400)
    from_b = propose(http, scene.tokens["bernd"], scene.bernd, scene.anna, minutes=20)
    old = utc_days_ago(8)
    atomic(lambda s: s.execute(sa.update(Exchange).where(Exchange.id.in_(
        [from_a["id"], too_much["id"], from_b["id"]])).values(created_at=old)))
    confirmed, blocked = atomic(exchanges.auto_confirm_due, scene.a.id)
    assert confirmed == [from_b["id"]]
    assert [exchange_id for exchange_id, _ in blocked] == [too_much["id"]]
    assert atomic(exchanges.auto_confirm_due, scene.b.id) == ([], [])
    assert atomic(exchanges.auto_confirm_due, scene.a.id) == ([], [(too_much["id"], blocked[0][1])])
    states = {e["id"]: e["state"] for e in http.get(
        "/api/v1/exchanges", token=scene.tokens["bernd"]).json()["items"]}
    assert states == {from_a["id"]: "proposed", too_much["id"]: "proposed",
                      from_b["id"]: "booked"}
    assert len(transfers_of(from_b["id"])) == 2 and transfers_of(too_much["id"]) == []
    both_audits_ok(http, scene, clearing_a=20)


def utc_days_ago(days: int):
    return utcnow() - timedelta(days=days)
