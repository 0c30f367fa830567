"""The draft order behind order entry: its lines, as a Qt table model.

A line holds the product as last seen (price, stock) and the quantity the clerk wants. What the
server later says about a line (only 3 left, the product was deleted) is kept on the line, so
the table can mark it and the clerk can fix it before trying again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush

from inventory_desktop.domain import validation
from inventory_desktop.domain.values import Product
from inventory_desktop.errors import Shortage, ValidationError
from inventory_desktop.ui.theme import semantic_colors

COL_SKU, COL_NAME, COL_QUANTITY, COL_PRICE, COL_LINE_TOTAL, COL_AVAILABLE = range(6)
HEADERS = (
    QT_TRANSLATE_NOOP("headers", "SKU"),
    QT_TRANSLATE_NOOP("headers", "Name"),
    QT_TRANSLATE_NOOP("headers", "Qty"),
    QT_TRANSLATE_NOOP("headers", "Price"),
    QT_TRANSLATE_NOOP("headers", "Line total"),
    QT_TRANSLATE_NOOP("headers", "Available"),
)
NUMERIC_COLUMNS = {COL_QUANTITY, COL_PRICE, COL_LINE_TOTAL, COL_AVAILABLE}

ObjectRole = Qt.ItemDataRole.UserRole + 1  # the DraftLine of the row
SortRole = Qt.ItemDataRole.UserRole + 2  # native values: Decimal, int, str

Index = QModelIndex | QPersistentModelIndex


def format_money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


@dataclass(frozen=True, slots=True)
class DraftLine:
    product: Product
    quantity: int
    available: int  # the stock last known: from the product, or what the server said was left
    gone: bool = False  # the product was deleted since it was picked

    @property
    def line_total(self) -> Decimal:
        return self.product.price * self.quantity

    @property
    def short(self) -> bool:
        return not self.gone and self.quantity > self.available

    @property
    def problem(self) -> str:
        """What is wrong with this line, in a few words ('' when nothing is)."""
        if self.gone:
            return QCoreApplication.translate("DraftLine", "no longer exists")
        if self.short:
            if self.available <= 0:
                return QCoreApplication.translate("DraftLine", "sold out")
            return QCoreApplication.translate("DraftLine", "only {} left").format(self.available)
        return ""

    @property
    def advice(self) -> str:
        if self.gone:
            return QCoreApplication.translate(
                "DraftLine", "{} was deleted at another station: remove it with Delete."
            ).format(self.product.sku)
        if self.short:
            return QCoreApplication.translate(
                "DraftLine",
                "You ask for {}, {}: lower the quantity "
                "(F2 on the Qty cell) or remove the line (Delete).",
            ).format(self.quantity, self.problem)
        return ""


class OrderLinesModel(QAbstractTableModel):
    """The lines of one draft order, in the order they were added."""

    lines_changed = Signal()  # a line added, removed, or its quantity changed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lines: list[DraftLine] = []

    # -- what the dialog asks -------------------------------------------------------------

    def lines(self) -> tuple[DraftLine, ...]:
        return tuple(self._lines)

    def order_lines(self) -> tuple[tuple[int, int], ...]:
        """(product id, quantity) pairs sorted by product id: what ``orders.create`` takes."""
        return tuple(sorted((line.product.id, line.quantity) for line in self._lines))

    def total(self) -> Decimal:
        return sum((line.line_total for line in self._lines), Decimal("0.00"))

    def problem_lines(self) -> list[DraftLine]:
        return [line for line in self._lines if line.problem]

    def row_of(self, product_id: int) -> int:
        for row, line in enumerate(self._lines):
            if line.product.id == product_id:
                return row
        return -1

    def labels(self) -> dict[int, str]:
        """product id -> SKU, for messages about lines."""
        return {line.product.id: line.product.sku for line in self._lines}

    # -- changes --------------------------------------------------------------------------

    def add(self, product: Product, quantity: int) -> int:
        """Add a line, or raise the quantity of the product's line. Returns its row.

        The product as given replaces the one on the line: it is the newest we know.
        Raises ValidationError when the quantity or the number of lines would break a rule.
        """
        quantity = validation.quantity(quantity)
        row = self.row_of(product.id)
        if row >= 0:
            total = self._lines[row].quantity + quantity
            if total > validation.QUANTITY_MAX:
                raise ValidationError(
                    "quantity",
                    self.tr("must be at most {:,} on one line").format(validation.QUANTITY_MAX),
                    total,
                )
            self._replace(row, DraftLine(product, total, product.stock_quantity))
            return row
        if len(self._lines) >= validation.ORDER_LINES_MAX:
            most = validation.ORDER_LINES_MAX
            raise ValidationError("lines", self.tr("an order has at most {} lines").format(most))
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append(DraftLine(product, quantity, product.stock_quantity))
        self.endInsertRows()
        self.lines_changed.emit()
        return row

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._lines):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._lines[row]
            self.endRemoveRows()
            self.lines_changed.emit()

    def clear(self) -> None:
        if self._lines:
            self.beginResetModel()
            self._lines.clear()
            self.endResetModel()
            self.lines_changed.emit()

    def remove_placed(self, placed: tuple[tuple[int, int], ...]) -> None:
        """Take away what an order just placed; whatever was added meanwhile stays."""
        placed_qty = dict(placed)
        kept = []
        for line in self._lines:
            left = line.quantity - placed_qty.get(line.product.id, 0)
            if left > 0:
                kept.append(replace(line, quantity=left))
        self.beginResetModel()
        self._lines = kept
        self.endResetModel()
        self.lines_changed.emit()

    def mark_shortages(self, shortages: tuple[Shortage, ...] | list[Shortage]) -> None:
        for s in shortages:
            row = self.row_of(s.product_id)
            if row >= 0:
                self._replace(row, replace(self._lines[row], available=s.available), quiet=True)

    def refresh_products(self, products: list[Product]) -> list[tuple[DraftLine, DraftLine]]:
        """Newer versions of products on the draft (another station sold or repriced them):
        the lines take their stock and price. Returns (before, after) of each changed line."""
        changed = []
        for product in products:
            row = self.row_of(product.id)
            if row < 0 or product.version <= self._lines[row].product.version:
                continue
            before = self._lines[row]
            after = replace(before, product=product, available=product.stock_quantity)
            self._replace(row, after)
            changed.append((before, after))
        return changed

    def mark_gone(self, product_ids: tuple[int, ...] | list[int]) -> None:
        for product_id in product_ids:
            row = self.row_of(product_id)
            if row >= 0:
                self._replace(row, replace(self._lines[row], gone=True), quiet=True)

    def _replace(self, row: int, line: DraftLine, quiet: bool = False) -> None:
        self._lines[row] = line
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
        if not quiet:
            self.lines_changed.emit()

    # -- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                return QCoreApplication.translate("headers", HEADERS[section])
            if role == Qt.ItemDataRole.TextAlignmentRole and section in NUMERIC_COLUMNS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == COL_QUANTITY:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(line, column)
        if role == Qt.ItemDataRole.EditRole and column == COL_QUANTITY:
            return line.quantity
        if role == SortRole:
            return self._native(line, column)
        if role == ObjectRole:
            return line
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and line.problem:
            return QBrush(semantic_colors().problem_bg)  # readable on light and dark palettes
        if role == Qt.ItemDataRole.ForegroundRole and line.problem and column in (
            COL_QUANTITY, COL_AVAILABLE
        ):
            return QBrush(semantic_colors().problem_fg)
        if role == Qt.ItemDataRole.ToolTipRole:
            return line.advice or None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        editable = index.isValid() and index.column() == COL_QUANTITY
        if not editable or role != Qt.ItemDataRole.EditRole:
            return False
        try:
            quantity = validation.quantity(value)
        except ValidationError:
            return False
        line = self._lines[index.row()]
        if quantity != line.quantity:
            self._replace(index.row(), replace(line, quantity=quantity))
        return True

    @staticmethod
    def _display(line: DraftLine, column: int) -> str:
        if column == COL_SKU:
            return line.product.sku
        if column == COL_NAME:
            return line.product.name
        if column == COL_QUANTITY:
            return f"{line.quantity:,}"
        if column == COL_PRICE:
            return format_money(line.product.price)
        if column == COL_LINE_TOTAL:
            return format_money(line.line_total)
        if column == COL_AVAILABLE:
            return line.problem or f"{line.available:,}"
        return ""

    @staticmethod
    def _native(line: DraftLine, column: int) -> Any:
        return (
            line.product.sku,
            line.product.name,
            line.quantity,
            line.product.price,
            line.line_total,
            line.available,
        )[column]
