"""Asking for help: consent, a mail at each step, the contact point passes the
request on to a ring whose coordinators see it and post it in their market,
the outcome closes it, and the contact data go after the retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tauschring.db import atomic, db, utcnow
from tauschring.errors import Invalid, NotFound, Throttled
from tauschring.mail.models import OutgoingMail
from tauschring.market.models import Category, Talent
from tauschring.regions import service as regions
from tauschring.regions.models import HelpRequest


def _mails_to(address: str) -> list[OutgoingMail]:
    db.session.rollback()  # a fresh look: what the server committed since
    return list(db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.to_address == address).order_by(OutgoingMail.id)))


def _ask(scene, **changes) -> int:
    fields = {"need": "Wer kauft mittwochs für meine Mutter ein?", "postcode": "33649",
              "place": "Talheim", "name": "Hilde Sommer", "email": "hilde@example.org",
              "phone": "", "consent": True, "language": "de", **changes}
    return atomic(regions.ask_for_help, scene.slug, **fields).id


def test_without_consent_or_a_way_to_answer_nothing_is_kept(region_scene):
    with pytest.raises(Invalid) as refused:
        _ask(region_scene, consent=False)
    assert refused.value.code == "consent_missing" and refused.value.field == "consent"
    with pytest.raises(Invalid) as refused:
        _ask(region_scene, email="", phone="")
    assert refused.value.code == "contact_missing"
    with pytest.raises(Invalid):
        _ask(region_scene, need="   ")
    assert db.session.scalar(select(HelpRequest.id)) is None
    assert _mails_to("hilde@example.org") == []


def test_from_asking_to_the_rings_market_with_a_mail_at_each_step(region_scene):
    scene = region_scene
    request_id = _ask(scene)
    (received,) = _mails_to("hilde@example.org")
    assert "Anfrage" in received.subject and "Hilde Sommer" in received.body

    contact = scene.contact_actor
    atomic(regions.forward_help_request, contact, scene.slug, request_id, ring_slug="talheim",
           note="Die Koordination meldet sich bei Ihnen.")
    assert len(_mails_to("hilde@example.org")) == 2
    assert "Talheim" in _mails_to("hilde@example.org")[-1].body

    # Talheim's coordinators see it, with the way to reach her; Sonnenberg's do not.
    seen = regions.ring_help_requests(db.session, scene.coordinator_b.actor)
    assert [r.id for r in seen] == [request_id] and seen[0].email == "hilde@example.org"
    assert regions.ring_help_requests(db.session, scene.coordinator_a.actor) == []
    with pytest.raises(NotFound):
        regions.ring_help_request(db.session, scene.coordinator_a.actor, request_id)

    category = db.session.scalar(select(Category.id).where(
        Category.ring_id == scene.ring_b.id, Category.slug == "einkauf-und-besorgungen"))
    talent = atomic(regions.post_as_request, scene.coordinator_b.actor, request_id,
                    category_id=category, title="Einkaufen mittwochs in Talheim")
    stored = db.session.get(Talent, talent.id)
    assert (stored.kind, stored.ring_id) == ("request", scene.ring_b.id)
    assert len(_mails_to("hilde@example.org")) == 3

    atomic(regions.record_outcome, contact, scene.slug, request_id,
           outcome="Eine Nachbarin kauft nun mittwochs ein.")
    mails = _mails_to("hilde@example.org")
    assert len(mails) == 4 and "Nachbarin" in mails[-1].body
    request = db.session.get(HelpRequest, request_id)
    assert request.state == "closed" and request.answered_at is not None


def test_an_english_asker_gets_english_mails(region_scene):
    _ask(region_scene, language="en", email="jo@example.org", name="Jo")
    (mail,) = _mails_to("jo@example.org")
    assert "request for help" in mail.subject


def test_contact_data_are_deleted_after_the_retention_period_and_twice_is_safe(
        region_scene):
    request_id = _ask(region_scene, phone="0521 123")
    kept = db.session.get(HelpRequest, request_id)
    assert kept.retain_until == utcnow().date() + timedelta(days=90)
    assert atomic(regions.forget_contact_data, today=kept.retain_until) == 0
    later = kept.retain_until + timedelta(days=1)
    assert atomic(regions.forget_contact_data, today=later) == 1
    assert atomic(regions.forget_contact_data, today=later) == 0
    db.session.expire_all()
    gone = db.session.get(HelpRequest, request_id)
    assert (gone.name, gone.email, gone.phone) == ("", "", "")
    assert gone.contact_deleted_at is not None and gone.need  # what was asked stays


def test_only_the_regions_rings_and_services_can_receive_a_request(region_scene, world):
    scene = region_scene
    world.ring("fernweh")
    request_id = _ask(scene)
    with pytest.raises(Invalid):
        atomic(regions.forward_help_request, scene.contact_actor, scene.slug, request_id,
               ring_slug="fernweh")
    with pytest.raises(NotFound):
        atomic(regions.forward_help_request, scene.contact_actor, scene.slug, request_id,
               service_id=10**6)
    service_id = scene.service_ids["Seniorenbüro Talheim"]
    atomic(regions.forward_help_request, scene.contact_actor, scene.slug, request_id,
           service_id=service_id)
    assert "Seniorenbüro Talheim" in _mails_to("hilde@example.org")[-1].body


def test_the_lotsenfunktion_through_the_api(region_scene, http, problem):
    scene = region_scene
    problem(http.post(f"/api/v1/regions/{scene.slug}/help-requests",
                      json={"need": "Hilfe im Garten", "email": "g@example.org",
                            "consent": False}), 422, field="consent")
    asked = http.post(f"/api/v1/regions/{scene.slug}/help-requests",
                      json={"need": "Hilfe im Garten", "postcode": "33649",
                            "email": "g@example.org", "consent": True},
                      headers={"Accept-Language": "en"})
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["id"]
    assert asked.json()["state"] == "new" and "email" not in asked.json()
    assert "request for help" in _mails_to("g@example.org")[0].subject  # in English

    desk = http.token_for(scene.contact.email, "correct horse battery")
    listed = http.get(f"/api/v1/regions/{scene.slug}/help-requests", token=desk).json()
    assert [item["id"] for item in listed["items"]] == [request_id]
    problem(http.post(f"/api/v1/regions/{scene.slug}/help-requests/{request_id}/forward",
                      token=desk, json={}), 422, field="target")
    forwarded = http.post(f"/api/v1/regions/{scene.slug}/help-requests/{request_id}/forward",
                          token=desk, json={"ring": "talheim"})
    assert forwarded.status_code == 200 and forwarded.json()["ring"] == "talheim"

    otto = http.token(scene.coordinator_b)
    seen = http.get("/api/v1/help-requests", token=otto).json()["items"]
    assert [item["email"] for item in seen] == ["g@example.org"]
    assert http.get("/api/v1/help-requests",
                    token=http.token(scene.coordinator_a)).json()["items"] == []
    problem(http.get("/api/v1/help-requests", token=http.token(scene.anna)), 403)

    closed = http.post(f"/api/v1/regions/{scene.slug}/help-requests/{request_id}/outcome",
                       token=desk, json={"outcome": "Der Tauschring hilft."})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    problem(http.post(f"/api/v1/regions/{scene.slug}/help-requests/{request_id}/outcome",
                      token=desk, json={"outcome": "noch einmal"}), 409)
    assert len(_mails_to("g@example.org")) == 3


def test_a_few_requests_a_day_per_address_so_nobody_is_flooded_with_mail(region_scene, http):
    for number in range(3):
        _ask(region_scene, need=f"Anfrage {number}")
    with pytest.raises(Throttled):
        _ask(region_scene, need="noch eine")
    assert len(_mails_to("hilde@example.org")) == 3
    # By phone alike; another address is not held up.
    _ask(region_scene, email="", phone="0521 1")
    _ask(region_scene, email="jemand@example.org")
    refused = http.post(f"/api/v1/regions/{region_scene.slug}/help-requests",
                        json={"need": "x", "email": "hilde@example.org", "consent": True})
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_new_addresses_from_one_sender_are_held_up_too(region_scene, http):
    """Ten requests a day from one network address, whatever e-mail they give;
    the address itself is not stored, only a keyed hash, forgotten with the rest."""
    for number in range(regions.SENDER_REQUESTS_PER_DAY):
        sent = http.post(f"/api/v1/regions/{region_scene.slug}/help-requests",
                         json={"need": f"Anfrage {number}", "consent": True,
                               "email": f"person{number}@example.org"})
        assert sent.status_code == 201, sent.text
    refused = http.post(f"/api/v1/regions/{region_scene.slug}/help-requests",
                        json={"need": "noch eine", "email": "neu@example.org",
                              "consent": True})
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    db.session.rollback()
    senders = set(db.session.scalars(select(HelpRequest.sender)))
    assert len(senders) == 1 and "127.0.0.1" not in senders.pop()
    # Another sender (a service call carries no address) is not held up.
    _ask(region_scene, email="anders@example.org")
    later = utcnow().date() + timedelta(days=400)
    assert atomic(regions.forget_contact_data, later) == regions.SENDER_REQUESTS_PER_DAY + 1
    db.session.rollback()
    assert set(db.session.scalars(select(HelpRequest.sender))) == {""}
