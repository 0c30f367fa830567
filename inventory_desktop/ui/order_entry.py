"""Order entry: a clerk (or a barcode scanner) places an order without touching the mouse.

Keys (the contract's table; the labels and tooltips show them):

- product field: type to get suggestions; Up/Down move in the list, Enter picks. Enter on an
  exact SKU (any case, the scanner's path) picks that product at once; "5*SKU" adds 5 of it.
- quantity field: Enter adds the line (or raises the line's quantity); back to the product field.
- Delete on a selected line removes it; F2 on its Qty cell changes the quantity.
- Ctrl+Enter / Ctrl+Return (numpad too) places the order; from the quantity field, the picked
  product goes on first, as if Enter had been pressed. Esc closes, asking first if lines
  would be lost.

A scanned SKU is looked up on the server while the cursor already waits in the quantity field,
so no key is lost to a slow answer; a line confirmed before the answer is added when it comes
(and an order placed meanwhile waits for it).

The order is placed with a client token made once per draft. It is kept until an order comes
back, so a retry after a lost connection returns the order the first attempt may have placed
instead of placing a second one. If the clerk changed the lines in between, the server's answer
shows it (the returned order's lines differ from the ones sent) and the clerk is told, with
the changed draft kept for another Ctrl+Enter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any
from uuid import uuid4

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
    QWidget,
)

from inventory_desktop.domain import validation
from inventory_desktop.domain.values import Order, Product
from inventory_desktop.errors import (
    DatabaseUnavailable,
    InsufficientStock,
    InventoryError,
    LockTimeout,
    NotFound,
    ProductNotFound,
    ValidationError,
)
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.messages import describe
from inventory_desktop.ui.order_entry_form import OrderEntryForm
from inventory_desktop.ui.order_entry_live import LiveStock
from inventory_desktop.ui.order_entry_model import COL_QUANTITY, OrderLinesModel, format_money
from inventory_desktop.ui.order_entry_search import (
    ProductSearch,
    describe_product,
    has_ctrl,
    is_enter,
    split_quantity,
)

LOST_CONNECTION = QT_TRANSLATE_NOOP(
    "OrderEntryDialog",
    "Lost connection to the server — your order is kept; press Ctrl+Enter to try again",
)


@dataclass(eq=False)
class _Lookup:
    """An exact-SKU lookup on its way; ``quantity`` is set once the clerk has confirmed one."""

    sku: str
    quantity: int | None = None


class OrderEntryDialog(QDialog):
    """A non-modal window that builds one draft order after another."""

    order_placed = Signal(object)  # the Order the server confirmed

    def __init__(self, worker: Any, parent: QWidget | None = None, *, live: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("New order"))
        self.setObjectName("order_entry")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._worker = worker
        self._token = uuid4()  # one per draft; see the module docstring
        self._placing: tuple[tuple[int, int], ...] | None = None  # the lines in flight
        self._current: Product | _Lookup | None = None  # what the quantity field is for
        self._waiting: list[_Lookup] = []  # lines that go on when their product is found
        self._place_when_found = False
        self._lost_connection = False
        self._confirm: QMessageBox | None = None
        self.model = OrderLinesModel(self)
        self.form = OrderEntryForm(self, self.model)
        self.search = ProductSearch(worker, self.form.product_field, self)
        if live is not None:  # lines another station sells out are marked before Ctrl+Enter
            self.live_stock = LiveStock(worker, live, self.model, self._live_note, self)
        self._connect()
        self._refresh_total()
        self.form.product_field.setFocus()

    # -- wiring -------------------------------------------------------------------------------

    def _connect(self) -> None:
        self.place_action = shortcuts.make_action("entry.place", self, self.place_order)
        self.addAction(self.place_action)
        self.remove_action = shortcuts.make_action(
            "entry.remove_line", self.form.table, self.remove_selected_line
        )
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.form.table.addAction(self.remove_action)

        self.form.product_field.installEventFilter(self)
        self.form.quantity_field.installEventFilter(self)
        self.form.table.installEventFilter(self)
        self.form.product_field.textEdited.connect(self._on_product_edited)
        self.search.chosen.connect(self._pick)
        self.search.enter_pressed.connect(self._on_product_enter)
        self.search.place_requested.connect(self.place_order)
        self.search.unavailable.connect(lambda text: self.form.note(text, problem=True))
        self.form.add_button.clicked.connect(self._on_quantity_enter)
        self.form.remove_button.clicked.connect(self.remove_selected_line)
        self.form.close_button.clicked.connect(self.reject)
        self.form.place_button.clicked.connect(self.place_order)
        self.model.lines_changed.connect(self._refresh_total)
        self.model.modelReset.connect(self._refresh_total)
        self.form.table.selectionModel().selectionChanged.connect(self._refresh_total)
        self._worker.state_changed.connect(self._on_connection_state)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if is_enter(event) and watched in (self.form.product_field, self.form.quantity_field):
                if has_ctrl(event):
                    self.place_order()
                elif watched is self.form.product_field:
                    self._on_product_enter()
                else:
                    self._on_quantity_enter()
                return True
        elif event.type() == QEvent.Type.FocusIn and watched is self.form.table:
            if not self.form.table.currentIndex().isValid() and self.model.rowCount():
                self.form.table.setCurrentIndex(self.model.index(0, COL_QUANTITY))
        return super().eventFilter(watched, event)

    # -- the product field --------------------------------------------------------------------

    def _on_product_edited(self, _text: str) -> None:
        self._current = None  # the quantity field belonged to what was in the field before
        self.form.note("")

    def _on_product_enter(self) -> None:
        quantity, text = split_quantity(self.form.product_field.text())
        if not text:
            self.form.note(
                self.tr("Scan or type the next product, or press Ctrl+Enter to place the order.")
                if self.model.rowCount() else self.tr("Scan or type a product first.")
            )
            return
        try:
            sku = validation.sku(text)
        except ValidationError:
            self._not_found(text)
            return
        product = self.search.known(sku)
        self.search.dismiss()
        if product is not None:
            self._pick(product, quantity)
            return
        lookup = _Lookup(sku, quantity)
        self._worker.run(lambda repo: repo.products.get_by_sku(sku), owner=self).success(
            partial(self._on_found, lookup)
        ).failure(partial(self._on_lookup_failed, lookup))
        if quantity is not None:
            self._waiting.append(lookup)
            self.form.note(self.tr("Adding {} × {}…").format(quantity, sku))
            self._focus_product(clear=True)
        else:
            self._current = lookup
            self.form.note(self.tr("Looking up {}…").format(sku))
            self._ask_quantity()

    def _pick(self, product: Product, quantity: int | None = None) -> None:
        self.search.dismiss()
        if quantity is not None:
            if self._add_line(product, quantity):
                self._focus_product(clear=True)
            return
        self._current = product
        self.form.product_field.setText(product.sku)
        self.form.note(describe_product(product))
        self._ask_quantity()

    def _on_found(self, lookup: _Lookup, product: Product) -> None:
        if lookup in self._waiting:
            self._waiting.remove(lookup)
            assert lookup.quantity is not None
            self._add_line(product, lookup.quantity)
            if self._place_when_found and not self._waiting:
                self._place_when_found = False
                self.place_order()
        elif self._current is lookup:
            self._current = product
            self.form.note(describe_product(product))

    def _on_lookup_failed(self, lookup: _Lookup, error: InventoryError) -> None:
        waiting = lookup in self._waiting
        if not waiting and self._current is not lookup:
            return  # the clerk has moved on; nothing depends on this answer
        if isinstance(error, (NotFound, ValidationError)):
            text = self.tr("No product with SKU “{}”.").format(lookup.sku)
        elif isinstance(error, DatabaseUnavailable) and not isinstance(error, LockTimeout):
            text = self.tr("Lost connection to the server — could not look up {}. "
                           "Press Enter to try again.").format(lookup.sku)
        else:
            text = describe(error)
        if not waiting:  # the clerk is still at the quantity for this SKU
            self._current = None
            self._not_found(self.form.product_field.text(), text)
            return
        self._waiting.remove(lookup)
        text += self.tr(" It was not added.")
        if self._place_when_found:
            self._place_when_found = False
            self.form.status(self.tr("The order was not placed: ") + text, problem=True)
        if self.form.product_field.hasFocus() and not self.form.product_field.text().strip():
            self._not_found(lookup.sku, text)  # ready for the next scan of it
        else:
            self.form.note(text, problem=True)  # the clerk is busy with the next product

    def _live_note(self, text: str, problem: bool) -> None:
        self.form.note(text, problem=problem)

    def _not_found(self, text: str, message: str | None = None) -> None:
        """Tell the clerk, with the text selected so the next scan replaces it."""
        self.search.dismiss()
        self.form.note(
            message or self.tr("No product with SKU “{}”.").format(text.strip()), problem=True)
        self.form.product_field.setText(text)
        self.form.product_field.setFocus()
        self.form.product_field.selectAll()

    # -- the quantity field and the lines -----------------------------------------------------

    def _ask_quantity(self, value: int = 1) -> None:
        self.form.quantity_field.setValue(value)
        self.form.quantity_field.setFocus()
        self.form.quantity_field.selectAll()

    def _on_quantity_enter(self) -> bool:
        self.form.quantity_field.interpretText()
        quantity = self.form.quantity_field.value()
        current, self._current = self._current, None
        if current is None:
            self.form.note(
                self.tr("Pick a product first: scan or type its SKU or name."), problem=True)
            self._focus_product()
            return False
        if isinstance(current, _Lookup):
            current.quantity = quantity  # added as soon as the product is found
            self._waiting.append(current)
            self.form.note(
                self.tr("Adding {} × {} as soon as it is found…").format(quantity, current.sku))
            self._focus_product(clear=True)
            return True
        if self._add_line(current, quantity):
            self._focus_product(clear=True)
            return True
        self._current = current
        self._ask_quantity(quantity)
        return False

    def _add_line(self, product: Product, quantity: int) -> bool:
        try:
            row = self.model.add(product, quantity)
        except ValidationError as error:
            self.form.note(describe(error), problem=True)
            return False
        line = self.model.lines()[row]
        self.form.table.scrollTo(self.model.index(row, 0))
        text = self.tr("Added {:,} × {} {}").format(quantity, product.sku, product.name)
        if line.quantity != quantity:
            text += self.tr(" (now {:,} on the order)").format(line.quantity)
        if line.problem:
            text += f" — {line.problem}"
        self.form.note(text, problem=bool(line.problem))
        return True

    def remove_selected_line(self) -> None:
        rows = self.form.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else self.form.table.currentIndex().row()
        if row < 0:
            self.form.note(self.tr("Select a line first (Alt+L goes to the lines)."), problem=True)
            return
        self.model.remove(row)
        if self.model.rowCount():
            self.form.table.selectRow(min(row, self.model.rowCount() - 1))
        else:
            self._focus_product(clear=False)

    def _focus_product(self, clear: bool = False) -> None:
        if clear:
            self.form.product_field.clear()
            self.search.clear()
        self.form.product_field.setFocus()

    # -- placing the order --------------------------------------------------------------------

    def place_order(self) -> None:
        self.search.dismiss()
        if self._placing is not None:
            self.form.status(self.tr("Placing this order already — one moment…"))
            return
        if self._current is not None and self.form.quantity_field.hasFocus():
            if not self._on_quantity_enter():  # the picked product goes on, as with Enter first
                return
        if self._waiting:
            self._place_when_found = True
            skus = ", ".join(lookup.sku for lookup in self._waiting)
            self.form.status(self.tr("Placing the order as soon as {} is found…").format(skus))
            return
        if not self.model.rowCount():
            self.form.status(
                self.tr("Nothing to place yet: scan or type a product first."), problem=True)
            self._focus_product()
            return
        lines, token = self.model.order_lines(), self._token
        self._placing = lines
        self._lost_connection = False
        self._refresh_total()
        self.form.status(self.tr("Placing the order…"))
        self._worker.run(
            lambda repo: repo.orders.create(list(lines), client_token=token), owner=self
        ).success(partial(self._on_placed, lines)).failure(partial(self._on_place_failed, lines))

    def _on_placed(self, sent: tuple[tuple[int, int], ...], order: Order) -> None:
        self._placing = None
        self._token = uuid4()  # the next draft is a new order
        placed = tuple(sorted((item.product_id, item.quantity) for item in order.items))
        total = format_money(order.total_amount)
        if order.items and placed != sent:
            # This token had placed an order before the connection dropped, and the draft was
            # changed since: that earlier order stands; the changed draft is still to place.
            self._refresh_total()
            self.form.status(
                self.tr(
                    "Order {} had already been placed (total {}) before the "
                    "connection was lost, with the lines sent then. Your changed order is kept: "
                    "check it and press Ctrl+Enter to place it as another order."
                ).format(order.id, total),
                problem=True,
            )
        else:
            self.model.remove_placed(sent)
            self.form.status(
                self.tr("Order {} placed — total {}").format(order.id, total), done=True)
            if self._current is None:
                self.form.quantity_field.setValue(1)
                self._focus_product(clear=not self.form.product_field.hasFocus())
        self.order_placed.emit(order)

    def _on_place_failed(self, sent: tuple[tuple[int, int], ...], error: InventoryError) -> None:
        self._placing = None
        self._refresh_total()
        labels = self.model.labels()
        if isinstance(error, InsufficientStock):
            self.model.mark_shortages(error.shortages)
            self._select_first_problem()
            text = describe(error, labels) + self.tr(
                "\nYour order is kept: lower the marked quantities (Alt+L, F2) or remove "
                "those lines (Delete), then press Ctrl+Enter."
            )
        elif isinstance(error, ProductNotFound):
            self.model.mark_gone(error.product_ids)
            self._select_first_problem()
            text = describe(error, labels) + self.tr(
                " Your order is kept: remove the marked line (Alt+L, Delete), "
                "then press Ctrl+Enter."
            )
        elif isinstance(error, DatabaseUnavailable) and not isinstance(error, LockTimeout):
            self._lost_connection = True
            text = self.tr(LOST_CONNECTION)
        else:
            text = describe(error) + self.tr(" Your order is kept; press Ctrl+Enter to try again.")
        self.form.status(text, problem=True)

    def _select_first_problem(self) -> None:
        for row, line in enumerate(self.model.lines()):
            if line.problem:
                self.form.table.setCurrentIndex(self.model.index(row, COL_QUANTITY))
                self.form.table.scrollTo(self.model.index(row, 0))
                return

    def _on_connection_state(self, state: str, _detail: str) -> None:
        if self._lost_connection and state == "connected" and self._placing is None:
            self._lost_connection = False
            self.form.status(
                self.tr("The connection is back — press Ctrl+Enter to place the order."))

    def _refresh_total(self, *_: Any) -> None:
        self.form.show_draft(self.model, placing=self._placing is not None)

    # -- closing ------------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc, the Close button and the window's X come here: ask if work would be lost."""
        if self._confirm is not None:
            return
        count = self.model.rowCount()
        if not count and self._placing is None and not self._waiting:
            super().reject()
            return
        if self._placing is not None:
            text = self.tr("The order is being placed right now. If you close, you won't see "
                           "whether it went through (the Orders list will show it).")
        elif count == 1:
            text = self.tr("The {} line of this order will be lost.").format(count)
        else:
            text = self.tr("The {} lines of this order will be lost.").format(count)
        box = QMessageBox(
            QMessageBox.Icon.Question, self.tr("Close order entry?"), text, parent=self)
        discard = box.addButton(
            self.tr("&Discard the order"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("&Keep editing"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._on_close_answer(box.clickedButton() is discard))
        self._confirm = box
        box.open()

    def _on_close_answer(self, discard: bool) -> None:
        self._confirm = None
        if discard:
            super().reject()
        else:
            self.activateWindow()  # the keyboard back to the order, not left nowhere
            self.form.product_field.setFocus()
