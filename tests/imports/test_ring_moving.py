"""Moving a whole ring to another instance: export it, import it into an empty
database, and find the same balances, the same chain head, an audit in order,
and members who set their password with the reset link (the export carries no
password hashes, so old passwords do not work)."""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tauschring.db import atomic, db
from tauschring.errors import Conflict, Invalid
from tauschring.exchanges import service as exchanges
from tauschring.fees.service import charge
from tauschring.imports.commands import (
    export_ring_to_file,
    import_members_from_file,
    import_ring_from_file,
    report_lines,
)
from tauschring.imports.ring_file import export_ring, import_ring
from tauschring.ledger import service as ledger
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.market.service import categories, create_talent
from tauschring.members.service import (
    appoint_coordinator,
    create_by_coordinator,
    create_member,
    request_password_reset,
)
from tauschring.rings.models import Ring
from tauschring.rings.service import update_settings


@dataclass
class MovingRing:
    ring: object
    karin: object
    anna: object
    bert: object
    household: object


@pytest.fixture
def moving(world):
    """A lively ring beside another one: exchanges, a dispute, a reversal, an
    override, a fee, limits, a household, and an admin of the other ring who
    appointed a coordinator here."""
    other = world.ring("nachbarn")
    admin = world.member(other, "Ada Admin", role="admin")
    world.member(other, "Otto")
    ring = world.ring("umzug", min_balance=-600, max_balance=1200)
    karin = world.coordinator(ring, "Karin")
    anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")
    carla = world.member(ring, "Carla")

    def live(session):
        first = categories(session, ring.id)[0]
        talent = create_talent(session, anna.actor, kind="offer", title="Gartenhilfe",
                               description="Rasen mähen", category_id=first.id)
        done = exchanges.propose(session, anna.actor, provider_id=anna.id,
                                 recipient_id=bert.id, minutes=90, description="Rasen",
                                 performed_on=date(2026, 5, 1), talent_id=talent.id)
        exchanges.confirm(session, bert.actor, done.id)
        quarrel = exchanges.propose(session, bert.actor, provider_id=bert.id,
                                    recipient_id=anna.id, minutes=45, description="Einkauf",
                                    performed_on=date(2026, 5, 2))
        exchanges.confirm(session, anna.actor, quarrel.id)
        exchanges.dispute(session, anna.actor, quarrel.id, "Nur 20 Minuten")
        exchanges.resolve(session, karin.actor, quarrel.id, decision="cancel",
                          note="Einigung: storniert")
        ledger.book_by_coordinator(session, karin.actor,
                                   debit_account_id=ring.association_account_id,
                                   credit_account_id=carla.account_id, minutes=1500,
                                   memo="Übertrag aus dem alten Ring", override_limits=True,
                                   reason="Altbestand")
        update_settings(session, karin.actor, fee_minutes=10, fee_period="month")
        charge(session, ring_id=ring.id, period="2026-05", booked_by_id=karin.id)
        ledger.set_limits(session, karin.actor, account_id=bert.account_id, min_balance=-900)
        appoint_coordinator(session, admin.actor, ring.id, bert.id)
        return create_by_coordinator(session, karin.actor, name="Anton", household_of=anna.id,
                                     email="anton@example.org", password="anton's password")

    household = atomic(live)
    return MovingRing(ring, karin, anna, bert, household)


def rows(statement: str, **params):
    db.session.rollback()
    return [tuple(r) for r in db.session.execute(sa.text(statement), params).all()]


def balances(ring_id: int) -> list[tuple]:
    return rows("SELECT id, kind, status, balance, min_balance, max_balance FROM accounts "
                "WHERE ring_id = :r ORDER BY id", r=ring_id)


def log_in(app, email: str, password: str) -> int:
    with app.app_context():
        return app.test_client().post("/api/v1/tokens", json={
            "email": email, "password": password}).status_code


NEW_PASSWORD = "ein neues Passwort nach dem Umzug"


def reset_password(app, email: str, password: str = NEW_PASSWORD) -> int:
    """Ask for the reset link, follow it from the mail, choose `password`: the
    page's answer (302 to the log-in page when it worked)."""
    with app.app_context():
        atomic(request_password_reset, email)
        body = db.session.execute(sa.text(
            "SELECT body FROM outbox WHERE to_address = :a ORDER BY id DESC"),
            {"a": email}).scalars().first()
        db.session.remove()
    link = re.search(r"(/password/reset/\S+)", body).group(1)
    client = app.test_client()
    with app.app_context():
        page = client.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*\bvalue="([^"]+)"', page).group(1)
    with app.app_context():
        return client.post(link, data={"csrf_token": token, "password": password,
                                       "password_again": password}).status_code


