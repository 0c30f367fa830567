"""The orders list (newest first, filtered by status, paged) and one order's lines."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush

from inventory_desktop.domain.values import Order, OrderItem, Page
from inventory_desktop.errors import NotFound
from inventory_desktop.ui.paged_model import ChangedRole, ObjectRole, PagedTableModel, SortRole
from inventory_desktop.ui.products_model import local_time, money
from inventory_desktop.ui.theme import semantic_colors
from inventory_desktop.ui.worker import DatabaseWorker

COL_ID, COL_CREATED, COL_STATUS, COL_LINES, COL_TOTAL, COL_STATION = range(6)
HEADERS = (
    QT_TRANSLATE_NOOP("headers", "Order"),
    QT_TRANSLATE_NOOP("headers", "Placed"),
    QT_TRANSLATE_NOOP("headers", "Status"),
    QT_TRANSLATE_NOOP("headers", "Lines"),
    QT_TRANSLATE_NOOP("headers", "Total"),
    QT_TRANSLATE_NOOP("headers", "Station"),
)

STATUS_LABELS = {
    "pending": QT_TRANSLATE_NOOP("orders", "Pending"),
    "shipped": QT_TRANSLATE_NOOP("orders", "Shipped"),
    "cancelled": QT_TRANSLATE_NOOP("orders", "Cancelled"),
}


def status_label(status: str) -> str:
    """'Pending', 'Shipped', … in the UI language (the status itself when unknown)."""
    return QCoreApplication.translate("orders", STATUS_LABELS.get(status, status))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class OrderTableModel(PagedTableModel[Order]):
    HEADERS = HEADERS

    def __init__(self, worker: DatabaseWorker, page_size: int = 200, parent=None) -> None:
        super().__init__(worker, page_size, parent)
        self._status: str | None = None

    @property
    def status_filter(self) -> str | None:
        return self._status

    def set_status_filter(self, status: str | None) -> None:
        status = status or None
        if status == self._status and self.total is not None:
            return
        self._status = status
        self.requery()

    def _query(self, offset: int, limit: int) -> Callable[[Any], Page[Order]]:
        status = self._status
        return lambda repo: repo.orders.list(status=status, limit=limit, offset=offset)

    def _normalize(self, value: Order) -> Order:
        # A status change answers with the full order; the list shows its line count.
        if value.items and not value.item_count:
            value = replace(value, item_count=len(value.items))
        return value

    def replace_row(self, value: Order) -> bool:
        return super().replace_row(self._normalize(value))

    # -- live updates ----------------------------------------------------------------------

    def matches(self, order: Order) -> bool:
        return self._status is None or order.status == self._status

    def could_show(self, order_id: int) -> bool:
        """Would an order not loaded here sit among the loaded rows if it matched?

        The list is newest first (by id): a new order goes on top; an older one that now
        matches the filter goes between the loaded rows, or below them if all are loaded.
        """
        if self.total is None or self.row_of(order_id) >= 0:
            return False
        oldest = self.row_value(self.rowCount() - 1)
        return oldest is None or order_id > oldest.id or not self.canFetchMore()

    def insert_new(self, orders: Iterable[Order], mark: Callable[[Order], bool]) -> list[int]:
        """Show orders that now belong in this list at their place (newest first), without a
        reset: the rows below move down, the selection stays on its order."""
        inserted = []
        for order in sorted(orders, key=lambda o: o.id):
            if not self.matches(order) or not self.could_show(order.id):
                continue
            row = next((i for i, o in enumerate(self._rows) if o.id < order.id), len(self._rows))
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.insert(row, self._normalize(order))
            self._rows_moved()
            self.endInsertRows()
            if mark(order):
                self._marks[order.id] = time.monotonic()
            inserted.append(order.id)
        if inserted:
            self._set_total((self.total or 0) + len(inserted))
            if not self._fade.isActive():
                self._fade.start()
        return inserted

    def drop_unmatched(self, orders: Iterable[Order]) -> list[Order]:
        """Take out loaded orders that left the filter (a pending order shipped elsewhere):
        the list pages by offset, so a row the server no longer counts would skip another."""
        dropped = []
        for order in orders:
            row = self.row_of(order.id)
            if row < 0 or self.matches(order):
                continue
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self._rows_moved()
            self.endRemoveRows()
            self._marks.pop(order.id, None)
            dropped.append(order)
        if dropped:
            self._set_total(max((self.total or 0) - len(dropped), len(self._rows)))
        return dropped

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        o = self.row_value(index.row())
        if o is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(o.id),
                local_time(o.created_at),
                status_label(o.status),
                str(o.item_count or len(o.items)),
                money(o.total_amount),
                o.station,
            )[col]
        if role == SortRole:
            return (o.id, o.created_at, o.status, o.item_count, o.total_amount, o.station)[col]
        if role == ObjectRole:
            return o
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_ID, COL_LINES, COL_TOTAL):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and o.status in ("shipped", "cancelled"):
            colors = semantic_colors()  # readable on the light or the dark palette in force
            return QBrush(colors.shipped_fg if o.status == "shipped" else colors.cancelled_fg)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.tinted(index.row(), None)  # tinted a moment when changed elsewhere
        if role == ChangedRole:
            return self.highlight(index.row())
        if role == Qt.ItemDataRole.ToolTipRole and o.status != "pending" and o.status_changed_by:
            return QCoreApplication.translate("orders", "{} by station {}").format(
                status_label(o.status), o.status_changed_by)
        return None


def orders_by_id(ids: Iterable[int]) -> Callable[[Any], list[Order]]:
    """One worker call for a few orders (the repository has no get_many for orders)."""
    wanted = sorted(ids)

    def call(repo: Any) -> list[Order]:
        found = []
        for order_id in wanted:
            try:
                found.append(repo.orders.get(order_id))
            except NotFound:
                pass
        return found

    return call


LCOL_SKU, LCOL_NAME, LCOL_QTY, LCOL_PRICE, LCOL_TOTAL = range(5)
LINE_HEADERS = (
    QT_TRANSLATE_NOOP("headers", "SKU"),
    QT_TRANSLATE_NOOP("headers", "Name"),
    QT_TRANSLATE_NOOP("headers", "Quantity"),
    QT_TRANSLATE_NOOP("headers", "Price"),
    QT_TRANSLATE_NOOP("headers", "Line total"),
)


class OrderLinesModel(QAbstractTableModel):
    """The lines of one order, already loaded (a detail pane; no paging)."""

    HEADERS = LINE_HEADERS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._order: Order | None = None

    @property
    def order(self) -> Order | None:
        return self._order

    def set_order(self, order: Order | None) -> None:
        self.beginResetModel()
        self._order = order
        self.endResetModel()

    @property
    def total(self) -> Decimal:
        return sum((i.line_total for i in self._items()), Decimal("0"))

    def _items(self) -> tuple[OrderItem, ...]:
        return self._order.items if self._order is not None else ()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items())

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LINE_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role in (0, Qt.ItemDataRole.DisplayRole)
            and 0 <= section < len(LINE_HEADERS)
        ):
            return QCoreApplication.translate("headers", LINE_HEADERS[section])
        return super().headerData(section, orientation, role or Qt.ItemDataRole.DisplayRole)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        items = self._items()
        if not index.isValid() or not 0 <= index.row() < len(items):
            return None
        item, col = items[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (item.sku, item.name, f"{item.quantity:,}", money(item.price_at_time),
                    money(item.line_total))[col]
        if role == SortRole:
            return (item.sku, item.name, item.quantity, item.price_at_time, item.line_total)[col]
        if role == ObjectRole:
            return item
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= LCOL_QTY:
            return _RIGHT
        return None
