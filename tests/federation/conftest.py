"""Two rings of one database that trade as if they were on two instances.

Each ring has a peer for the other (the same signing key on "both sides"),
and the transport hands a message straight to `receive`: the whole protocol
runs, signatures and all, without a network."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tauschring.db import atomic, db
from tauschring.federation import service
from tauschring.federation.models import FederatedTransfer
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.office.numbers import number_of
from tests.support.pages import pages  # noqa: F401  (the page browser)


@dataclass
class Pair:
    me: service.Identity
    a: object
    b: object
    anna: object
    bert: object
    peer_a: int  # ring a's peer (ring b "over there")
    peer_b: int
    clearing_a: int
    clearing_b: int
    bert_number: int
    anna_number: int
    broken: set

    def transport(self, url, payload):
        kind = payload["message"]["kind"]
        if kind in self.broken:
            raise service.Unreachable(f"{kind} lost on the way")
        # through JSON, as over the wire
        return json.loads(json.dumps(service.receive(self.me, json.loads(json.dumps(payload)))))

    def balance(self, account_id):
        db.session.expire_all()
        return db.session.get(Account, account_id).balance

    def transfers(self):
        db.session.expire_all()
        return db.session.query(FederatedTransfer).order_by(FederatedTransfer.id).all()

    def audits_ok(self):
        db.session.expire_all()
        return all(audit_ring(db.session, ring.id)["ok"] for ring in (self.a, self.b))


def make_pair(world, *, line_a=600, line_b=600) -> Pair:
    me = service.Identity(Ed25519PrivateKey.generate(), "https://a.example")
    a, b = world.ring("sonnenberg"), world.ring("talheim")
    anna, bert = world.member(a, "Anna"), world.member(b, "Bert")
    peer_a = atomic(service.add_peer, ring_slug="sonnenberg", url="https://b.example",
                    remote_ring="talheim", public_key=me.public_key, credit_line=line_a)
    peer_b = atomic(service.add_peer, ring_slug="talheim", url="https://a.example",
                    remote_ring="sonnenberg", public_key=me.public_key, credit_line=line_b)
    return Pair(me, a, b, anna, bert, peer_a.id, peer_b.id, peer_a.account_id,
                peer_b.account_id, number_of(db.session, bert.id),
                number_of(db.session, anna.id), set())


@pytest.fixture
def pair(world):
    return make_pair(world)
