"""Fixtures for the member pages: visitors at a browser, logged in or not."""

from __future__ import annotations

import pytest
from member_pages import Visitor


@pytest.fixture
def visitor(app):
    """Someone at a browser, not logged in."""
    return Visitor(app)


@pytest.fixture
def visitor_as(app):
    """visitor_as(person): a fresh browser session, logged in as that person."""
    return lambda person: Visitor(app).log_in_as(person)
