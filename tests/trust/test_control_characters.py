"""Control characters never reach the database: one rule (tauschring/text.py),
applied to every ORM write and to the ledger's memo. (Security review "Trust",
finding 6: a name with a carriage return stopped all mail.)"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.exchanges.models import Exchange
from tauschring.ledger.models import Transfer
from tauschring.mail.models import OutgoingMail
from tauschring.market.models import Talent
from tauschring.members.models import Member

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')
NEWCOMER = {"name": "Fritz Neumann", "email": "fritz@example.org",
            "password": "ein gutes Passwort"}
CATEGORY = "gesellschaft-und-begleitung"


def count(model) -> int:
    db.session.rollback()  # see what the server committed
    return db.session.scalar(select(func.count()).select_from(model))


def refused(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "control_characters", body
    assert field in body["errors"] and body["errors"][field], body
    return body


# --- the rule ------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Anna\rBerg", "Anna\nBerg", "Anna\r\nBerg", "Anna\tBerg",
                                  "Anna\x00", "Anna\x07", "Anna\x1b[31m", "Anna\x7f",
                                  "Anna\x85Berg", "Anna\x9b"])
def test_one_line_allows_no_control_character(text):
    from tauschring.text import check_text

    with pytest.raises(Invalid) as caught:
        check_text(text, "name", multiline=False)
    assert (caught.value.code, caught.value.field) == ("control_characters", "name")


def test_many_lines_allow_line_breaks_and_tabs_and_store_them_as_newlines():
    from tauschring.text import check_text

    assert check_text("Zeile 1\r\nZeile 2\rZeile 3\n\tEingerückt", "description",
                      multiline=True) == "Zeile 1\nZeile 2\nZeile 3\n\tEingerückt"
    assert check_text("Anna Müller – ☕ 日本", "name", multiline=False) == "Anna Müller – ☕ 日本"
    for bad in ("a\x07b", "a\x00", "a\x7f", "a\x9b", "a\x0bb", "a\x0cb"):
        with pytest.raises(Invalid):
            check_text(bad, "description", multiline=True)


# --- registration: the API and the page ----------------------------------------------------

@pytest.mark.parametrize("name", ["Fritz\rNeumann", "Fritz\nNeumann", "Fritz\r\nBcc: x@y.z"])
def test_registering_through_the_api_with_a_line_break_in_the_name_is_422(world, http, name):
    world.ring("sonnenberg")
    members, mails = count(Member), count(OutgoingMail)
    answer = http.post("/api/v1/members?ring=sonnenberg", json={**NEWCOMER, "name": name})
    refused(answer, "name")
    assert (count(Member), count(OutgoingMail)) == (members, mails)


def test_registering_on_the_page_with_a_line_break_in_the_name_shows_it_beside_the_field(
        app, world):
    ring = world.ring("sonnenberg")
    world.coordinator(ring)
    members, mails = count(Member), count(OutgoingMail)
    client = app.test_client()
    client.set_cookie("lang", "en")
    with app.app_context():
        page = client.get("/register?ring=sonnenberg")
    token = CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)
    with app.app_context():
        answer = client.post("/register?ring=sonnenberg", data={
            "csrf_token": token, **NEWCOMER, "name": "Fritz\rNeumann",
            "password_again": NEWCOMER["password"], "language": "en"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200, text
    block = re.search(r'<div class="field has-error">\s*<label for="name".*?</div>', text, re.S)
    assert block and "on one line" in block.group(0), text
    assert (count(Member), count(OutgoingMail)) == (members, mails)


# --- the market, exchanges, the ledger --------------------------------------------------------

def test_a_talent_title_with_a_bell_is_422_and_a_description_keeps_its_lines(world, http):
    ring = world.ring("sonnenberg")
    token = http.token(world.member(ring, "Anna"))
    talents = count(Talent)
    answer = http.post("/api/v1/talents", token=token, json={
        "kind": "offer", "title": "Vorlesen\x07", "category": CATEGORY})
    refused(answer, "title")
    answer = http.post("/api/v1/talents", token=token, json={
        "kind": "offer", "title": "Vorlesen", "description": "Bilder\x1b[2Jbücher",
        "category": CATEGORY})
    refused(answer, "description")
    assert count(Talent) == talents

    posted = http.post("/api/v1/talents", token=token, json={
        "kind": "offer", "title": "Vorlesen", "category": CATEGORY,
        "description": "Montags:\r\n\tBilderbücher\nDienstags: Zeitung"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["description"] == "Montags:\n\tBilderbücher\nDienstags: Zeitung"


def propose(http, token, provider, recipient, description):
    return http.post("/api/v1/exchanges", token=token, json={
        "provider_id": provider.id, "recipient_id": recipient.id, "minutes": 60,
        "description": description, "performed_on": date.today().isoformat()})


def test_an_exchange_description_with_a_bell_is_422(world, http):
    ring = world.ring("sonnenberg")
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    exchanges = count(Exchange)
    refused(propose(http, http.token(anna), anna, bernd, "Hecke\x07 geschnitten"), "description")
    assert count(Exchange) == exchanges


def test_a_multi_line_description_is_kept_mailed_in_one_line_and_booked_in_one_line(
        world, http):
    ring = world.ring("sonnenberg")
    anna, bernd = world.member(ring, "Anna"), world.member(ring, "Bernd")
    proposed = propose(http, http.token(anna), anna, bernd, "Hecke geschnitten\r\nund Laub")
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["description"] == "Hecke geschnitten\nund Laub"
    confirmed = http.post(f"/api/v1/exchanges/{proposed.json()['id']}/confirm",
                          token=http.token(bernd))
    assert confirmed.status_code == 200, confirmed.text
    db.session.rollback()
    subjects = db.session.scalars(select(OutgoingMail.subject)).all()
    assert subjects and not any(re.search(r"[\x00-\x1f]", s) for s in subjects), subjects
    memo = db.session.scalar(select(Transfer.memo).where(
        Transfer.exchange_id == proposed.json()["id"]))
    assert memo == "Hecke geschnitten und Laub"


def ledger_state():
    db.session.rollback()
    from tauschring.ledger.models import Account, Entry
    return (count(Transfer), count(Entry),
            db.session.scalars(select(Account.balance).order_by(Account.id)).all())


@pytest.mark.parametrize("memo", ["Startguthaben\nzweite Zeile", "Start\rguthaben",
                                  "Start\x07guthaben"])
def test_a_transfer_memo_with_a_control_character_is_422_and_books_nothing(world, http, memo):
    ring = world.ring("sonnenberg")
    anna, karin = world.member(ring, "Anna"), world.coordinator(ring)
    before = ledger_state()
    answer = http.post("/api/v1/transfers", token=http.token(karin), json={
        "debit_account_id": ring.association_account_id, "credit_account_id": anna.account_id,
        "minutes": 120, "memo": memo})
    refused(answer, "memo")
    assert ledger_state() == before
    booked = http.post("/api/v1/transfers", token=http.token(karin), json={
        "debit_account_id": ring.association_account_id, "credit_account_id": anna.account_id,
        "minutes": 120, "memo": "Startguthaben"})
    assert booked.status_code == 201, booked.text


def test_old_texts_do_not_block_an_edit_of_something_else(world):
    """Rows stored before the rule keep their text; only what changes is checked."""
    ring = world.ring("sonnenberg")
    anna = world.member(ring, "Anna")
    atomic(lambda s: s.execute(Member.__table__.update().where(
        Member.__table__.c.id == anna.id).values(name="Anna\rAlt")))

    def move(session):
        session.get(Member, anna.id).district = "Weststadt"
    atomic(move)

    def rename(session):
        session.get(Member, anna.id).name = "Anna\x07"
    with pytest.raises(Invalid) as caught:
        atomic(rename)
    assert caught.value.field == "name"
    db.session.rollback()
    assert db.session.get(Member, anna.id).district == "Weststadt"
