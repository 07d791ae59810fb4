"""The migrations build exactly the schema the models describe, on both engines,
and can be undone and redone.

The `app` fixture's database was created by running the migrations (the
session's template database), so comparing it with the models' metadata
shows any drift between a model and its migration.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tauschring.app import MIGRATIONS
from tauschring.db import atomic, db
from tauschring.ledger import service

TABLES = {"accounts", "api_tokens", "audit_log", "entries", "idempotent_responses",
          "login_failures", "members", "rings", "transfers"}
LEDGER = {"transfers", "entries"}


def schema_differences() -> list:
    db.session.remove()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": not_a_search_index})
        return compare_metadata(context, db.metadata)


def not_a_search_index(name, type_, parent_names) -> bool:
    """SQLite's full-text index of the talents (FTS5 virtual tables and their shadow
    tables, made by migration 0007) has no place in the models' metadata."""
    return not (type_ == "table" and name and name.startswith("talent_search"))


def append_only_triggers(engine_name: str) -> dict[str, set[str]]:
    """Trigger names on the ledger's tables, as the database lists them."""
    db.session.remove()
    with db.engine.connect() as connection:
        if engine_name == "sqlite":
            rows = connection.execute(sa.text(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"))
        else:
            rows = connection.execute(sa.text(
                "SELECT c.relname, t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"))
        found: dict[str, set[str]] = {}
        for table, name in rows:
            if table in LEDGER:
                found.setdefault(table, set()).add(name)
    return found


EXPECTED_TRIGGERS = {
    "sqlite": {"transfers": {"transfers_no_update", "transfers_no_delete"},
               "entries": {"entries_no_update", "entries_no_delete"}},
    "postgresql": {"transfers": {"transfers_append_only", "transfers_no_truncate"},
                   "entries": {"entries_append_only", "entries_no_truncate"}},
}


def table_names() -> set[str]:
    db.session.remove()
    return set(sa.inspect(db.engine).get_table_names())


def test_migrated_schema_matches_the_models(app):
    assert TABLES <= set(db.metadata.tables)
    assert table_names() >= TABLES
    differences = schema_differences()
    assert differences == [], "models and migrations differ:\n" + "\n".join(
        map(repr, differences))


def test_migrations_install_the_append_only_triggers(app, engine_name):
    assert append_only_triggers(engine_name) == EXPECTED_TRIGGERS[engine_name]


@pytest.mark.own_database
def test_downgrade_to_base_and_upgrade_again(app, engine_name, world):
    world.ring("vorher")  # some data, so the downgrade drops filled tables
    db.session.remove()
    downgrade(directory=str(MIGRATIONS), revision="base")
    db.session.remove()
    assert table_names() <= {"alembic_version"}
    assert append_only_triggers(engine_name) == {}

    upgrade(directory=str(MIGRATIONS))
    db.session.remove()
    assert table_names() >= TABLES
    assert schema_differences() == []
    assert append_only_triggers(engine_name) == EXPECTED_TRIGGERS[engine_name]

    # The rebuilt database works: a ring books, and history is protected again.
    ring = world.ring("nachher")
    anna = world.member(ring, "Anna")
    transfer = atomic(lambda s: service.book(
        s, ring_id=ring.id, debit_account_id=ring.association_account_id,
        credit_account_id=anna.account_id, minutes=60, memo="Startguthaben").id)
    with pytest.raises(sa.exc.DBAPIError):
        atomic(lambda s: s.execute(sa.text("DELETE FROM transfers WHERE id = :t"),
                                   {"t": transfer}))


def test_upgrade_is_safe_to_run_again(app, engine_name):
    with db.engine.connect() as connection:
        head = MigrationContext.configure(connection).get_current_revision()
    assert head is not None
    db.session.remove()
    upgrade(directory=str(MIGRATIONS))
    db.session.remove()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
    assert schema_differences() == []
    assert append_only_triggers(engine_name) == EXPECTED_TRIGGERS[engine_name]
