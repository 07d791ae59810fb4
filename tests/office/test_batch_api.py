"""POST /api/v1/transfers/batch: every row booked or none, a slip booked once, ever,
by a coordinator only; two offices typing the same slip at once book it once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tauschring.db import db
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Transfer

URL = "/api/v1/transfers/batch"


@pytest.fixture
def office(world, http):
    ring = world.ring(min_balance=-600, max_balance=1200)
    people = {name: world.member(ring, name) for name in ("Anna", "Bernd", "Clara")}
    karin = world.coordinator(ring)
    return ring, people, karin, http.token(karin)


def row(payer, payee, minutes=60, memo="Garten", slip=None):
    return {"debit_account_id": payer.account_id, "credit_account_id": payee.account_id,
            "minutes": minutes, "memo": memo, "slip": slip}


def transfers_count() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Transfer))


def test_a_stack_is_booked_at_once_with_its_slips(http, office):
    ring, p, karin, token = office
    response = http.post(URL, token=token, json={"transfers": [
        row(p["Anna"], p["Bernd"], 90, slip=101), row(p["Bernd"], p["Clara"], 30, slip=102),
        row(p["Clara"], p["Anna"], 45)]})
    assert response.status_code == 201, response.text
    items = response.json()["items"]
    assert [(i["minutes"], i["slip"], i["booked_by"]) for i in items] == [
        (90, 101, karin.id), (30, 102, karin.id), (45, None, karin.id)]
    anna = http.get(f"/api/v1/accounts/{p['Anna'].account_id}", token=token).json()
    assert anna["balance"] == -90 + 45
    assert audit_ring(db.session, ring.id)["ok"]


def test_one_bad_row_books_nothing_and_names_each_row(http, office, problem):
    ring, p, karin, token = office
    before = transfers_count()
    response = http.post(URL, token=token, json={"transfers": [
        row(p["Anna"], p["Bernd"], 60, slip=201),
        {**row(p["Anna"], p["Bernd"]), "debit_account_id": 999_999},
        row(p["Bernd"], p["Clara"], 0),
        row(p["Anna"], p["Clara"], 600),  # Anna would fall to -11:00 (limit -10:00)
        row(p["Bernd"], p["Anna"], 30, slip=201)]})
    body = problem(response, 422)
    assert set(body["errors"]) == {"transfers.1.debit_account_id", "transfers.2.minutes",
                                   "transfers.3.minutes", "transfers.4.slip"}
    assert transfers_count() == before


def test_malformed_rows_are_named_by_index(http, office, problem):
    ring, p, karin, token = office
    response = http.post(URL, token=token, json={"transfers": [
        row(p["Anna"], p["Bernd"]), {"debit_account_id": "x", "minutes": 1.5}]})
    body = problem(response, 422)
    assert {"transfers.1.debit_account_id", "transfers.1.credit_account_id",
            "transfers.1.minutes", "transfers.1.memo"} <= set(body["errors"])
    assert problem(http.post(URL, token=token, json={"transfers": []}), 422,
                   field="transfers")


def test_a_slip_is_booked_once_ever(http, office, problem):
    ring, p, karin, token = office
    first = http.post(URL, token=token, json={"transfers": [row(p["Anna"], p["Bernd"],
                                                                slip=7)]})
    assert first.status_code == 201, first.text
    before = transfers_count()
    again = http.post(URL, token=token, json={"transfers": [
        row(p["Clara"], p["Bernd"], slip=8), row(p["Anna"], p["Bernd"], slip=7)]})
    body = problem(again, 409)
    assert body["errors"] == {"transfers.1.slip": [body["errors"]["transfers.1.slip"][0]]}
    assert "7" in body["errors"]["transfers.1.slip"][0]
    assert transfers_count() == before


def test_coordinators_only(http, office, world, problem):
    ring, p, karin, token = office
    body = {"transfers": [row(p["Anna"], p["Bernd"], slip=9)]}
    problem(http.post(URL, token=http.token(p["Anna"]), json=body), 403)
    other_ring = world.ring("talheim")
    stranger = world.coordinator(other_ring, "Tom")
    # Another ring's coordinator: Sonnenberg's accounts are unknown there.
    problem(http.post(URL, token=http.token(stranger), json=body), 422,
            field="transfers.0.debit_account_id")
    problem(http.post(URL, json=body), 401)
    assert transfers_count() == 0


def test_two_offices_typing_the_same_slip_book_it_once(http, office, world):
    ring, p, karin, token = office
    second = http.token(world.coordinator(ring, "Otto"))
    answers = []
    start = threading.Barrier(2)

    def type_up(office_token, payer, payee):
        start.wait()
        answers.append(http.post(URL, token=office_token, json={"transfers": [
            row(payer, payee, 30, slip=500 + i) for i in range(5)] + [
            row(payer, payee, 30, slip=42)]}).status_code)

    threads = [threading.Thread(target=type_up, args=(token, p["Anna"], p["Bernd"])),
               threading.Thread(target=type_up, args=(second, p["Clara"], p["Bernd"]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409]
    assert transfers_count() == 6
    assert audit_ring(db.session, ring.id)["ok"]


def test_a_retried_stack_books_once(http, office, problem):
    ring, p, karin, token = office
    body = {"transfers": [row(p["Anna"], p["Bernd"], 15, slip=61),
                          row(p["Bernd"], p["Clara"], 15, slip=62)]}
    headers = {"Idempotency-Key": "stapel-2026-12-05"}
    first = http.post(URL, token=token, json=body, headers=headers)
    again = http.post(URL, token=token, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    assert transfers_count() == 2
    problem(http.post(URL, token=token, json={"transfers": body["transfers"][:1]},
                      headers=headers), 409)
