"""Pure values and rules: no SQL, no Qt."""

from inventory_desktop.domain.values import (
    TRANSITIONS,
    Order,
    OrderItem,
    OrderStatus,
    Page,
    Product,
    StockMovement,
    can_transition,
)

__all__ = [
    "TRANSITIONS",
    "Order",
    "OrderItem",
    "OrderStatus",
    "Page",
    "Product",
    "StockMovement",
    "can_transition",
]
