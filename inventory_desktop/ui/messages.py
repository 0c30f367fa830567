"""Every InventoryError in words a clerk understands (and the default way to show one).

``describe`` is pure (no widgets), so the words are tested without a window. Callers put the
text next to what caused the error; ``show_error`` is the fallback when an operation has no
failure handler of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

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
    StaleRecord,
    StandaloneServerError,
    ValidationError,
)
from inventory_desktop.ui.errors import UnexpectedError

# Input names as the clerk sees them on screen.
FIELD_LABELS = {
    "sku": "SKU",
    "name": "Name",
    "description": "Description",
    "price": "Price",
    "stock_quantity": "Stock",
    "quantity": "Quantity",
    "delta": "Change",
    "reason": "Reason",
    "lines": "The order",
    "status": "Status",
    "search": "Search",
    "limit": "Page size",
    "offset": "Page",
    "client_token": "Order token",
    "id": "Record number",
}

LOST_CONNECTION = "Lost connection to the server — your work is kept; retrying…"


def field_label(field: str) -> str:
    """'lines[2].quantity' -> 'Line 3: Quantity'; 'price' -> 'Price'."""
    if field.startswith("lines[") and "]" in field:
        index, _, rest = field[len("lines[") :].partition("]")
        leaf = rest.lstrip(".")
        label = FIELD_LABELS.get(leaf, leaf.replace("_", " ").capitalize()) if leaf else ""
        line = f"Line {int(index) + 1}" if index.isdigit() else "A line"
        return f"{line}: {label}" if label else line
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """'10:14' today, '3 Mar 10:14' on another day, in the workstation's local time."""
    if moment is None:
        return ""
    local = moment.astimezone() if moment.tzinfo else moment
    now = now or datetime.now(local.tzinfo)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    return f"{local.day} {local.strftime('%b %H:%M')}"


def _transition(error: InvalidTransition) -> str:
    order = error.order
    if error.current == "pending":  # only a bad request gets here (pending -> pending)
        return f"Order {error.order_id} is still pending; it can't be {error.requested}."
    text = f"Order {error.order_id} was already {error.current}"
    if order is not None:
        if getattr(order, "status_changed_by", ""):
            text += f" by station {order.status_changed_by}"
        stamp = when(getattr(order, "updated_at", None))
        if stamp:
            text += f" at {stamp}"
    text += "."
    if error.requested != error.current:
        text += f" It can't be {error.requested} now."
    return text


def _shortages(error: InsufficientStock, products: Mapping[int, str] | None) -> str:
    lines = []
    for s in error.shortages:
        label = (products or {}).get(s.product_id, f"product {s.product_id}")
        left = "none left" if s.available <= 0 else f"only {s.available} left"
        lines.append(f"{label}: {left} (you asked for {s.requested})")
    head = "Not enough stock — nothing was taken:" if len(lines) > 1 else "Not enough stock:"
    return head + "\n" + "\n".join(lines)


def describe(error: BaseException, products: Mapping[int, str] | None = None) -> str:
    """Clerk words for ``error``. ``products`` maps product id -> label (SKU) where known."""
    if isinstance(error, ValidationError):
        text = f"{field_label(error.field)} {error.rule}"
        return text if text.endswith((".", "'", ")")) else text + "."
    if isinstance(error, InsufficientStock):
        return _shortages(error, products)
    if isinstance(error, InvalidTransition):
        return _transition(error)
    if isinstance(error, StaleRecord):
        cur = error.current
        return (
            f"Product {cur.sku} was changed at another station while you were editing it. "
            "Reload to see their version, or overwrite it with yours."
        )
    if isinstance(error, DuplicateSku):
        return f"SKU {error.sku} is already used by another product."
    if isinstance(error, ProductNotFound):
        ids = ", ".join(
            (products or {}).get(i, str(i)) for i in error.product_ids
        )
        plural = "s" if len(error.product_ids) > 1 else ""
        return f"Product{plural} {ids} no longer exist{'' if plural else 's'}."
    if isinstance(error, NotFound):
        return f"{error.kind.capitalize()} {error.record_id} no longer exists."
    if isinstance(error, LockTimeout):
        return (
            "Another station is working on the same products right now. "
            "Nothing was changed — try again in a moment."
        )
    if isinstance(error, DatabaseUnavailable):
        return LOST_CONNECTION
    if isinstance(error, AccessDenied):
        return (
            "The server did not accept this login (the password may have changed). "
            "Check it under File → Connection…, or ask your administrator."
        )
    if isinstance(error, SchemaTooNew):
        return (
            "The database was updated by a newer version of Inventory Desktop. "
            "Please install the newer version (ask your administrator)."
        )
    if isinstance(error, SchemaError):
        return f"The database is not set up for this version of Inventory Desktop ({error})."
    if isinstance(error, StandaloneServerError):
        return f"The local database could not be started: {error}"
    if isinstance(error, UnexpectedError):
        return (
            "An unexpected problem stopped this action. Nothing was lost; "
            "the details are shown in a separate window."
        )
    if isinstance(error, InventoryError):
        return str(error) or "The action could not be completed."
    return "An unexpected problem stopped this action."


_open_lost_connection: list[QMessageBox] = []


def show_error(
    error: BaseException, parent: QWidget | None = None, title: str = "Could not complete"
) -> QMessageBox | None:
    """The default message for an operation without a failure handler (non-blocking).

    An ``UnexpectedError`` already went to the error dialog; a lost connection is shown once
    (the status bar keeps saying it), not once per failed call.
    """
    if isinstance(error, UnexpectedError):
        return None
    lost = isinstance(error, DatabaseUnavailable) and not isinstance(error, LockTimeout)
    _open_lost_connection[:] = [b for b in _open_lost_connection if shiboken6.isValid(b)]
    if lost and any(box.isVisible() for box in _open_lost_connection):
        return None
    if parent is None:
        app = QApplication.instance()
        parent = app.activeWindow() if isinstance(app, QApplication) else None
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information if lost else QMessageBox.Icon.Warning)
    box.setWindowTitle("Connection lost" if lost else title)
    box.setText(describe(error))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if lost:
        _open_lost_connection.append(box)
    box.open()
    return box
