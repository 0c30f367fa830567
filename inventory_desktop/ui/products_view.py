"""The Products tab: search field, the paged table, and the product actions.

Other stations' changes to the loaded rows show as they happen (``follow``): the listener
names the rows and their new versions, the rows older than that are fetched in one
``get_many`` and swapped in place. Only while live updates are down does a light poll of
the rows on screen stand in for them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.domain.validation import NAME_MAX
from inventory_desktop.domain.values import Product
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.live import LIVE_CONNECTED, Change, LiveUpdates, PendingFetch
from inventory_desktop.ui.messages import describe
from inventory_desktop.ui.paged_model import ObjectRole
from inventory_desktop.ui.products_model import (
    COL_NAME,
    COL_SKU,
    COL_UPDATED,
    ProductTableModel,
)
from inventory_desktop.ui.worker import DatabaseWorker

SEARCH_DEBOUNCE_MS = 200
POLL_VISIBLE_MS = 15_000  # only while live updates are down: a light poll of the rows on screen
OWN_CHANGE_S = 5.0  # a change this station made is not tinted as "changed elsewhere"


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
        self._live: LiveUpdates | None = None
        self._live_seen = False
        self._own: dict[int, float] = {}  # product id -> until when a change is this station's
        self._place: tuple[int | None, int] = (None, 0)  # current product, scroll, across a reset
        self.model = ProductTableModel(worker, page_size, low_stock_threshold, self)
        self._fetch = PendingFetch(
            worker, lambda ids: lambda repo: repo.products.get_many(ids), self._apply_fresh, self)

        self.search = QLineEdit()
        self.search.setObjectName("product-search")
        self.search.setPlaceholderText(
            self.tr("Search by SKU or name ({})").format(shortcuts.key_text("list.find")))
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(NAME_MAX)  # the server's limit for search text
        self.search.setAccessibleName(self.tr("Search products"))
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
        self.table.setWordWrap(False)  # one line a row; a long name ends in "…" (tooltip: all)
        text_width = self.table.fontMetrics().horizontalAdvance  # widths follow the font size
        self.table.setColumnWidth(COL_SKU, text_width("MMMMMMMMMMMMMM") + 16)
        self.table.setColumnWidth(COL_NAME, 320)
        self.table.horizontalHeader().setSectionResizeMode(
            COL_NAME, QHeaderView.ResizeMode.Stretch)  # the name takes the room that is left
        self.table.setColumnWidth(COL_UPDATED, text_width("8888-88-88 88:88") + 24)
        self.table.horizontalHeader().setSortIndicator(COL_SKU, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # a header click is model.sort(): a server query
        self.table.activated.connect(lambda _i: self.edit_product())
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.selection_changed.emit(self._product_at(cur)))
        self.setFocusProxy(self.table)

        self.status = QLabel(self.tr("Loading…"))
        self.status.setObjectName("products-status")
        self.model.total_changed.connect(self._show_total)
        self.model.loading_changed.connect(self._show_loading)
        self.model.load_failed.connect(lambda e: self.status.setText(describe(e)))
        self.model.modelAboutToBeReset.connect(self._remember_place)
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
            self.tr("{:,} products").format(total)
            + (self.tr(" matching “{}”").format(search) if search else "")
            + (self.tr(" · showing {:,}").format(self.model.rowCount())
               if self.model.rowCount() < total else "")
        )

    def _show_loading(self, loading: bool) -> None:
        if loading and self.model.total is None:
            self.status.setText(self.tr("Loading…"))

    def _remember_place(self) -> None:
        current = self.current_product()
        self._place = (current.id if current else None, self.table.verticalScrollBar().value())

    def _after_reset(self) -> None:
        target, self._reselect = self._reselect, None
        if self.model.keeping_place:  # a bulk change elsewhere: stay where the clerk was
            target, scroll = self._place
            self.table.doItemsLayout()  # the scroll range first, then the old position
            if target is not None:
                self.select_product(target)
            self.table.verticalScrollBar().setValue(scroll)
            return
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

    # -- other stations' changes --------------------------------------------------------

    def follow(self, live: LiveUpdates) -> None:
        """Show other stations' changes to the loaded rows as they happen."""
        self._live = live
        live.changed.connect(self._on_change)
        live.state_changed.connect(self._on_live_state)

    def _on_change(self, change: Change) -> None:
        if change.table != "products":
            return
        if change.rows is None:
            self.model.refresh_all()
        else:
            self._fetch.add(self.model.stale_keys(change.rows))

    def _on_live_state(self, state: str, _detail: str) -> None:
        # Changes made between the first page and the first LISTEN were announced to no one
        # here; later reconnects are covered by the listener's own catch-up query.
        if state == LIVE_CONNECTED and not self._live_seen:
            self._live_seen = True
            self.model.refresh_all()

    def changed_here(self, product_ids: Iterable[int]) -> None:
        """This station changed these products (an order, a cancellation): show their new
        stock without tinting them as changed elsewhere."""
        now = time.monotonic()
        self._own = {pid: until for pid, until in self._own.items() if until > now}
        loaded = []
        for pid in product_ids:
            self._own[pid] = now + OWN_CHANGE_S
            if self.model.row_of(pid) >= 0:
                loaded.append(pid)
        self._fetch.add(loaded)

    def _apply_fresh(self, products: list[Product]) -> None:
        now = time.monotonic()
        self.model.apply_fresh(products, mark=lambda p: self._own.pop(p.id, 0.0) < now)

    def refresh_visible(self, *_: object) -> None:
        """Fetch fresh values for the rows on screen (the poll while live updates are down)."""
        if self._live is not None and self._live.is_connected:
            return  # the listener tells us row by row
        if not self._worker.is_connected or self.model.loading or not self.model.rowCount():
            return
        first = max(self.table.rowAt(0), 0)
        last = self.table.rowAt(self.table.viewport().height() - 1)
        last = self.model.rowCount() - 1 if last < 0 else last
        ids = [p.id for p in self.model.rows()[first : last + 1]]
        generation = self.model.generation

        def apply(products: list[Product]) -> None:
            if generation == self.model.generation:
                self._apply_fresh(products)

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

        dialog = ProductDialog(self._worker, product, self, live=self._live)
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

        dialog = StockDialog(self._worker, product, mode, self, live=self._live)
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
