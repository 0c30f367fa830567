"""Every InventoryError in words a clerk understands (and the default way to show one).

``describe`` is pure (no widgets), so the words are tested without a window. Callers put the
text next to what caused the error; ``show_error`` is the fallback when an operation has no
failure handler of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
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
# Marked for lupdate (context "messages"); translated where shown (``field_label``).
FIELD_LABELS = {
    "sku": QT_TRANSLATE_NOOP("messages", "SKU"),
    "name": QT_TRANSLATE_NOOP("messages", "Name"),
    "description": QT_TRANSLATE_NOOP("messages", "Description"),
    "price": QT_TRANSLATE_NOOP("messages", "Price"),
    "stock_quantity": QT_TRANSLATE_NOOP("messages", "Stock"),
    "quantity": QT_TRANSLATE_NOOP("messages", "Quantity"),
    "delta": QT_TRANSLATE_NOOP("messages", "Change"),
    "reason": QT_TRANSLATE_NOOP("messages", "Reason"),
    "lines": QT_TRANSLATE_NOOP("messages", "The order"),
    "status": QT_TRANSLATE_NOOP("messages", "Status"),
    "search": QT_TRANSLATE_NOOP("messages", "Search"),
    "limit": QT_TRANSLATE_NOOP("messages", "Page size"),
    "offset": QT_TRANSLATE_NOOP("messages", "Page"),
    "client_token": QT_TRANSLATE_NOOP("messages", "Order token"),
    "id": QT_TRANSLATE_NOOP("messages", "Record number"),
}

LOST_CONNECTION = QT_TRANSLATE_NOOP(
    "messages", "Lost connection to the server — your work is kept; retrying…")


def _label(field: str) -> str:
    known = FIELD_LABELS.get(field)
    return tr(known) if known else field.replace("_", " ").capitalize()


def tr(text: str) -> str:
    """``text`` (marked with QT_TRANSLATE_NOOP in the "messages" context) in the UI language."""
    return QCoreApplication.translate("messages", text)


def field_label(field: str) -> str:
    """'lines[2].quantity' -> 'Line 3: Quantity'; 'price' -> 'Price'."""
    if field.startswith("lines[") and "]" in field:
        index, _, rest = field[len("lines[") :].partition("]")
        leaf = rest.lstrip(".")
        label = _label(leaf) if leaf else ""
        line = (
            QCoreApplication.translate("messages", "Line {}").format(int(index) + 1)
            if index.isdigit()
            else QCoreApplication.translate("messages", "A line")
        )
        return QCoreApplication.translate("messages", "{}: {}").format(line, label) \
            if label else line
    return _label(field)


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
        return QCoreApplication.translate(
            "messages", "Order {} is still pending; it can't be {}."
        ).format(error.order_id, error.requested)
    text = QCoreApplication.translate("messages", "Order {} was already {}").format(
        error.order_id, error.current)
    if order is not None:
        if getattr(order, "status_changed_by", ""):
            text += QCoreApplication.translate("messages", " by station {}").format(
                order.status_changed_by)
        stamp = when(getattr(order, "updated_at", None))
        if stamp:
            text += QCoreApplication.translate("messages", " at {}").format(stamp)
    text += "."
    if error.requested != error.current:
        text += QCoreApplication.translate("messages", " It can't be {} now.").format(
            error.requested)
    return text


def _shortages(error: InsufficientStock, products: Mapping[int, str] | None) -> str:
    lines = []
    for s in error.shortages:
        label = (products or {}).get(s.product_id)
        if label is None:
            label = QCoreApplication.translate("messages", "product {}").format(s.product_id)
        left = (
            QCoreApplication.translate("messages", "none left")
            if s.available <= 0
            else QCoreApplication.translate("messages", "only {} left").format(s.available)
        )
        lines.append(QCoreApplication.translate("messages", "{}: {} (you asked for {})").format(
            label, left, s.requested))
    head = (
        QCoreApplication.translate("messages", "Not enough stock — nothing was taken:")
        if len(lines) > 1
        else QCoreApplication.translate("messages", "Not enough stock:")
    )
    return head + "\n" + "\n".join(lines)


def describe(error: BaseException, products: Mapping[int, str] | None = None) -> str:
    """Clerk words for ``error``. ``products`` maps product id -> label (SKU) where known."""
    if isinstance(error, ValidationError):
        text = QCoreApplication.translate("messages", "{} {}").format(
            field_label(error.field), error.rule)
        return text if text.endswith((".", "'", ")")) else text + "."
    if isinstance(error, InsufficientStock):
        return _shortages(error, products)
    if isinstance(error, InvalidTransition):
        return _transition(error)
    if isinstance(error, StaleRecord):
        cur = error.current
        return QCoreApplication.translate(
            "messages",
            "Product {} was changed at another station while you were editing it. "
            "Reload to see their version, or overwrite it with yours.",
        ).format(cur.sku)
    if isinstance(error, DuplicateSku):
        return QCoreApplication.translate(
            "messages", "SKU {} is already used by another product.").format(error.sku)
    if isinstance(error, ProductNotFound):
        ids = ", ".join(
            (products or {}).get(i, str(i)) for i in error.product_ids
        )
        if len(error.product_ids) > 1:
            return QCoreApplication.translate(
                "messages", "Products {} no longer exist.").format(ids)
        return QCoreApplication.translate("messages", "Product {} no longer exists.").format(ids)
    if isinstance(error, NotFound):
        return QCoreApplication.translate("messages", "{} {} no longer exists.").format(
            error.kind.capitalize(), error.record_id)
    if isinstance(error, LockTimeout):
        return QCoreApplication.translate(
            "messages",
            "Another station is working on the same products right now. "
            "Nothing was changed — try again in a moment.",
        )
    if isinstance(error, DatabaseUnavailable):
        return tr(LOST_CONNECTION)
    if isinstance(error, AccessDenied):
        return QCoreApplication.translate(
            "messages",
            "The server did not accept this login (the password may have changed). "
            "Check it under File → Connection…, or ask your administrator.",
        )
    if isinstance(error, SchemaTooNew):
        return QCoreApplication.translate(
            "messages",
            "The database was updated by a newer version of Inventory Desktop. "
            "Please install the newer version (ask your administrator).",
        )
    if isinstance(error, SchemaError):
        return QCoreApplication.translate(
            "messages",
            "The database is not set up for this version of Inventory Desktop ({}).",
        ).format(error)
    if isinstance(error, StandaloneServerError):
        return QCoreApplication.translate(
            "messages", "The local database could not be started: {}").format(error)
    if isinstance(error, UnexpectedError):
        return QCoreApplication.translate(
            "messages",
            "An unexpected problem stopped this action. Nothing was lost; "
            "the details are shown in a separate window.",
        )
    if isinstance(error, InventoryError):
        return str(error) or QCoreApplication.translate(
            "messages", "The action could not be completed.")
    return QCoreApplication.translate("messages", "An unexpected problem stopped this action.")


_open_lost_connection: list[QMessageBox] = []


def show_error(
    error: BaseException, parent: QWidget | None = None, title: str = ""
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
    box.setWindowTitle(
        QCoreApplication.translate("messages", "Connection lost") if lost
        else title or QCoreApplication.translate("messages", "Could not complete"))
    box.setText(describe(error))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if lost:
        _open_lost_connection.append(box)
    box.open()
    return box
