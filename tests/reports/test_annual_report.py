"""The annual report on a small ring whose year we know by heart, and on the
three-year history: its numbers, its renderings, and who may read it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from tauschring.db import atomic, db
from tauschring.errors import Forbidden
from tauschring.exchanges import service as exchanges
from tauschring.fees import service as fees
from tauschring.ledger.models import Transfer
from tauschring.members import service as members
from tauschring.reports.render import report_csv, report_json, report_pdf
from tauschring.reports.service import annual_report, write_report
from tauschring.rings.models import Ring
from tauschring.statements import service as statements
from tests.support.ledger_history import YEARS, berlin, category_ids, make_member, trade
from tests.support.statements import flat, pdf_text, read_csv


@dataclass
class SmallRing:
    ring: object
    karin: object
    anna: object
    bernd: object
    clara: object
    dieter: object
    garden: int          # category ids
    repairs: int
    last_of_2025: int    # transfer ids either side of New Year 2026 (Berlin)
    first_of_2026: int


@pytest.fixture
def small(world, clock):
    """Who joined, traded, disputed and left in 2025 (and a little of 2024)."""
    ring = world.ring("klein", min_balance=-6000, max_balance=6000)
    karin = make_member(clock, ring, "Karin Vogt", berlin(2024, 6, 1, 9), role="coordinator")
    anna = make_member(clock, ring, "Anna Becker", berlin(2024, 6, 1, 10))
    dieter = make_member(clock, ring, "Dieter Groß", berlin(2024, 6, 1, 11))
    garden, repairs = category_ids(ring.id)[:2]
    # 2024: one exchange, disputed and still open at the year's end.
    old = trade(clock, berlin(2024, 12, 20, 10), anna, dieter, 30, "Laub gerecht", garden)
    clock.run(berlin(2024, 12, 28, 10), exchanges.dispute, dieter.actor, old, "Zu lang")

    clock.run(berlin(2025, 1, 3, 10), exchanges.resolve, karin.actor, old, decision="book",
              note="Passt")
    trade(clock, berlin(2025, 1, 15, 10), anna, dieter, 60, "Hecke", garden)
    bernd = make_member(clock, ring, "Bernd Schulze", berlin(2025, 2, 1, 10))
    clara = make_member(clock, ring, "Clara Yilmaz", berlin(2025, 3, 1, 10))
    trade(clock, berlin(2025, 3, 10, 10), bernd, anna, 90, "Fahrrad", repairs)
    trade(clock, berlin(2025, 3, 20, 10), clara, anna, 30, "Vorlesen")
    undone = trade(clock, berlin(2025, 4, 5, 10), anna, bernd, 120, "Beet", garden)
    clock.run(berlin(2025, 4, 6, 10), exchanges.dispute, bernd.actor, undone, "Nie gemacht")
    clock.run(berlin(2025, 4, 10, 10), exchanges.resolve, karin.actor, undone,
              decision="cancel", note="Storno")
    open_one = clock.run(berlin(2025, 5, 2, 10), exchanges.propose, bernd.actor,
                         provider_id=bernd.id, recipient_id=clara.id, minutes=45,
                         description="Regal", performed_on=date(2025, 5, 1))
    clock.run(berlin(2025, 5, 3, 10), exchanges.dispute, clara.actor, open_one.id, "Hm")
    halved = trade(clock, berlin(2025, 6, 1, 10), anna, clara, 60, "Lampe", repairs)
    clock.run(berlin(2025, 6, 2, 10), exchanges.dispute, clara.actor, halved, "Halb so lang")
    clock.run(berlin(2025, 6, 5, 10), exchanges.resolve, karin.actor, halved,
              decision="adjust", minutes=30, note="30 Minuten")

    def set_fee(session):
        row = session.get(Ring, ring.id)
        row.fee_minutes, row.fee_period = 15, "year"
    atomic(set_fee)
    clock.run(berlin(2025, 7, 1, 9), fees.charge, ring_id=ring.id, period="2025")
    never = clock.run(berlin(2025, 8, 1, 10), exchanges.propose, dieter.actor,
                      provider_id=dieter.id, recipient_id=anna.id, minutes=20,
                      description="Nichts", performed_on=date(2025, 7, 30))
    clock.run(berlin(2025, 8, 2, 10), exchanges.dispute, anna.actor, never.id, "Nie")
    clock.run(berlin(2025, 8, 5, 10), exchanges.resolve, karin.actor, never.id,
              decision="cancel", note="Nicht vereinbart")
    clock.run(berlin(2025, 10, 1, 10), members.leave, karin.actor, clara.id, "Umzug")
    last = trade(clock, berlin(2025, 12, 31, 23, 30), bernd, anna, 15, "Silvester")
    first = trade(clock, berlin(2026, 1, 1, 0, 10), bernd, anna, 10, "Neujahr")
    clock.now = None
    db.session.rollback()
    transfer_of = {e: db.session.scalar(sa.select(Transfer.id).where(
        Transfer.exchange_id == e, Transfer.reverses_id.is_(None)).order_by(Transfer.id))
        for e in (last, first)}
    return SmallRing(ring, karin, anna, bernd, clara, dieter, garden, repairs,
                     transfer_of[last], transfer_of[first])


def test_the_report_counts_a_known_year(small):
    report = annual_report(db.session, small.karin.actor, 2025, language="en")
    assert report["members"] == {"at_start": 3, "joined": 2, "left": 1, "at_end": 4,
                                 "active_traders": 4}
    ex = report["exchanges"]
    assert (ex["booked"], ex["minutes"], ex["reversed"]) == (6, 225, 1)
    months = {row["month"]: (row["exchanges"], row["minutes"]) for row in ex["by_month"]}
    assert months == {1: (1, 60), 2: (0, 0), 3: (2, 120), 4: (1, 0), 5: (0, 0), 6: (1, 30),
                      7: (0, 0), 8: (0, 0), 9: (0, 0), 10: (0, 0), 11: (0, 0), 12: (1, 15)}
    categories = {row["category_id"]: (row["exchanges"], row["minutes"])
                  for row in ex["by_category"]}
    assert categories == {small.garden: (2, 60), small.repairs: (2, 120), None: (2, 45)}
    assert report["disputes"] == {"opened": 4, "booked": 1, "cancelled": 1, "reversed": 1,
                                  "open": 1}
    assert report["fees"] == {"charges": 5, "minutes": 75}
    assert report["trial_balance"]["sum"] == 0
    assert report["audit"]["ok"] is True
    last = db.session.get(Transfer, small.last_of_2025)
    assert report["chain_head"]["hash"] == last.hash
    assert report["chain_head"]["seq"] == last.seq
    assert report["chain_head"]["seq"] + 1 == db.session.get(Transfer, small.first_of_2026).seq


def test_a_dispute_counts_in_the_year_it_was_opened(small):
    report = annual_report(db.session, small.karin.actor, 2024, language="en")
    assert report["disputes"] == {"opened": 1, "booked": 0, "cancelled": 0, "reversed": 0,
                                  "open": 1}
    assert report["members"]["at_end"] == 3 and report["members"]["joined"] == 3
    assert report["exchanges"]["booked"] == 1


def test_the_trial_balance_is_every_accounts_closing_balance(history):
    actor = history.coordinator.actor
    for year in YEARS:
        report = annual_report(db.session, actor, year)
        trial = {row["account_id"]: row["balance"] for row in report["trial_balance"]["accounts"]}
        assert sum(trial.values()) == 0
        for account_id, balance in trial.items():
            closing = statements.statement(db.session, actor, account_id, year).closing_balance
            assert closing == balance
        assert report["members"]["at_start"] + report["members"]["joined"] \
            - report["members"]["left"] == report["members"]["at_end"]
        by_month = report["exchanges"]["by_month"]
        assert sum(row["minutes"] for row in by_month) == report["exchanges"]["minutes"] == sum(
            row["minutes"] for row in report["exchanges"]["by_category"])
    assert annual_report(db.session, actor, 2024)["disputes"] == {
        "opened": 5, "booked": 2, "cancelled": 1, "reversed": 1, "open": 1}


def test_csv_json_and_pdf_say_the_same(small):
    report = annual_report(db.session, small.karin.actor, 2025, language="en")
    loaded = json.loads(report_json(report))
    assert loaded["members"]["at_end"] == 4 and loaded["period"]["first_day"] == "2025-01-01"
    assert loaded["chain_head"]["hash"] == report["chain_head"]["hash"]
    rows = read_csv(report_csv(report))
    facts = {row[0]: row[1:] for row in rows if row}
    assert facts["Exchanges booked"] == ["6"]
    assert facts["Minutes exchanged (net)"] == ["225", "3:45"]
    assert facts["Members at the end of the year"] == ["4"]
    assert facts["Fees booked"] == ["5"]
    assert facts["Sum"][-2:] == ["0", "0:00"]
    assert facts["Chain head at year end"] == [str(report["chain_head"]["seq"]),
                                               report["chain_head"]["hash"]]
    month_header = rows.index(["Month", "Exchanges booked", "Minutes", "Hours"])
    assert rows[month_header + 3] == ["3", "2", "120", "2:00"]
    text = flat(pdf_text(report_pdf(report)))
    assert "Annual report 2025" in text
    for label, value in (("Members at the end of the year", "4"), ("Exchanges booked", "6"),
                         ("Hours exchanged (net)", "3:45"), ("Disputes opened", "4")):
        assert f"{label} {value}" in text, label
    assert "Mar" in text and "Dec" in text   # the month chart's labels
    assert report["chain_head"]["hash"][:16] in text.replace(" ", "")


def test_german_reports_use_semicolons(small):
    report = annual_report(db.session, small.karin.actor, 2025, language="de")
    assert report_csv(report).decode("utf-8-sig").splitlines()[0].endswith(";2025")


def test_members_may_not_read_the_report(small):
    with pytest.raises(Forbidden):
        annual_report(db.session, small.anna.actor, 2025)


def test_write_report_for_the_command_line(small, tmp_path):
    data = write_report(db.session, small.ring.id, 2025)
    assert json.loads(data)["exchanges"]["booked"] == 6
    out = tmp_path / "bericht.csv"
    write_report(db.session, small.ring.id, 2025, str(out), language="de")
    assert read_csv(out.read_bytes())[0][1] == "2025"
    write_report(db.session, small.ring.id, 2025, str(tmp_path / "bericht.pdf"))
    assert (tmp_path / "bericht.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(Exception):  # noqa: B017 - Invalid: unknown format
        write_report(db.session, small.ring.id, 2025, str(tmp_path / "bericht.xls"))


def test_the_report_api(small, http, world):
    token = http.token(small.karin)
    response = http.get("/api/v1/reports/2025", token=token)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["exchanges"]["booked"] == 6 and body["trial_balance"]["sum"] == 0
    assert body["chain_head"]["hash"] == db.session.get(Transfer, small.last_of_2025).hash
    csv = http.get("/api/v1/reports/2025.csv", token=token)
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.headers["Content-Disposition"] == (
        "attachment; filename=jahresbericht-klein-2025.csv")
    pdf = http.get("/api/v1/reports/2025.pdf", token=token)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    member = http.token(small.anna)
    for path in ("/api/v1/reports/2025", "/api/v1/reports/2025.csv",
                 "/api/v1/reports/2025.pdf"):
        assert http.get(path, token=member).status_code == 403
    assert http.get("/api/v1/reports/1492", token=token).status_code == 404
    assert http.get("/api/v1/reports/2025").status_code == 401
    # Another ring's coordinator sees only their own ring's (empty) year.
    other = world.ring("anderswo")
    otto = world.coordinator(other, "Otto")
    theirs = http.get("/api/v1/reports/2025", token=http.token(otto)).json()
    assert theirs["ring"]["slug"] == "anderswo" and theirs["exchanges"]["booked"] == 0


def test_the_coordinators_report_page(small, browser):
    karin = browser(small.karin)
    current = karin.get("/coordination/report")
    assert current.status_code == 302
    assert current.location.endswith(f"/coordination/report/{_this_year()}")
    page = karin.get("/coordination/report/2025")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") == 2 and "<script" not in html
    assert "Annual report 2025" in html and "/coordination/report/2025.pdf" in html
    for fmt, mimetype in (("pdf", "application/pdf"), ("csv", "text/csv"),
                          ("json", "application/json")):
        response = karin.get(f"/coordination/report/2025.{fmt}")
        assert response.status_code == 200 and response.mimetype == mimetype
    assert browser(small.anna).get("/coordination/report/2025").status_code == 403
    assert karin.get("/coordination/report/1066").status_code == 404


def _this_year() -> int:
    from tauschring.statements.years import current_year
    return current_year()
