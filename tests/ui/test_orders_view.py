"""Orders: newest first, filter, lines and total, ship and cancel from the keyboard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from inventory_desktop.ui.main_window import ORDERS_TAB, MainWindow
from inventory_desktop.ui.orders_model import (
    COL_ID,
    COL_STATUS,
    LCOL_TOTAL,
    OrderLinesModel,
    OrderTableModel,
)
from inventory_desktop.ui.paged_model import SortRole


@pytest.fixture
def orders(fake_repo):
    fake_repo.seed(20)
    made = []
    for i in range(250):
        made.append(fake_repo.orders.add("pending" if i % 3 else "shipped",
                                         [(i % 20 + 1, 2), ((i + 5) % 20 + 1, 1)]))
    return made


@pytest.fixture
def window(qtbot, worker, orders):
    w = MainWindow(worker, page_size=100)
    qtbot.addWidget(w)
    w.show()
    w.show_tab(ORDERS_TAB)
    qtbot.waitUntil(lambda: w.orders.model.total == 250)
    qtbot.waitUntil(lambda: w.orders.lines.order is not None)
    return w


def test_models_pass_the_model_tester(qtbot, qtmodeltester, worker, orders, fake_repo):
    m = OrderTableModel(worker, page_size=100)
    qtmodeltester.check(m)
    with qtbot.waitSignal(m.loaded):
        m.requery()
    with qtbot.waitSignal(m.loaded):
        m.fetchMore(QModelIndex())
    qtmodeltester.check(m)
    lines = OrderLinesModel()
    qtmodeltester.check(lines)
    lines.set_order(fake_repo.orders.get(orders[0].id))
    qtmodeltester.check(lines)


def test_newest_first_and_paged(qtbot, window, orders):
    model = window.orders.model
    assert model.rowCount() == 100
    ids = [model.data(model.index(r, COL_ID), SortRole) for r in range(100)]
    assert ids == sorted(ids, reverse=True) and ids[0] == orders[-1].id
    with qtbot.waitSignal(model.loaded):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 200


def test_filter_by_status(qtbot, window):
    view = window.orders
    with qtbot.waitSignal(view.model.loaded):
        view.filter.setCurrentIndex(view.filter.findData("shipped"))
    assert view.model.total == 84
    statuses = {view.model.data(view.model.index(r, COL_STATUS))
                for r in range(view.model.rowCount())}
    assert statuses == {"Shipped"}


def test_detail_shows_lines_and_total(qtbot, window, fake_repo):
    view = window.orders
    order = fake_repo.orders.get(view.current_order().id)
    assert view.lines.rowCount() == 2
    assert view.lines.data(view.lines.index(0, 0)) == order.items[0].sku
    assert view.lines.data(view.lines.index(0, LCOL_TOTAL), SortRole) == \
        order.items[0].price_at_time * order.items[0].quantity
    assert f"{order.total_amount:,.2f}" in view.total_label.text()
    assert view.lines.total == order.total_amount


def _wait_open(qtbot, box):
    """The box is up and has the keyboard (as a clerk would see it)."""
    qtbot.waitUntil(lambda: box.isVisible() and QApplication.activeWindow() is box)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None
                    and QApplication.focusWidget().window() is box)


def _press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _select_pending(qtbot, window):
    view = window.orders
    row = next(r for r in range(view.model.rowCount())
               if view.model.row_value(r).status == "pending")
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(row, COL_ID))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.table)
    return view.model.row_value(row)


SHIFT_CTRL = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_ship_from_the_keyboard_asks_first(qtbot, window, fake_repo):
    order = _select_pending(qtbot, window)
    _press(qtbot, Qt.Key.Key_S, SHIFT_CTRL)
    box = window.orders.confirm_box
    _wait_open(qtbot, box)
    assert f"Ship order {order.id}" in box.text()
    _press(qtbot, Qt.Key.Key_Return)  # the default button: Ship
    qtbot.waitUntil(lambda: fake_repo.order_rows[order.id].status == "shipped")
    qtbot.waitUntil(lambda: window.orders.current_order().status == "shipped")
    assert "shipped" in window.orders.status.text()


def test_escape_keeps_the_order(qtbot, window, fake_repo):
    order = _select_pending(qtbot, window)
    _press(qtbot, Qt.Key.Key_X, SHIFT_CTRL)
    box = window.orders.confirm_box
    _wait_open(qtbot, box)
    _press(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert fake_repo.order_rows[order.id].status == "pending"


def test_cancel_from_the_keyboard(qtbot, window, fake_repo):
    order = _select_pending(qtbot, window)
    _press(qtbot, Qt.Key.Key_X, SHIFT_CTRL)
    box = window.orders.confirm_box
    _wait_open(qtbot, box)
    assert "Cancel order" in box.text()
    _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: fake_repo.order_rows[order.id].status == "cancelled")


def test_an_invalid_transition_is_explained(qtbot, window, fake_repo):
    order = _select_pending(qtbot, window)
    fake_repo.orders.set_status(order.id, "shipped")  # station B got there first
    fake_repo.station = "TEST-1"
    _press(qtbot, Qt.Key.Key_X, SHIFT_CTRL)
    _wait_open(qtbot, window.orders.confirm_box)
    _press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.orders.problem_box is not None
                    and window.orders.problem_box.isVisible())
    text = window.orders.problem_box.text()
    assert text.startswith(f"Order {order.id} was already shipped by station TEST-1 at ")
    assert "can't be cancelled" in text and "Traceback" not in text
    assert window.orders.current_order().status == "shipped"  # the row shows the truth
    window.orders.problem_box.close()


def test_order_total_is_decimal(window):
    assert isinstance(window.orders.current_order().total_amount, Decimal)


def test_orders_from_other_stations_appear_by_the_light_poll(qtbot, window, fake_repo):
    view = window.orders
    keep = view.current_order().id
    new = fake_repo.orders.add("pending", [(1, 1)], station="B")
    view.check_for_news()
    qtbot.waitUntil(lambda: view.model.row_of(new.id) == 0)
    assert view.model.total == 251
    assert view.current_order().id == keep  # the clerk's selection stays
