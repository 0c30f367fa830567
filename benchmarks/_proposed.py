"""Order placement variants for comparison ("pipelined" and "autocommit").

"pipelined" was the proposal measured in docs/benchmarks.md and is now what the repository
ships (``Orders.create`` with a token); it stays here so the two can still be run side by
side. "autocommit" (the statement alone, no generic plan) is kept for the comparison.

The same change as the diff for ``inventory_desktop/repository/{engine,orders}.py`` described
in docs/benchmarks.md, kept here so that what is measured is what is proposed. The statement
is unchanged (``orders.PLACE_WITH_TOKEN``); what changes, for an order with a client token:

- No BEGIN and no COMMIT: the connection is in autocommit, and ``GENERIC_PLAN`` (a set_config
  for this transaction only) and the statement go in one psycopg pipeline, which the server
  runs as one implicit transaction and commits at the pipeline's Sync. One round trip instead
  of three; the row locks are released when the server commits, without waiting for this
  process to be scheduled, read the result and send COMMIT.
- The generic plan, for this statement only: PostgreSQL otherwise re-plans it at every call.
- No ROLLBACK after a shortage or an unknown product (nothing is open), so psycopg keeps its
  prepared statements (it sends DEALLOCATE ALL after every ROLLBACK).
- Retries: a deadlock or serialization failure rolled everything back, so it is retried. A
  lost connection after sending may have committed: the token makes a retry safe. An order
  without a token (scripts; the GUI always has one) keeps the transaction.
- The follow-up reads after a refused statement (``_find_by_token``: a token already used)
  run as separate autocommit statements; ON CONFLICT has waited for the other order's commit,
  so the first order is visible to them.

``pipelined=False`` sends the statement alone in autocommit, for comparison.
"""

from __future__ import annotations

from typing import Any, TypeVar

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Engine

from inventory_desktop.domain import validation as v
from inventory_desktop.domain.errors import (
    InsufficientStock,
    ProductNotFound,
    Shortage,
)
from inventory_desktop.domain.values import Order, OrderItem
from inventory_desktop.repository.engine import run_idempotent_statement, run_transaction
from inventory_desktop.repository.orders import (
    PLACE_WITH_TOKEN,
    PLACE_WITHOUT_TOKEN,
    _find_by_token,
    order_from_row,
)

T = TypeVar("T")

# The statement's generic plan, for its own transaction only. PostgreSQL's own choice is to
# re-plan it at every call (~0.4-0.7 ms of server CPU per order) once the tables hold some
# history or the products have been updated a while; forcing generic plans for the whole
# session would make product search ~20x slower (a LIKE prefix needs its value to use an index).
GENERIC_PLAN = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)"


# orders.py: Orders.create
def create_autocommit(
    engine: Engine, lines: Any, client_token: Any = None, *, pipelined: bool = True
) -> Order:
    """``pipelined`` (the proposal): the statement after a set_config for its transaction only,
    both in one pipeline: one round trip, one implicit transaction committed at the pipeline's
    Sync. Otherwise (for comparison): the statement alone in autocommit."""
    ordered = v.order_lines(lines)
    token = v.client_token(client_token)
    params = {
        "ids": [product_id for product_id, _ in ordered],
        "qtys": [qty for _, qty in ordered],
        "token": token,
    }
    statement = PLACE_WITH_TOKEN if token else PLACE_WITHOUT_TOKEN

    def work(conn: Connection) -> Order:
        pg: psycopg.Connection[Any] = conn.connection.driver_connection  # type: ignore[assignment]
        with pg.cursor(row_factory=namedtuple_row) as cur:
            if pipelined:
                with pg.pipeline():
                    pg.execute(GENERIC_PLAN, prepare=True)
                    cur.execute(statement, params, prepare=True)
            else:
                cur.execute(statement, params, prepare=True)
            rows = cur.fetchall()
        if rows[0].id is not None:
            items = tuple(OrderItem(r.product_id, r.quantity, r.price, r.sku, r.name) for r in rows)
            return order_from_row(rows[0], items)
        if token is not None:
            existing = _find_by_token(conn, token)
            if existing is not None:
                return existing
        missing = [r.product_id for r in rows if not r.found]
        if missing:
            raise ProductNotFound(missing)
        raise InsufficientStock(
            [Shortage(r.product_id, r.quantity, r.available) for r in rows
             if r.available < r.quantity]
        )

    if token is None:
        # Without a token a resend could place the order twice, so it keeps a
        # transaction: a connection found dead at BEGIN is retried with certainty.
        return run_transaction(engine, work)
    return run_idempotent_statement(engine, work)
