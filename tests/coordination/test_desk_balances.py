"""The balances overview: whom to call because of a limit or a long silence."""

from __future__ import annotations

import re
from datetime import timedelta

from tauschring.coordination import desk
from tauschring.db import utcnow
from tauschring.ledger import service as ledger


def rows_of(html: str) -> dict[int, str]:
    """account id -> the table row's HTML (with its own tag), in the page's order."""
    return {int(account_id): row for row, account_id in re.findall(
        r'(<tr[^>]*data-account-id="(\d+)".*?</tr>)', html, re.S)}


def test_accounts_near_or_past_a_limit_are_flagged(world, pages, pay):
    ring = world.ring()  # limits -10:00 .. 20:00
    karin = world.coordinator(ring)
    near, past, calm = (world.member(ring, "Nora"), world.member(ring, "Paul"),
                        world.member(ring, "Carla"))
    high = world.member(ring, "Hugo")
    pay(ring, near, ring, 550)  # -9:10: within 10 % of -10:00
    pay(ring, past, ring, 700)  # -11:40: past the limit (an override)
    pay(ring, ring, high, 1100)  # 18:20: within 10 % of 20:00
    pay(ring, ring, calm, 60)
    pages.login(karin)

    html = pages.client.get("/coordination/balances").text
    rows = rows_of(html)
    assert "near a limit" in rows[near.account_id]
    assert "near a limit" in rows[high.account_id]
    assert "past a limit" in rows[past.account_id]
    assert 'class="flag-outside"' in rows[past.account_id]
    assert 'class="flag-near"' in rows[near.account_id]
    assert "badge-near" not in rows[calm.account_id]
    assert "badge-outside" not in rows[calm.account_id]
    assert "Nora" in rows[near.account_id] and "−9:10 h" in rows[near.account_id]
    assert "−10:00 h" in rows[near.account_id] and "20:00 h" in rows[near.account_id]
    # Lowest balance first by default.
    assert list(rows)[:2] == [past.account_id, near.account_id]
    assert list(rows_of(pages.client.get("/coordination/balances?sort=-balance").text))[0] == \
        high.account_id


def test_the_association_account_balances_the_members_and_the_sum_is_zero(world, pages,
                                                                           pay):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pay(ring, ring, anton, 150)
    pages.login(karin)
    html = pages.client.get("/coordination/balances").text
    assert re.search(r'data-testid="association-balance">−2:30 h<', html)
    assert re.search(r'data-testid="sum">0:00 h <span class="badge badge-ok">', html)
    assert ring.association_account_id not in rows_of(html)


def test_accounts_without_a_booking_for_long_are_flagged_inactive(world, pages, pay,
                                                                   monkeypatch):
    ring = world.ring()
    karin = world.coordinator(ring)
    quiet, busy = world.member(ring, "Quentin"), world.member(ring, "Bea")
    pay(ring, ring, quiet, 60)  # booked now, which is long ago below
    later = utcnow() + timedelta(days=200)
    monkeypatch.setattr(ledger, "utcnow", lambda: later)
    pay(ring, ring, busy, 60)  # booked "200 days later"
    monkeypatch.setattr(desk, "utcnow", lambda: later + timedelta(days=1))
    pages.login(karin)

    rows = rows_of(pages.client.get("/coordination/balances").text)
    assert 'data-testid="inactive"' in rows[quiet.account_id]
    assert 'data-testid="inactive"' not in rows[busy.account_id]
    assert "never" in rows[karin.account_id]  # opened 201 days ago, no booking since
    assert 'data-testid="inactive"' in rows[karin.account_id]

    rows = rows_of(pages.client.get("/coordination/balances?days=365").text)
    assert not any('data-testid="inactive"' in row for row in rows.values())

    longest_ago_first = list(rows_of(pages.client.get(
        "/coordination/balances?sort=activity").text))
    assert longest_ago_first == [karin.account_id, quiet.account_id, busy.account_id]
    assert list(rows_of(pages.client.get("/coordination/balances?sort=-activity").text)) == [
        busy.account_id, quiet.account_id, karin.account_id]

    attention = rows_of(pages.client.get("/coordination/balances?flagged=1").text)
    assert set(attention) == {karin.account_id, quiet.account_id}

    nonsense = pages.client.get("/coordination/balances?days=-3&sort=x")
    assert nonsense.status_code == 200 and 'value="180"' in nonsense.text


def test_households_show_every_holder_with_their_phone(world, pages, fresh):
    from tauschring.db import atomic
    from tauschring.members.models import Member
    from tauschring.members.service import create_by_coordinator

    ring = world.ring()
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna")
    jonas = atomic(create_by_coordinator, karin.actor, name="Jonas", email="jonas@example.org",
                   password="long enough pw", household_of=anna.id, phone="0171 234")
    pages.login(karin)
    row = rows_of(pages.client.get("/coordination/balances").text)[anna.account_id]
    assert "Anna" in row and "Jonas" in row and 'href="tel:0171234"' in row
    assert fresh().get(Member, jonas.id).account_id == anna.account_id
