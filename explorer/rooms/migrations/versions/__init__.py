"""One file a schema version, in order; Alembic reads them by path (a package only so that they install)."""
