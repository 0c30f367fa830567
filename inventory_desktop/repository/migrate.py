"""Bring a database's schema up to date, one station at a time, and refuse a newer schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from inventory_desktop.domain.errors import SchemaError, SchemaTooNew
from inventory_desktop.repository.engine import run_transaction, sqlstate, translate

# pg_advisory_lock key: two stations opening the same fresh database migrate one after the other.
MIGRATION_LOCK = 7_303_100_001


def migrations_dir() -> Path:
    """``migrations/`` beside the package in a checkout; inside the package when installed."""
    here = Path(__file__).resolve()
    for candidate in (
        here.parents[2] / "migrations",  # source checkout / editable install
        here.parents[1] / "_migrations",  # wheel or PyInstaller bundle
    ):
        if (candidate / "env.py").is_file():
            return candidate
    raise SchemaError(f"the database migrations are missing (looked beside {here.parents[1]})")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    exists = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar_one()
    if not exists:
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def _foreign_tables(conn: Connection) -> bool:
    """Tables in the public schema of a database we have never migrated: not ours."""
    return bool(
        conn.execute(
            text("SELECT EXISTS (SELECT FROM pg_tables WHERE schemaname = 'public')")
        ).scalar_one()
    )


def check_known(revision: str | None) -> None:
    if revision is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    try:
        script.get_revision(revision)
    except Exception:
        raise SchemaTooNew(revision, script.get_current_head() or "?") from None


def ensure_schema(engine: Engine) -> str:
    """Upgrade to head if needed (under the advisory lock); return the revision now in force."""
    head = head_revision()
    revision = run_transaction(engine, current_revision)
    check_known(revision)
    if revision == head:
        return head
    if revision is None and run_transaction(engine, _foreign_tables):
        raise SchemaError(
            "this database holds another application's tables and is not an Inventory "
            "database; choose another database, or an empty one"
        )
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()
            try:
                # Another station may have migrated while we waited for the lock.
                revision = current_revision(conn)
                conn.commit()
                check_known(revision)
                if revision != head:
                    config = alembic_config()
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    conn.commit()
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
                conn.commit()
    except SQLAlchemyError as exc:
        if sqlstate(exc) == "42501":
            raise SchemaError(
                f"the database needs an upgrade (to schema {head}) that this login may not "
                "perform; ask the administrator to run `inventory-desktop migrate`"
            ) from exc
        raise translate(exc) from exc
    return head


def upgrade(url: str | None) -> str:
    """``inventory-desktop migrate``: migrate the database at ``url`` (None: standalone)."""
    from inventory_desktop.repository import Repository

    with Repository.connect(url, migrate=True) as repo:
        return repo.schema_revision
