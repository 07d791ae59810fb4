"""Helpers for page tests: log in through the page, fill in the rendered forms.

The page browser and the fixtures `pages`, `pay`, `fresh` and `snapshot` are
in tests/support/pages.py (tests/admin uses them too); here: `scene`, `desk`
and `errors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

import pytest
import sqlalchemy as sa

from tauschring.db import atomic
from tests.support.pages import (  # noqa: F401 - the fixtures pages, pay, fresh, snapshot
    fresh,
    fresh_session,
    pages,
    pay,
    pay_past_limits,
    snapshot,
)


@dataclass
class Scene:
    """Ring A with an admin, a coordinator and members in every state; ring B beside it."""

    ring: object
    other: object
    admin: object
    coordinator: object
    member: object
    pending: object
    active: object
    suspended: object
    other_coordinator: object
    other_pending: object
    other_active: object
    other_suspended: object
    # More ids for the URLs, e.g. {"transfer": 3} (see the `desk` fixture).
    extra: dict = field(default_factory=dict)

    def url(self, template: str) -> str:
        return template.format(
            ring=self.ring.id, other_ring=self.other.id, pending=self.pending.id,
            active=self.active.id, suspended=self.suspended.id,
            other_pending=self.other_pending.id, other_active=self.other_active.id,
            other_suspended=self.other_suspended.id, **self.extra)


@pytest.fixture
def scene(world):
    from tauschring.members.service import suspend

    ring, other = world.ring("ring-a"), world.ring("ring-b")
    people = dict(
        admin=world.member(ring, "Ada Admin", role="admin"),
        coordinator=world.coordinator(ring, "Karin"),
        member=world.member(ring, "Max"),
        pending=world.member(ring, "Paula", status="pending"),
        active=world.member(ring, "Anton"),
        suspended=world.member(ring, "Susi"),
        other_coordinator=world.coordinator(other, "Bea"),
        other_pending=world.member(other, "Pia", status="pending"),
        other_active=world.member(other, "Ben"),
        other_suspended=world.member(other, "Sven"),
    )
    atomic(suspend, people["coordinator"].actor, people["suspended"].id)
    atomic(suspend, people["other_coordinator"].actor, people["other_suspended"].id)
    return Scene(ring=ring, other=other, **people)


def _errors_beside(html: str, name: str) -> list[str]:
    """The error messages shown in the form field named `name` (the `field` macro's div)."""
    for chunk in html.split('<div class="field')[1:]:
        if re.search(rf'name="{re.escape(name)}"', chunk.split("</div>")[0]):
            return [unescape(m) for m in re.findall(
                r'<p class="error" role="alert">(.*?)</p>', chunk.split("</div>")[0], re.S)]
    raise AssertionError(f"no field {name!r} on the page")


def _all_errors(html: str) -> list[str]:
    """Every error message on the page, beside a field or above a form."""
    return [unescape(m) for m in re.findall(r'<p class="error" role="alert">(.*?)</p>', html,
                                            re.S)]


class Errors:
    """errors.beside(html, "minutes"): the messages in that field; errors.all(html): all."""

    beside = staticmethod(_errors_beside)
    all = staticmethod(_all_errors)


@pytest.fixture
def errors():
    return Errors


@pytest.fixture
def desk(scene):
    """The scene with money moved in both rings and an account fee of 0:30 a month.

    extra ids: transfer / other_transfer (a starting credit in ring A / B),
    account / other_account (Anton's / Ben's account).
    """
    from tauschring.rings.service import update_settings

    pay_past_limits(scene.ring, scene.ring, scene.active, 120, "Starting credit")
    pay_past_limits(scene.other, scene.other, scene.other_active, 120, "Startguthaben")
    atomic(update_settings, scene.coordinator.actor, fee_minutes=30, fee_period="month")
    atomic(update_settings, scene.other_coordinator.actor, fee_minutes=30, fee_period="month")
    session = fresh_session()
    transfer = session.scalar(sa.text(
        "SELECT max(id) FROM transfers WHERE ring_id = :ring"), {"ring": scene.ring.id})
    other_transfer = session.scalar(sa.text(
        "SELECT max(id) FROM transfers WHERE ring_id = :ring"), {"ring": scene.other.id})
    scene.extra = dict(transfer=transfer, other_transfer=other_transfer,
                       account=scene.active.account_id,
                       other_account=scene.other_active.account_id)
    return scene
