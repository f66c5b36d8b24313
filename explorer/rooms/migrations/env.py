"""Alembic's entry: migrate the connection `explorer.rooms.database.upgrade` hands over, inside its transaction.

No alembic.ini and no URL here: the store opens the database (with its SQLite pragmas, or PostgreSQL's lock
that keeps two replicas from migrating at once) and Alembic only runs the version scripts on that connection.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
