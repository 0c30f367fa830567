"""Typed errors: every failure a caller can act on, with the data it needs to act.

Nothing from SQLAlchemy or psycopg ever escapes the repository; it is translated into one of
these. The GUI turns each into words a clerk understands (``ui/messages.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from inventory_desktop.domain.values import Product


class InventoryError(Exception):
    """Base of every error the application raises on purpose."""


class ValidationError(InventoryError, ValueError):
    """Input broke a data rule. ``field`` names the input, ``rule`` says what it must be."""

    def __init__(self, field: str, rule: str, value: Any = None) -> None:
        self.field = field
        self.rule = rule
        self.value = value
        super().__init__(f"{field}: {rule}")


class NotFound(InventoryError, LookupError):
    """The record does not exist (any more)."""

    def __init__(self, kind: str, record_id: Any) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"{kind} {record_id} not found")


class ProductNotFound(NotFound):
    """One or more products named by an order or a call do not exist."""

    def __init__(self, product_ids: list[int] | tuple[int, ...]) -> None:
        self.product_ids = tuple(sorted(product_ids))
        super().__init__("product", ", ".join(str(i) for i in self.product_ids))


@dataclass(frozen=True, slots=True)
class Shortage:
    product_id: int
    requested: int
    available: int


class InsufficientStock(InventoryError):
    """An order asked for more than is in stock; nothing was taken."""

    def __init__(self, shortages: list[Shortage] | tuple[Shortage, ...]) -> None:
        self.shortages = tuple(sorted(shortages, key=lambda s: s.product_id))
        detail = "; ".join(
            f"product {s.product_id}: requested {s.requested}, available {s.available}"
            for s in self.shortages
        )
        super().__init__(f"insufficient stock: {detail}")


class DuplicateSku(InventoryError):
    """Another product already has this SKU (compared case-insensitively)."""

    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"SKU {sku!r} is already used by another product")


class InvalidTransition(InventoryError):
    """An order cannot move from ``current`` to ``requested``."""

    def __init__(self, order_id: int, current: str, requested: str, order: Any = None) -> None:
        self.order_id = order_id
        self.current = current
        self.requested = requested
        self.order = order  # the order as it is now, when known (who changed it, when)
        super().__init__(f"order {order_id} is {current}; it cannot become {requested}")


class StaleRecord(InventoryError):
    """The record changed since the caller read it; ``current`` is how it is now."""

    def __init__(self, current: Product) -> None:
        self.current = current
        super().__init__(
            f"product {current.id} was changed elsewhere (now version {current.version})"
        )


class DatabaseUnavailable(InventoryError):
    """The server cannot be reached or the connection broke. Safe to retry."""

    def __init__(self, detail: str = "the database server cannot be reached") -> None:
        self.detail = detail
        super().__init__(detail)


class AccessDenied(InventoryError):
    """The server refused this login (wrong password, removed user, not allowed from here).
    Not retried: only a changed setting or the administrator can fix it."""


class LockTimeout(DatabaseUnavailable):
    """Another station held a needed row too long. Nothing changed; safe to retry."""


class SchemaError(InventoryError):
    """The database schema does not fit this version of the application."""


class SchemaTooNew(SchemaError):
    """The database was migrated by a newer application than this one."""

    def __init__(self, database_revision: str, known_head: str) -> None:
        self.database_revision = database_revision
        self.known_head = known_head
        super().__init__(
            f"the database schema ({database_revision}) is newer than this application "
            f"knows (up to {known_head}); install the newer Inventory Desktop"
        )


class StandaloneServerError(InventoryError):
    """The private PostgreSQL server of the standalone mode could not be set up or started."""
