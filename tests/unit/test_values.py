"""Frozen values, the transition table and the typed errors (no database)."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import inventory_desktop.domain.errors as domain_errors
import inventory_desktop.errors as errors
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

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def product(**kw) -> Product:
    values = dict(
        id=1, sku="A", name="a", description="", price=Decimal("1.00"), stock_quantity=1,
        version=1, created_at=NOW, updated_at=NOW,
    )
    values.update(kw)
    return Product(**values)


# --- transitions -------------------------------------------------------------------------------


def test_statuses():
    assert [s.value for s in OrderStatus] == ["pending", "shipped", "cancelled"]
    assert OrderStatus("shipped") == "shipped"  # a StrEnum compares with its text


@pytest.mark.parametrize(
    ("current", "requested"), list(itertools.product(["pending", "shipped", "cancelled"], repeat=2))
)
def test_the_transition_table(current, requested):
    allowed = {("pending", "shipped"), ("pending", "cancelled")}
    assert can_transition(current, requested) == ((current, requested) in allowed)


def test_shipped_and_cancelled_are_terminal():
    assert TRANSITIONS[OrderStatus.SHIPPED] == frozenset()
    assert TRANSITIONS[OrderStatus.CANCELLED] == frozenset()
    assert TRANSITIONS[OrderStatus.PENDING] == {OrderStatus.SHIPPED, OrderStatus.CANCELLED}


def test_an_unknown_status_is_no_transition():
    with pytest.raises(ValueError):
        can_transition("pending", "done")


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (product(), "stock_quantity"),
        (OrderItem(1, 2, Decimal("1.00")), "quantity"),
        (Order(1, "pending", NOW, NOW, Decimal("0")), "status"),
        (StockMovement(1, 1, 1, 1, "r", None, "S", "u", NOW), "delta"),
        (Page(items=(), total=0, limit=50, offset=0), "total"),
    ],
)
def test_values_are_immutable(value, field):
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, 5)
    assert not hasattr(value, "__dict__")  # slots: no stray attributes either


def test_values_compare_by_content():
    assert product() == product()
    assert product(version=2) != product()
    assert hash(product()) == hash(product())


def test_line_total_is_decimal():
    item = OrderItem(1, 3, Decimal("19.99"))
    assert item.line_total == Decimal("59.97") and isinstance(item.line_total, Decimal)


def test_order_defaults():
    order = Order(7, "pending", NOW, NOW, Decimal("0.00"))
    assert order.items == () and order.client_token is None and order.station == ""


@pytest.mark.parametrize(
    ("count", "total", "offset", "more"),
    [(0, 0, 0, False), (3, 3, 0, False), (3, 7, 0, True), (3, 7, 3, True), (1, 7, 6, False),
     (0, 7, 50, False)],
)
def test_page_has_more(count, total, offset, more):
    assert Page(items=tuple(range(count)), total=total, limit=3, offset=offset).has_more is more


# --- errors ------------------------------------------------------------------------------------

ALL_ERRORS = [
    "DatabaseUnavailable", "DuplicateSku", "InsufficientStock", "InvalidTransition",
    "LockTimeout", "NotFound", "ProductNotFound", "SchemaError", "SchemaTooNew", "StaleRecord",
    "StandaloneServerError", "ValidationError",
]


@pytest.mark.parametrize("name", ALL_ERRORS)
def test_every_error_is_an_inventory_error_from_one_place(name):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.InventoryError)
    assert cls is getattr(domain_errors, name)
    assert name in errors.__all__


def test_error_hierarchy():
    assert issubclass(errors.LockTimeout, errors.DatabaseUnavailable)
    assert issubclass(errors.ProductNotFound, errors.NotFound)
    assert issubclass(errors.SchemaTooNew, errors.SchemaError)
    assert issubclass(errors.ValidationError, ValueError)


def test_product_not_found_lists_the_ids_sorted():
    error = errors.ProductNotFound([9, 3, 5])
    assert error.product_ids == (3, 5, 9)
    assert "3" in str(error) and "9" in str(error)


def test_insufficient_stock_lists_shortages_by_product():
    error = errors.InsufficientStock(
        [errors.Shortage(9, 5, 1), errors.Shortage(2, 3, 0)]
    )
    assert [(s.product_id, s.requested, s.available) for s in error.shortages] == [
        (2, 3, 0), (9, 5, 1),
    ]
    assert isinstance(error.shortages, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        error.shortages[0].available = 10  # type: ignore[misc]
    assert "requested 5" in str(error) and "available 1" in str(error)


def test_the_other_errors_carry_what_a_caller_needs():
    assert errors.DuplicateSku("WID-1").sku == "WID-1"
    order = Order(4, "shipped", NOW, NOW, Decimal("1.00"), status_changed_by="DOCK-1")
    transition = errors.InvalidTransition(4, "shipped", "cancelled", order)
    assert (transition.order_id, transition.current, transition.requested) == (
        4, "shipped", "cancelled",
    )
    assert transition.order is order
    assert errors.InvalidTransition(4, "shipped", "cancelled").order is None
    current = product(version=3)
    assert errors.StaleRecord(current).current is current
    too_new = errors.SchemaTooNew("0099", "0001")
    assert (too_new.database_revision, too_new.known_head) == ("0099", "0001")
    assert errors.DatabaseUnavailable().detail
    assert errors.LockTimeout("held").detail == "held"
    assert errors.NotFound("order", 12).record_id == 12
