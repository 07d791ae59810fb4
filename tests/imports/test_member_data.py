"""A member's own data to take along, and the ring's export for coordinators only."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tauschring.db import atomic, db
from tauschring.errors import Forbidden, NotFound
from tauschring.exchanges import service as exchanges
from tauschring.imports.member_data import export_member
from tauschring.market.service import categories, create_talent
from tauschring.members.service import update_profile


@pytest.fixture
def neighbours(world):
    """Anna traded with Bert; Bert and Carl traded without her; each has a talent."""
    ring, other = world.ring("ring-a"), world.ring("ring-b")
    karin = world.coordinator(ring, "Karin")
    anna, bert, carl = (world.member(ring, n) for n in ("Anna", "Bert", "Carl"))
    olga = world.member(other, "Olga")

    def live(session):
        category = categories(session, ring.id)[0].id
        for person, title in ((anna, "Anna bakes bread"), (bert, "Bert fixes bikes"),
                              (carl, "Carl walks dogs")):
            create_talent(session, person.actor, kind="offer", title=title,
                          category_id=category)
        update_profile(session, bert.actor, bert.id, phone="0761 999 BERT")
        update_profile(session, carl.actor, carl.id, phone="0761 999 CARL")
        ours = exchanges.propose(session, anna.actor, provider_id=anna.id,
                                 recipient_id=bert.id, minutes=60, description="Brot gebacken",
                                 performed_on=date(2026, 5, 1))
        exchanges.confirm(session, bert.actor, ours.id)
        theirs = exchanges.propose(session, bert.actor, provider_id=bert.id,
                                   recipient_id=carl.id, minutes=30,
                                   description="Secret bike deal", performed_on=date(2026, 5, 2))
        exchanges.confirm(session, carl.actor, theirs.id)

    atomic(live)
    return {"ring": ring, "karin": karin, "anna": anna, "bert": bert, "carl": carl,
            "olga": olga}


def test_a_member_gets_their_own_data_and_nothing_of_others(neighbours):
    anna, bert, carl = neighbours["anna"], neighbours["bert"], neighbours["carl"]

    data = export_member(db.session, anna.actor, anna.id)
    text = json.dumps(data, ensure_ascii=False)

    assert (data["format"], data["version"]) == ("tauschring-member-export", 1)
    assert data["member"]["email"] == anna.email and "password_hash" not in data["member"]
    assert "$argon2" not in text
    assert data["account"]["id"] == anna.account_id and data["account"]["balance"] == 60
    assert [(e["minutes"], e["memo"]) for e in data["entries"]] == [(60, "Brot gebacken")]
    assert [t["title"] for t in data["talents"]] == ["Anna bakes bread"]
    [exchange] = data["exchanges"]
    assert exchange["role"] == "provider" and exchange["partner"] == {"id": bert.id,
                                                                      "name": "Bert"}
    assert [e["action"] for e in exchange["events"]] == ["proposed", "confirmed"]
    assert data["notifications"]
    for foreign in (bert.email, carl.email, carl.name, "0761 999", "Bert fixes bikes",
                    "Carl walks dogs", "Secret bike deal"):
        assert foreign not in text, foreign


def test_coordinators_may_export_a_member_others_may_not(neighbours):
    anna, bert, karin = neighbours["anna"], neighbours["bert"], neighbours["karin"]

    assert export_member(db.session, karin.actor, anna.id)["member"]["id"] == anna.id
    with pytest.raises(Forbidden):
        export_member(db.session, bert.actor, anna.id)
    with pytest.raises(NotFound):
        export_member(db.session, neighbours["olga"].actor, anna.id)


def test_download_my_data_page_and_api(neighbours, browser_as, api_as):
    anna = neighbours["anna"]

    page = browser_as(anna).get("/profile/export.json")
    assert page.status_code == 200 and page.mimetype == "application/json"
    assert "attachment" in page.headers["Content-Disposition"]
    assert page.get_json()["member"]["id"] == anna.id

    api = api_as(anna).get("/api/v1/me/export")
    assert api.status_code == 200
    assert api.get_json()["member"]["id"] == anna.id


def test_only_coordinators_export_the_ring(neighbours, browser_as, api_as):
    anna, karin = neighbours["anna"], neighbours["karin"]

    refused = api_as(anna).get("/api/v1/rings/current/export")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    assert browser_as(anna).get("/coordination/export.json").status_code == 403

    exported = api_as(karin).get("/api/v1/rings/current/export")
    assert exported.status_code == 200
    body = exported.get_json()
    assert body["format"] == "tauschring-ring-export"
    assert body["ring"]["id"] == neighbours["ring"].id
    assert "Olga" not in json.dumps(body)
    page = browser_as(karin).get("/coordination/export.json")
    assert page.status_code == 200 and page.get_json()["ring"]["slug"] == "ring-a"
