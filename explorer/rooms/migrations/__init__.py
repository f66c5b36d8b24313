"""Alembic's migrations of the rooms database, run by `explorer.rooms.database.upgrade` (a package, so that
`pip install .` ships them)."""
