"""Fixtures for the reports tests: the same ring with three years of history as
the statements tests (tests/statements/statement_helpers.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "statements"))

from statement_helpers import browser, clock, history  # noqa: E402,F401
