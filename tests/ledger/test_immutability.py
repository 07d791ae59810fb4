"""History cannot be rewritten: the database itself refuses UPDATE, DELETE
(and on PostgreSQL TRUNCATE) on transfers and entries.

The statements go around the application, as raw SQL through the session and
through a separate connection, the way a buggy script or a careless operator
would. After each refusal the ledger is exactly as before and the audit ok.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tauschring.db import atomic, db
from tauschring.ledger import service
from tauschring.ledger.models import Transfer


@pytest.fixture
def booked(world):
    """A ring with three transfers, one of them reversed."""
    ring = world.ring("immutable")
    karin = world.coordinator(ring)
    anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")

    def book(debit, credit, minutes, memo):
        return atomic(lambda s: service.book_by_coordinator(
            s, karin.actor, debit_account_id=debit, credit_account_id=credit,
            minutes=minutes, memo=memo).id)

    first = book(ring.association_account_id, anna.account_id, 120, "Startguthaben")
    second = book(anna.account_id, bert.account_id, 45, "Fenster geputzt")
    atomic(lambda s: service.reverse(s, karin.actor, transfer_id=second, reason="doppelt"))
    ring.anna_account_id = anna.account_id
    return ring, first, second


TRANSFER_CHANGES = [
    "UPDATE transfers SET minutes = minutes + 1 WHERE id = :id",
    "UPDATE transfers SET memo = 'harmless' WHERE id = :id",
    "UPDATE transfers SET credit_account_id = debit_account_id, "
    "debit_account_id = credit_account_id WHERE id = :id",
    "UPDATE transfers SET hash = 'x' WHERE id = :id",
    "UPDATE transfers SET minutes = minutes WHERE id = :id",  # even a no-op
    "UPDATE transfers SET memo = memo || '!'",  # every row
    "DELETE FROM transfers WHERE id = :id",
    "DELETE FROM transfers WHERE id = (SELECT MAX(id) FROM transfers)",
]
ENTRY_CHANGES = [
    "UPDATE entries SET minutes = minutes * 2 WHERE transfer_id = :id",
    "UPDATE entries SET balance_after = 0 WHERE transfer_id = :id",
    "UPDATE entries SET account_id = counterparty_account_id WHERE transfer_id = :id",
    "DELETE FROM entries WHERE transfer_id = :id",
    "DELETE FROM entries",
]


def refused(statement: str, params: dict, *, through: str = "session") -> str:
    """Run one raw statement and return the database's error message."""
    if through == "session":
        session = db.session
        session.rollback()
        with pytest.raises(DBAPIError) as caught:
            session.execute(sa.text(statement), params)
            session.commit()
        session.rollback()
    else:  # a connection of its own, committing on success
        with pytest.raises(DBAPIError) as caught:
            with db.engine.begin() as connection:
                connection.execute(sa.text(statement), params)
    return str(caught.value.orig)


@pytest.mark.parametrize("table", ["transfers", "entries"])
def test_database_refuses_to_rewrite_history(booked, auditor, table):
    ring, first, _second = booked
    before = auditor.assert_sound(ring.id)
    for statement in TRANSFER_CHANGES if table == "transfers" else ENTRY_CHANGES:
        message = refused(statement, {"id": first})
        assert "append-only" in message, (statement, message)
        after = auditor.facts(ring.id)
        assert (after.transfers, after.entries, after.balances) == (
            before.transfers, before.entries, before.balances), statement
    auditor.assert_sound(ring.id)


def test_refused_on_a_separate_connection_too(booked, auditor):
    ring, first, _second = booked
    before = auditor.facts(ring.id)
    for statement in (TRANSFER_CHANGES[0], TRANSFER_CHANGES[6], ENTRY_CHANGES[0],
                      ENTRY_CHANGES[3]):
        message = refused(statement, {"id": first}, through="connection")
        assert "append-only" in message, (statement, message)
    after = auditor.assert_sound(ring.id)
    assert (after.transfers, after.entries) == (before.transfers, before.entries)


def test_the_orm_cannot_change_or_delete_a_transfer(booked, auditor):
    ring, first, second = booked
    before = auditor.facts(ring.id)

    def change(session):
        session.get(Transfer, first).minutes = 1

    def delete(session):
        session.delete(session.get(Transfer, second))

    for unit in (change, delete):
        with pytest.raises(DBAPIError) as caught:
            atomic(unit)
        assert "append-only" in str(caught.value.orig)
    db.session.remove()
    assert auditor.assert_sound(ring.id).transfers == before.transfers


def test_postgresql_refuses_truncate(booked, auditor, engine_name):
    if engine_name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    ring, _first, _second = booked
    before = auditor.facts(ring.id)
    for statement in ("TRUNCATE entries", "TRUNCATE entries CASCADE",
                      "TRUNCATE transfers CASCADE"):
        assert "append-only" in refused(statement, {})
    assert auditor.assert_sound(ring.id).transfers == before.transfers


def test_appending_still_works_after_a_refusal(booked, auditor):
    """The refusal is precise: new bookings go on, and they chain on."""
    ring, first, _second = booked
    refused(TRANSFER_CHANGES[0], {"id": first})
    atomic(lambda s: service.book(s, ring_id=ring.id,
                                  debit_account_id=ring.association_account_id,
                                  credit_account_id=ring.anna_account_id, minutes=5,
                                  memo="Nachtrag"))
    facts = auditor.assert_sound(ring.id)
    assert len(facts.transfers) == 4 and facts.chain_length == 4
    assert facts.balances[ring.anna_account_id] == 120 - 45 + 45 + 5
