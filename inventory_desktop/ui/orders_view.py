"""The Orders tab: newest first, filtered by status; an order's lines; ship and cancel.

Other stations' orders and status changes show as they happen (``follow``): a changed row is
updated in place, a new order goes on top, an order that left the filter goes out, all
without a reset, so the clerk's selection and scroll position stay.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.domain.values import Order
from inventory_desktop.errors import InvalidTransition, InventoryError
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.live import (
    LIVE_CONNECTED,
    Change,
    LiveUpdates,
    PendingFetch,
    keep_scroll_on_insert,
)
from inventory_desktop.ui.messages import describe, when
from inventory_desktop.ui.orders_model import (
    COL_CREATED,
    COL_ID,
    LCOL_NAME,
    OrderLinesModel,
    OrderTableModel,
    orders_by_id,
    status_label,
)
from inventory_desktop.ui.paged_model import ObjectRole
from inventory_desktop.ui.products_model import money
from inventory_desktop.ui.worker import DatabaseWorker

FILTERS = (
    (QT_TRANSLATE_NOOP("OrdersView", "All orders"), None),
    (QT_TRANSLATE_NOOP("OrdersView", "Pending"), "pending"),
    (QT_TRANSLATE_NOOP("OrdersView", "Shipped"), "shipped"),
    (QT_TRANSLATE_NOOP("OrdersView", "Cancelled"), "cancelled"),
)
SHIP, CANCEL = "shipped", "cancelled"
POLL_MS = 15_000  # only while live updates are down: new orders appear within this
FETCH_ONE_BY_ONE_MAX = 40  # more changed orders than this: one list query instead


def _showing(box: QMessageBox | None) -> bool:
    """True while ``box`` is on screen (it deletes itself when closed)."""
    return box is not None and shiboken6.isValid(box) and box.isVisible()


def _table() -> QTableView:
    table = QTableView()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)  # one line a row: a wrapped date doubled every row's height
    return table


class OrdersView(QWidget):
    order_changed = Signal(object)  # an Order whose status changed (stock moved)

    def __init__(self, worker: DatabaseWorker, page_size: int = 200,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.confirm_box: QMessageBox | None = None  # the open confirmation (tests use it)
        self.problem_box: QMessageBox | None = None
        self._detail_for: int | None = None
        self._confirming: tuple[int, str, object] | None = None  # order id, status, yes button
        self.model = OrderTableModel(worker, page_size, self)
        self.lines = OrderLinesModel(self)
        self._live: LiveUpdates | None = None
        self._live_seen = False
        self._place: tuple[int | None, int] = (None, 0)  # current order, scroll, across a reset
        self._fetch = PendingFetch(worker, orders_by_id, self._apply_fresh, self)

        self.filter = QComboBox()
        self.filter.setObjectName("order-filter")
        self.filter.setAccessibleName(self.tr("Show orders"))
        for label, status in FILTERS:
            self.filter.addItem(QCoreApplication.translate("OrdersView", label), status)
        self.filter.currentIndexChanged.connect(
            lambda _i: self.model.set_status_filter(self.filter.currentData()))
        filter_label = QLabel(self.tr("&Show:"))
        filter_label.setBuddy(self.filter)

        self.table = _table()
        self.table.setObjectName("orders-table")
        self.table.setModel(self.model)
        self.table.setColumnWidth(  # "2026-11-25 06:13" on one line, at any font size
            COL_CREATED, self.table.fontMetrics().horizontalAdvance("8888-88-88 88:88") + 24)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._load_detail(cur))
        self.setFocusProxy(self.table)

        self.detail_title = QLabel(self.tr("Select an order to see its lines."))
        self.detail_title.setObjectName("order-title")
        self.detail_title.setWordWrap(True)
        self.lines_table = _table()
        self.lines_table.setObjectName("order-lines")
        self.lines_table.setModel(self.lines)
        lines_header = self.lines_table.horizontalHeader()  # the name takes the room, so the
        lines_header.setStretchLastSection(False)  # money stays next to the quantity
        lines_header.setSectionResizeMode(LCOL_NAME, QHeaderView.ResizeMode.Stretch)
        self.lines_table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.total_label = QLabel()
        self.total_label.setObjectName("order-total")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addWidget(self.lines_table, 1)
        detail_layout.addWidget(self.total_label)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("orders-splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.status = QLabel(self.tr("Loading…"))
        self.model.total_changed.connect(
            lambda n: self.status.setText(self.tr("{:,} orders").format(n)))
        self.model.load_failed.connect(lambda e: self.status.setText(describe(e)))
        self.model.modelAboutToBeReset.connect(self._remember_place)
        self.model.modelReset.connect(self._after_reset)
        keep_scroll_on_insert(self.table)

        top = QHBoxLayout()
        top.addWidget(filter_label)
        top.addWidget(self.filter)
        top.addStretch(1)
        hint = QLabel(order_shortcut_hint())
        hint.setEnabled(False)  # greyed: a reminder, not a control
        top.addWidget(hint)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        self._reselect: int | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.check_for_news)
        self._poll.start()
        self.model.requery()

    # -- reading -------------------------------------------------------------------------

    def current_order(self) -> Order | None:
        index = self.table.currentIndex()
        return self.model.data(index, ObjectRole) if index.isValid() else None

    def select_order(self, order_id: int) -> bool:
        row = self.model.row_of(order_id)
        if row < 0:
            return False
        self.table.setCurrentIndex(self.model.index(row, COL_ID))
        return True

    def _remember_place(self) -> None:
        current = self.current_order()
        self._place = (current.id if current else None, self.table.verticalScrollBar().value())

    def _after_reset(self) -> None:
        target, self._reselect = self._reselect, None
        if self.model.keeping_place:  # a bulk change elsewhere: stay where the clerk was
            target, scroll = self._place
            self.table.doItemsLayout()  # the scroll range first, then the old position
            if target is not None and self.select_order(target):
                self.table.verticalScrollBar().setValue(scroll)
                return
        if target is not None and self.select_order(target):
            return
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, COL_ID))
        else:
            self._show_detail(None)

    def _load_detail(self, index: QModelIndex) -> None:
        order = self.model.data(index, ObjectRole) if index.isValid() else None
        if order is None:
            self._show_detail(None)
            return
        self._detail_for = order.id
        self.detail_title.setText(self.tr("Order {} — loading lines…").format(order.id))
        oid = order.id
        self._worker.run(lambda repo: repo.orders.get(oid), owner=self).success(
            self._detail_arrived).failure(
            lambda e: self._detail_failed(oid, e))

    def _detail_arrived(self, order: Order) -> None:
        if order.id == self._detail_for:  # the clerk may have moved on meanwhile
            self._show_detail(order)

    def _detail_failed(self, order_id: int, error: InventoryError) -> None:
        if order_id == self._detail_for:
            self.detail_title.setText(self.tr("Order {}: {}").format(order_id, describe(error)))

    def _show_detail(self, order: Order | None) -> None:
        self.lines.set_order(order)
        if order is None:
            self._detail_for = None
            self.detail_title.setText(self.tr("Select an order to see its lines."))
            self.total_label.clear()
            return
        text = self.tr("<b>Order {}</b> · {} · placed {}").format(
            order.id, status_label(order.status), when(order.created_at))
        if order.station:
            text += self.tr(" at station {}").format(order.station)
        if order.status != "pending":
            text += f" · {order.status} {when(order.updated_at)}"
            if order.status_changed_by:
                text += self.tr(" by station {}").format(order.status_changed_by)
        self.detail_title.setText(text)
        self.total_label.setText(
            self.tr("<b>Order total: {}</b>").format(money(order.total_amount)))
        self.lines_table.resizeColumnsToContents()

    # -- actions -------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def reload(self) -> None:
        current = self.current_order()
        self._reselect = current.id if current else None
        self.model.reload()

    # -- other stations' changes --------------------------------------------------------

    def follow(self, live: LiveUpdates) -> None:
        """Show other stations' orders and status changes as they happen."""
        self._live = live
        live.changed.connect(self._on_change)
        live.state_changed.connect(self._on_live_state)

    def _on_change(self, change: Change) -> None:
        if change.table != "orders":
            return
        if change.rows is None:
            self._refresh_all()
            return
        wanted = self.model.stale_keys(change.rows) | {
            oid for oid, _version in change.rows if self.model.could_show(oid)}
        if len(wanted) > FETCH_ONE_BY_ONE_MAX:  # a catch-up after a long outage
            self._refresh_all()
        else:
            self._fetch.add(wanted)

    def _on_live_state(self, state: str, _detail: str) -> None:
        # Orders placed between the first page and the first LISTEN: see products_view.
        if state == LIVE_CONNECTED and not self._live_seen:
            self._live_seen = True
            self.model.refresh_all()

    def _refresh_all(self) -> None:
        self.model.refresh_all()
        if self._detail_for is not None:
            self._load_detail(self.table.currentIndex())

    def show_placed(self, order: Order) -> None:
        """An order this station just placed: on top at once, not tinted."""
        self.model.insert_new([order], mark=lambda _order: False)

    def _changed_elsewhere(self, order: Order) -> bool:
        station = order.status_changed_by if order.status != "pending" else order.station
        return station != self._worker.station

    def _apply_fresh(self, orders: list[Order]) -> None:
        mark = self._changed_elsewhere
        self.model.apply_fresh([o for o in orders if self.model.matches(o)], mark=mark)
        self.model.insert_new(orders, mark=mark)
        for order in self.model.drop_unmatched(orders):
            label = status_label(order.status).lower()
            by = self.tr(" at station {}").format(order.status_changed_by) \
                if order.status_changed_by else ""
            self.status.setText(
                self.tr("Order {} was {}{}; it left this list.").format(order.id, label, by))
        for order in orders:
            if order.id == self._detail_for:
                self._show_detail(order)
            if self._confirming is not None and self._confirming[0] == order.id and \
                    _showing(self.confirm_box) and order.status != "pending":
                by = self.tr(" by station {}").format(order.status_changed_by) \
                    if order.status_changed_by else ""
                self.confirm_box.setInformativeText(  # type: ignore[union-attr]
                    self.tr("Note: it was just {}{}.").format(order.status, by))

    def check_for_news(self) -> None:
        """A light poll: one row from the server; reload only when orders came or went.
        Runs only while live updates are down."""
        if self._live is not None and self._live.is_connected:
            return
        if not self._worker.is_connected or self.model.loading or self.model.total is None:
            return
        status, generation = self.model.status_filter, self.model.generation
        newest = self.model.row_value(0)

        def compare(page) -> None:
            if generation != self.model.generation:
                return
            top = page.items[0].id if page.items else None
            if page.total != self.model.total or top != (newest.id if newest else None):
                self.reload()

        self._worker.run(lambda repo: repo.orders.list(status=status, limit=1, offset=0),
                         owner=self).success(compare).failure(lambda _e: None)

    def retry_if_failed(self) -> None:
        if self.model.last_error is not None:
            self.reload()

    def ship_order(self) -> None:
        self._confirm(SHIP)

    def cancel_order(self) -> None:
        self._confirm(CANCEL)

    def _confirm(self, status: str) -> None:
        order = self.current_order()
        if order is None:
            return
        if _showing(self.confirm_box):
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        if status == SHIP:
            box.setWindowTitle(self.tr("Ship order"))
            box.setText(self.tr("Ship order {} ({})?").format(
                order.id, money(order.total_amount)))
            yes = box.addButton(self.tr("&Ship"), QMessageBox.ButtonRole.AcceptRole)
            no = box.addButton(self.tr("&Not yet"), QMessageBox.ButtonRole.RejectRole)
        else:
            box.setWindowTitle(self.tr("Cancel order"))
            box.setText(self.tr("Cancel order {}? Its items go back into stock.").format(order.id))
            yes = box.addButton(self.tr("&Cancel order"), QMessageBox.ButtonRole.AcceptRole)
            no = box.addButton(self.tr("&Keep order"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(yes)
        box.setEscapeButton(no)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._confirming = (order.id, status, yes)
        # Bound methods, not lambdas: the box deletes itself (see product_dialog._show_stale).
        box.buttonClicked.connect(self._confirmed)
        box.finished.connect(self._confirm_closed)
        self.confirm_box = box
        box.open()

    def _confirmed(self, button: object) -> None:
        if self._confirming is not None and button is self._confirming[2]:
            order_id, status, _yes = self._confirming
            self._set_status(order_id, status)
        self._confirming = None

    def _confirm_closed(self, _result: int = 0) -> None:
        self._confirming = None
        self.table.setFocus()

    def _set_status(self, order_id: int, status: str) -> None:
        self._worker.run(lambda repo: repo.orders.set_status(order_id, status), owner=self) \
            .success(self._status_set).failure(lambda e: self._status_failed(order_id, e))

    def _status_set(self, order: Order) -> None:
        self.model.replace_row(order)
        if order.id == self._detail_for:
            self._show_detail(order)
        if order.status == SHIP:
            self.status.setText(self.tr("Order {} shipped.").format(order.id))
        else:
            self.status.setText(
                self.tr("Order {} cancelled — its stock is back.").format(order.id))
        self.order_changed.emit(order)

    def _status_failed(self, order_id: int, error: InventoryError) -> None:
        if isinstance(error, InvalidTransition) and error.order is not None:
            self.model.replace_row(error.order)  # show it as it really is now
            if error.order.id == self._detail_for:
                self._show_detail(error.order)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(self.tr("Order {}").format(order_id))
        box.setText(describe(error))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.problem_box = box
        box.open()


def order_shortcut_hint() -> str:
    return QCoreApplication.translate("OrdersView", "Ship {} · Cancel {}").format(
        shortcuts.key_text("order.ship"), shortcuts.key_text("order.cancel"))
