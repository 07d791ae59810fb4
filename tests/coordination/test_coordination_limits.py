"""A coordinator sets an account's limits in hours; a balance outside needs a reason."""

from __future__ import annotations

import json

from sqlalchemy import select

from tauschring.auditlog import LoggedAction
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account


def limits_action(person) -> tuple[str, str]:
    return f"/coordination/members/{person.id}", f"/coordination/members/{person.id}/limits"


def test_limits_are_entered_in_hours_and_kept_in_minutes(world, pages, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)
    page, action = limits_action(anton)

    response = pages.submit(page, action, {"limits-min_balance": "-30",
                                           "limits-max_balance": "50:30"})
    assert response.status_code == 302
    account = fresh().get(Account, anton.account_id)
    assert (account.min_balance, account.max_balance) == (-1800, 3030)
    shown = pages.client.get(page).text
    assert 'value="-30:00"' in shown and 'value="50:30"' in shown
    assert "−30:00 h" in shown  # the effective limit, as the pages show hours

    # Empty fields return to the ring's defaults.
    response = pages.submit(page, action, {"limits-min_balance": "", "limits-max_balance": ""})
    assert response.status_code == 302
    account = fresh().get(Account, anton.account_id)
    assert (account.min_balance, account.max_balance) == (None, None)


def test_hours_that_are_not_hours_are_refused(world, pages, snapshot):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)
    before = snapshot()
    response = pages.submit(*limits_action(anton), {"limits-min_balance": "1,5"})
    assert response.status_code == 422
    assert "h:mm" in response.text
    assert snapshot() == before


def test_limits_that_exclude_the_balance_need_an_override_with_a_reason(world, pages, pay,
                                                                        snapshot, fresh):
    ring = world.ring()  # default limits -10:00 .. 20:00
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pay(ring, ring, anton, 600)  # Anton holds 10:00
    pages.login(karin)
    page, action = limits_action(anton)
    before = snapshot()

    refused = pages.submit(page, action, {"limits-max_balance": "5"})
    assert refused.status_code == 422
    assert "lies outside these limits" in refused.text
    assert snapshot() == before

    no_reason = pages.submit(page, action, {"limits-max_balance": "5",
                                            "limits-override_limits": "y",
                                            "limits-reason": "  "})
    assert no_reason.status_code == 422
    assert "needs a reason" in no_reason.text
    assert snapshot() == before

    allowed = pages.submit(page, action, {"limits-max_balance": "5",
                                          "limits-override_limits": "y",
                                          "limits-reason": "agreed at the members' meeting"})
    assert allowed.status_code == 302
    session = fresh()
    assert session.get(Account, anton.account_id).max_balance == 300
    logged = session.scalars(select(LoggedAction).where(
        LoggedAction.action == "account.limits")).one()
    assert logged.reason == "agreed at the members' meeting"
    assert json.loads(logged.detail)["override"] is True
    audit = audit_ring(session, ring.id)
    assert audit["ok"]
    assert audit["limit_violations"] == [{
        "account_id": anton.account_id, "balance": 600, "min_balance": -600,
        "max_balance": 300, "override_recorded": True}]
    assert "past a limit" in pages.client.get(page).text


def test_crossed_limits_are_refused(world, pages, snapshot):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)
    before = snapshot()
    response = pages.submit(*limits_action(anton), {"limits-min_balance": "10",
                                                    "limits-max_balance": "5"})
    assert response.status_code == 422
    assert "The lowest allowed balance must not be above the highest." in response.text
    assert snapshot() == before
