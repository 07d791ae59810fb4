"""Moving a ring keeps the office's data: member numbers as printed on slips and
statements, the counters (the next member gets the next number, the next blank
slips go on with the serials), the slips booked before (booking one again is
refused), the authorisations with what helpers did, and the letters by post.
A file written before the office's tables existed still moves its ring, whose
members are numbered in the order they joined. A ring with partner rings is
not moved at all: refused on export, and a file holding one refused on import."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tauschring.db import atomic, db
from tauschring.errors import Conflict, Invalid
from tauschring.imports.commands import export_ring_to_file
from tauschring.imports.ring_file import LATER_TABLES, export_ring, import_ring
from tauschring.ledger.audit import audit_ring
from tauschring.members.service import create_member, request_password_reset
from tauschring.office import letters, proxies
from tauschring.office.batch import BatchRefused, Row, book_rows
from tauschring.office.numbers import ring_numbers
from tauschring.office.slips import reserve_serials
from tauschring.partners import service as partners

COMMAND = Path(sys.executable).with_name("tauschring")
OFFICE_TABLES = ("member_numbers", "office_counters", "office_batches",
                 "office_batch_transfers", "authorisations", "proxy_actions", "postal_choices")
ADDRESS = "Carla Berg\nAm Hang 3\n79100 Freiburg"
NEW_PASSWORD = "ein neues Passwort nach dem Umzug"


@dataclass
class Office:
    ring: object
    karin: object
    anna: object
    bert: object
    carla: object
    proposed_id: int


def sql(statement: str, **params) -> list[tuple]:
    db.session.rollback()
    return [tuple(r) for r in db.session.execute(sa.text(statement), params).all()]


def numbers(ring_id: int) -> dict[str, int]:
    db.session.rollback()
    return {name: number for number, _, name, _, _ in ring_numbers(db.session, ring_id)}


@pytest.fixture
def office(world):
    """A ring whose office has been at work: numbers taken over from the paper
    register (not in the order the members joined), 12 blank slips printed,
    slips 3 and 7 booked, Anna authorising Bert and the office, Bert proposing
    an exchange for Anna, Carla getting her letters by post. Beside it another
    ring, so that the ids are not those of a new database."""
    other = world.ring("nachbarn")
    world.member(other, "Otto")
    ring = world.ring("umzug")
    karin = world.coordinator(ring, "Karin")
    anna, bert, carla = (world.member(ring, n) for n in ("Anna", "Bert", "Carla"))
    # The ring kept a paper register before it came to Tauschring: its numbers.
    for person, number in ((karin, 1), (anna, 17), (bert, 5), (carla, 42)):
        db.session.execute(sa.text("UPDATE member_numbers SET number = :n WHERE member_id = :m"),
                           {"n": number, "m": person.id})
    db.session.execute(sa.text("UPDATE office_counters SET last_member_number = 42 "
                               "WHERE ring_id = :r"), {"r": ring.id})
    db.session.commit()

    def work(session):
        assert reserve_serials(session, ring.id, 12) == list(range(1, 13))
        book_rows(session, karin.actor, [
            Row(anna.account_id, bert.account_id, 90, "Garten", slip=3,
                slip_date=date(2026, 6, 1)),
            Row(bert.account_id, carla.account_id, 30, "Einkauf", slip=7)], kind="slips")
        proxies.grant(session, anna.actor, helper_id=bert.id)
        proxies.grant(session, anna.actor, office=True)
        proposed = proxies.act_for(session, bert.actor, anna.id, "exchange.propose",
                                   provider_id=anna.id, recipient_id=carla.id, minutes=45,
                                   description="Fenster putzen", performed_on=date(2026, 6, 2))
        letters.set_postal_choice(session, karin.actor, carla.id, by_post=True,
                                  address=ADDRESS)
        return proposed.id

    return Office(ring, karin, anna, bert, carla, atomic(work))


def moved(exported: dict) -> dict:
    """The file as written and read back."""
    return json.loads(json.dumps(exported))


def test_the_office_moves_along(app, office, target_app):
    ring_id = office.ring.id
    before = {"numbers": numbers(ring_id),
              "batches": sql("SELECT transfer_id, batch_id, position, slip, slip_date "
                             "FROM office_batch_transfers ORDER BY transfer_id"),
              "authorisations": sql("SELECT id, member_id, helper_id, ended_at "
                                    "FROM authorisations ORDER BY id"),
              "proxy_actions": sql("SELECT id, helper_id, member_id, action, subject, "
                                   "exchange_event_id FROM proxy_actions ORDER BY id")}
    assert before["numbers"] == {"Karin": 1, "Anna": 17, "Bert": 5, "Carla": 42}
    exported = moved(export_ring(db.session, ring_id))
    assert exported["version"] == 3
    assert {t: len(exported[t]) for t in OFFICE_TABLES} == {
        "member_numbers": 4, "office_counters": 1, "office_batches": 1,
        "office_batch_transfers": 2, "authorisations": 2, "proxy_actions": 1,
        "postal_choices": 1}
    assert exported["office_counters"] == [{"ring_id": ring_id, "last_member_number": 42,
                                            "last_slip_serial": 12}]
    assert "mail_attachments" not in exported

    with target_app.app_context():
        summary = atomic(import_ring, exported)
        assert summary["rows"]["office_batch_transfers"] == 2
        assert audit_ring(db.session, ring_id)["ok"]
        # The numbers as printed, not handed out anew in the order the members joined.
        assert numbers(ring_id) == before["numbers"]
        assert sql("SELECT transfer_id, batch_id, position, slip, slip_date FROM "
                   "office_batch_transfers ORDER BY transfer_id") == before["batches"]
        assert sql("SELECT id, member_id, helper_id, ended_at FROM authorisations "
                   "ORDER BY id") == before["authorisations"]
        assert sql("SELECT id, helper_id, member_id, action, subject, exchange_event_id "
                   "FROM proxy_actions ORDER BY id") == before["proxy_actions"]
        db.session.rollback()
        choice = letters.postal_choice(db.session, office.carla.id)
        assert (choice.by_post, choice.address) == (True, ADDRESS)

        # Bert still acts for Anna, and the history still says he proposed for her.
        _, authorisation = proxies.acting_for(db.session, office.bert.actor, office.anna.id)
        assert authorisation.helper_id == office.bert.id
        event_ids = [e for (e,) in sql("SELECT id FROM exchange_events WHERE exchange_id = :x",
                                       x=office.proposed_id)]
        assert set(proxies.helpers_of_events(db.session, event_ids).values()) == {"Bert"}

        # The counters go on: the next member gets 43, the next blank slips 13 and 14.
        def go_on(session):
            nora = create_member(session, ring_id=ring_id, name="Nora",
                                 email="nora@example.org", password="noras password")
            return nora.id, reserve_serials(session, ring_id, 2)

        nora_id, serials = atomic(go_on)
        assert numbers(ring_id)["Nora"] == 43 and serials == [13, 14]

        # Slip 3 was booked before the move: booking it again is refused, nothing moves.
        transfers = sql("SELECT count(*) FROM transfers")
        with pytest.raises(BatchRefused) as again:
            atomic(book_rows, office.karin.actor, [
                Row(office.anna.account_id, office.bert.account_id, 90, "Garten", slip=3)])
        assert (again.value.status, again.value.code) == (409, "slip_already_booked")
        assert "transfers.0.slip" in again.value.field_errors
        assert sql("SELECT count(*) FROM transfers") == transfers

        # A new slip books, in a new batch whose id follows the moved one.
        batch = atomic(book_rows, office.karin.actor, [
            Row(office.anna.account_id, office.bert.account_id, 15, "Kaffee", slip=13)])
        assert batch.id == 2
        assert audit_ring(db.session, ring_id)["ok"]


def _api_token(app, email: str) -> str:
    """The moved member sets a password with the reset link, then takes a token."""
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
    csrf = re.search(r'name="csrf_token"[^>]*\bvalue="([^"]+)"', page).group(1)
    with app.app_context():
        assert client.post(link, data={"csrf_token": csrf, "password": NEW_PASSWORD,
                                       "password_again": NEW_PASSWORD}).status_code == 302
        answer = client.post("/api/v1/tokens", json={"email": email, "password": NEW_PASSWORD})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()["token"]


def test_a_slip_booked_before_the_move_is_refused_over_the_api(app, office, target_app):
    exported = moved(export_ring(db.session, office.ring.id))
    with target_app.app_context():
        atomic(import_ring, exported)
        db.session.remove()
    token = _api_token(target_app, office.karin.email)
    client = target_app.test_client()

    def book(slip: int):
        with target_app.app_context():
            return client.post("/api/v1/transfers/batch",
                               headers={"Authorization": f"Bearer {token}"},
                               json={"transfers": [{
                                   "debit_account_id": office.bert.account_id,
                                   "credit_account_id": office.carla.account_id,
                                   "minutes": 30, "memo": "Einkauf", "slip": slip}]})

    refused = book(7)
    assert refused.status_code == 409, refused.get_data(as_text=True)
    body = refused.get_json()
    assert body["code"] == "slip_already_booked" and "transfers.0.slip" in body["errors"]
    assert book(8).status_code == 201


def test_a_file_from_before_the_office_tables_still_moves_its_ring(app, office,
                                                                     target_app):
    """Version 2 without the office's tables (and without the ring's life, as the
    oldest version-2 files): the members are numbered in the order they joined."""
    exported = moved(export_ring(db.session, office.ring.id))
    old = {k: v for k, v in exported.items() if k not in LATER_TABLES}
    old["version"] = 2
    assert not set(OFFICE_TABLES) & set(old)
    with target_app.app_context():
        summary = atomic(import_ring, old)
        assert all(summary["rows"][t] == 0 for t in OFFICE_TABLES)
        assert audit_ring(db.session, office.ring.id)["ok"]
        assert numbers(office.ring.id) == {"Karin": 1, "Anna": 2, "Bert": 3, "Carla": 4}
        nora = atomic(lambda s: create_member(s, ring_id=office.ring.id, name="Nora",
                                              email="nora@example.org",
                                              password="noras password").id)
        assert numbers(office.ring.id)["Nora"] == 5
        assert nora > max(m["id"] for m in exported["members"])


def test_a_version_3_file_must_hold_the_office_tables(app, office, target_app):
    exported = moved(export_ring(db.session, office.ring.id))
    without = {k: v for k, v in exported.items() if k != "office_batch_transfers"}
    with target_app.app_context():
        with pytest.raises(Invalid) as refused:
            atomic(import_ring, without)
        assert "office_batch_transfers" in str(refused.value)
        assert sql("SELECT count(*) FROM rings") == [(0,)]


def test_numbers_of_the_file_are_kept_and_only_gaps_are_filled(app, office, target_app):
    """A file whose counter is behind its numbers, and a member without a number:
    the numbers are kept, the counter is raised past them, the gap gets the next."""
    exported = moved(export_ring(db.session, office.ring.id))
    exported["office_counters"][0]["last_member_number"] = 3
    exported["member_numbers"] = [n for n in exported["member_numbers"]
                                  if n["member_id"] != office.karin.id]
    with target_app.app_context():
        atomic(import_ring, exported)
        assert numbers(office.ring.id) == {"Karin": 43, "Anna": 17, "Bert": 5, "Carla": 42}


@pytest.mark.parametrize("change", ["number twice", "slip twice", "numbers of another ring",
                                    "number zero"])
def test_a_file_breaking_the_office_rules_is_refused(app, office, target_app, change):
    exported = moved(export_ring(db.session, office.ring.id))
    if change == "number twice":
        exported["member_numbers"][1]["number"] = exported["member_numbers"][0]["number"]
    elif change == "slip twice":
        exported["office_batch_transfers"][1]["slip"] = 3
    elif change == "number zero":  # the database's own rule (number > 0) refuses it
        exported["member_numbers"][0]["number"] = 0
    else:
        exported["member_numbers"][0]["ring_id"] = exported["ring"]["id"] + 100
    with target_app.app_context():
        with pytest.raises(Invalid) as refused:
            atomic(import_ring, exported)
        assert refused.value.code == "export_invalid"
        assert sql("SELECT count(*) FROM rings UNION ALL SELECT count(*) FROM members "
                   "UNION ALL SELECT count(*) FROM member_numbers") == [(0,), (0,), (0,)]


# --- partner rings -----------------------------------------------------------------------

@pytest.fixture
def partners_of(world):
    """Ring "umzug" with a partner ring "bergdorf" (active, or ended)."""
    def make(status: str):
        ring = world.ring("umzug")
        karin = world.coordinator(ring, "Karin")
        world.member(ring, "Anna")
        partner = world.ring("bergdorf")
        world.coordinator(partner, "Bernd")
        atomic(partners.add, ring_id=ring.id, partner_ring_id=partner.id, credit_line=600)
        if status == "ended":
            atomic(partners.end_between, ring_id=ring.id, partner_ring_id=partner.id)
        return ring, karin
    return make


@pytest.mark.parametrize("status", ["active", "ended"])
def test_a_ring_with_partner_rings_is_not_exported(app, partners_of, status, tmp_path, http,
                                                   problem, database_url):
    ring, karin = partners_of(status)
    with pytest.raises(Conflict) as refused:
        export_ring(db.session, ring.id)
    assert refused.value.code == "ring_has_partners"
    message = str(refused.value)
    assert "Bergdorf (bergdorf)" in message and "end the partnerships" in message
    # The command line's helper writes no file.
    folder = tmp_path / "moving"
    folder.mkdir()
    with pytest.raises(Conflict):
        export_ring_to_file("umzug", folder / "umzug.json")
    assert list(folder.iterdir()) == []
    # `tauschring export`: one line on stderr, a non-zero exit, no file.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    done = subprocess.run([str(COMMAND), "export", "--ring", "umzug", "--out",
                           str(folder / "umzug.json")], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert done.returncode != 0 and "Bergdorf (bergdorf)" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert list(folder.iterdir()) == []
    # The API answers 409 with the same message.
    body = problem(http.get("/api/v1/rings/current/export", token=http.token(karin)), 409)
    assert body["code"] == "ring_has_partners" and "Bergdorf (bergdorf)" in body["detail"]


def test_a_ring_without_partners_beside_partner_rings_still_moves(app, partners_of, world,
                                                                 target_app):
    partners_of("active")
    alone = world.ring("allein")
    world.member(alone, "Ida")
    exported = moved(export_ring(db.session, alone.id))
    with target_app.app_context():
        atomic(import_ring, exported)
        assert audit_ring(db.session, alone.id)["ok"]


@pytest.mark.parametrize("made_up", ["clearing account", "exchange across rings"])
def test_a_file_holding_partner_rings_is_not_imported(app, office, target_app, made_up):
    exported = moved(export_ring(db.session, office.ring.id))
    if made_up == "clearing account":
        account = dict(exported["accounts"][-1])
        account.update(id=max(a["id"] for a in exported["accounts"]) + 1, kind="clearing",
                       balance=0)
        exported["accounts"].append(account)
    else:
        exported["exchanges"][0]["partner_ring_id"] = exported["ring"]["id"] + 1
    with target_app.app_context():
        with pytest.raises(Invalid) as refused:
            atomic(import_ring, exported)
        assert refused.value.code == "ring_has_partners"
        assert "partner rings" in str(refused.value)
        assert sql("SELECT count(*) FROM rings UNION ALL SELECT count(*) FROM members "
                   "UNION ALL SELECT count(*) FROM accounts") == [(0,), (0,), (0,)]


def test_the_coordinators_page_says_why_in_german(app, partners_of):
    """Karin (German) follows the link on the import page: the error page tells
    her in German which partner ring keeps the ring from moving; no file."""
    ring, karin = partners_of("active")
    client = app.test_client()
    with app.app_context():
        page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*\bvalue="([^"]+)"', page).group(1)
    with app.app_context():
        assert client.post("/login", data={"csrf_token": csrf, "email": karin.email,
                                           "password": karin.password}).status_code == 302
        answer = client.get("/coordination/export.json")
    assert answer.status_code == 409
    assert "attachment" not in answer.headers.get("Content-Disposition", "")
    text = answer.get_data(as_text=True)
    assert "Dieser Ring hat oder hatte Partnerringe: Bergdorf (bergdorf)" in text
    assert "beenden Sie die Partnerschaften" in text


def test_a_ring_with_a_partner_ring_on_another_instance_is_not_exported(app, world):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tauschring.federation import service as federation
    from tauschring.federation.signing import public_text

    ring = world.ring("umzug")
    world.member(ring, "Anna")
    atomic(federation.add_peer, ring_slug="umzug", url="https://tal.example",
           remote_ring="talheim", public_key=public_text(Ed25519PrivateKey.generate()),
           credit_line=600)
    with pytest.raises(Conflict) as refused:
        export_ring(db.session, ring.id)
    assert refused.value.code == "ring_has_partners"
    assert "talheim (https://tal.example)" in str(refused.value)
