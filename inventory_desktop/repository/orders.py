"""Orders: placing (the hot path), reading, shipping and cancelling."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Engine, text

from inventory_desktop.domain import validation as v
from inventory_desktop.domain.errors import (
    InsufficientStock,
    InvalidTransition,
    NotFound,
    ProductNotFound,
    Shortage,
)
from inventory_desktop.domain.values import Order, OrderItem, OrderStatus, Page, can_transition
from inventory_desktop.repository.engine import run_idempotent_statement, run_transaction

# Placing an order is ONE statement. With a client token (the GUI always has one) it goes to
# the server in autocommit, in one pipeline with GENERIC_PLAN: one round trip, one implicit
# transaction committed by the server at the pipeline's Sync. So the product rows stay locked
# only while the server runs the statement and commits, not while this process reads the
# result and sends COMMIT; and a refused order needs no ROLLBACK (after a ROLLBACK psycopg
# sends DEALLOCATE ALL, dropping every prepared statement of the connection).
# `locked` takes the row locks in ascending id order (LockRows above the Sort), so two orders
# never deadlock; `verdict` aggregates over every locked row, so all locks are held
# before anything is written; nothing is inserted or updated unless every line is in stock.
# FOR UPDATE returns the newest committed version of each row, and the new stock is computed
# from that locked value (`l.stock_quantity`), so concurrent orders see each other's stock.
# Not from `p.stock_quantity`: the UPDATE first computes its new row from the statement's
# snapshot and checks CHECK constraints on it *before* it notices the newer version, so a
# stock increase committed while we waited for the lock (a cancellation, goods received) made
# `p.stock_quantity - r.quantity` fail the CHECK spuriously (tests/integration/
# test_concurrency.py::test_an_order_waiting_for_a_stock_increase_sees_it).
# CHECK (stock_quantity >= 0) is the backstop should any of this ever be wrong.
_PLACE = """
WITH req AS (
    SELECT product_id, quantity
    FROM unnest(%(ids)s::bigint[], %(qtys)s::integer[]) AS r(product_id, quantity)
), locked AS MATERIALIZED (
    SELECT id, sku, name, price, stock_quantity
    FROM products WHERE id = ANY(%(ids)s::bigint[])
    ORDER BY id
    FOR UPDATE
), verdict AS (
    SELECT count(l.id) = count(*) AND coalesce(bool_and(l.stock_quantity >= r.quantity), false)
               AS ok,
           sum(l.price * r.quantity) AS total
    FROM req r LEFT JOIN locked l ON l.id = r.product_id
), placed AS (
    INSERT INTO orders (total_amount, item_count, client_token)
    SELECT total, cardinality(%(ids)s::bigint[]), %(token)s::uuid FROM verdict WHERE ok
    {on_conflict}
    RETURNING id, status, total_amount, item_count, client_token, station, status_changed_by,
              created_at, updated_at, version
), lines AS (
    INSERT INTO order_items (order_id, product_id, quantity, price_at_time)
    SELECT o.id, r.product_id, r.quantity, l.price
    FROM placed o CROSS JOIN req r JOIN locked l ON l.id = r.product_id
), taken AS (
    UPDATE products p
    SET stock_quantity = l.stock_quantity - r.quantity, version = p.version + 1,
        updated_at = now()
    FROM req r JOIN locked l ON l.id = r.product_id, placed o
    WHERE p.id = r.product_id
    RETURNING p.id, p.stock_quantity, r.quantity, o.id AS order_id
), moved AS (
    INSERT INTO stock_movements (product_id, delta, quantity_after, reason, order_id)
    SELECT id, -quantity, stock_quantity, 'order', order_id FROM taken
)
SELECT r.product_id, r.quantity, l.id IS NOT NULL AS found, l.sku, l.name, l.price,
       l.stock_quantity AS available,
       o.id, o.status, o.total_amount, o.item_count, o.client_token, o.station,
       o.status_changed_by, o.created_at, o.updated_at, o.version
