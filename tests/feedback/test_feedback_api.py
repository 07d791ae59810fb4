"""Feedback after an exchange through the API: each party once, editable for
14 days, none while disputed; a member's counts and comments."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from tauschring.db import atomic, db
from tauschring.exchanges import service as exchanges
from tauschring.feedback.models import Feedback


def test_each_party_rates_the_other_once_and_members_read_it(life, http):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    anna, bernd, clara = (http.token(p) for p in (life.anna, life.bernd, life.clara))

    given = http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
                      json={"rating": "positive", "comment": "Sehr zuverlässig"})
    assert given.status_code == 201, given.text
    assert given.json()["about"] == life.anna.id and given.json()["by"] == life.bernd.id
    again = http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
                      json={"rating": "negative"})
    assert again.status_code == 409 and again.json()["code"] == "feedback_given"
    assert http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=anna,
                     json={"rating": "neutral"}).status_code == 201

    about_anna = http.get(f"/api/v1/members/{life.anna.id}/feedback", token=clara)
    assert about_anna.status_code == 200
    body = about_anna.json()
    assert (body["positive"], body["neutral"], body["negative"]) == (1, 0, 0)
    assert [(i["rating"], i["comment"], i["by"], i["exchange_id"]) for i in body["items"]] == [
        ("positive", "Sehr zuverlässig", life.bernd.id, exchange_id)]
    assert body["items"][0]["created_at"].endswith("+00:00")


def test_others_may_not_rate_and_other_rings_see_nothing(life, http):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    clara, karin, otto = (http.token(p) for p in (life.clara, life.karin, life.otto))
    body = {"rating": "positive"}
    assert http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=clara,
                     json=body).status_code == 404
    refused = http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=karin, json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_party"
    assert http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=otto,
                     json=body).status_code == 404
    assert http.get(f"/api/v1/members/{life.anna.id}/feedback",
                    token=otto).status_code == 404
    assert http.post(f"/api/v1/exchanges/{exchange_id}/feedback",
                     json=body).status_code == 401
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Feedback.id))) == 0


def test_bad_ratings_are_refused_and_nothing_is_stored(life, http, problem):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    bernd = http.token(life.bernd)
    for body in ({"rating": "great"}, {}, {"rating": "positive", "comment": "x" * 2001},
                 {"rating": 5}):
        problem(http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
                          json=body), 422)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Feedback.id))) == 0


def test_no_feedback_on_a_proposal_or_while_disputed(life, http):
    proposal = atomic(exchanges.propose, life.anna.actor, provider_id=life.anna.id,
                      recipient_id=life.bernd.id, minutes=30, description="Einkauf",
                      performed_on=date.today())
    bernd = http.token(life.bernd)
    early = http.post(f"/api/v1/exchanges/{proposal.id}/feedback", token=bernd,
                      json={"rating": "positive"})
    assert early.status_code == 409 and early.json()["code"] == "exchange_not_booked"

    exchange_id = life.booked_exchange(life.anna, life.bernd)
    assert http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
                     json={"rating": "positive"}).status_code == 201
    atomic(exchanges.dispute, life.anna.actor, exchange_id, "Es war nur eine halbe Stunde")
    disputed = http.post(f"/api/v1/exchanges/{exchange_id}/feedback",
                         token=http.token(life.anna), json={"rating": "negative"})
    assert disputed.status_code == 409 and disputed.json()["code"] == "dispute_open"
    changed = http.request("PUT", f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
                           json={"rating": "negative"})
    assert changed.status_code == 409 and changed.json()["code"] == "dispute_open"


def test_feedback_can_be_changed_for_fourteen_days(life, http):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    bernd = http.token(life.bernd)
    http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
              json={"rating": "neutral"})
    changed = http.request("PUT", f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
                           json={"rating": "positive", "comment": "Doch sehr gut"})
    assert changed.status_code == 200 and changed.json()["rating"] == "positive"

    def age(session):
        feedback = session.scalar(sa.select(Feedback))
        feedback.created_at = feedback.created_at - timedelta(days=15)
    atomic(age)
    late = http.request("PUT", f"/api/v1/exchanges/{exchange_id}/feedback", token=bernd,
                        json={"rating": "negative"})
    assert late.status_code == 409 and late.json()["code"] == "feedback_closed"
    summary = http.get(f"/api/v1/members/{life.anna.id}/feedback", token=bernd).json()
    assert summary["positive"] == 1 and summary["negative"] == 0


def test_a_members_own_data_holds_the_feedback_given_and_received(life, http):
    exchange_id = life.booked_exchange(life.anna, life.bernd)
    http.post(f"/api/v1/exchanges/{exchange_id}/feedback", token=http.token(life.bernd),
              json={"rating": "positive", "comment": "Gern wieder"})
    anna = http.get("/api/v1/me/export", token=http.token(life.anna)).json()
    bernd = http.get("/api/v1/me/export", token=http.token(life.bernd)).json()
    assert [f["comment"] for f in anna["feedback_received"]] == ["Gern wieder"]
    assert anna["feedback_given"] == [] and len(bernd["feedback_given"]) == 1
