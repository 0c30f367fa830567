"""The products list: a paged model over the server, searched and sorted there.

vorta's shape: COL_* constants, a header tuple, a sort role with native values and an object
role with the frozen Product. Sold-out and low stock are shown by colour AND by words in the
stock cell ("0 · sold out", "3 · low"), never by colour alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from inventory_desktop.domain.values import Page, Product
from inventory_desktop.ui.paged_model import ChangedRole, ObjectRole, PagedTableModel, SortRole
from inventory_desktop.ui.theme import semantic_colors
from inventory_desktop.ui.worker import DatabaseWorker

COL_SKU, COL_NAME, COL_PRICE, COL_STOCK, COL_UPDATED = range(5)
HEADERS = (
    QT_TRANSLATE_NOOP("headers", "SKU"),
    QT_TRANSLATE_NOOP("headers", "Name"),
    QT_TRANSLATE_NOOP("headers", "Price"),
    QT_TRANSLATE_NOOP("headers", "Stock"),
    QT_TRANSLATE_NOOP("headers", "Updated"),
)
SORT_KEYS = ("sku", "name", "price", "stock_quantity", "updated_at")  # the server's names

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def local_time(moment: datetime) -> str:
    local = moment.astimezone() if moment.tzinfo else moment
    return local.strftime("%Y-%m-%d %H:%M")


class StockLevel:
    SOLD_OUT, LOW, OK = "sold out", "low", ""


def stock_level(quantity: int, low_threshold: int) -> str:
    if quantity <= 0:
        return StockLevel.SOLD_OUT
    if quantity <= low_threshold:
        return StockLevel.LOW
    return StockLevel.OK


def stock_text(quantity: int, low_threshold: int) -> str:
    level = stock_level(quantity, low_threshold)
    return f"{quantity:,} · {level}" if level else f"{quantity:,}"


class ProductTableModel(PagedTableModel[Product]):
    HEADERS = HEADERS

    def __init__(
        self,
        worker: DatabaseWorker,
        page_size: int = 200,
        low_stock_threshold: int = 5,
        parent=None,
    ) -> None:
        super().__init__(worker, page_size, parent)
        self.low_stock_threshold = low_stock_threshold
        self._search = ""
        self._sort_column = COL_SKU
        self._descending = False

    # -- the query -----------------------------------------------------------------------

    @property
    def search(self) -> str:
        return self._search

    @property
    def sort_key(self) -> tuple[str, bool]:
        return SORT_KEYS[self._sort_column], self._descending

    def set_search(self, text: str) -> None:
        text = text.strip()
        if text == self._search and self.total is not None:
            return
        self._search = text
        self.requery()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(SORT_KEYS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self._sort_column, self._descending) and (
            self.total is not None or self.loading
        ):
            return
        self._sort_column, self._descending = column, descending
        self.requery()

    def _query(self, offset: int, limit: int) -> Callable[[Any], Page[Product]]:
        search, (sort, descending) = self._search, self.sort_key
        return lambda repo: repo.products.list(
            search=search, limit=limit, offset=offset, sort=sort, descending=descending
        )

    # -- cells ---------------------------------------------------------------------------

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        p = self.row_value(index.row())
        if p is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_SKU:
                return p.sku
            if col == COL_NAME:
                return p.name
            if col == COL_PRICE:
                return money(p.price)
            if col == COL_STOCK:
                return stock_text(p.stock_quantity, self.low_stock_threshold)
            if col == COL_UPDATED:
                return local_time(p.updated_at)
        elif role == SortRole:
            return (p.sku.lower(), p.name, p.price, p.stock_quantity, p.updated_at)[col]
        elif role == ObjectRole:
            return p
        elif role == Qt.ItemDataRole.TextAlignmentRole:
            if col in (COL_PRICE, COL_STOCK):
                return int(_RIGHT)
        elif role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            level = stock_level(p.stock_quantity, self.low_stock_threshold)
            colors = semantic_colors()  # readable on the light or the dark palette in force
            bg: QColor | None
            fg: QColor | None
            if level == StockLevel.SOLD_OUT:
                bg, fg = colors.sold_out_bg, colors.sold_out_fg
            elif level == StockLevel.LOW:
                bg, fg = colors.low_bg, colors.low_fg
            else:
                bg = fg = None
            if role == Qt.ItemDataRole.BackgroundRole:
                return self.tinted(index.row(), bg)  # tinted a moment when changed elsewhere
            return QBrush(fg) if fg is not None else None
        elif role == ChangedRole:
            return self.highlight(index.row())
        elif role == Qt.ItemDataRole.ToolTipRole:
            level = stock_level(p.stock_quantity, self.low_stock_threshold)
            if level == StockLevel.SOLD_OUT:
                return self.tr("{} is sold out").format(p.sku)
            if level == StockLevel.LOW:
                return self.tr("{}: only {} left (low stock)").format(p.sku, p.stock_quantity)
            if col == COL_NAME and p.description:
                return p.description
        return None
