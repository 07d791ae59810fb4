"""What the tests share, imported like any module (`from tests.support.app import World`).

- `databases`: test databases on SQLite and PostgreSQL, with names that do not
  collide between test processes (pytest-xdist workers, other test runs).
- `app`: the application under test (`make_app`), `World` to build rings and
  members through the real services, `Http` for a real HTTP client.
- `problems`: `assert_problem`, the shape of an API error.
- `pages`: a browser of the rendered pages, for the coordinator's and admin's pages.
- `ledger_history` and `statements`: a ring with years of history and the
  helpers of the statements and reports tests.

The fixtures themselves live in the conftest.py files.
"""
