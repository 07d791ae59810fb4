"""Three rings of one instance, each with a coordinator and a member."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def rings(world, http):
    """Auental and Bergdorf (to be partners) and Christdorf (a bystander), with
    tokens for everyone."""
    made = SimpleNamespace()
    made.a, made.b, made.c = (world.ring(slug) for slug in ("auental", "bergdorf", "christdorf"))
    made.karin = world.coordinator(made.a, "Karin")
    made.anna = world.member(made.a, "Anna")
    made.bodo = world.coordinator(made.b, "Bodo")
    made.bernd = world.member(made.b, "Bernd")
    made.carl = world.coordinator(made.c, "Carl")
    made.tokens = {name: http.token(getattr(made, name))
                   for name in ("karin", "anna", "bodo", "bernd", "carl")}
    return made
