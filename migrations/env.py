"""Alembic environment, run through Flask-Migrate inside the app context."""

from __future__ import annotations

import logging

from alembic import context
from flask import current_app

from tauschring.db import db

config = context.config
logging.getLogger("alembic").setLevel(logging.WARNING)

target_metadata = db.metadata


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = db.engine
    with connectable.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations copy and drop tables; with foreign keys on, SQLite
            # would refuse to drop a table that others refer to. The pragma only
            # takes effect outside a transaction, so it goes to the driver directly.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        options = {"render_as_batch": True, "compare_type": True,
                   **current_app.extensions["migrate"].configure_args}
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
