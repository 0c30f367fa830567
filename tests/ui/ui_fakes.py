"""An in-memory stand-in for the Repository, for UI tests that need no PostgreSQL.

It keeps the contract's shapes (frozen values, Page, typed errors) so the same widgets run
against the real repository in the db-marked tests. Calls arrive on the worker thread; a
``gate`` (threading.Event) lets a test hold a call to simulate a slow server, and ``down``
makes every call raise DatabaseUnavailable.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from inventory_desktop.domain import validation as v
from inventory_desktop.domain.values import Order, OrderItem, Page, Product, StockMovement
from inventory_desktop.errors import (
    DatabaseUnavailable,
    DuplicateSku,
    InvalidTransition,
    NotFound,
    StaleRecord,
    ValidationError,
)

_SORTS = {"sku", "name", "price", "stock_quantity", "updated_at", "id"}


class _Products:
    def __init__(self, repo: FakeRepository) -> None:
        self._r = repo

    def create(self, sku, name, price, stock_quantity=0, description="") -> Product:
        r = self._r
        r._check()
        sku, name = v.sku(sku), v.name(name)
        price, stock = v.price(price), v.stock_quantity(stock_quantity)
        if any(p.sku.lower() == sku.lower() for p in r.product_rows.values()):
            raise DuplicateSku(sku)
        r._next_id += 1
        now = r.now()
        p = Product(r._next_id, sku, name, v.description(description), price, stock, 1, now, now)
        r.product_rows[p.id] = p
        r._move(p.id, stock, stock, "created")
        return p

    def get(self, id: int) -> Product:
        self._r._check()
        try:
            return self._r.product_rows[id]
        except KeyError:
            raise NotFound("product", id) from None

    def list(self, search="", limit=50, offset=0, sort="sku", descending=False) -> Page[Product]:
        r = self._r
        r._check()
        r.list_calls.append((search, limit, offset, sort, descending))
        limit, offset = v.page(limit, offset)
        if sort not in _SORTS:
            raise ValidationError("sort", "unknown column", sort)
        text = v.search_text(search).lower()
        rows = [
            p for p in r.product_rows.values()
            if not text or p.sku.lower().startswith(text) or text in p.name.lower()
        ]
        rows.sort(key=lambda p: (_key(getattr(p, sort)), p.id), reverse=descending)
        return Page(tuple(rows[offset : offset + limit]), len(rows), limit, offset)

    def update(self, id: int, *, expected_version: int, **changes: Any) -> Product:
        current = self.get(id)
        if current.version != expected_version:
            raise StaleRecord(current)
        clean = {
            k: getattr(v, k)(val) for k, val in changes.items()
            if k in {"sku", "name", "description", "price"}
        }
        new = replace(current, **clean, version=current.version + 1, updated_at=self._r.now())
        self._r.product_rows[id] = new
        return new

    def adjust_stock(self, id: int, delta: int, *, reason: str) -> Product:
        current = self.get(id)
        delta, reason = v.stock_delta(delta), v.reason(reason)
        after = current.stock_quantity + delta
        if after < 0:
            raise ValidationError("delta", f"would leave {after} in stock; stock can't go below 0")
        new = replace(current, stock_quantity=after, version=current.version + 1,
                      updated_at=self._r.now())
        self._r.product_rows[id] = new
        self._r._move(id, delta, after, reason)
        return new


def _key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class _Orders:
    def __init__(self, repo: FakeRepository) -> None:
        self._r = repo

    def add(self, status: str, lines: list[tuple[int, int]], station: str = "A") -> Order:
        """Test helper: an order as if placed (no stock checks)."""
        r = self._r
        rows = r.product_rows
        items = tuple(
            OrderItem(pid, q, rows[pid].price, rows[pid].sku, rows[pid].name)
            for pid, q in sorted(lines)
        )
        r._next_order += 1
        now = r.now()
        o = Order(r._next_order, status, now, now, sum((i.line_total for i in items), Decimal(0)),
                  items, len(items), None, station, "")
        r.order_rows[o.id] = o
        return o

    def get(self, id: int) -> Order:
        self._r._check()
        try:
            return self._r.order_rows[id]
        except KeyError:
            raise NotFound("order", id) from None

    def list(self, status=None, limit=50, offset=0) -> Page[Order]:
        r = self._r
        r._check()
        limit, offset = v.page(limit, offset)
        rows = sorted(
            (o for o in r.order_rows.values() if status is None or o.status == status),
            key=lambda o: o.id, reverse=True,
        )
        chunk = tuple(replace(o, items=()) for o in rows[offset : offset + limit])
        return Page(chunk, len(rows), limit, offset)

    def set_status(self, id: int, status: str) -> Order:
        current = self.get(id)
        if not (current.status == "pending" and status in ("shipped", "cancelled")):
            raise InvalidTransition(id, current.status, status, order=current)
        new = replace(current, status=status, updated_at=self._r.now(),
                      status_changed_by=self._r.station)
        self._r.order_rows[id] = new
        return new

    def ship(self, id: int) -> Order:
        return self.set_status(id, "shipped")

    def cancel(self, id: int) -> Order:
        return self.set_status(id, "cancelled")


class FakeRepository:
    station = "TEST-1"
    server_label = "fake.server:5432/inventory"

    def __init__(self) -> None:
        self.product_rows: dict[int, Product] = {}
        self.order_rows: dict[int, Order] = {}
        self.movements: list[StockMovement] = []
        self.list_calls: list[tuple] = []
        self._next_id = 0
        self._next_order = 1000
        self.down = False
        self.gate = threading.Event()
        self.gate.set()
        self.pings = 0
        self.closed = False
        self.products = _Products(self)
        self.orders = _Orders(self)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def _check(self) -> None:
        self.gate.wait(30)
        if self.down:
            raise DatabaseUnavailable("fake server is down")

    def _move(self, pid: int, delta: int, after: int, reason: str, order_id=None) -> None:
        self.movements.append(
            StockMovement(len(self.movements) + 1, pid, delta, after, reason, order_id,
                          self.station, "clerk", self.now())
        )

    def stock_movements(self, product_id=None, limit=50, offset=0) -> Page[StockMovement]:
        self._check()
        rows = [m for m in reversed(self.movements) if product_id in (None, m.product_id)]
        return Page(tuple(rows[offset : offset + limit]), len(rows), limit, offset)

    def ping(self) -> None:
        self.pings += 1
        if self.down:
            raise DatabaseUnavailable("fake server is down")

    def close(self) -> None:
        self.closed = True

    def seed(self, count: int) -> None:
        """``count`` products P-000001 … with varied stock (some sold out, some low)."""
        now = self.now()
        for i in range(1, count + 1):
            self._next_id += 1
            stock = (i * 7) % 50 if i % 10 else 0
            self.product_rows[self._next_id] = Product(
                self._next_id, f"P-{i:06d}", f"Product {i} {'widget' if i % 3 else 'gadget'}",
                "", Decimal(i % 1000) + Decimal("0.99"), stock, 1, now, now,
            )
