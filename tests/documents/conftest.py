from tests.support.ring_life import life  # noqa: F401 - the fixture
