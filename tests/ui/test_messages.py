"""Every InventoryError in clerk words; never a traceback, never a class name."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from decimal import Decimal

import pytest

import inventory_desktop.errors as errors_mod
from inventory_desktop.domain.values import Order, Product
from inventory_desktop.errors import (
    AccessDenied,
    DatabaseUnavailable,
    DuplicateSku,
    InsufficientStock,
    InvalidTransition,
    InventoryError,
    LockTimeout,
    NotFound,
    ProductNotFound,
    SchemaError,
    SchemaTooNew,
    Shortage,
    StaleRecord,
    StandaloneServerError,
    ValidationError,
)
from inventory_desktop.ui.errors import UnexpectedError
from inventory_desktop.ui.messages import describe, field_label, show_error, when

NOW = datetime(2024, 5, 3, 10, 14, tzinfo=UTC)
PRODUCT = Product(7, "WID-1", "Widget", "", Decimal("1.00"), 3, 4, NOW, NOW)


def examples() -> list[InventoryError]:
    return [
        ValidationError("price", "must not be negative", -1),
        NotFound("order", 12),
        ProductNotFound([3, 4]),
        InsufficientStock([Shortage(7, 5, 2)]),
        DuplicateSku("WID-1"),
        InvalidTransition(1042, "shipped", "cancelled"),
        StaleRecord(PRODUCT),
        DatabaseUnavailable(),
        AccessDenied("password authentication failed for user \"dock1\""),
        LockTimeout("lock timeout"),
        SchemaError("no tables"),
        SchemaTooNew("0099", "0001"),
        StandaloneServerError("initdb failed"),
        UnexpectedError(ZeroDivisionError("x"), "Traceback…"),
    ]


def test_every_error_class_has_an_example():
    classes = {c for _, c in inspect.getmembers(errors_mod, inspect.isclass)
               if issubclass(c, InventoryError)}
    assert classes <= {type(e) for e in examples()} | {InventoryError}


@pytest.mark.parametrize("error", examples(), ids=lambda e: type(e).__name__)
def test_clerk_words(error):
    text = describe(error)
    assert text and "Traceback" not in text and "Error" not in text
    assert not text.startswith(type(error).__name__)


def test_validation_names_the_field_and_the_rule():
    assert describe(ValidationError("price", "must not be negative")) == \
        "Price must not be negative."
    assert field_label("lines[2].quantity") == "Line 3: Quantity"


def test_shortages_per_line():
    error = InsufficientStock([Shortage(7, 5, 2), Shortage(9, 1, 0)])
    text = describe(error, {7: "WID-1"})
    assert "WID-1: only 2 left (you asked for 5)" in text
    assert "product 9: none left" in text


def test_invalid_transition_says_who_and_when():
    order = Order(1042, "shipped", NOW, NOW, Decimal("9.00"), status_changed_by="B")
    text = describe(InvalidTransition(1042, "shipped", "cancelled", order=order))
    assert text.startswith("Order 1042 was already shipped by station B at ")
    assert when(NOW) in text
    assert "can't be cancelled" in text


def test_lost_connection():
    assert describe(DatabaseUnavailable()) == (
        "Lost connection to the server — your work is kept; retrying…")


def test_show_error_shows_a_lost_connection_once(qtbot):
    first = show_error(DatabaseUnavailable())
    assert first is not None and first.isVisible()
    assert show_error(DatabaseUnavailable()) is None
    first.close()
    assert show_error(UnexpectedError(ValueError(), "")) is None  # already in the dialog
