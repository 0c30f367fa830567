"""The database going away, connections killed, rows held too long: typed errors, no hangs."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest
from conftest import connect_raw
from dbcheck import assert_typed, snapshot, stock

import inventory_desktop.repository.engine as engine_module
from inventory_desktop.errors import (
    DatabaseUnavailable,
    InventoryError,
    LockTimeout,
    StaleRecord,
    ValidationError,
)
from inventory_desktop.repository import Repository

pytestmark = pytest.mark.db

D = Decimal


def calls(repo, product_id, order_id):
    """One of each kind of call: reads, the order hot path, writes, a status change."""
    return {
        "ping": lambda: repo.ping(),
        "get": lambda: repo.products.get(product_id),
        "list": lambda: repo.products.list(search="w"),
        "get_by_sku": lambda: repo.products.get_by_sku("w-1"),
        "movements": lambda: repo.stock_movements(product_id=product_id),
        "order": lambda: repo.orders.create([(product_id, 1)]),
        "order with token": lambda: repo.orders.create([(product_id, 1)], uuid.uuid4()),
        "orders.get": lambda: repo.orders.get(order_id),
        "orders.list": lambda: repo.orders.list(),
        "adjust": lambda: repo.products.adjust_stock(product_id, 1, reason="r"),
        "update": lambda: repo.products.update(product_id, expected_version=99, name="x"),
        "create": lambda: repo.products.create(sku="NEW", name="n", price=D("1")),
        "ship": lambda: repo.orders.ship(order_id),
    }


@pytest.mark.slow
def test_database_stopped_mid_session_then_back(pg_server, repo, raw_conn):
    p = repo.products.create(sku="W-1", name="Widget", price=D("1.00"), stock_quantity=10)
    order = repo.orders.create([(p.id, 1)])
    before = snapshot(raw_conn)
    raw_conn.close()
    pg_server.stop()
    try:
        for name, call in calls(repo, p.id, order.id).items():
            started = time.monotonic()
            with pytest.raises(DatabaseUnavailable) as info:
                call()
            assert_typed(info.value)
            assert time.monotonic() - started < 10, f"{name} took too long to fail"
    finally:
        pg_server.start()
    # The same Repository object works again, and nothing was half-done meanwhile.
    assert repo.products.get(p.id).stock_quantity == 9
    with connect_raw(pg_server.start(), autocommit=True) as conn:
        assert snapshot(conn) == before
    repo.orders.create([(p.id, 2)])
    repo.ping()
    assert repo.products.get(p.id).stock_quantity == 7


def test_a_killed_connection_is_replaced_or_reported(repo, raw_conn):
    p = repo.products.create(sku="W-1", name="Widget", price=D("1.00"), stock_quantity=100)
    order = repo.orders.create([(p.id, 1)])
    for name, call in calls(repo, p.id, order.id).items():
        repo.ping()  # a pooled connection exists ...
        killed = raw_conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = 'inventory-desktop/TEST-1'"
        ).fetchone()[0]
        assert killed >= 1  # ... and is killed
        try:
            call()
        except DatabaseUnavailable:
            pass  # allowed: typed, and safe to retry
        except StaleRecord:
            assert name == "update"  # the call's own answer (expected_version=99)
        except BaseException as error:  # noqa: BLE001
            pytest.fail(f"{name}: {type(error).__module__}.{type(error).__name__}: {error}")
    # And afterwards everything works.
    repo.ping()
    assert repo.products.get(p.id).id == p.id


def test_a_killed_connection_is_retried_transparently_for_reads(repo, raw_conn):
    """The connection died before the transaction began: nothing can have happened, so the
    repository retries on a fresh connection and the caller never notices."""
    p = repo.products.create(sku="W-1", name="Widget", price=D("1.00"), stock_quantity=5)
    repo.ping()
    raw_conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'inventory-desktop/TEST-1'"
    )
    assert repo.products.get(p.id) == p
    raw_conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'inventory-desktop/TEST-1'"
    )
    assert repo.orders.create([(p.id, 2)]).items[0].quantity == 2
    assert stock(raw_conn, p.id) == 3


@pytest.fixture
def short_lock_timeout(monkeypatch):
    monkeypatch.setattr(engine_module, "LOCK_TIMEOUT_MS", 500)


def test_connections_carry_the_timeouts(repo):
    with repo._engine.connect() as conn:  # the real engine, as configured for stations
        settings = {
            name: conn.exec_driver_sql(f"SHOW {name}").scalar_one()
            for name in ("lock_timeout", "statement_timeout", "application_name")
        }
    assert settings["lock_timeout"] == "5s"
    assert settings["statement_timeout"] != "0"
    assert settings["application_name"] == "inventory-desktop/TEST-1"


def test_a_row_held_elsewhere_is_a_lock_timeout_not_a_hang(
    short_lock_timeout, repo, make_repo, clean_db, raw_conn
):
    p = repo.products.create(sku="W-1", name="Widget", price=D("1.00"), stock_quantity=10)
    order = repo.orders.create([(p.id, 1)])
    current_version = repo.products.get(p.id).version
    station = make_repo(station="WAITER")  # opened with the short lock timeout
    holder = connect_raw(clean_db)
    try:
        holder.execute("SELECT * FROM products WHERE id = %s FOR UPDATE", (p.id,))
        before = snapshot(raw_conn)
        for call in [
            lambda: station.orders.create([(p.id, 1)]),
            lambda: station.orders.create([(p.id, 1)], client_token=uuid.uuid4()),
            lambda: station.products.adjust_stock(p.id, 5, reason="received"),
            lambda: station.products.update(p.id, expected_version=current_version, name="x"),
            lambda: station.orders.cancel(order.id),
        ]:
            started = time.monotonic()
            with pytest.raises(LockTimeout) as info:
                call()
            elapsed = time.monotonic() - started
            assert 0.3 < elapsed < 5, elapsed
            assert isinstance(info.value, DatabaseUnavailable)
            assert_typed(info.value)
        assert snapshot(raw_conn) == before
        # Reading is never blocked by a row lock.
        assert station.products.get(p.id).stock_quantity == 9
    finally:
        holder.rollback()
        holder.close()
    assert station.orders.create([(p.id, 1)]).items[0].quantity == 1
    assert stock(raw_conn, p.id) == 8


def test_an_unreachable_server_is_database_unavailable():
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as info:
        Repository.connect(
            "postgresql://nobody@/inventory?host=/nonexistent-inventory-socket-dir",
            station="NOWHERE",
        )
    assert_typed(info.value)
    assert time.monotonic() - started < 15


def test_a_missing_database_is_a_typed_error(clean_db):
    from sqlalchemy.engine import make_url

    url = make_url(clean_db).set(database="no_such_inventory_db").render_as_string(False)
    with pytest.raises(InventoryError) as info:
        Repository.connect(url, station="NOWHERE")
    assert_typed(info.value)


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "sqlite:///x.db", "not a url", "postgresql+asyncpg://u@h/db"]
)
def test_a_url_that_is_not_postgresql_is_a_validation_error(url):
    with pytest.raises(ValidationError) as info:
        Repository.connect(url, station="X")
    assert info.value.field == "database_url"
