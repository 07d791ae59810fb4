"""Fixtures for the statements tests (defined in statement_helpers.py)."""

from statement_helpers import browser, clock, history  # noqa: F401
