"""The region of the tests: tests/support/regions.py."""

from __future__ import annotations

import pytest

from tests.support.regions import RegionScene, build_region


@pytest.fixture
def region_scene(world, app) -> RegionScene:
    return build_region(world)
