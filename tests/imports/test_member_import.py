"""Importing members from a CSV file: the whole file is checked first, every bad
row is named, a bad file changes nothing, households share an account, and
opening balances are booked against the association account."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tauschring.actors import Actor
from tauschring.db import atomic, db
from tauschring.errors import Forbidden
from tauschring.imports.service import decode_csv, import_members, parse_balance
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account, Transfer
from tauschring.members.models import Member
from tauschring.members.passwords import verify_password
from tauschring.rings.service import update_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import-example.csv"


def many_members(count: int) -> list[dict]:
    """`count` people; every tenth pair a household, every fifth account with a balance."""
    rows = []
    for i in range(count):
        row = {"name": f"Person {i}", "email": f"person{i}@example.org",
               "district": "Altstadt", "language": "de" if i % 3 else "en"}
        if i % 10 in (0, 1):
            row["household"] = f"house-{i // 10}"
        if i % 5 == 0:
            row["opening_balance"] = (i % 7 - 3) * 30
        rows.append(row)
    return rows


def run(actor, text, *, dry_run=False):
    return atomic(import_members, actor, text, dry_run=dry_run)


def members_of(ring) -> list[Member]:
    db.session.rollback()
    return list(db.session.scalars(select(Member).where(Member.ring_id == ring.id)
                                   .order_by(Member.id)))


def test_a_thousand_rows_with_one_bad_row_change_nothing_and_name_that_row(
        world, csv_file, counts):
    ring = world.ring()
    karin = world.coordinator(ring)
    rows = many_members(1000)
    rows[536]["email"] = "person536-at-example.org"  # row 538: header is row 1
    before = counts()

    report = run(karin.actor, csv_file(rows))

    assert not report.ok and not report.imported
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (538, "email", "email_invalid")]
    assert "person536-at-example.org" in report.errors[0].message
    assert counts() == before


def test_a_thousand_good_rows_are_imported(world, csv_file):
    ring = world.ring()
    karin = world.coordinator(ring)

    report = run(karin.actor, csv_file(many_members(1000)))

    assert report.ok and report.imported, report.errors[:5]
    imported = [m for m in members_of(ring) if m.id != karin.id]
    assert len(imported) == 1000
    assert {m.status for m in imported} == {"active"}
    assert len({m.account_id for m in imported}) == 900  # 100 households of two
    assert audit_ring(db.session, ring.id)["ok"]


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(world, csv_file, counts):
    ring = world.ring()
    karin = world.coordinator(ring)
    before = counts()
    text = csv_file([
        {"name": "Hans Müller", "email": "hans@example.org", "household": "Müller",
         "opening_balance": "-1:30"},
        {"name": "Erika Müller", "email": "erika@example.org", "household": "müller"},
        {"name": "Jamie", "email": "jamie@example.org", "opening_balance": "240",
         "role": "coordinator", "password": "a long password"},
    ])

    report = run(karin.actor, text, dry_run=True)

    assert report.ok and report.dry_run and not report.imported
    summary = report.as_dict()
    assert (summary["members"], summary["accounts"], summary["households"]) == (3, 2, 1)
    assert summary["coordinators"] == 1 and summary["generated_passwords"] == 2
    assert summary["opening_balances"] == {"count": 2, "total": 150, "credit": 240,
                                           "debit": -90}
    assert [p["holder_row"] for p in summary["people"]] == [2, 2, 4]
    assert all("password" not in p for p in summary["people"])
    assert counts() == before


def test_households_share_one_account_held_by_their_first_row(world, csv_file):
    ring = world.ring()
    karin = world.coordinator(ring)
    text = csv_file([
        {"name": "Ayşe Demir", "email": "ayse@example.org", "household": "demir"},
        {"name": "Single", "email": "single@example.org"},
        {"name": "Mehmet Demir", "email": "mehmet@example.org", "household": "DEMIR"},
        {"name": "Other", "email": "other@example.org", "household": "other"},
    ])

    report = run(karin.actor, text)

    by_email = {m.email: m for m in members_of(ring)}
    assert by_email["ayse@example.org"].account_id == by_email["mehmet@example.org"].account_id
    assert len({m.account_id for m in by_email.values()}) == 4  # with Karin's own
    people = {p.email: p for p in report.members}
    assert people["mehmet@example.org"].holder_row == 2
    account = db.session.get(Account, by_email["ayse@example.org"].account_id)
    assert (account.status, account.kind, account.ring_id) == ("open", "member", ring.id)


def test_opening_balances_are_booked_against_the_association_account(world, csv_file):
    ring = world.ring(min_balance=-600, max_balance=1200)
    karin = world.coordinator(ring)
    text = csv_file([
        {"name": "Rich", "email": "rich@example.org", "opening_balance": "50:00"},  # > max
        {"name": "Poor", "email": "poor@example.org", "opening_balance": "-700"},  # < min
        {"name": "Zero", "email": "zero@example.org", "opening_balance": "0"},
        {"name": "Hans", "email": "hans@example.org", "household": "h",
         "opening_balance": "1:30"},
        {"name": "Erika", "email": "erika@example.org", "household": "h",
         "opening_balance": "90"},  # the same balance again: fine, booked once
    ])

    report = run(karin.actor, text)

    assert report.ok, report.errors
    by_email = {m.email: m for m in members_of(ring)}
    balance = {email: db.session.get(Account, m.account_id).balance
               for email, m in by_email.items()}
    assert balance["rich@example.org"] == 3000
    assert balance["poor@example.org"] == -700
    assert balance["zero@example.org"] == 0
    assert balance["hans@example.org"] == balance["erika@example.org"] == 90
    association = db.session.get(Account, ring.association_account_id)
    assert association.balance == -(3000 - 700 + 90)
    transfers = db.session.scalars(select(Transfer).where(Transfer.ring_id == ring.id)
                                   .order_by(Transfer.seq)).all()
    assert len(transfers) == 3
    assert {t.override_reason for t in transfers} == {"opening balance on import"}
    poor = next(t for t in transfers if t.minutes == 700)
    assert (poor.debit_account_id, poor.credit_account_id) == (
        by_email["poor@example.org"].account_id, ring.association_account_id)
    rich = next(t for t in transfers if t.minutes == 3000)
    assert rich.credit_account_id == by_email["rich@example.org"].account_id
    audit = audit_ring(db.session, ring.id)
    assert audit["ok"] and audit["sum_of_balances"] == 0
    assert all(v["override_recorded"] for v in audit["limit_violations"])


def test_every_bad_row_is_reported_with_row_and_column(world, csv_file, counts):
    ring = world.ring()
    karin = world.coordinator(ring)
    taken = world.member(world.ring("elsewhere"), "Taken")
    atomic(update_settings, karin.actor, household_size=2)
    rows = [
        {"name": "", "email": "noname@example.org"},                        # 2
        {"name": "Bad Mail", "email": "not-an-address"},                    # 3
        {"name": "First", "email": "twice@example.org"},                    # 4
        {"name": "Second", "email": "TWICE@example.org"},                   # 5
        {"name": "Known", "email": taken.email},                            # 6
        {"name": "Boss", "email": "boss@example.org", "role": "admin"},     # 7
        {"name": "Decimal", "email": "dec@example.org", "opening_balance": "1,5"},  # 8
        {"name": "H1", "email": "h1@example.org", "household": "h",
         "opening_balance": "60"},                                         # 9
        {"name": "H2", "email": "h2@example.org", "household": "h",
         "opening_balance": "30"},                                         # 10
        {"name": "H3", "email": "h3@example.org", "household": "h"},        # 11
        {"name": "Lang", "email": "lang@example.org", "language": "fr"},    # 12
        {"name": "Short", "email": "short@example.org", "password": "short"},  # 13
        {"name": "Huge", "email": "huge@example.org",
         "opening_balance": "99999999"},                                   # 14
        {"name": "Fine", "email": "fine@example.org"},                      # 15
    ]
    before = counts()

    report = run(karin.actor, csv_file(rows))

    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "name", "name_missing"),
        (3, "email", "email_invalid"),
        (5, "email", "email_twice"),
        (6, "email", "email_taken"),
        (7, "role", "role_invalid"),
        (8, "opening_balance", "balance_invalid"),
        (10, "opening_balance", "household_balance_disagrees"),
        (11, "household", "household_full"),
        (12, "language", "language_invalid"),
        (13, "password", "password_too_short"),
        (14, "opening_balance", "balance_too_large"),
    ]
    assert "row 4" in report.errors[2].message
    assert "row 9" in report.errors[6].message
    assert report.members == []
    assert counts() == before


def test_a_bad_header_or_ragged_rows_are_named(world):
    ring = world.ring()
    karin = world.coordinator(ring)

    missing = run(karin.actor, "name,phone\nAnna,123\n")
    assert [(e.row, e.column, e.code) for e in missing.errors] == [
        (1, "email", "column_missing")]
    empty = run(karin.actor, "")
    assert [e.code for e in empty.errors] == ["file_empty"]
    only_header = run(karin.actor, "name,email\n")
    assert [e.code for e in only_header.errors] == ["no_members"]
    ragged = run(karin.actor, "name,email\nAnna,anna@example.org,surplus\n\n"
                              "Bert,bert@example.org\n")
    assert [(e.row, e.code) for e in ragged.errors] == [(2, "too_many_fields")]


def test_german_spreadsheets_with_semicolons_and_windows_encoding_are_read(world):
    ring = world.ring()
    karin = world.coordinator(ring)
    text = ("Name;E-Mail;Haushalt;Rolle;Telefon;PLZ;Stadtteil;Anfangssaldo;Sprache;"
            "Bemerkung\n"
            "Jürgen Groß;juergen@example.org;;Coordinator;0761 1;79098;Altstadt;-2:15;DE;"
            "kommt mittwochs\n")
    raw = text.encode("cp1252")

    report = run(karin.actor, decode_csv(b"\xef\xbb\xbf" + text.encode()), dry_run=True)
    assert report.ok and report.ignored_columns == ["bemerkung"]
    report = run(karin.actor, decode_csv(raw))

    assert report.ok, report.errors
    member = next(m for m in members_of(ring) if m.email == "juergen@example.org")
    assert (member.name, member.role, member.language) == ("Jürgen Groß", "coordinator", "de")
    assert (member.phone, member.postcode, member.district) == ("0761 1", "79098", "Altstadt")
    assert db.session.get(Account, member.account_id).balance == -135


def test_balances_in_minutes_or_hours():
    assert parse_balance("90") == 90
    assert parse_balance("-45") == -45
    assert parse_balance("+1:30") == 90
    assert parse_balance("\u22122:05") == -125
    assert parse_balance(" ") == 0
    for bad in ("1,5", "1.5", "1:60", "abc", "1:5", "--1"):
        with pytest.raises(ValueError):
            parse_balance(bad)


def test_given_passwords_work_and_empty_ones_let_nobody_in(world, csv_file):
    ring = world.ring()
    karin = world.coordinator(ring)
    text = csv_file([
        {"name": "With", "email": "with@example.org", "password": "eight chars ok"},
        {"name": "Without", "email": "without@example.org"},
    ])

    run(karin.actor, text)

    by_email = {m.email: m for m in members_of(ring)}
    assert verify_password(by_email["with@example.org"].password_hash, "eight chars ok")
    without = by_email["without@example.org"]
    assert without.password_hash.startswith("$argon2")
    for guess in ("", "without@example.org", "eight chars ok", "Without"):
        assert not verify_password(without.password_hash, guess)


def test_the_documented_example_file_imports(world):
    ring = world.ring()
    karin = world.coordinator(ring)

    report = run(karin.actor, decode_csv(EXAMPLE.read_bytes()))

    assert report.ok, [e.as_dict() for e in report.errors]
    assert (len(report.members), report.accounts, report.households) == (7, 5, 2)
    assert report.opening_balance_total == 750 - 195 + 90 - 45
    assert audit_ring(db.session, ring.id)["ok"]


def test_the_import_is_recorded_in_the_audit_log(world, csv_file):
    from tauschring.auditlog import LoggedAction

    ring = world.ring()
    karin = world.coordinator(ring)
    run(karin.actor, csv_file([{"name": "Anna", "email": "anna@example.org"}]))

    actions = db.session.scalars(select(LoggedAction).where(
        LoggedAction.ring_id == ring.id).order_by(LoggedAction.id)).all()
    assert [(a.action, a.actor_id) for a in actions[-2:]] == [
        ("member.create", karin.id), ("member.import", karin.id)]


def test_only_coordinators_import_and_only_into_their_own_ring(world, csv_file, counts):
    ring, other = world.ring("ring-a"), world.ring("ring-b")
    anna = world.member(ring, "Anna")
    karin = world.coordinator(ring)
    text = csv_file([{"name": "New", "email": "new@example.org"}])
    before = counts()

    with pytest.raises(Forbidden):
        run(anna.actor, text)
    with pytest.raises(Forbidden):
        run(anna.actor, text, dry_run=True)
    assert counts() == before

    run(karin.actor, text)
    assert [m.email for m in members_of(other)] == []
    assert "new@example.org" in [m.email for m in members_of(ring)]


def test_the_operator_imports_from_the_command_line(world, csv_file):
    ring = world.ring()
    report = run(Actor.operator(ring.id), csv_file([
        {"name": "Anna", "email": "anna@example.org", "opening_balance": "60"}]))

    assert report.ok
    transfer = db.session.scalars(select(Transfer).where(Transfer.ring_id == ring.id)).one()
    assert transfer.booked_by_id is None