FROM req r LEFT JOIN locked l ON l.id = r.product_id LEFT JOIN placed o ON true
ORDER BY r.product_id
"""
PLACE_WITH_TOKEN = _PLACE.format(
    on_conflict="ON CONFLICT (client_token) WHERE client_token IS NOT NULL DO NOTHING"
)
PLACE_WITHOUT_TOKEN = _PLACE.format(on_conflict="")
# The statement's generic plan, for its own transaction only. PostgreSQL's own choice is to
# re-plan it at every call (~0.4-0.7 ms of server CPU per order) once the tables hold some
# history or the products have been updated a while; forcing generic plans for the whole
# session would make product search ~20x slower (a LIKE prefix needs its value to use an index).
GENERIC_PLAN = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"

ORDER_COLUMNS = (
    "id, status, total_amount, item_count, client_token, station, status_changed_by, "
    "created_at, updated_at, version"
)


def order_from_row(row: Any, items: tuple[OrderItem, ...] = ()) -> Order:
    return Order(
        id=row.id,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        total_amount=row.total_amount,
        items=items,
        item_count=row.item_count,
        client_token=row.client_token,
        station=row.station,
        status_changed_by=row.status_changed_by,
        version=row.version,
    )


class Orders:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(self, lines: Any, client_token: Any = None) -> Order:
        """Place an order: every line's stock is taken and the order exists, or nothing changed.

        With a ``client_token``, calling again (after a lost connection, or twice at once)
        returns the first order and takes no more stock.
        """
        ordered = v.order_lines(lines)
        token = v.client_token(client_token)
        params = {
            "ids": [product_id for product_id, _ in ordered],
            "qtys": [qty for _, qty in ordered],
            "token": token,
        }
        statement = PLACE_WITH_TOKEN if token else PLACE_WITHOUT_TOKEN

        def work(conn: Connection) -> Order:
            # The hot path talks to psycopg directly: a server-side prepared statement and the
            # C row loader, instead of SQLAlchemy's per-call compile and result machinery.
            pg: psycopg.Connection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
            with pg.cursor(row_factory=namedtuple_row) as cur:
                if pg.autocommit:  # run_idempotent_statement: one round trip
                    # Both in one pipeline: one implicit transaction, committed at its Sync.
                    with pg.pipeline():
                        pg.execute(GENERIC_PLAN, prepare=True)
                        cur.execute(statement, params, prepare=True)
                else:
                    cur.execute(statement, params, prepare=True)
                rows = cur.fetchall()
            if rows[0].id is not None:
                items = tuple(
                    OrderItem(r.product_id, r.quantity, r.price, r.sku, r.name) for r in rows
                )
                return order_from_row(rows[0], items)
            if token is not None:
                # ON CONFLICT waited for the order holding this token to commit, so these
                # reads (each its own statement, in autocommit) see it.
                existing = _find_by_token(conn, token)
                if existing is not None:
                    return existing
            missing = [r.product_id for r in rows if not r.found]
            if missing:
                raise ProductNotFound(missing)
            raise InsufficientStock(
                [
                    Shortage(r.product_id, r.quantity, r.available)
                    for r in rows
                    if r.available < r.quantity
                ]
            )

        if token is None:
            # Without a token a resend could place the order twice, so it keeps a
            # transaction: a connection found dead at BEGIN is retried with certainty.
            return run_transaction(self._engine, work)
        return run_idempotent_statement(self._engine, work)

    def get(self, order_id: Any) -> Order:
        order_id = v.record_id(order_id, "order_id")
        return run_transaction(self._engine, lambda c: _get(c, order_id))

    def list(self, status: Any = None, limit: Any = 50, offset: Any = 0) -> Page[Order]:
        """Newest first; ``status`` None means every order."""
        limit, offset = v.page(limit, offset)
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = ""
        if status is not None:
            params["status"] = v.status(status).value
            where = "WHERE status = :status"
        page_query = text(
            f"SELECT {ORDER_COLUMNS} FROM orders {where} ORDER BY id DESC "
            "LIMIT :limit OFFSET :offset"
        )
        count_query = text(f"SELECT count(*) FROM orders {where}")

        def work(c: Connection) -> Page[Order]:
            rows = tuple(order_from_row(r) for r in c.execute(page_query, params))
            if offset == 0 and len(rows) < limit:
                total = len(rows)
            else:
                total = c.execute(count_query, params).scalar_one()
            return Page(items=rows, total=total, limit=limit, offset=offset)

        return run_transaction(self._engine, work)

    def set_status(self, order_id: Any, status: Any) -> Order:
        order_id = v.record_id(order_id, "order_id")
        requested = v.status(status)

        def work(c: Connection) -> Order:
            current = c.execute(
                text("SELECT status FROM orders WHERE id = :id FOR UPDATE"), {"id": order_id}
            ).scalar_one_or_none()
            if current is None:
                raise NotFound("order", order_id)
            if not can_transition(current, requested):
                raise InvalidTransition(order_id, current, requested.value, _get(c, order_id))
            if requested is OrderStatus.CANCELLED:
                _return_stock(c, order_id)
            c.execute(
                text(
                    "UPDATE orders SET status = :status, updated_at = now(), "
                    "version = version + 1, "
                    "status_changed_by = coalesce(nullif(substr("
                    "current_setting('application_name'), 19), ''), 'unknown') "
                    "WHERE id = :id"
                ),
                {"status": requested.value, "id": order_id},
            )
            return _get(c, order_id)

        return run_transaction(self._engine, work)

    def ship(self, order_id: Any) -> Order:
        return self.set_status(order_id, OrderStatus.SHIPPED)

    def cancel(self, order_id: Any) -> Order:
        return self.set_status(order_id, OrderStatus.CANCELLED)


def _return_stock(c: Connection, order_id: int) -> None:
    """Give each line's quantity back, locking the products in ascending id order."""
    c.execute(
        text(
            """
            WITH locked AS MATERIALIZED (
                SELECT p.id FROM products p JOIN order_items i ON i.product_id = p.id
                WHERE i.order_id = :id ORDER BY p.id FOR UPDATE OF p
            ), all_locked AS (
                SELECT count(*) AS n FROM locked
            ), returned AS (
                UPDATE products p
                SET stock_quantity = p.stock_quantity + i.quantity, version = p.version + 1,
                    updated_at = now()
                FROM order_items i, all_locked
                WHERE i.order_id = :id AND p.id = i.product_id AND all_locked.n > 0
                RETURNING p.id, p.stock_quantity, i.quantity
            )
            INSERT INTO stock_movements (product_id, delta, quantity_after, reason, order_id)
            SELECT id, quantity, stock_quantity, 'order cancelled', :id FROM returned
            """
        ),
        {"id": order_id},
    )


def _find_by_token(c: Connection, token: UUID) -> Order | None:
    order_id = c.execute(
        text("SELECT id FROM orders WHERE client_token = :token"), {"token": token}
    ).scalar_one_or_none()
    return None if order_id is None else _get(c, order_id)


def _get(c: Connection, order_id: int) -> Order:
    row = c.execute(
        text(f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = :id"), {"id": order_id}
    ).one_or_none()
    if row is None:
        raise NotFound("order", order_id)
    items = tuple(
        OrderItem(r.product_id, r.quantity, r.price_at_time, r.sku, r.name)
        for r in c.execute(
            text(
                "SELECT i.product_id, i.quantity, i.price_at_time, p.sku, p.name "
                "FROM order_items i JOIN products p ON p.id = i.product_id "
                "WHERE i.order_id = :id ORDER BY i.product_id"
            ),
            {"id": order_id},
        )
    )
    return order_from_row(row, items)
