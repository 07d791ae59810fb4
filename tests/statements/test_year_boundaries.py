"""A year's boundary is found by one index seek, however long the history: the
database's own query plans say so, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from tauschring.db import db
from tauschring.statements.years import balance_before, balances_before, chain_head_before
from tests.support.ledger_history import berlin


@contextlib.contextmanager
def captured():
    """The SQL statements (with their parameters) the block sends."""
    seen = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listen)


def plan(statement: str, parameters) -> str:
    connection = db.session.connection()
    cursor = connection.connection.driver_connection.cursor()
    if db.engine.dialect.name == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
    cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: ask what it *can* do
    cursor.execute("EXPLAIN " + statement, parameters)
    return "\n".join(row[0] for row in cursor.fetchall())


def test_the_migration_made_the_index_and_kept_the_triggers(app, engine_name):
    inspector = sa.inspect(db.engine)
    indexes = {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("transfers")}
    assert indexes["ix_transfers_ring_booked"] == ["ring_id", "booked_at", "seq"]
    if engine_name == "sqlite":
        triggers = set(db.session.scalars(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'transfers'")))
        assert triggers == {"transfers_no_update", "transfers_no_delete"}


def test_balances_and_chain_head_at_a_boundary_are_index_seeks(history, engine_name):
    anna = history.person("Anna Becker")
    moment = berlin(2025, 1, 1)
    for call, index in ((lambda: balance_before(db.session, anna.account_id, moment),
                         "ix_entries_account_booked"),
                        (lambda: chain_head_before(db.session, history.ring.id, moment),
                         "ix_transfers_ring_booked"),
                        (lambda: balances_before(db.session, history.ring.id, moment),
                         "ix_entries_account_booked")):
        with captured() as seen:
            call()
        statement, parameters = seen[-1]
        shown = plan(statement, parameters)
        assert index in shown, shown
        if engine_name == "sqlite":
            assert "TEMP B-TREE" not in shown, shown         # no sorting of the history
            assert "SCAN entries" not in shown and "SCAN transfers" not in shown, shown
        else:
            for table in ("entries", "transfers"):       # accounts may be sorted
                assert f"Sort Key: {table}" not in shown and f"Seq Scan on {table}" \
                    not in shown, shown
        db.session.rollback()