def test_a_ring_moves_to_an_empty_instance_and_stays_the_same(app, moving, target_app):
    ring_id = moving.ring.id
    exported = json.loads(json.dumps(export_ring(db.session, ring_id)))
    before = {"balances": balances(ring_id),
              "transfers": rows("SELECT id, seq, hash, reverses_id, exchange_id, "
                                "override_reason FROM transfers WHERE ring_id = :r "
                                "ORDER BY id", r=ring_id),
              "audit": audit_ring(db.session, ring_id)}
    assert before["audit"]["ok"]
    assert (exported["format"], exported["version"]) == ("tauschring-ring-export", 3)
    assert exported["chain"]["head"] == before["audit"]["chain"]["head"]
    assert {t["reverses_id"] is not None for t in exported["transfers"]} == {True, False}
    assert any(t["override_reason"] == "Altbestand" for t in exported["transfers"])
    assert all("password_hash" not in m for m in exported["members"])
    assert {m["name"] for m in exported["members"]} == {"Karin", "Anna", "Bert", "Carla",
                                                         "Anton"}
    outside = [a for a in exported["audit_log"] if "actor_outside_ring" in a]
    assert [a["actor_outside_ring"]["name"] for a in outside] == ["Ada Admin"]
    assert len(exported["fee_charges"]) == 4 and len(exported["exchange_events"]) >= 5

    with target_app.app_context():
        summary = atomic(import_ring, exported)
        after = {"balances": balances(ring_id),
                 "transfers": rows("SELECT id, seq, hash, reverses_id, exchange_id, "
                                   "override_reason FROM transfers WHERE ring_id = :r "
                                   "ORDER BY id", r=ring_id),
                 "audit": audit_ring(db.session, ring_id)}
        assert summary["ring_id"] == ring_id and summary["slug"] == "umzug"
        assert after["audit"]["ok"], after["audit"]
        assert after["audit"]["chain"]["head"] == before["audit"]["chain"]["head"]
        assert after["balances"] == before["balances"]
        assert after["transfers"] == before["transfers"]
        assert rows("SELECT name FROM rings") == [("Umzug",)]
        assert rows("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == [
            ("ring.import",)]
    # No password moved along: nobody logs in until they set one by the reset link.
    assert log_in(target_app, moving.anna.email, moving.anna.password) == 401
    assert log_in(target_app, "anton@example.org", "anton's password") == 401
    assert reset_password(target_app, moving.anna.email) == 302
    assert log_in(target_app, moving.anna.email, NEW_PASSWORD) == 201
    assert log_in(target_app, moving.anna.email, moving.anna.password) == 401
    assert log_in(target_app, "anton@example.org", NEW_PASSWORD) == 401


def test_the_moved_ring_goes_on_trading(app, moving, target_app):
    exported = export_ring(db.session, moving.ring.id)
    with target_app.app_context():
        atomic(import_ring, exported)

        def trade(session):
            newcomer = create_member(session, ring_id=moving.ring.id, name="Nora",
                                     email="nora@example.org", password="noras password")
            ledger.book(session, ring_id=moving.ring.id, debit_account_id=moving.anna.account_id,
                        credit_account_id=newcomer.account_id, minutes=30, memo="Willkommen")
            return newcomer

        newcomer = atomic(trade)
        assert newcomer.id > max(m["id"] for m in exported["members"])
        assert newcomer.account_id > max(a["id"] for a in exported["accounts"])
        audit = audit_ring(db.session, moving.ring.id)
        assert audit["ok"] and audit["transfers"] == exported["chain"]["length"] + 1


def test_a_ring_is_not_imported_twice_or_over_other_data(app, moving, target_app, world):
    exported = export_ring(db.session, moving.ring.id)
    with target_app.app_context():
        atomic(import_ring, exported)
        state = rows("SELECT count(*) FROM members UNION ALL SELECT count(*) FROM transfers")
        with pytest.raises(Conflict) as twice:
            atomic(import_ring, exported)
        assert twice.value.code == "slug_taken"
        assert rows("SELECT count(*) FROM members UNION ALL "
                    "SELECT count(*) FROM transfers") == state

    # The source itself holds other rings with these ids already.
    renamed = {**exported, "ring": {**exported["ring"], "slug": "umzug-2"},
               "members": [{**m, "email": "x" + m["email"]} for m in exported["members"]]}
    with pytest.raises(Conflict) as clash:
        atomic(import_ring, renamed)
    assert clash.value.code == "ids_taken"
    assert "new database" in clash.value.message


