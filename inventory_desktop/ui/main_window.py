"""The clerk's desktop: Products (Ctrl+1) and Orders (Ctrl+2), menus drawn from the shortcut
map, a status bar with the connection state and the station, and the layout kept between runs.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, QCoreApplication, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QWidget,
)

from inventory_desktop.config import UiState, load_ui_state, save_ui_state
from inventory_desktop.domain.values import Order
from inventory_desktop.errors import InventoryError
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.live import LIVE_RECONNECTING, LiveUpdates
from inventory_desktop.ui.messages import describe
from inventory_desktop.ui.orders_view import OrdersView
from inventory_desktop.ui.products_view import ProductsView
from inventory_desktop.ui.shortcut_sheet import ShortcutSheet
from inventory_desktop.ui.worker import CONNECTED, CONNECTING, RECONNECTING, DatabaseWorker

log = logging.getLogger(__name__)

MENUS = ("File", "View", "Products", "Orders", "Help")
# The menu bar's titles (the keys above are the shortcut map's ``menu`` names).
MENU_TITLES = {
    "File": QT_TRANSLATE_NOOP("MainWindow", "&File"),
    "View": QT_TRANSLATE_NOOP("MainWindow", "&View"),
    "Products": QT_TRANSLATE_NOOP("MainWindow", "&Products"),
    "Orders": QT_TRANSLATE_NOOP("MainWindow", "&Orders"),
    "Help": QT_TRANSLATE_NOOP("MainWindow", "&Help"),
}
PRODUCTS_TAB, ORDERS_TAB = 0, 1
PRODUCT_ACTIONS = ("product.new", "product.edit", "product.receive", "product.adjust",
                   "product.history")
ORDER_ACTIONS = ("order.ship", "order.cancel")
APPLICATION_WIDE = ("help.shortcuts",)  # F1 works in every window, order entry included


def connection_text(state: str, detail: str, live_state: str = "") -> str:
    """Words (and a symbol, so colour is never the only sign) for the status bar.

    ``live_state`` is the change listener's: while it reconnects, the lists still work but
    no longer follow other stations, and the clerk should know that.
    """
    if state == CONNECTED:
        where = detail or QCoreApplication.translate("MainWindow", "the server")
        if where.startswith("standalone"):
            text = QCoreApplication.translate("MainWindow", "● Standalone database (this computer)")
        else:
            text = QCoreApplication.translate("MainWindow", "● Connected to {}").format(where)
        if live_state == LIVE_RECONNECTING:
            text += QCoreApplication.translate(
                "MainWindow", " · live updates paused — reconnecting")
        return text
    if state == CONNECTING:
        return f"○ {detail or QCoreApplication.translate('MainWindow', 'Connecting…')}"
    if state == RECONNECTING:
        if detail:
            return QCoreApplication.translate(
                "MainWindow", "◌ Connection lost — reconnecting ({})").format(detail)
        return QCoreApplication.translate("MainWindow", "◌ Connection lost — reconnecting…")
    if detail:
        return QCoreApplication.translate("MainWindow", "✕ Offline: {}").format(detail)
    return QCoreApplication.translate("MainWindow", "✕ Offline")


def window_title(station: str, server: str) -> str:
    """"Inventory Desktop — <station> — <server>": which station, on which database."""
    app_name = QCoreApplication.translate("MainWindow", "Inventory Desktop")
    return " — ".join(part for part in (app_name, station, server) if part)


class MainWindow(QMainWindow):
    closed = Signal()
    connection_requested = Signal()  # File → Connection…; app.py opens the dialog

    def __init__(
        self,
        worker: DatabaseWorker,
        *,
        page_size: int = 200,
        low_stock_threshold: int = 5,
        station: str = "",
        live: LiveUpdates | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("main-window")
        self.setWindowTitle(self.tr("Inventory Desktop"))
        self._worker = worker
        self.live = live  # other stations' changes; None: the lists poll instead
        self.order_entry: QWidget | None = None
        self.sheet: ShortcutSheet | None = None
        self.connect_problem: QMessageBox | None = None

        self.products = ProductsView(worker, page_size, low_stock_threshold, self)
        self.orders = OrdersView(worker, page_size, self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.addTab(
            self.products, self.tr("&Products ({})").format(shortcuts.key_text("view.products")))
        self.tabs.addTab(
            self.orders, self.tr("&Orders ({})").format(shortcuts.key_text("view.orders")))
        self.tabs.currentChanged.connect(self._tab_changed)
        self.setCentralWidget(self.tabs)
        self.orders.order_changed.connect(self._order_changed_here)
        if live is not None:
            self.products.follow(live)
            self.orders.follow(live)

        self.actions_by_id: dict[str, QAction] = {}
        self._build_menus()

        self.connection_label = QLabel()
        self.connection_label.setObjectName("connection-state")
        self.station_label = QLabel()
        self.station_label.setObjectName("station")
        self.busy_label = QLabel(self.tr("Working…"))
        self.busy_label.setObjectName("busy")
        self.busy_label.hide()
        self.reconnect_button = QPushButton(
            self.tr("Reconnect now ({})").format(shortcuts.key_text("app.reconnect")))
        self.reconnect_button.setObjectName("reconnect")
        self.reconnect_button.setFlat(True)
        self.reconnect_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab stays in the lists
        self.reconnect_button.clicked.connect(worker.retry_now)
        self.reconnect_button.hide()
        bar = self.statusBar()
        bar.addWidget(self.busy_label)
        bar.addPermanentWidget(self.reconnect_button)
        bar.addPermanentWidget(self.connection_label)
        bar.addPermanentWidget(self.station_label)
        self._station_hint = station
        self._show_state(worker.state, worker.detail)
        worker.state_changed.connect(self._show_state)
        if live is not None:
            live.state_changed.connect(self._show_live_state)
        worker.busy_changed.connect(self._show_busy)
        worker.connection_failed.connect(self._connection_failed)

        self.resize(1100, 700)
        self.restore_layout()
        self._tab_changed(self.tabs.currentIndex())

    # -- menus from the map ---------------------------------------------------------------

    def _handlers(self) -> dict[str, Callable[[], object]]:
        return {
            "order.new": self.new_order,
            "list.find": lambda: self._current_view().focus_search(),
            "list.reload": lambda: self._current_view().reload(),
            "view.products": lambda: self.show_tab(PRODUCTS_TAB),
            "view.orders": lambda: self.show_tab(ORDERS_TAB),
            "help.shortcuts": self.show_shortcuts,
            "product.new": self.products.new_product,
            "product.edit": self.products.edit_product,
            "product.receive": self.products.receive_stock,
            "product.adjust": self.products.adjust_stock,
            "product.history": self.products.show_history,
            "order.ship": self.orders.ship_order,
            "order.cancel": self.orders.cancel_order,
            "app.connection": self.connection_requested.emit,
            "app.reconnect": self._worker.retry_now,
            "app.quit": self.close,
        }

    def _build_menus(self) -> None:
        handlers = self._handlers()
        menus: dict[str, QMenu] = {}
        for name in MENUS:
            menus[name] = self.menuBar().addMenu(self.tr(MENU_TITLES[name]))
        for action_id, spec in shortcuts.current().items():
            if not spec.action or action_id not in handlers:
                continue
            action = shortcuts.make_action(action_id, self, handlers[action_id])
            if action_id in APPLICATION_WIDE:
                action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            self.addAction(action)  # shortcuts work with the menu bar hidden too
            if spec.menu:
                if spec.menu not in menus:  # (setdefault would add an empty menu each time)
                    menus[spec.menu] = self.menuBar().addMenu(f"&{spec.menu}")
                menus[spec.menu].addAction(action)
            self.actions_by_id[action_id] = action
        view = menus["View"]
        view.insertSeparator(self.actions_by_id["list.find"])

    def _current_view(self) -> ProductsView | OrdersView:
        return self.products if self.tabs.currentIndex() == PRODUCTS_TAB else self.orders

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        self._current_view().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _tab_changed(self, index: int) -> None:
        # Ctrl+R means "receive stock" only where there are products to receive.
        for action_id in PRODUCT_ACTIONS:
            self.actions_by_id[action_id].setEnabled(index == PRODUCTS_TAB)
        for action_id in ORDER_ACTIONS:
            self.actions_by_id[action_id].setEnabled(index == ORDERS_TAB)

    # -- order entry (the other half of issue 5) ------------------------------------------

    def new_order(self) -> None:
        if self.order_entry is not None:
            try:
                self.order_entry.show()
                self.order_entry.raise_()
                self.order_entry.activateWindow()
                return
            except RuntimeError:  # closed and deleted meanwhile
                self.order_entry = None
        try:
            from inventory_desktop.ui.order_entry import OrderEntryDialog
        except ImportError as exc:
            log.warning("order entry unavailable: %s", exc)
            QMessageBox.information(
                self, self.tr("New order"), self.tr("Order entry is not available yet."))
            return
        dialog = OrderEntryDialog(self._worker, parent=self, live=self.live)
        placed = getattr(dialog, "order_placed", None)
        if placed is not None:
            placed.connect(self._order_placed)
        dialog.destroyed.connect(self._order_entry_gone)  # bound: it deletes itself on close
        self.order_entry = dialog
        dialog.show()

    def _order_placed(self, order: Order) -> None:
        self.orders.show_placed(order)  # on top now; the announcement may come later
        self._order_changed_here(order)

    def _order_changed_here(self, order: Order) -> None:
        """Placed, shipped or cancelled here: its products' stock moved, by this station."""
        self.products.changed_here(item.product_id for item in order.items)

    def _order_entry_gone(self, _obj: object = None) -> None:
        self.order_entry = None

    # -- help --------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        if self.sheet is not None and self.sheet.isVisible():
            self.sheet.raise_()
            return
        self.sheet = ShortcutSheet(shortcuts.current(), self)
        self.sheet.show()

    # -- status bar ----------------------------------------------------------------------

    def _show_live_state(self, _state: str, _detail: str) -> None:
        self._show_state(self._worker.state, self._worker.detail)

    def _show_state(self, state: str, detail: str) -> None:
        live_state = self.live.state if self.live is not None else ""
        self.connection_label.setText(connection_text(state, detail, live_state))
        self.reconnect_button.setVisible(state == RECONNECTING)
        self.connection_label.setToolTip(
            self.tr("Database: {}").format(self._worker.server_label or detail))
        station = self._worker.station or self._station_hint
        self.station_label.setText(self.tr("Station: {}").format(station) if station else "")
        self.setWindowTitle(window_title(station, self._worker.server_label))
        if state == CONNECTED:
            self.products.retry_if_failed()
            self.orders.retry_if_failed()

    def _show_busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)
        if busy:
            QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        else:
            QGuiApplication.restoreOverrideCursor()

    def _connection_failed(self, error: InventoryError) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(self.tr("Cannot open the database"))
        box.setText(describe(error))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.connect_problem = box
        box.open()

    # -- layout kept between runs ------------------------------------------------------

    def _layout_parts(self) -> dict[str, tuple[Callable[[], QByteArray],
                                              Callable[[QByteArray], object]]]:
        header_p = self.products.table.horizontalHeader()
        header_o = self.orders.table.horizontalHeader()
        return {
            "main/geometry": (self.saveGeometry, self.restoreGeometry),
            "main/state": (self.saveState, self.restoreState),
            "products/header": (header_p.saveState, header_p.restoreState),
            "orders/header": (header_o.saveState, header_o.restoreState),
            "orders/splitter": (self.orders.splitter.saveState, self.orders.splitter.restoreState),
        }

    def restore_layout(self) -> None:
        state = load_ui_state()
        for name, (_save, restore) in self._layout_parts().items():
            blob = state.blobs.get(name)
            if not blob:
                continue
            try:
                restore(QByteArray(base64.b64decode(blob, validate=True)))
            except (ValueError, TypeError):
                log.warning("ignoring unreadable saved layout %s", name)
        tab = state.blobs.get("main/tab")
        if tab in ("0", "1"):
            self.tabs.setCurrentIndex(int(tab))
        # The server sorts; the restored header only shows the indicator. Ask for that order.
        header = self.products.table.horizontalHeader()
        self.products.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def save_layout(self) -> None:
        blobs = {
            name: base64.b64encode(bytes(save().data())).decode("ascii")
            for name, (save, _restore) in self._layout_parts().items()
        }
        blobs["main/tab"] = str(self.tabs.currentIndex())
        try:
            save_ui_state(UiState(blobs=blobs))
        except OSError as exc:
            log.warning("could not save the window layout: %s", exc)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_layout()
        if self.order_entry is not None:
            try:
                if not self.order_entry.close():  # it asks when lines would be lost
                    event.ignore()
                    return
            except RuntimeError:
                pass
        super().closeEvent(event)
        self.closed.emit()
