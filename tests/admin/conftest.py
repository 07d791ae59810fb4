"""The page helpers of tests/coordination (pages, pay, fresh, snapshot), shared here."""

from tests.support.pages import fresh, pages, pay, snapshot  # noqa: F401
