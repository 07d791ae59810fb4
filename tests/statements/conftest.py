"""Fixtures for the statements tests (defined in tests/support/statements.py)."""

from tests.support.statements import browser, clock, history  # noqa: F401
