"""Schema migrations: fresh databases, repeat runs, a newer schema, stations opening at once.

Each test works in a database of its own (CREATE DATABASE), never the shared test database.
"""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from conftest import connect_raw
from dbcheck import assert_typed, run_threads, wait_for_lock_wait
from sqlalchemy.engine import make_url

from inventory_desktop.errors import SchemaError, SchemaTooNew
from inventory_desktop.repository import Repository
from inventory_desktop.repository.migrate import MIGRATION_LOCK, head_revision, upgrade

pytestmark = [pytest.mark.db, pytest.mark.slow]

TABLES = {"products", "orders", "order_items", "stock_movements", "alembic_version"}


@pytest.fixture
def fresh_db(database_url, raw_conn):
    """An empty database of its own; dropped afterwards."""
    name = f"inventory_mig_{uuid.uuid4().hex[:12]}"
    raw_conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    raw_conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tables(url: str) -> set[str]:
    with connect_raw(url, autocommit=True) as conn:
        return {
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        }


def revision(url: str) -> list[str]:
    with connect_raw(url, autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]


def test_a_fresh_database_migrates_to_head(fresh_db):
    assert tables(fresh_db) == set()
    with Repository.connect(fresh_db, station="MIG") as repo:
        assert repo.schema_revision == head_revision()
        p = repo.products.create(sku="A", name="a", price=Decimal("1"), stock_quantity=1)
        assert repo.products.get(p.id).sku == "A"
    assert TABLES <= tables(fresh_db)
    assert revision(fresh_db) == [head_revision()]
    with connect_raw(fresh_db, autocommit=True) as conn:
        checks = {
            r[0]
            for r in conn.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 'c' "
                "AND conrelid = 'products'::regclass"
            )
        }
        assert "products_stock_quantity_check" in checks
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone()


def test_a_second_migrate_is_a_no_op(fresh_db):
    Repository.connect(fresh_db, station="MIG").close()

    def fingerprint() -> list[tuple]:
        with connect_raw(fresh_db, autocommit=True) as conn:
            return conn.execute(
                "SELECT c.relname, c.oid, c.relfilenode FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' ORDER BY c.relname"
            ).fetchall() + conn.execute(
                "SELECT version_num, xmin::text FROM alembic_version"
            ).fetchall()

    with Repository.connect(fresh_db, station="MIG") as repo:
        repo.products.create(sku="KEEP", name="kept", price=Decimal("2"))
    before = fingerprint()
    with Repository.connect(fresh_db, station="MIG") as repo:
        assert repo.schema_revision == head_revision()
        assert repo.products.get_by_sku("KEEP").name == "kept"
    assert upgrade(fresh_db) == head_revision()  # `inventory-desktop migrate`
    assert fingerprint() == before


def test_an_unknown_revision_is_schema_too_new(fresh_db):
    with connect_raw(fresh_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    for migrate in (True, False):
        with pytest.raises(SchemaTooNew) as info:
            Repository.connect(fresh_db, station="OLD-APP", migrate=migrate)
        assert_typed(info.value)
        assert isinstance(info.value, SchemaError)
        assert info.value.database_revision == "9999_from_the_future"
        assert info.value.known_head == head_revision()
        assert "newer" in str(info.value)
    # Refused without touching anything.
    assert tables(fresh_db) == {"alembic_version"}
    assert revision(fresh_db) == ["9999_from_the_future"]


def test_an_unmigrated_database_opened_without_migrating_gives_schema_errors(fresh_db):
    with Repository.connect(fresh_db, station="NOMIG", migrate=False) as repo:
        assert repo.schema_revision is None
        with pytest.raises(SchemaError) as info:
            repo.products.list()
        assert_typed(info.value)


def test_two_stations_opening_a_fresh_database_at_once_both_succeed(fresh_db):
    opened: list[Repository] = []
    lock = threading.Lock()

    def open_station(index: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        repo = Repository.connect(fresh_db, station=f"FIRST-{index}")
        with lock:
            opened.append(repo)

    try:
        run_threads(2, open_station, timeout=60)
        assert [r.schema_revision for r in opened] == [head_revision()] * 2
        opened[0].products.create(sku="A", name="a", price=Decimal("1"))
        assert opened[1].products.get_by_sku("a").sku == "A"
    finally:
        for repo in opened:
            repo.close()
    assert revision(fresh_db) == [head_revision()]


def test_migration_waits_for_the_advisory_lock(fresh_db):
    """While another station holds the migration lock, a second one waits, then finds the
    schema and succeeds."""
    holder = connect_raw(fresh_db, autocommit=True)
    outcome: list[object] = []
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))

        def open_station() -> None:
            try:
                outcome.append(Repository.connect(fresh_db, station="SECOND"))
            except BaseException as error:  # noqa: BLE001 - checked below
                outcome.append(error)

        thread = threading.Thread(target=open_station, daemon=True)
        thread.start()
        with connect_raw(fresh_db, autocommit=True) as watcher:
            wait_for_lock_wait(watcher, "SECOND")
        assert tables(fresh_db) == set()  # nothing created while the lock is held
        holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        thread.join(60)
        assert not thread.is_alive()
    finally:
        holder.close()
    [repo] = outcome
    assert isinstance(repo, Repository), repr(repo)
    try:
        assert repo.schema_revision == head_revision()
    finally:
        repo.close()
    assert revision(fresh_db) == [head_revision()]
