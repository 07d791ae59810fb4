"""The members' page: paying a member of a peer ring, over real HTTP.

Ring sonnenberg and ring talheim of one database trade as peers whose
address is a live server of this very app (the instance talks to itself,
signed, as it would to another)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from tauschring.db import atomic, db
from tauschring.federation import service
from tauschring.federation.signing import create_key, key_path, public_text
from tauschring.ledger.models import Account
from tauschring.office.numbers import number_of


def test_a_member_pays_through_the_page_and_both_rings_book(world, pages, live_server):
    key, _ = create_key(Path(key_path(current_app.config["TAUSCHRING"])))
    public = public_text(key)
    url = live_server.application_url.rstrip("/")
    a, b = world.ring("sonnenberg"), world.ring("talheim")
    anna, bert = world.member(a, "Anna"), world.member(b, "Bert")
    for ring, remote in (("sonnenberg", "talheim"), ("talheim", "sonnenberg")):
        atomic(service.add_peer, ring_slug=ring, url=url, remote_ring=remote,
               public_key=public, credit_line=600)
    pages.login(anna)
    partner_rings = pages.client.get("/partners").text
    assert "talheim" in partner_rings and 'href="/federation"' in partner_rings
    response = pages.submit("/federation", "/federation", {
        "to_member": str(number_of(db.session, bert.id)), "minutes": "1:30",
        "memo": "Fahrrad repariert"})
    assert response.status_code == 302, response.text
    page = pages.client.get("/federation").text
    assert "Paid" in page and "Fahrrad repariert" in page and "booked" in page
    db.session.expire_all()
    assert db.session.get(Account, anna.account_id).balance == -90
    assert db.session.get(Account, bert.account_id).balance == 90

    refused = pages.submit("/federation", "/federation", {"to_member": "999", "minutes": "1"})
    assert refused.status_code == 302
    assert "did not take the payment" in pages.client.get("/federation").text
    db.session.expire_all()
    assert db.session.get(Account, anna.account_id).balance == -90
