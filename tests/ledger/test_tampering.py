"""The audit finds tampering and names it.

Someone with direct access to the database drops the append-only triggers
(and, where needed, a foreign key) and rewrites history with SQL. Each test
checks that the audit is no longer ok and points at what was changed: the
first bad transfer in the hash chain and the kind of problem, the accounts
whose stored balance no longer matches, the transfers without matching
entries, the entries whose running balance is wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import tauschring
from tauschring.db import atomic, db
from tauschring.ledger import service

# Dropping a trigger or a foreign key changes the schema: such a test gets a
# PostgreSQL database of its own instead of the shared one.
own_database = pytest.mark.own_database


class Ledger:
    """A small ring with six transfers, booked through the service."""

    def __init__(self, world, auditor, database_url, engine_name, node):
        self.auditor, self.url, self.engine_name = auditor, database_url, engine_name
        self.own_database = node.get_closest_marker("own_database") is not None
        ring = self.ring = world.ring("manipuliert", min_balance=-100, max_balance=300)
        karin = world.coordinator(ring)
        self.anna, self.bert, self.clara = (
            world.member(ring, name).account_id for name in ("Anna", "Bert", "Clara"))
        self.association = ring.association_account_id

        def book(debit, credit, minutes, memo, reason=None):
            return atomic(lambda s: service.book_by_coordinator(
                s, karin.actor, debit_account_id=debit, credit_account_id=credit,
                minutes=minutes, memo=memo, override_limits=reason is not None,
                reason=reason).id)

        self.t1 = book(self.association, self.anna, 120, "Startguthaben")
        self.t2 = book(self.association, self.bert, 120, "Startguthaben")
        self.t3 = book(self.anna, self.bert, 45, "Fenster geputzt")
        self.t4 = book(self.bert, self.clara, 30, "Kuchen gebacken")
        self.t5 = atomic(lambda s: service.reverse(s, karin.actor, transfer_id=self.t3,
                                                   reason="doppelt gebucht").id)
        # Past both limits: Anna ends at -180 (minimum -100), Clara at 330 (maximum 300).
        self.t6 = book(self.anna, self.clara, 300, "Umzugshilfe", reason="Vorstandsbeschluss")
        self.before = auditor.assert_sound(ring.id, overridden={self.anna, self.clara})

    def tamper(self, *statements, drop_triggers: bool = True, drop_foreign_keys: bool = False,
               **params):
        """Run SQL as an intruder would: outside the application, with the
        append-only triggers dropped (such tests need @own_database)."""
        assert self.own_database or not (drop_triggers or drop_foreign_keys), (
            "a test that changes the schema needs @pytest.mark.own_database")
        db.session.remove()
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                run = connection.exec_driver_sql
                sqlite = self.engine_name == "sqlite"
                if drop_triggers and sqlite:
                    for name in ("transfers_no_update", "transfers_no_delete",
                                 "entries_no_update", "entries_no_delete"):
                        run(f"DROP TRIGGER IF EXISTS {name}")
                elif drop_triggers:
                    for table in ("transfers", "entries"):
                        run(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                if drop_foreign_keys and sqlite:
                    run("PRAGMA foreign_keys=OFF")  # this connection only
                elif drop_foreign_keys:
                    run("ALTER TABLE entries DROP CONSTRAINT fk_entries_transfer_id_transfers")
                    run("ALTER TABLE transfers DROP CONSTRAINT fk_transfers_reverses_id_transfers")
                for statement in statements:
                    connection.execute(sa.text(statement), params)
        finally:
            engine.dispose()

    def audit(self) -> dict:
        result = self.auditor.audit(self.ring.id)
        assert result["ok"] is False, result
        return result

    def entry_id(self, transfer_id: int, account_id: int) -> int:
        return next(e[0] for e in self.before.entries
                    if e[1] == transfer_id and e[2] == account_id)

    def entries_after(self, entry_id: int, *accounts: int) -> list[int]:
        """Ids of the entries on these accounts from `entry_id` on."""
        return sorted(e[0] for e in self.before.entries if e[0] >= entry_id and e[2] in accounts)


@pytest.fixture
def ledger(world, auditor, database_url, engine_name, request):
    return Ledger(world, auditor, database_url, engine_name, request.node)


def mismatched(result) -> set[int]:
    return {m["account_id"] for m in result["mismatched_accounts"]}


def chain_problem(result) -> tuple:
    chain = result["chain"]
    assert chain["ok"] is False
    return chain["problem"], chain["first_bad_transfer_id"]


# -- changing a transfer ---------------------------------------------------------

@own_database
def test_changed_minutes_are_named(ledger):
    ledger.tamper("UPDATE transfers SET minutes = minutes + 60 WHERE id = :t", t=ledger.t4)
    result = ledger.audit()
    assert chain_problem(result) == ("hash_mismatch", ledger.t4)
    assert mismatched(result) == {ledger.bert, ledger.clara}
    assert result["entries"]["transfers_without_matching_entries"] == [ledger.t4]
    bert = next(m for m in result["mismatched_accounts"] if m["account_id"] == ledger.bert)
    stored = ledger.before.balances[ledger.bert]
    assert bert == {"account_id": ledger.bert, "balance": stored, "recomputed": stored - 60,
                    "entries_sum": stored}


@own_database
def test_a_thorough_forger_who_fixes_entries_and_balances_is_caught_by_the_chain(ledger):
    """Minutes, both entries, the running balances and the stored balances all
    made consistent: only the hash chain still tells."""
    t4 = ledger.t4
    later = " AND id >= (SELECT MIN(id) FROM entries WHERE transfer_id = :t)"
    ledger.tamper(
        "UPDATE transfers SET minutes = 90 WHERE id = :t",
        "UPDATE entries SET minutes = -90 WHERE transfer_id = :t AND minutes < 0",
        "UPDATE entries SET minutes = 90 WHERE transfer_id = :t AND minutes > 0",
        "UPDATE entries SET balance_after = balance_after - 60 WHERE account_id = :bert" + later,
        "UPDATE entries SET balance_after = balance_after + 60 WHERE account_id = :clara"
        + later,
        "UPDATE accounts SET balance = balance - 60 WHERE id = :bert",
        "UPDATE accounts SET balance = balance + 60 WHERE id = :clara",
        t=t4, bert=ledger.bert, clara=ledger.clara)
    result = ledger.audit()
    assert result["mismatched_accounts"] == [] and result["entries"]["ok"] is True
    assert result["sum_of_balances"] == 0
    assert chain_problem(result) == ("hash_mismatch", t4)


@own_database
def test_changed_memo_is_named(ledger):
    ledger.tamper("UPDATE transfers SET memo = 'Geschenk' WHERE id = :t", t=ledger.t3)
    result = ledger.audit()
    assert chain_problem(result) == ("hash_mismatch", ledger.t3)
    assert result["mismatched_accounts"] == [] and result["entries"]["ok"] is True


@own_database
def test_changed_account_is_named(ledger):
    ledger.tamper("UPDATE transfers SET credit_account_id = :clara WHERE id = :t",
                  t=ledger.t3, clara=ledger.clara)
    result = ledger.audit()
    assert chain_problem(result) == ("hash_mismatch", ledger.t3)
    assert mismatched(result) == {ledger.bert, ledger.clara}
    assert result["entries"]["transfers_without_matching_entries"] == [ledger.t3]


@own_database
def test_backdated_transfer_is_named(ledger):
    ledger.tamper("UPDATE transfers SET booked_at = :when WHERE id = :t", t=ledger.t2,
                  when="2020-01-01 12:00:00")
    result = ledger.audit()
    assert chain_problem(result) == ("hash_mismatch", ledger.t2)
    assert result["entries"]["transfers_without_matching_entries"] == [ledger.t2]


@own_database
def test_hidden_override_is_named(ledger):
    """Erasing the reason for a limit override: the chain breaks, and the
    balances outside their limits are no longer explained."""
    ledger.tamper("UPDATE transfers SET override_reason = NULL WHERE id = :t", t=ledger.t6)
    result = ledger.audit()
    assert chain_problem(result) == ("hash_mismatch", ledger.t6)
    violations = {v["account_id"]: v["override_recorded"] for v in result["limit_violations"]}
    assert violations == {ledger.anna: False, ledger.clara: False}


@own_database
def test_swapped_transfers_are_named(ledger):
    """Two transfers exchange their places in the chain."""
    ledger.tamper("UPDATE transfers SET seq = 100 WHERE id = :a",
                  "UPDATE transfers SET seq = 2 WHERE id = :b",
                  "UPDATE transfers SET seq = 3 WHERE id = :a",
                  a=ledger.t2, b=ledger.t3)
    result = ledger.audit()
    assert chain_problem(result) == ("hash_mismatch", ledger.t3)
    assert result["mismatched_accounts"] == []


# -- removing transfers ----------------------------------------------------------

DELETE_TRANSFER = ("DELETE FROM entries WHERE transfer_id = :t",
                   "DELETE FROM transfers WHERE id = :t")


@own_database
def test_deleted_transfer_in_the_middle_is_named(ledger):
    ledger.tamper(*DELETE_TRANSFER, t=ledger.t4)
    result = ledger.audit()
    assert chain_problem(result) == ("sequence_gap", ledger.t5)
    assert result["chain"]["length"] == 5
    assert mismatched(result) == {ledger.bert, ledger.clara}
    wrong = result["entries"]["entries_with_wrong_balance_after"]
    assert wrong and set(wrong) <= set(ledger.entries_after(
        ledger.entry_id(ledger.t4, ledger.bert), ledger.bert, ledger.clara))


@own_database
def test_deleted_transfer_with_balances_fixed_is_still_named(ledger):
    ledger.tamper(*DELETE_TRANSFER,
                  "UPDATE accounts SET balance = balance + 30 WHERE id = :bert",
                  "UPDATE accounts SET balance = balance - 30 WHERE id = :clara",
                  t=ledger.t4, bert=ledger.bert, clara=ledger.clara)
    result = ledger.audit()
    assert result["mismatched_accounts"] == [] and result["sum_of_balances"] == 0
    assert chain_problem(result) == ("sequence_gap", ledger.t5)


@own_database
def test_deleted_last_transfer_is_named(ledger):
    ledger.tamper(*DELETE_TRANSFER, t=ledger.t6)
    result = ledger.audit()
    chain = result["chain"]
    assert chain["ok"] is False and chain["problem"] == "head_mismatch"
    assert chain["length"] == 5 and chain["first_bad_transfer_id"] is None
    assert mismatched(result) == {ledger.anna, ledger.clara}


@own_database
def test_deleted_last_transfer_with_balances_fixed_is_still_named(ledger):
    ledger.tamper(*DELETE_TRANSFER,
                  "UPDATE accounts SET balance = balance + 300 WHERE id = :anna",
                  "UPDATE accounts SET balance = balance - 300 WHERE id = :clara",
                  t=ledger.t6, anna=ledger.anna, clara=ledger.clara)
    result = ledger.audit()
    assert result["mismatched_accounts"] == [] and result["entries"]["ok"] is True
    assert result["chain"]["problem"] == "head_mismatch"


@own_database
def test_deleted_transfer_whose_entries_stay_is_named(ledger):
    ledger.tamper("DELETE FROM transfers WHERE id = :t", t=ledger.t3,
                  drop_foreign_keys=True)
    result = ledger.audit()
    assert chain_problem(result) == ("sequence_gap", ledger.t4)
    assert result["entries"]["ok"] is False
    assert result["entries"]["count"] == 12  # two entries too many for five transfers
    # The stored balances still equal the entries, but not the transfers.
    assert mismatched(result) == {ledger.anna, ledger.bert}
    assert all(m["balance"] == m["entries_sum"] != m["recomputed"]
               for m in result["mismatched_accounts"])


# -- changing entries and balances -----------------------------------------------

@own_database
def test_changed_entry_is_named(ledger):
    entry = ledger.entry_id(ledger.t3, ledger.bert)
    ledger.tamper("UPDATE entries SET minutes = minutes + 10 WHERE id = :e", e=entry)
    result = ledger.audit()
    assert result["chain"]["ok"] is True  # entries are derived, not chained
    assert mismatched(result) == {ledger.bert}
    assert result["entries"]["transfers_without_matching_entries"] == [ledger.t3]
    assert result["entries"]["entries_with_wrong_balance_after"] == ledger.entries_after(
        entry, ledger.bert)


@own_database
def test_changed_running_balance_is_named(ledger):
    entry = ledger.entry_id(ledger.t4, ledger.clara)
    ledger.tamper("UPDATE entries SET balance_after = 999 WHERE id = :e", e=entry)
    result = ledger.audit()
    assert result["entries"]["entries_with_wrong_balance_after"] == [entry]
    assert result["mismatched_accounts"] == [] and result["chain"]["ok"] is True


def test_changed_stored_balance_is_named(ledger):
    ledger.tamper("UPDATE accounts SET balance = balance + 30 WHERE id = :a", a=ledger.anna,
                  drop_triggers=False)
    result = ledger.audit()
    stored = ledger.before.balances[ledger.anna]
    assert result["mismatched_accounts"] == [{"account_id": ledger.anna, "balance": stored + 30,
                                              "recomputed": stored, "entries_sum": stored}]
    assert result["sum_of_balances"] == 30
    assert result["chain"]["ok"] is True and result["entries"]["ok"] is True


def test_balances_moved_between_accounts_are_named(ledger):
    """The sum stays zero, yet both accounts are named."""
    ledger.tamper("UPDATE accounts SET balance = balance + 30 WHERE id = :a",
                  "UPDATE accounts SET balance = balance - 30 WHERE id = :b",
                  a=ledger.bert, b=ledger.association, drop_triggers=False)
    result = ledger.audit()
    assert result["sum_of_balances"] == 0
    assert mismatched(result) == {ledger.bert, ledger.association}


# -- adding and the chain's head -------------------------------------------------

def test_transfer_slipped_in_by_sql_is_named(ledger):
    """INSERT needs no dropped trigger; the forged record does not chain on."""
    ledger.tamper(
        "INSERT INTO transfers (ring_id, seq, debit_account_id, credit_account_id, minutes, "
        "memo, booked_at, hash) VALUES (:ring, 7, :assoc, :anna, 500, 'Bonus', :when, :hash)",
        ring=ledger.ring.id, assoc=ledger.association, anna=ledger.anna,
        when="2030-01-01 00:00:00", hash="ab" * 32, drop_triggers=False)
    result = ledger.audit()
    forged = max(ledger.auditor.facts(ledger.ring.id).transfers)
    assert chain_problem(result) == ("hash_mismatch", forged)
    assert forged in result["entries"]["transfers_without_matching_entries"]
    assert mismatched(result) == {ledger.association, ledger.anna}


def test_changed_chain_head_is_named(ledger):
    ledger.tamper("UPDATE rings SET chain_head = :h WHERE id = :r", h="0" * 64,
                  r=ledger.ring.id, drop_triggers=False)
    result = ledger.audit()
    assert result["chain"]["problem"] == "head_mismatch"


@own_database
def test_tampering_in_one_ring_leaves_the_other_ring_ok(ledger, world, auditor):
    other = world.ring("nachbarn")
    olga = world.member(other, "Olga")
    atomic(lambda s: service.book(
        s, ring_id=other.id, debit_account_id=other.association_account_id,
        credit_account_id=olga.account_id, minutes=60, memo="Start"))
    ledger.tamper("UPDATE transfers SET minutes = 1 WHERE id = :t", t=ledger.t1)
    ledger.audit()
    auditor.assert_sound(other.id)


# -- the command line ------------------------------------------------------------

@own_database
def test_cli_audit_exits_1_after_tampering(ledger, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TAUSCHRING_CONFIG"}
    # The command runs the same code as this test, with this test's database.
    source = str(Path(tauschring.__file__).resolve().parents[1])
    env.update(TAUSCHRING_DATABASE_URL=ledger.url, TAUSCHRING_SECRET_KEY="test",
               PYTHONPATH=os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")])))
    command = [str(Path(sys.executable).with_name("tauschring")), "audit", "--ring",
               ledger.ring.slug]
    ledger.tamper("UPDATE transfers SET memo = 'x' WHERE id = :t", t=ledger.t2)
    broken = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "hash_mismatch" in broken.stdout and str(ledger.t2) in broken.stdout
