"""What the ring-life tests share (tests/feedback, news, events, digest, away,
documents): a ring with a coordinator and members, another ring beside it,
people's browsers and API tokens, and a booked exchange."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import flask_babel
import pytest

from tauschring.db import atomic, db
from tauschring.exchanges import service as exchanges
from tests.support.pages import Pages, forms_of


@dataclass
class Life:
    app: object
    world: object
    ring: object
    karin: object   # the coordinator
    anna: object
    bernd: object
    clara: object
    other_ring: object
    otto: object    # the other ring's coordinator

    def browser(self, person, language: str = "en") -> Pages:
        """A browser of its own, logged in as `person`, reading `language`."""
        pages = Pages(self.app.test_client())
        pages.login(person, language)
        return pages

    def booked_exchange(self, provider=None, recipient=None, minutes: int = 60,
                        description: str = "Hecke geschnitten") -> int:
        provider, recipient = provider or self.anna, recipient or self.bernd
        exchange = atomic(exchanges.propose, provider.actor, provider_id=provider.id,
                          recipient_id=recipient.id, minutes=minutes,
                          description=description, performed_on=date.today())
        atomic(exchanges.confirm, recipient.actor, exchange.id)
        db.session.rollback()
        return exchange.id


@pytest.fixture
def life(app, world):
    ring = world.ring("sonnenberg")
    other = world.ring("talheim")
    return Life(app, world, ring, world.coordinator(ring, "Karin"), world.member(ring, "Anna"),
                world.member(ring, "Bernd"), world.member(ring, "Clara"), other,
                world.coordinator(other, "Otto"))


def submit_form(pages: Pages, page: str, action: str, changes: dict):
    """Open `page`, fill its form for `action` with `changes`, post it."""
    response = pages.client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    for form in forms_of(response.text):
        if form["action"] == action and form["method"].lower() == "post":
            fields = {**form["fields"], **changes}
            flask_babel.refresh()
            return pages.client.post(action, data=fields)
    raise AssertionError(f"no form posting to {action!r} on {page}")
