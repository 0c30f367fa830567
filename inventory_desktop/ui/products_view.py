"""The Products tab: search field, the paged table, and the product actions."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.domain.validation import NAME_MAX
from inventory_desktop.domain.values import Product
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.messages import describe
from inventory_desktop.ui.paged_model import ObjectRole
from inventory_desktop.ui.products_model import COL_NAME, COL_SKU, ProductTableModel
from inventory_desktop.ui.worker import DatabaseWorker

SEARCH_DEBOUNCE_MS = 200
POLL_VISIBLE_MS = 15_000  # a light poll of the rows on screen; changes at other stations show


class ProductsView(QWidget):
    selection_changed = Signal(object)  # Product | None

    def __init__(
        self,
        worker: DatabaseWorker,
        page_size: int = 200,
        low_stock_threshold: int = 5,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self.dialog: QWidget | None = None  # the dialog opened last (tests look at it)
        self._reselect: int | None = None
        self.model = ProductTableModel(worker, page_size, low_stock_threshold, self)

        self.search = QLineEdit()
        self.search.setObjectName("product-search")
        self.search.setPlaceholderText(
            f"Search by SKU or name ({shortcuts.key_text('list.find')})")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(NAME_MAX)  # the server's limit for search text
        self.search.setAccessibleName("Search products")
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.model.set_search(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)

        self.table = QTableView()
        self.table.setObjectName("products-table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionsMovable(True)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setColumnWidth(COL_SKU, 140)
        self.table.setColumnWidth(COL_NAME, 320)
        self.table.horizontalHeader().setSortIndicator(COL_SKU, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # a header click is model.sort(): a server query
        self.table.activated.connect(lambda _i: self.edit_product())
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.selection_changed.emit(self._product_at(cur)))
        self.setFocusProxy(self.table)

        self.status = QLabel("Loading…")
        self.status.setObjectName("products-status")
        self.model.total_changed.connect(self._show_total)
        self.model.loading_changed.connect(self._show_loading)
        self.model.load_failed.connect(lambda e: self.status.setText(describe(e)))
        self.model.modelReset.connect(self._after_reset)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self._poll = QTimer(self)
        self._poll.setInterval(POLL_VISIBLE_MS)
        self._poll.timeout.connect(self.refresh_visible)
        self._poll.start()
        self.model.requery()

    # -- reading -------------------------------------------------------------------------

    def _product_at(self, index: QModelIndex) -> Product | None:
        return self.model.data(index, ObjectRole) if index.isValid() else None

    def current_product(self) -> Product | None:
        return self._product_at(self.table.currentIndex())

    def select_product(self, product_id: int) -> bool:
        row = self.model.row_of(product_id)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.model.index(row, COL_SKU))
        return True

    def _show_total(self, total: int) -> None:
        search = self.model.search
        self.status.setText(
            f"{total:,} products" + (f" matching “{search}”" if search else "")
            + (f" · showing {self.model.rowCount():,}" if self.model.rowCount() < total else "")
        )

    def _show_loading(self, loading: bool) -> None:
        if loading and self.model.total is None:
            self.status.setText("Loading…")

    def _after_reset(self) -> None:
        target, self._reselect = self._reselect, None
        if (target is None or not self.select_product(target)) and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, COL_SKU))

    # -- actions (the main window's menus call these) -----------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_now(self) -> None:
        self._debounce.stop()
        self.model.set_search(self.search.text())
        self.table.setFocus()

    def reload(self) -> None:
        current = self.current_product()
        self._reselect = current.id if current else None
        self.model.reload()

    def retry_if_failed(self) -> None:
        if self.model.last_error is not None:
            self.reload()

    def refresh_visible(self, *_: object) -> None:
        """Fetch fresh values for the rows on screen (another station may have sold them)."""
        if not self._worker.is_connected or self.model.loading or not self.model.rowCount():
            return
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = self.model.rowCount() - 1 if last < 0 else last
        ids = [p.id for p in self.model.rows()[first : last + 1]]
        generation = self.model.generation

        def apply(products: list[Product]) -> None:
            if generation != self.model.generation:
                return
            for p in products:
                row = self.model.row_of(p.id)
                old = self.model.row_value(row)
                if old is not None and old.version != p.version:
                    self.model.replace_row(p)

        self._worker.run(lambda repo: repo.products.get_many(ids), owner=self).success(
            apply).failure(lambda _e: None)  # the status bar already tells a lost connection

    def new_product(self) -> None:
        from inventory_desktop.ui.product_dialog import ProductDialog

        dialog = ProductDialog(self._worker, None, self)
        dialog.saved.connect(self._created)
        self._open(dialog)

    def _created(self, product: Product) -> None:
        self._reselect = product.id
        self.model.reload()

    def edit_product(self) -> None:
        product = self.current_product()
        if product is None:
            return
        from inventory_desktop.ui.product_dialog import ProductDialog

        dialog = ProductDialog(self._worker, product, self)
        dialog.saved.connect(self._changed)
        self._open(dialog)

    def _changed(self, product: Product) -> None:
        if not self.model.replace_row(product):
            self.model.reload()

    def receive_stock(self) -> None:
        self._stock("receive")

    def adjust_stock(self) -> None:
        self._stock("adjust")

    def _stock(self, mode: str) -> None:
        product = self.current_product()
        if product is None:
            return
        from inventory_desktop.ui.stock_dialog import StockDialog

        dialog = StockDialog(self._worker, product, mode, self)
        dialog.saved.connect(self._changed)
        self._open(dialog)

    def show_history(self) -> None:
        product = self.current_product()
        if product is None:
            return
        from inventory_desktop.ui.stock_dialog import HistoryDialog

        self._open(HistoryDialog(self._worker, product, self))

    def _open(self, dialog: QWidget) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.finished.connect(self._dialog_closed)  # bound: see product_dialog._show_stale
        dialog.open()  # window-modal, never a nested event loop

    def _dialog_closed(self, _result: int = 0) -> None:
        self.table.setFocus()
