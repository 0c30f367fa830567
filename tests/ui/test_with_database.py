"""The desktop against the real repository on PostgreSQL (the lead's fixtures)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from inventory_desktop.repository import Repository
from inventory_desktop.ui import worker as worker_mod
from inventory_desktop.ui.main_window import ORDERS_TAB, MainWindow
from inventory_desktop.ui.orders_model import COL_ID
from inventory_desktop.ui.paged_model import SortRole
from inventory_desktop.ui.product_dialog import ProductDialog
from inventory_desktop.ui.products_model import COL_PRICE, COL_SKU, ProductTableModel

pytestmark = pytest.mark.db

SEED = """
INSERT INTO products (sku, name, price, stock_quantity)
SELECT 'P-' || lpad(i::text, 6, '0'),
       'Product ' || i || CASE WHEN i %% 3 = 0 THEN ' gadget' ELSE ' widget' END,
       (i %% 1000) + 0.99,
       CASE WHEN i %% 10 = 0 THEN 0 ELSE (i * 7) %% 50 END
FROM generate_series(1, %s) AS i
"""


@pytest.fixture
def db_worker(make_worker, clean_db):
    return make_worker(lambda: Repository.connect(clean_db, station="TEST-1", migrate=False))


@pytest.fixture
def seeded(raw_conn):
    raw_conn.execute(SEED, (3000,))
    return 3000


def test_paging_and_server_side_search(qtbot, qtmodeltester, db_worker, seeded):
    model = ProductTableModel(db_worker, page_size=200)
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.requery()
    qtmodeltester.check(model)
    assert (model.rowCount(), model.total) == (200, 3000)
    with qtbot.waitSignal(model.rowsInserted, timeout=10000):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 400
    skus = [model.data(model.index(r, COL_SKU)) for r in range(400)]
    assert skus == [f"P-{i:06d}" for i in range(1, 401)]

    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.set_search("p-0001")  # SKU prefix, any case
    assert model.total == 100
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.set_search("gadget")
    assert model.total == 1000
    assert all("gadget" in p.name for p in model.rows())


def test_sort_is_a_server_query(qtbot, db_worker, seeded):
    model = ProductTableModel(db_worker, page_size=100)
    with qtbot.waitSignal(model.loaded, timeout=10000):
        model.sort(COL_PRICE, Qt.SortOrder.DescendingOrder)
    prices = [model.data(model.index(r, COL_PRICE), SortRole) for r in range(100)]
    assert prices[0] == Decimal("999.99") and prices == sorted(prices, reverse=True)


@pytest.fixture
def window(qtbot, db_worker, repo):
    w = MainWindow(db_worker, page_size=100)
    qtbot.addWidget(w)
    w.show()
    return w


def _place(repo, n=2):
    p = repo.products.create(sku="WID-1", name="Widget", price=Decimal("2.50"),
                             stock_quantity=10)
    return p, [repo.orders.create([(p.id, 2)]) for _ in range(n)]


def _on_orders_tab(qtbot, window, order_id):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.show_tab(ORDERS_TAB)
    qtbot.keyClick(window.orders.table, Qt.Key.Key_F5)  # placed after the list was loaded
    qtbot.waitUntil(lambda: window.orders.model.row_of(order_id) >= 0, timeout=10000)
    view = window.orders
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(view.model.row_of(order_id), COL_ID))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.table)


def _confirm_with_enter(qtbot, window, key):
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(QApplication.focusWidget(), key, mods)
    box = window.orders.confirm_box
    qtbot.waitUntil(lambda: box is not None and QApplication.activeWindow() is box)
    qtbot.waitUntil(lambda: QApplication.focusWidget().window() is box)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_ship_and_cancel_from_the_keyboard(qtbot, window, repo):
    product, (first, second) = _place(repo)
    _on_orders_tab(qtbot, window, first.id)
    _confirm_with_enter(qtbot, window, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: repo.orders.get(first.id).status == "shipped", timeout=10000)
    _on_orders_tab(qtbot, window, second.id)
    _confirm_with_enter(qtbot, window, Qt.Key.Key_X)
    qtbot.waitUntil(lambda: repo.orders.get(second.id).status == "cancelled", timeout=10000)
    assert repo.products.get(product.id).stock_quantity == 8  # 10 - 2 - 2 + 2


def test_shipped_by_another_station_is_explained(qtbot, window, repo, make_repo):
    _product, (order, _other) = _place(repo)
    _on_orders_tab(qtbot, window, order.id)
    make_repo("B").orders.ship(order.id)
    _confirm_with_enter(qtbot, window, Qt.Key.Key_X)
    qtbot.waitUntil(lambda: window.orders.problem_box is not None
                    and window.orders.problem_box.isVisible(), timeout=10000)
    text = window.orders.problem_box.text()
    assert text.startswith(f"Order {order.id} was already shipped by station B at ")
    window.orders.problem_box.close()


def test_stale_edit_then_overwrite(qtbot, db_worker, repo, make_repo):
    p = repo.products.create(sku="WID-1", name="Widget", price=Decimal("2.50"))
    make_repo("B").products.update(p.id, expected_version=p.version, name="Theirs")
    d = ProductDialog(db_worker, p)
    qtbot.addWidget(d)
    d.fields["price"].editor.setText("3.00")
    d.save()
    qtbot.waitUntil(lambda: d.stale_dialog is not None and d.stale_dialog.isVisible(),
                    timeout=10000)
    with qtbot.waitSignal(d.saved, timeout=10000) as blocker:
        d.stale_dialog.overwrite_button.click()
    saved = blocker.args[0]
    assert (saved.name, saved.price) == ("Theirs", Decimal("3.00"))


@pytest.mark.slow
def test_reconnects_after_the_server_comes_back(qtbot, pg_server, db_worker, monkeypatch):
    monkeypatch.setattr(worker_mod, "BACKOFF_FIRST_S", 0.2)
    db_worker._executor._backoff = 0.2
    pg_server.stop()
    try:
        errors = []
        op = db_worker.run(lambda repo: repo.products.list()).failure(errors.append)
        qtbot.waitUntil(lambda: op.done, timeout=30000)
        assert [type(e).__name__ for e in errors] == ["DatabaseUnavailable"]
        # The answer and the state change are two queued signals: the answer comes first.
        qtbot.waitUntil(lambda: db_worker.state == "reconnecting", timeout=5000)
    finally:
        pg_server.start()
    qtbot.waitUntil(lambda: db_worker.state == "connected", timeout=30000)
    again = db_worker.run(lambda repo: repo.products.list())
    with qtbot.waitSignal(again.succeeded, timeout=10000):
        pass
