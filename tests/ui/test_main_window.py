"""The main window: tabs, menus from the shortcut map, status bar, F1, layout kept."""

from __future__ import annotations

import base64
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inventory_desktop.config import UI_STATE_FILE
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.main_window import MainWindow, connection_text
from inventory_desktop.ui.shortcut_sheet import ShortcutSheet


@pytest.fixture
def window(qtbot, worker, fake_repo):
    fake_repo.seed(300)
    for i in range(5):
        fake_repo.orders.add("pending", [(i + 1, 2)])
    w = MainWindow(worker, page_size=100)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.products.model.total == 300 and w.orders.model.total == 5)
    return w


def _key(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def test_ctrl_1_and_2_switch_tabs(qtbot, window):
    window.products.table.setFocus()
    _key(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.orders
    _key(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.products


def test_every_menu_action_shows_its_shortcut(window):
    in_menus = [a for m in window.menuBar().actions() for a in m.menu().actions()
                if not a.isSeparator()]
    assert in_menus
    for action in in_menus:
        assert action.shortcut().toString(), action.objectName()
        assert action.isShortcutVisibleInContextMenu()
        spec = shortcuts.current()[action.objectName()]
        assert [k.toString() for k in action.shortcuts()] == [
            shortcuts.portable(k) for k in spec.keys]


def test_status_bar_shows_connection_and_station(qtbot, window, worker):
    qtbot.waitUntil(lambda: "Connected to fake.server" in window.connection_label.text())
    assert window.station_label.text() == "Station: TEST-1"


def test_status_bar_when_the_connection_drops(qtbot, window, worker, fake_repo, monkeypatch):
    from inventory_desktop.ui import worker as worker_mod

    monkeypatch.setattr(worker_mod, "BACKOFF_FIRST_S", 0.05)
    worker._executor._backoff = 0.05
    fake_repo.down = True
    window.products.reload()
    qtbot.waitUntil(lambda: "reconnecting" in window.connection_label.text())
    assert "Lost connection" in window.products.status.text()
    assert not window.reconnect_button.isHidden()
    fake_repo.down = False
    qtbot.waitUntil(lambda: "Connected" in window.connection_label.text())
    qtbot.waitUntil(lambda: window.products.model.last_error is None)  # retried by itself
    assert window.reconnect_button.isHidden()


def test_connection_words():
    assert connection_text("connected", "standalone (this computer)").startswith(
        "● Standalone")
    assert "reconnecting" in connection_text("reconnecting", "db:5432 — next try in 2 s")
    assert connection_text("offline", "").startswith("✕ Offline")


def test_f1_shows_every_shortcut_from_the_same_map(qtbot, window):
    window.products.table.setFocus()
    _key(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.sheet is not None and window.sheet.isVisible())
    sheet: ShortcutSheet = window.sheet
    listed = set(sheet.action_ids())
    assert listed == {i for i, s in shortcuts.current().items() if s.keys}
    assert set(window.actions_by_id) <= listed


def test_ctrl_f_focuses_the_search_of_the_current_list(qtbot, window):
    window.products.table.setFocus()
    _key(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.products.search
    window.show_tab(1)
    _key(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.orders.filter


def test_search_as_you_type_is_debounced(qtbot, window, fake_repo):
    window.products.focus_search()
    before = len(fake_repo.list_calls)
    qtbot.keyClicks(window.products.search, "gadget")
    qtbot.waitUntil(lambda: window.products.model.search == "gadget")
    qtbot.waitUntil(lambda: not window.products.model.loading)
    searches = [c for c in fake_repo.list_calls[before:] if c[0]]
    assert [c[0] for c in searches] == ["gadget"]  # one query, not one per key
    assert all("gadget" in p.name for p in window.products.model.rows())


def test_product_actions_only_on_the_products_tab(window):
    assert window.actions_by_id["product.receive"].isEnabled()
    assert not window.actions_by_id["order.ship"].isEnabled()
    window.show_tab(1)
    assert not window.actions_by_id["product.receive"].isEnabled()
    assert window.actions_by_id["order.ship"].isEnabled()


def test_layout_is_kept_between_runs(qtbot, worker, _private_settings):
    first = MainWindow(worker)
    qtbot.addWidget(first)
    first.resize(900, 640)
    first.products.table.horizontalHeader().resizeSection(1, 333)
    first.orders.splitter.setSizes([100, 300])
    first.tabs.setCurrentIndex(1)
    first.close()
    saved = json.loads((_private_settings / UI_STATE_FILE).read_text())
    assert base64.b64decode(saved["blobs"]["main/geometry"])
    second = MainWindow(worker)
    qtbot.addWidget(second)
    assert second.products.table.horizontalHeader().sectionSize(1) == 333
    assert second.tabs.currentIndex() == 1


def test_ctrl_n_opens_order_entry(qtbot, window, monkeypatch):
    window.products.table.setFocus()
    _key(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.order_entry is not None)
    assert type(window.order_entry).__name__ == "OrderEntryDialog"
    assert window.order_entry.parent() is window
    window.order_entry.close()
