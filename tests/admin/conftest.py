"""The page helpers of tests/coordination (pages, pay, fresh, snapshot), shared here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "coordination_page_helpers", Path(__file__).parents[1] / "coordination" / "conftest.py")
_helpers = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _helpers  # dataclasses look their module up there
_spec.loader.exec_module(_helpers)

pages = _helpers.pages
pay = _helpers.pay
fresh = _helpers.fresh
snapshot = _helpers.snapshot
