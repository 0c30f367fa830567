"""The product field of order entry: suggestions from the server as the clerk types.

The server does the matching (SKU prefix or words of the name), so the completer shows its
answer unfiltered. Queries wait until typing pauses (~150 ms); each carries a generation
number and an answer for an older generation is dropped, so a slow answer for "wi" never
replaces the list for "widget", nor pops up after the product was picked.

Enter in the list picks the row the clerk moved to with Up/Down. Enter without such a row is
the scanner's Enter: the dialog looks the text up as an exact SKU (``enter_pressed``), whether
or not the list has come back yet.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit

from inventory_desktop.domain.values import Product
from inventory_desktop.errors import DatabaseUnavailable, InventoryError, LockTimeout
from inventory_desktop.ui.order_entry_model import format_money

DEBOUNCE_MS = 150
SUGGESTIONS = 20

SkuRole = Qt.ItemDataRole.UserRole + 1
ProductRole = Qt.ItemDataRole.UserRole + 2

_QUANTITY_PREFIX = re.compile(r"\s*(\d{1,7})\s*\*\s*(.*)", re.DOTALL)
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def split_quantity(text: str) -> tuple[int | None, str]:
    """'5*WID-1' -> (5, 'WID-1'); 'WID-1' -> (None, 'WID-1'). A POS habit: quantity first."""
    match = _QUANTITY_PREFIX.fullmatch(text)
    if match is None:
        return None, text.strip()
    return int(match.group(1)), match.group(2).strip()


def stock_words(quantity: int) -> str:
    if quantity <= 0:
        return QCoreApplication.translate("ProductSearch", "sold out")
    return QCoreApplication.translate("ProductSearch", "{:,} in stock").format(quantity)


def describe_product(product: Product) -> str:
    return (
        f"{product.sku} · {product.name} · {format_money(product.price)} · "
        f"{stock_words(product.stock_quantity)}"
    )


def is_enter(event: QKeyEvent) -> bool:
    return event.key() in _ENTER_KEYS


def has_ctrl(event: QKeyEvent) -> bool:
    return bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)


class ProductSuggestions(QAbstractListModel):
    """The products the server suggested for the text in the product field."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._products: tuple[Product, ...] = ()

    def set_products(self, products: tuple[Product, ...] | list[Product]) -> None:
        self.beginResetModel()
        self._products = tuple(products)
        self.endResetModel()

    def products(self) -> tuple[Product, ...]:
        return self._products

    def find_sku(self, sku: str) -> Product | None:
        wanted = sku.casefold()
        return next((p for p in self._products if p.sku.casefold() == wanted), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._products)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._products):
            return None
        product = self._products[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return describe_product(product)
        if role in (SkuRole, Qt.ItemDataRole.EditRole):
            return product.sku
        if role == ProductRole:
            return product
        return None


class ProductSearch(QObject):
    """Completion for the product field; owns the completer, the debounce and the generation."""

    chosen = Signal(object)  # a Product picked from the list (Enter on a row, or a click)
    enter_pressed = Signal()  # Enter with no row picked: look the text up as an exact SKU
    place_requested = Signal()  # Ctrl+Enter while the list was open
    unavailable = Signal(str)  # suggestions could not be fetched (clerk words)

    def __init__(
        self,
        worker: Any,
        field: QLineEdit,
        parent: QObject | None = None,
        *,
        delay_ms: int = DEBOUNCE_MS,
        limit: int = SUGGESTIONS,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._field = field
        self._limit = limit
        self._generation = 0
        self.model = ProductSuggestions(self)

        self.completer = QCompleter(self.model, field)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionRole(SkuRole)
        self.completer.setMaxVisibleItems(10)
        field.setCompleter(self.completer)
        # A long name gives way in the middle: the SKU in front and "· sold out" at the end
        # stay readable however narrow the field is.
        self.completer.popup().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.completer.activated[QModelIndex].connect(self._on_activated)
        # Installed after the completer's own filter, so this one sees the popup's keys first.
        self.completer.popup().installEventFilter(self)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._query)
        field.textEdited.connect(self._on_edited)

    @property
    def generation(self) -> int:
        return self._generation

    def popup_visible(self) -> bool:
        return self.completer.popup().isVisible()

    def known(self, sku: str) -> Product | None:
        """The product with exactly this SKU (any case) among the current suggestions."""
        return self.model.find_sku(sku)

    def dismiss(self) -> None:
        """Close the list and forget any answer still on its way."""
        self._generation += 1
        self._timer.stop()
        self.completer.popup().hide()

    def clear(self) -> None:
        """Dismiss and forget the suggestions: the field starts afresh."""
        self.dismiss()
        self.model.set_products(())

    # -- typing and answers ------------------------------------------------------------------

    def _on_edited(self, text: str) -> None:
        self._generation += 1
        if not split_quantity(text)[1]:
            self._timer.stop()
            self.model.set_products(())
            self.completer.popup().hide()
            return
        self._timer.start()

    def _query(self) -> None:
        generation = self._generation
        search = split_quantity(self._field.text())[1]
        if not search:
            return
        limit = self._limit
        self._worker.run(
            lambda repo: repo.products.list(search=search, limit=limit), owner=self
        ).success(lambda page: self._on_answer(generation, page.items)).failure(
            lambda error: self._on_failed(generation, error)
        )

    def _on_answer(self, generation: int, products: tuple[Product, ...]) -> None:
        if generation != self._generation:
            return  # the clerk typed on, or picked something: this list is stale
        self.model.set_products(products)
        if not products:
            self.completer.popup().hide()
        elif self._field.hasFocus():
            self.completer.setCompletionPrefix(split_quantity(self._field.text())[1])
            self.completer.complete()

    def _on_failed(self, generation: int, error: InventoryError) -> None:
        if generation != self._generation:
            return
        if isinstance(error, DatabaseUnavailable) and not isinstance(error, LockTimeout):
            self.unavailable.emit(self.tr(
                "No suggestions: the server can't be reached. "
                "An exact SKU and Enter still works once it is back."
            ))

    # -- picking -------------------------------------------------------------------------

    def _on_activated(self, index: QModelIndex) -> None:
        product = index.data(ProductRole)
        if isinstance(product, Product):
            self.dismiss()
            self.chosen.emit(product)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not is_enter(event):
            return False
        popup = self.completer.popup()
        if has_ctrl(event):
            popup.hide()
            self.place_requested.emit()
            return True
        if popup.selectionModel().hasSelection():
            return False  # the completer activates the row the clerk moved to
        popup.hide()
        self.enter_pressed.emit()
        return True
