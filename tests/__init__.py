"""Tauschring's tests. A package, so that `tests.support` can be imported by
conftests and test modules alike (pytest puts the project folder on sys.path,
see `pythonpath` in pyproject.toml)."""
