"""Receive stock / adjust stock (with a reason), and a product's stock movement history.

Stock changes by a delta, so another station selling the product meanwhile is no conflict:
with live updates the dialog shows the new stock at once (and who moved it), and checks the
clerk's change against it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.domain import validation
from inventory_desktop.domain.values import Page, Product, StockMovement
from inventory_desktop.errors import InventoryError, ValidationError
from inventory_desktop.ui.forms import CheckedField, ErrorLabel, label_keys_to_editors
from inventory_desktop.ui.live import Change, ChangedBanner, LiveUpdates, PendingFetch
from inventory_desktop.ui.messages import describe, when
from inventory_desktop.ui.paged_model import ObjectRole, PagedTableModel, SortRole
from inventory_desktop.ui.products_model import local_time
from inventory_desktop.ui.worker import DatabaseWorker

RECEIVE, ADJUST = "receive", "adjust"
ADJUST_REASONS = ("count correction", "damaged", "lost", "returned by customer", "found")


class StockDialog(QDialog):
    """Receive (a positive quantity, reason "received") or adjust (+/-, a reason required)."""

    saved = Signal(object)  # the Product after the change

    def __init__(
        self, worker: DatabaseWorker, product: Product, mode: str = RECEIVE,
        parent: QWidget | None = None, *, live: LiveUpdates | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self.product = product
        self.mode = mode
        self._saving = False
        receive = mode == RECEIVE
        self.setWindowTitle(
            (self.tr("Receive stock — {}") if receive else self.tr("Adjust stock — {}")).format(
                product.sku))
        self.head = head = QLabel()
        head.setTextFormat(Qt.TextFormat.RichText)
        self._show_head()
        self.banner = ChangedBanner(self)
        self.quantity = CheckedField(QLineEdit(), self._check_quantity)
        self.quantity.editor.setObjectName("quantity")
        self.quantity.editor.setPlaceholderText(
            self.tr("e.g. 24") if receive else self.tr("e.g. -3 or 5"))
        self.reason_box = QComboBox()
        self.reason_box.setEditable(True)
        self.reason_box.addItems(("received",) if receive else ("",) + ADJUST_REASONS)
        self.reason = CheckedField(self.reason_box.lineEdit(), validation.reason,
                                   shown=self.reason_box)
        self.reason_box.setObjectName("reason")
        self.after = QLabel()
        form = QFormLayout()
        form.addRow(self.tr("&Quantity received") if receive else self.tr("&Change (+/-)"),
                    self.quantity)
        form.addRow(self.tr("&Reason"), self.reason)
        form.addRow(self.tr("Stock after"), self.after)
        self.message = ErrorLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        # Enter presses it; no Alt+R, which belongs to the Reason field.
        self.ok_button.setText(self.tr("Receive") if receive else self.tr("&Adjust"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        label_keys_to_editors(form)  # Alt+Q / Alt+C and Alt+R go to the fields
        self.quantity.editor.textChanged.connect(self._update)
        self.reason_box.currentTextChanged.connect(self._update)
        QWidget.setTabOrder(self.quantity.editor, self.reason_box)
        self._update()
        self.quantity.editor.setFocus()
        if live is not None:
            pid = product.id
            self._fetch = PendingFetch(worker, lambda _ids: lambda repo: (
                repo.products.get(pid), repo.stock_movements(product_id=pid, limit=1)),
                self._fresh, self)
            live.changed.connect(self._on_change)

    def _show_head(self) -> None:
        p = self.product
        self.head.setText(self.tr("<b>{}</b> {}<br>In stock now: {:,}").format(
            p.sku, p.name, p.stock_quantity))

    # -- another station moved the stock ----------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.table != "products":
            return
        pid, version = self.product.id, self.product.version
        if change.rows is None or any(i == pid and v > version for i, v in change.rows):
            self._fetch.add((pid,))

    def _fresh(self, answer: tuple[Product, Page[StockMovement]]) -> None:
        fresh, movements = answer
        old = self.product
        if fresh.version <= old.version or self._saving:
            return  # our own change, or an answer older than what we show
        self.product = fresh
        self._show_head()
        if fresh.stock_quantity != old.stock_quantity:
            last = movements.items[0] if movements.items else None
            by = self.tr("another station")
            if last is not None and last.station:
                by = self.tr("this station") if last.station == self._worker.station else \
                    self.tr("station {}").format(last.station)
            order = self.tr(" (order {})").format(last.order_id) \
                if last is not None and last.order_id else ""
            self.banner.show_message(
                self.tr("Stock changed at {} at {}{}: {:,} → {:,}.").format(
                    by, when(fresh.updated_at), order, old.stock_quantity, fresh.stock_quantity))
        self.quantity.check()  # "would leave less than nothing" depends on the stock
        self._update()

    def _check_quantity(self, text: str) -> int:
        if self.mode == RECEIVE:
            value = validation.quantity(text, "quantity")
        else:
            value = validation.stock_delta(text, "delta")
        if self.product.stock_quantity + value < 0:
            raise ValidationError(
                "delta",
                self.tr("would leave less than nothing: only {:,} in stock").format(
                    self.product.stock_quantity),
                value)
        return value

    def _update(self) -> None:
        self.reason.check()
        try:
            delta = self.quantity.value()
        except ValidationError:
            self.after.setText("—")
        else:
            self.after.setText(f"{self.product.stock_quantity + delta:,}")
        ok = not self.quantity.problem() and not self.reason.problem()
        self.ok_button.setEnabled(ok and not self._saving)

    def save(self) -> None:
        if self._saving:
            return
        self.quantity.touched = self.reason.touched = True
        if not (self.quantity.check() & self.reason.check()):
            return
        pid, delta, reason = self.product.id, self.quantity.value(), self.reason.value()
        self._saving = True
        self._update()
        self._worker.run(
            lambda repo: repo.products.adjust_stock(pid, delta, reason=reason), owner=self
        ).success(self._saved).failure(self._failed)

    def _saved(self, product: Product) -> None:
        self._saving = False
        self.product = product
        self.saved.emit(product)
        self.accept()

    def _failed(self, error: InventoryError) -> None:
        self._saving = False
        if isinstance(error, ValidationError) and error.field in ("delta", "quantity"):
            self.quantity.show_server_error(describe(error))
        else:
            self.message.show_error(describe(error))
        self._update()


COL_WHEN, COL_CHANGE, COL_AFTER, COL_REASON, COL_ORDER, COL_STATION, COL_USER = range(7)


class MovementsModel(PagedTableModel[StockMovement]):
    """One product's stock ledger, newest first, paged like every big list."""

    HEADERS = (
        QT_TRANSLATE_NOOP("headers", "When"),
        QT_TRANSLATE_NOOP("headers", "Change"),
        QT_TRANSLATE_NOOP("headers", "Stock after"),
        QT_TRANSLATE_NOOP("headers", "Reason"),
        QT_TRANSLATE_NOOP("headers", "Order"),
        QT_TRANSLATE_NOOP("headers", "Station"),
        QT_TRANSLATE_NOOP("headers", "User"),
    )

    def __init__(self, worker: DatabaseWorker, product_id: int, page_size: int = 100,
                 parent=None) -> None:
        super().__init__(worker, page_size, parent)
        self.product_id = product_id

    def _query(self, offset: int, limit: int) -> Callable[[Any], Page[StockMovement]]:
        pid = self.product_id
        return lambda repo: repo.stock_movements(product_id=pid, limit=limit, offset=offset)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        m = self.row_value(index.row()) if index.isValid() else None
        if m is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (local_time(m.created_at), f"{m.delta:+,}", f"{m.quantity_after:,}", m.reason,
                    str(m.order_id) if m.order_id else "", m.station, m.db_user)[col]
        if role == SortRole:
            return (m.created_at, m.delta, m.quantity_after, m.reason, m.order_id or 0,
                    m.station, m.db_user)[col]
        if role == ObjectRole:
            return m
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_CHANGE, COL_AFTER, COL_ORDER):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class HistoryDialog(QDialog):
    """Every stock movement of one product: what changed, why, by which station."""

    def __init__(self, worker: DatabaseWorker, product: Product,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Stock history — {}").format(product.sku))
        self.resize(760, 420)
        self.model = MovementsModel(worker, product.id, parent=self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.status = QLabel(self.tr("Loading…"))
        self.model.total_changed.connect(
            lambda n: self.status.setText(self.tr("{:,} movements · in stock now {:,}").format(
                n, product.stock_quantity)))
        self.model.load_failed.connect(lambda e: self.status.setText(describe(e)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{product.sku}</b> {product.name}"))
        layout.addWidget(self.view)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.model.requery()
