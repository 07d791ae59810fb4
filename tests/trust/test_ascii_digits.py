"""What people type is checked whole and with ASCII digits only.

`\\d` takes the digits of every script ("٢٠٢٦") and `$` matches before a
trailing newline ("2026-11\\n"): either let the same fee month be charged a
second time under another spelling. Each check that was open to that is
tried here, through every door it has.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.fees.models import FeeCharge
from tauschring.fees.service import charge
from tauschring.imports.service import import_members
from tauschring.paging import query_id
from tauschring.rings.service import create_ring, update_settings
from tauschring.web.minutes import parse_hours

COMMAND = Path(sys.executable).with_name("tauschring")
CSRF_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*\bvalue="([^"]+)"')

MONTHS = ["٢٠٢٦-11", "2026-١١", "２０２６-11", "۲۰۲۶-11", "2026-11\n", "2026-11\r\n",
          " 2026-11", "2026-11 ", "2026-11\x00", "2026-1", "2026-011"]
YEARS = ["٢٠٢٦", "２０２６", "2026\n", " 2026", "2026 ", "026", "20266"]


def fee_charges() -> list[tuple[str, int]]:
    db.session.rollback()
    db.session.expire_all()
    return db.session.execute(select(FeeCharge.period, func.count(FeeCharge.id))
                              .group_by(FeeCharge.period).order_by(FeeCharge.period)).all()


@pytest.fixture
def fee_ring(world):
    ring = world.ring("gebuehren")
    karin = world.coordinator(ring)
    world.member(ring, "Anna")
    world.member(ring, "Bernd")
    atomic(update_settings, karin.actor, fee_minutes=10, fee_period="month")
    return ring, karin


def tauschring(database_url: str, *args: str, cwd) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAUSCHRING_")}
    env["TAUSCHRING_DATABASE_URL"] = database_url
    return subprocess.run([str(COMMAND), *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def test_the_fee_command_refuses_other_digits_and_a_trailing_newline(fee_ring, database_url,
                                                                     tmp_path):
    first = tauschring(database_url, "fees", "charge", "--ring", "gebuehren",
                       "--period", "2026-11", cwd=tmp_path)
    assert first.returncode == 0 and "charged 3 accounts" in first.stdout, first
    assert fee_charges() == [("2026-11", 3)]

    for period in ("٢٠٢٦-11", "2026-11\n"):
        again = tauschring(database_url, "fees", "charge", "--ring", "gebuehren",
                           "--period", period, cwd=tmp_path)
        assert again.returncode != 0, (period, again)
        assert "Traceback" not in again.stderr + again.stdout, again.stderr
        lines = again.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (period, again.stderr)
        assert "give year and month, e.g. 2026-11" in lines[0]
        assert "charged" not in again.stdout, (period, again.stdout)
        assert fee_charges() == [("2026-11", 3)], period


def test_the_fee_service_takes_ascii_periods_matched_whole(fee_ring, world):
    ring, karin = fee_ring
    for period in MONTHS:
        with pytest.raises(Invalid) as refused:
            atomic(charge, ring_id=ring.id, period=period)
        assert refused.value.code == "period_invalid", period
    assert fee_charges() == []
    assert len(atomic(charge, ring_id=ring.id, period="2026-11").charged) == 3

    atomic(update_settings, karin.actor, fee_period="year")
    for period in YEARS:
        with pytest.raises(Invalid) as refused:
            atomic(charge, ring_id=ring.id, period=period)
        assert refused.value.code == "period_invalid", period
    assert len(atomic(charge, ring_id=ring.id, period="2026").charged) == 3
    assert fee_charges() == [("2026", 3), ("2026-11", 3)]


def test_the_fee_page_charges_a_month_once_whatever_its_digits(app, fee_ring):
    _ring, karin = fee_ring
    client = app.test_client()
    client.set_cookie("lang", "en")

    def page_token(path: str) -> str:
        with app.app_context():
            page = client.get(path)
        assert page.status_code == 200, page.status_code
        return CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)

    with app.app_context():
        logged_in = client.post("/login", data={"csrf_token": page_token("/login"),
                                                "email": karin.email,
                                                "password": karin.password})
    assert logged_in.status_code == 302

    def charge_on_page(period: str):
        with app.app_context():
            return client.post("/coordination/fees", data={
                "csrf_token": page_token("/coordination/fees"), "period": period})

    assert charge_on_page("2026-11").status_code == 200
    assert fee_charges() == [("2026-11", 3)]
    for period in ("٢٠٢٦-11", "２０２６-11", "2026-١١"):
        answer = charge_on_page(period)
        assert answer.status_code == 422, (period, answer.status_code)
        assert "give year and month" in answer.get_data(as_text=True)
    # A newline the browser sends along is the same month: charged before, not again.
    assert charge_on_page("2026-11\n").status_code in (200, 422)
    assert fee_charges() == [("2026-11", 3)]


def test_a_ring_slug_is_matched_whole(app, world):
    for slug in ("umzug\n", "umzug\r\n", "umzug\n\n"):
        with pytest.raises(Invalid) as refused:
            atomic(create_ring, name="Umzug", slug=slug)
        assert refused.value.code == "slug_invalid", repr(slug)
    assert atomic(create_ring, name="Umzug", slug="umzug-2026").slug == "umzug-2026"


def test_an_imported_e_mail_address_is_matched_whole(app, world):
    ring = world.ring()
    karin = world.coordinator(ring)
    for address in ("zoe@example.org x", "zoe@example.org,yann@example.org"):
        report = import_members(db.session, karin.actor,
                                f'name,email\nZoe,"{address}"\n', dry_run=True)
        db.session.rollback()
        assert [e.code for e in report.errors] == ["email_invalid"], address


def test_ids_in_queries_and_forms_are_ascii_numbers_in_range():
    assert [query_id(v) for v in ("1", "42", "0042", str(2**31 - 1))] == [
        1, 42, 42, 2**31 - 1]
    for nonsense in (None, "", "0", "-1", "²", "٣", "３", "1_000", " 7", "7\n", "+7",
                     str(2**31), "99999999999999999999", "9" * 5000):
        assert query_id(nonsense) is None, nonsense


def test_the_exchange_form_takes_only_ascii_talent_ids(app, world):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    world.member(ring, "Bert")
    client = app.test_client()
    client.set_cookie("lang", "en")

    def get(path: str):
        with app.app_context():
            return client.get(path)

    token = CSRF_TOKEN.search(get("/login").get_data(as_text=True)).group(1)
    with app.app_context():
        assert client.post("/login", data={"csrf_token": token, "email": anna.email,
                                           "password": anna.password}).status_code == 302
    for query in ("talent=99999999999999999999", "talent=²", "talent=٣",
                  "member=99999999999999999999", "member=²"):
        assert get(f"/exchanges/new?{query}").status_code == 200, query
    token = CSRF_TOKEN.search(get("/exchanges/new").get_data(as_text=True)).group(1)
    for talent_id in ("²", "٣", "99999999999999999999"):
        with app.app_context():
            answer = client.post("/exchanges/new", data={"csrf_token": token,
                                                         "talent_id": talent_id})
        assert answer.status_code in (200, 422), (talent_id, answer.status_code)


def test_hours_take_ascii_digits_only():
    assert parse_hours("1:30 h") == 90 and parse_hours("-20") == -1200
    for text in ("٣", "1:٣٠", "２", "1:30 h\nx", "1:30 hh"):
        with pytest.raises(ValueError):
            parse_hours(text)
