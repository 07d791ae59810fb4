"""Throttling guesses, not people.

Wrong passwords slow down the pair of (address, account) that guesses, with
growing pauses; the member logging in from elsewhere, and everybody else
behind the same proxy, still get in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tauschring.auth.models import LoginFailure
from tauschring.auth.service import FIRST_PAUSE_SECONDS, authenticate
from tauschring.db import atomic, db
from tauschring.errors import Throttled

ATTACKER, HOME, OFFICE = "203.0.113.9", "198.51.100.7", "192.0.2.44"


@pytest.fixture
def ring(world):
    return world.ring()


def log_in(person, password, address):
    return atomic(authenticate, email=person.email, password=password, remote_addr=address)


def age_failures(seconds: int) -> None:
    def older(session):
        for failure in session.scalars(select(LoginFailure)):
            failure.failed_at -= timedelta(seconds=seconds)
    atomic(older)


def test_guesses_from_elsewhere_do_not_lock_the_member_out(ring, world):
    anna = world.member(ring, "Anna")
    for attempt in range(12):
        try:
            log_in(anna, f"guess {attempt}", ATTACKER)
        except Throttled:
            pass
    with pytest.raises(Throttled):
        log_in(anna, anna.password, ATTACKER)  # the guesser waits, even when right
    assert log_in(anna, anna.password, HOME).id == anna.id


def test_wrong_addresses_from_one_proxy_do_not_lock_out_its_other_members(ring, world):
    anna = world.member(ring, "Anna")
    for number in range(25):
        assert atomic(authenticate, email=f"niemand{number}@example.org",
                      password="falsch", remote_addr=OFFICE) is None
    assert log_in(anna, anna.password, OFFICE).id == anna.id


def test_the_pause_grows_with_each_further_failure(ring, world, app):
    anna = world.member(ring, "Anna")
    free = app.config["TAUSCHRING"].login_max_failures
    for attempt in range(free):
        assert log_in(anna, f"guess {attempt}", ATTACKER) is None
    with pytest.raises(Throttled) as first:
        log_in(anna, "guess", ATTACKER)
    assert 0 < first.value.retry_after <= FIRST_PAUSE_SECONDS

    age_failures(FIRST_PAUSE_SECONDS + 1)
    assert log_in(anna, "one more guess", ATTACKER) is None
    with pytest.raises(Throttled) as second:
        log_in(anna, "guess", ATTACKER)
    assert FIRST_PAUSE_SECONDS < second.value.retry_after <= 2 * FIRST_PAUSE_SECONDS

    # The right password from the same place, after the pause, clears the slate.
    age_failures(2 * FIRST_PAUSE_SECONDS + 1)
    assert log_in(anna, anna.password, ATTACKER).id == anna.id
    db.session.rollback()
    assert db.session.query(LoginFailure).count() == 0


def test_the_api_answers_429_with_retry_after_and_other_members_log_in(ring, world, http,
                                                                       problem):
    anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")
    for attempt in range(5):
        problem(http.post("/api/v1/tokens", json={"email": anna.email,
                                                  "password": f"guess {attempt}"}), 401)
    throttled = problem(http.post("/api/v1/tokens", json={"email": anna.email,
                                                          "password": anna.password}), 429)
    assert throttled["code"] == "throttled"
    assert http.post("/api/v1/tokens", json={"email": bert.email,
                                             "password": bert.password}).status_code == 201
