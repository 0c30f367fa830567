"""Frozen values that cross every layer: what the repository returns and the GUI shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


class OrderStatus(StrEnum):
    PENDING = "pending"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


# The only moves an order can make; shipped and cancelled are terminal.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def can_transition(current: str, requested: str) -> bool:
    return OrderStatus(requested) in TRANSITIONS[OrderStatus(current)]


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    sku: str
    name: str
    description: str
    price: Decimal
    stock_quantity: int
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OrderItem:
    product_id: int
    quantity: int
    price_at_time: Decimal
    sku: str = ""
    name: str = ""

    @property
    def line_total(self) -> Decimal:
        return self.price_at_time * self.quantity


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    status: str
    created_at: datetime
    updated_at: datetime
    total_amount: Decimal
    items: tuple[OrderItem, ...] = ()
    item_count: int = 0
    client_token: UUID | None = None
    station: str = ""
    status_changed_by: str = ""  # station that made the last status change, if any
    version: int = 1  # raised by every status change


@dataclass(frozen=True, slots=True)
class StockMovement:
    id: int
    product_id: int
    delta: int
    quantity_after: int
    reason: str
    order_id: int | None
    station: str
    db_user: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total

