"""Helpers for the integration tests: table snapshots, the stock ledger, error-type checks.

Everything here reads the database through a plain psycopg connection (``raw_conn``), so a
check never relies on the repository code it is checking.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
import pytest
from sqlalchemy.exc import SQLAlchemyError

from inventory_desktop.errors import InventoryError

TABLES = ("products", "orders", "order_items", "stock_movements")
_ORDER_BY = {
    "products": "id",
    "orders": "id",
    "order_items": "order_id, product_id",
    "stock_movements": "id",
}


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: compare before and after a failed call."""
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY {_ORDER_BY[table]}").fetchall()
        for table in TABLES
    }


def assert_unchanged(conn: psycopg.Connection, before: dict[str, list[tuple[Any, ...]]]) -> None:
    after = snapshot(conn)
    for table in TABLES:
        assert after[table] == before[table], f"table {table} changed after a failed call"


def expect_error(
    conn: psycopg.Connection,
    error_type: type[InventoryError],
    call: Callable[[], Any],
) -> InventoryError:
    """``call`` raises ``error_type`` (never a driver error) and leaves every table as it was."""
    before = snapshot(conn)
    with pytest.raises(error_type) as info:
        call()
    assert_typed(info.value)
    assert_unchanged(conn, before)
    return info.value


def assert_typed(error: BaseException) -> None:
    """The contract: only InventoryError subclasses escape the repository."""
    assert isinstance(error, InventoryError), f"{type(error).__module__}.{type(error).__name__}"
    assert not isinstance(error, (psycopg.Error, SQLAlchemyError))


def stock(conn: psycopg.Connection, product_id: int) -> int:
    return conn.execute(
        "SELECT stock_quantity FROM products WHERE id = %s", (product_id,)
    ).fetchone()[0]


def version(conn: psycopg.Connection, product_id: int) -> int:
    return conn.execute("SELECT version FROM products WHERE id = %s", (product_id,)).fetchone()[0]


def movements(conn: psycopg.Connection, product_id: int) -> list[tuple[Any, ...]]:
    """(delta, quantity_after, reason, order_id, station, db_user), oldest first."""
    return conn.execute(
        "SELECT delta, quantity_after, reason, order_id, station, db_user "
        "FROM stock_movements WHERE product_id = %s ORDER BY id",
        (product_id,),
    ).fetchall()


def assert_ledger_consistent(conn: psycopg.Connection) -> None:
    """For every product, the sum of its movements is its stock, and the running total of
    the movements matches each one's quantity_after."""
    rows = conn.execute(
        "SELECT p.id, p.stock_quantity, coalesce(sum(m.delta), 0) "
        "FROM products p LEFT JOIN stock_movements m ON m.product_id = p.id "
        "GROUP BY p.id ORDER BY p.id"
    ).fetchall()
    bad = [(pid, stock_, total) for pid, stock_, total in rows if stock_ != total]
    assert not bad, f"(product, stock, sum of movements) disagree: {bad}"
    running = conn.execute(
        "SELECT product_id, id, quantity_after, "
        "sum(delta) OVER (PARTITION BY product_id ORDER BY id) FROM stock_movements"
    ).fetchall()
    bad = [r for r in running if r[2] != r[3]]
    assert not bad, f"(product, movement, quantity_after, running sum) disagree: {bad[:5]}"


def run_threads(
    count: int, target: Callable[[int, threading.Barrier], None], timeout: float = 60.0
) -> None:
    """Start ``count`` threads at one barrier; fail (not hang) if any is still running."""
    barrier = threading.Barrier(count, timeout=timeout)
    errors: list[BaseException] = []

    def wrapped(index: int) -> None:
        try:
            target(index, barrier)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=wrapped, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    alive = [t for t in threads if t.is_alive()]
    assert not alive, f"{len(alive)} threads still running after {timeout} s (a hang?)"
    if errors:
        raise errors[0]


def flatten(groups: Iterable[Iterable[Any]]) -> list[Any]:
    return [item for group in groups for item in group]


def wait_for_lock_wait(conn: psycopg.Connection, station: str, timeout: float = 10.0) -> None:
    """Block until a backend of ``station`` is waiting for a lock (so an interleaving is sure)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND wait_event_type = 'Lock'",
            (f"inventory-desktop/{station}",),
        ).fetchone()[0]
        if waiting:
            return
        time.sleep(0.01)
    raise AssertionError(f"no backend of {station} started waiting for a lock in {timeout} s")
