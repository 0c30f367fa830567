"""Alembic environment. The schema changes only through these migrations.

Run by ``inventory_desktop.repository.migrate`` (which hands over a connection that already
holds the migration advisory lock) or by the plain ``alembic`` command.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run_migrations(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    from inventory_desktop.repository.engine import normalize_url
    from inventory_desktop.repository.migrate import MIGRATION_LOCK

    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "INVENTORY_DATABASE_URL"
    )
    if not url:
        raise SystemExit("set INVENTORY_DATABASE_URL or pass -x url=postgresql://...")
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        conn.commit()
        try:
            run_migrations(conn)
        finally:
            conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            conn.commit()
