"""Fixtures for the reports tests: the same ring with three years of history as
the statements tests (tests/support/statements.py)."""

from tests.support.statements import browser, clock, history  # noqa: F401
