"""What the screenshots showed a clerk would stumble on (docs/screenshots/make.py)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from inventory_desktop.ui.main_window import MENUS, MainWindow
from inventory_desktop.ui.product_dialog import ProductDialog
from inventory_desktop.ui.stock_dialog import ADJUST, RECEIVE, StockDialog


def _show_active(qtbot, dialog: QWidget) -> None:
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)


def _focus_after(qtbot, dialog: QWidget, letter: str) -> QWidget | None:
    key = getattr(Qt.Key, f"Key_{letter}")
    focus = QApplication.focusWidget()
    assert focus is not None, "no widget has the keyboard focus"
    qtbot.keyClick(focus, key, Qt.KeyboardModifier.AltModifier)
    return QApplication.focusWidget()


def test_each_menu_once_in_the_menu_bar(qtbot, worker):
    window = MainWindow(worker)
    qtbot.addWidget(window)
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == list(MENUS)


def test_product_dialog_labels_alt_keys_reach_their_fields(qtbot, worker):
    dialog = ProductDialog(worker, None)
    qtbot.addWidget(dialog)
    _show_active(qtbot, dialog)
    for letter, field in (("P", "price"), ("N", "name"), ("T", "stock_quantity"),
                          ("D", "description"), ("S", "sku")):
        assert _focus_after(qtbot, dialog, letter) is dialog.fields[field].editor, letter


@pytest.mark.parametrize("mode", [RECEIVE, ADJUST])
def test_stock_dialog_labels_alt_keys_reach_their_fields(qtbot, worker, fake_repo, mode):
    product = fake_repo.products.create("WID-1", "Widget", "2.50", 4)
    dialog = StockDialog(worker, product, mode)
    qtbot.addWidget(dialog)
    _show_active(qtbot, dialog)
    assert _focus_after(qtbot, dialog, "R") is dialog.reason_box
    assert _focus_after(qtbot, dialog, "Q" if mode == RECEIVE else "C") is dialog.quantity.editor
