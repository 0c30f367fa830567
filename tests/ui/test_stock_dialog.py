"""Receive / adjust stock with a reason; the movement history; the products tab's keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inventory_desktop.ui.main_window import MainWindow
from inventory_desktop.ui.product_dialog import ProductDialog
from inventory_desktop.ui.stock_dialog import ADJUST, RECEIVE, HistoryDialog, StockDialog


@pytest.fixture
def product(fake_repo):
    return fake_repo.products.create("WID-1", "Widget", "2.50", 4)


def test_receive(qtbot, worker, fake_repo, product):
    d = StockDialog(worker, product, RECEIVE)
    qtbot.addWidget(d)
    d.show()
    assert d.reason.text() == "received"
    qtbot.keyClicks(d.quantity.editor, "20")
    assert d.after.text() == "24"
    with qtbot.waitSignal(d.saved) as blocker:
        qtbot.keyClick(d.quantity.editor, Qt.Key.Key_Return)
    assert blocker.args[0].stock_quantity == 24
    assert fake_repo.movements[-1].reason == "received" and fake_repo.movements[-1].delta == 20


def test_receive_refuses_a_negative(qtbot, worker, product):
    d = StockDialog(worker, product, RECEIVE)
    qtbot.addWidget(d)
    d.show()
    qtbot.keyClicks(d.quantity.editor, "-2")
    assert d.quantity.error.isVisible() and not d.ok_button.isEnabled()


def test_adjust_needs_a_reason_and_cannot_go_below_zero(qtbot, worker, fake_repo, product):
    d = StockDialog(worker, product, ADJUST)
    qtbot.addWidget(d)
    d.show()
    qtbot.keyClicks(d.quantity.editor, "-5")
    assert "only 4 in stock" in d.quantity.error.text()
    d.quantity.editor.clear()
    qtbot.keyClicks(d.quantity.editor, "-3")
    assert not d.quantity.error.isVisible()
    assert not d.ok_button.isEnabled()  # no reason yet
    d.save()
    assert "Is required" in d.reason.error.text()
    qtbot.keyClicks(d.reason_box.lineEdit(), "damaged")
    with qtbot.waitSignal(d.saved) as blocker:
        d.save()
    assert blocker.args[0].stock_quantity == 1
    assert fake_repo.movements[-1].reason == "damaged"


def test_history(qtbot, worker, fake_repo, product):
    fake_repo.products.adjust_stock(product.id, 6, reason="received")
    fake_repo.products.adjust_stock(product.id, -2, reason="damaged")
    d = HistoryDialog(worker, product)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.model.total == 3)
    assert [d.model.data(d.model.index(r, 1)) for r in range(3)] == ["-2", "+6", "+4"]
    assert d.model.data(d.model.index(0, 3)) == "damaged"


@pytest.fixture
def window(qtbot, worker, fake_repo):
    fake_repo.seed(50)
    w = MainWindow(worker, page_size=100)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.products.model.total == 50)
    w.products.table.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.products.table)
    return w


@pytest.mark.parametrize(
    ("key", "modifier", "kind"),
    [
        (Qt.Key.Key_F2, Qt.KeyboardModifier.NoModifier, ProductDialog),
        (Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier, StockDialog),
        (Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier, StockDialog),
        (Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier, HistoryDialog),
        (Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
         ProductDialog),
    ],
)
def test_product_keys_open_their_dialogs(qtbot, window, key, modifier, kind):
    qtbot.keyClick(window.products.table, key, modifier)
    qtbot.waitUntil(lambda: isinstance(window.products.dialog, kind)
                    and window.products.dialog.isVisible())
    window.products.dialog.close()


def test_edit_from_the_list_updates_the_row(qtbot, window, fake_repo):
    qtbot.keyClick(window.products.table, Qt.Key.Key_F2)
    dialog = window.products.dialog
    qtbot.waitUntil(lambda: dialog.isVisible())
    dialog.fields["name"].editor.setText("Renamed widget")
    dialog.save()
    qtbot.waitUntil(lambda: window.products.current_product().name == "Renamed widget")
