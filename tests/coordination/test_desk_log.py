"""The audit log page: who did what to whom, and why, newest first."""

from __future__ import annotations

import re

from tauschring.db import atomic
from tauschring.ledger.service import set_limits
from tauschring.members.service import suspend


def entries(html: str) -> list[str]:
    return re.findall(r'<tr data-action="([^"]+)"', html)


def test_a_limit_change_is_listed_with_who_what_whom_why(world, pages, pay):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pay(ring, ring, anton, 600)
    pages.login(karin)
    response = pages.submit(f"/coordination/members/{anton.id}",
                            f"/coordination/members/{anton.id}/limits",
                            {"limits-max_balance": "5", "limits-override_limits": "y",
                             "limits-reason": "agreed at the members' meeting"})
    assert response.status_code == 302

    html = pages.client.get("/coordination/log").text
    assert entries(html) == ["account.limits"]
    row = html.split('<tr data-action="account.limits"')[1].split("</tr>")[0]
    assert ">Karin</a>" in row
    assert "Limits of an account changed" in row
    assert f'href="/coordination/transfers?account={anton.account_id}">Anton</a>' in row
    assert "agreed at the members&#39; meeting" in row
    assert "Highest allowed balance: the ring&#39;s default → 5:00 h" in row
    assert "Limit overridden: yes" in row


def test_newest_first_filtered_by_action_and_paginated(world, pages):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    for hours in range(1, 52):
        atomic(set_limits, karin.actor, account_id=anton.account_id,
               min_balance=-60 * hours)
    atomic(suspend, karin.actor, anton.id, reason="no-show")
    pages.login(karin)

    first = pages.client.get("/coordination/log").text
    assert entries(first)[0] == "member.suspend"
    assert len(entries(first)) == 50 and "52 entries found." in first
    assert "no-show" in first and "Member suspended" in first
    assert len(entries(pages.client.get("/coordination/log?page=2").text)) == 2
    assert "−51:00 h" in first.split('<tr data-action="account.limits"')[1]

    only = pages.client.get("/coordination/log?action=member.suspend").text
    assert entries(only) == ["member.suspend"]
    everything = pages.client.get("/coordination/log?action=unknown").text
    assert "52 entries found." in everything


def test_another_rings_log_is_not_shown(world, pages):
    ring, other = world.ring("ring-a"), world.ring("ring-b")
    karin, bea = world.coordinator(ring), world.coordinator(other, "Bea")
    ben = world.member(other, "Ben")
    atomic(suspend, bea.actor, ben.id, reason="ring b business")
    pages.login(karin)
    html = pages.client.get("/coordination/log").text
    assert entries(html) == [] and "ring b business" not in html
    assert entries(pages.client.get("/coordination/log?action=member.suspend").text) == []


def test_a_household_entry_names_the_household(world, pages):
    from tauschring.members.service import create_by_coordinator

    ring = world.ring()
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna")
    atomic(create_by_coordinator, karin.actor, name="Jonas", email="jonas@example.org",
           password="long enough pw", household_of=anna.id)
    pages.login(karin)
    row = pages.client.get("/coordination/log").text.split('<tr data-action=')[1]
    assert "Member entered" in row and ">Jonas</a>" in row
    assert "In the household of: Anna" in row
