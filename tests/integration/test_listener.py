"""Change announcements (NOTIFY from triggers) and the listener thread."""

from __future__ import annotations

import queue
from datetime import timedelta
from decimal import Decimal

import pytest

from inventory_desktop.errors import InsufficientStock
from inventory_desktop.repository.listener import Change, ChangeListener, parse_payload

pytestmark = pytest.mark.db


@pytest.fixture
def heard(clean_db: str):  # type: ignore[no-untyped-def]
    changes: queue.Queue[Change] = queue.Queue()
    states: list[str] = []
    listener = ChangeListener(
        clean_db,
        station="LISTENER",
        on_change=changes.put,
        on_state=lambda state, detail: states.append(state),
        poll_interval=0.5,
    )
    listener.start()
    assert listener.connected.wait(10)
    yield listener, changes, states
    listener.stop()


def next_change(changes: queue.Queue[Change], table: str, timeout: float = 5.0) -> Change:
    while True:
        change = changes.get(timeout=timeout)
        if change.table == table:
            return change


def next_pair(changes: queue.Queue[Change]) -> dict[str, Change]:
    """An order's two announcements (its products, itself), in whichever order they come."""
    pair = {}
    while len(pair) < 2:
        change = changes.get(timeout=5)
        pair[change.table] = change
    return pair


def test_every_kind_of_change_is_announced_with_id_and_version(repo, heard) -> None:  # type: ignore[no-untyped-def]
    _, changes, _ = heard
    p = repo.products.create(sku="N-1", name="Nut", price=Decimal("1.00"), stock_quantity=5)
    assert next_change(changes, "products").rows == ((p.id, 1),)

    p = repo.products.update(p.id, expected_version=p.version, name="Hex nut")
    assert next_change(changes, "products").rows == ((p.id, p.version),)

    p = repo.products.adjust_stock(p.id, 3, reason="received")
    assert next_change(changes, "products").rows == ((p.id, p.version),)

    order = repo.orders.create([(p.id, 2)])
    pair = next_pair(changes)
    assert pair["products"].rows == ((p.id, p.version + 1),)
    assert pair["orders"].rows == ((order.id, 1),)

    cancelled = repo.orders.cancel(order.id)
    pair = next_pair(changes)
    assert pair["products"].rows == ((p.id, p.version + 2),)
    assert pair["orders"].rows == ((order.id, cancelled.version),)
    assert cancelled.version == 2


def test_a_failed_order_announces_nothing(repo, heard) -> None:  # type: ignore[no-untyped-def]
    _, changes, _ = heard
    p = repo.products.create(sku="N-1", name="Nut", price=Decimal("1.00"), stock_quantity=1)
    next_change(changes, "products")
    with pytest.raises(InsufficientStock):
        repo.orders.create([(p.id, 2)])
    repo.products.adjust_stock(p.id, 1, reason="marker")
    # The next announcement is the marker: the failed order (which rolled back) sent none.
    change = changes.get(timeout=5)
    assert change.table == "products" and change.rows == ((p.id, 2),)


def test_listener_survives_a_server_restart_and_catches_up(pg_server, repo, heard) -> None:  # type: ignore[no-untyped-def]
    _, changes, states = heard
    p = repo.products.create(sku="N-1", name="Nut", price=Decimal("1.00"), stock_quantity=1)
    next_change(changes, "products")
    pg_server.stop()
    pg_server.start()
    # Changed while the listener may still be reconnecting: heard live or caught up, never lost.
    changed = None
    for _ in range(3):
        try:
            changed = repo.products.adjust_stock(p.id, 4, reason="received")
            break
        except Exception:  # the repository's first call after a restart may see the old socket
            continue
    assert changed is not None
    while True:
        change = next_change(changes, "products", timeout=15)
        if (p.id, changed.version) in (change.rows or ()):
            break
    assert "reconnecting" in states and states[-1] == "connected"


def test_catch_up_finds_rows_changed_since(repo, raw_conn) -> None:  # type: ignore[no-untyped-def]
    p = repo.products.create(sku="N-1", name="Nut", price=Decimal("1.00"), stock_quantity=1)
    since = raw_conn.execute("SELECT now() - interval '1 second'").fetchone()[0]
    found = ChangeListener.catch_up(raw_conn, since)
    assert Change("products", ((p.id, 1),), caught_up=True) in found
    assert ChangeListener.catch_up(raw_conn, since + timedelta(hours=1)) == []


def test_bulk_change_says_reload_instead_of_overflowing_notify(repo, raw_conn, heard) -> None:  # type: ignore[no-untyped-def]
    _, changes, _ = heard
    raw_conn.execute(
        "INSERT INTO products (sku, name, price) "
        "SELECT 'BULK-' || g, 'Bulk ' || g, 1 FROM generate_series(1, 2000) g"
    )
    assert next_change(changes, "products").rows is None


@pytest.mark.parametrize(
    "payload", ["", "{", '{"table": "users", "rows": []}', '{"table": "products"}', "[1]"]
)
def test_malformed_payloads_are_ignored(payload: str) -> None:
    assert parse_payload(payload) is None