def test_a_changed_or_foreign_file_is_refused_and_changes_nothing(app, moving, target_app):
    exported = export_ring(db.session, moving.ring.id)
    tampered = json.loads(json.dumps(exported))
    tampered["transfers"][0]["minutes"] += 1
    with target_app.app_context():
        with pytest.raises(Invalid) as broken:
            atomic(import_ring, tampered)
        assert broken.value.code == "export_chain_broken"
        for bad, code in [({"format": "something else"}, "export_format_unknown"),
                          ({**exported, "version": 4}, "export_version_unsupported"),
                          ({**exported, "version": "3"}, "export_version_unsupported"),
                          ({**exported, "members": [{**exported["members"][0],
                                                     "shoe_size": 42}]}, "export_invalid")]:
            with pytest.raises(Invalid) as refused:
                atomic(import_ring, bad)
            assert refused.value.code == code
        assert rows("SELECT count(*) FROM rings UNION ALL SELECT count(*) FROM members") == [
            (0,), (0,)]


def test_the_command_line_helpers_move_a_ring_through_a_file(app, moving, target_app,
                                                             tmp_path, csv_file):
    out = tmp_path / "umzug.json"
    written = export_ring_to_file("umzug", out)
    assert written["chain"]["head"] == db.session.get(Ring, moving.ring.id).chain_head
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert written["rows"]["members"] == 5

    with target_app.app_context():
        moved = import_ring_from_file(out)
        assert moved["audit"]["ok"] and moved["chain"]["head"] == written["chain"]["head"]
        members = tmp_path / "members.csv"
        members.write_text(csv_file([{"name": "Zoe", "email": "zoe@example.org",
                                      "opening_balance": "-0:30"}]))
        checked = import_members_from_file("umzug", members, dry_run=True)
        assert checked.ok and rows("SELECT count(*) FROM members") == [(5,)]
        assert report_lines(checked)[0].startswith("would import: 1 member(s) on 1 account(s)")
        done = import_members_from_file("umzug", members)
        assert done.imported and rows("SELECT count(*) FROM members") == [(6,)]
        assert audit_ring(db.session, moving.ring.id)["ok"]
        again = import_members_from_file("umzug", members)
        assert report_lines(again) == [
            "row 2, email: A member with the e-mail address zoe@example.org exists already.",
            "1 problem(s) in the file; nothing was imported"]
        with pytest.raises(Invalid):
            import_ring_from_file(tmp_path / "missing.json")


def test_an_export_reads_one_consistent_moment(app, moving):
    exported = export_ring(db.session, moving.ring.id)
    account_ids = {a["id"] for a in exported["accounts"]}
    assert {e["account_id"] for e in exported["entries"]} <= account_ids
    assert len(exported["entries"]) == 2 * len(exported["transfers"])
    assert sum(a["balance"] for a in exported["accounts"]) == 0
    assert all(a["ring_id"] == moving.ring.id for a in exported["accounts"])
    assert exported["ring"]["chain_length"] == len(exported["transfers"])
    association = db.session.scalars(select(Account).where(
        Account.ring_id == moving.ring.id, Account.kind == "association")).one()
    assert association.id in account_ids


def test_a_ring_moves_from_sqlite_to_postgresql(request, harness, tmp_path):
    """The way a growing ring goes: from the embedded database to PostgreSQL."""
    source_path = tmp_path / "small.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), source_path)
    source = harness.make_app(f"sqlite:///{source_path}", tmp_path / "small")
    with source.app_context():
        world = harness.World(source)
        ring = world.ring("wachsend")
        anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")
        for minutes in (15, 30, 45):
            atomic(lambda s, m=minutes: ledger.book(
                s, ring_id=ring.id, debit_account_id=anna.account_id,
                credit_account_id=bert.account_id, minutes=m, memo=f"Hilfe über {m} Minuten"))
        exported = json.loads(json.dumps(export_ring(db.session, ring.id)))
        db.session.remove()
        db.engine.dispose()

    template = request.getfixturevalue("postgres_template")
    name = f"tauschring_grown_{os.getpid()}_{next(harness._counter)}"
    admin = harness._pg_admin()
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    try:
        target = harness.make_app(harness._pg_url(name), tmp_path / "grown")
        with target.app_context():
            atomic(import_ring, exported)
            audit = audit_ring(db.session, ring.id)
            assert audit["ok"] and audit["chain"]["head"] == exported["chain"]["head"]
            db.session.remove()
            db.engine.dispose()
        assert log_in(target, anna.email, anna.password) == 401
        assert reset_password(target, anna.email) == 302
        assert log_in(target, anna.email, NEW_PASSWORD) == 201
        with target.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
