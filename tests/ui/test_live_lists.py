"""The lists follow other stations: rows change in place, new orders go on top, the clerk's
selection and scroll position stay, and a changed row is marked for a moment. No PostgreSQL:
the fake repository plays the server and a fake listener announces its changes."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from live_fakes import FakeListener, add_get_many
from PySide6.QtCore import Qt

from inventory_desktop.domain.values import Product
from inventory_desktop.ui import paged_model
from inventory_desktop.ui.live import LiveUpdates
from inventory_desktop.ui.main_window import ORDERS_TAB, MainWindow
from inventory_desktop.ui.paged_model import ChangedRole
from inventory_desktop.ui.products_model import COL_STOCK


@pytest.fixture
def fake_repo(fake_repo):
    return add_get_many(fake_repo)


@pytest.fixture
def station(qtbot, worker, fake_repo):
    """A main window following a fake listener, its lists loaded, live updates connected."""
    fake_repo.seed(300)
    for i in range(150):
        fake_repo.orders.add("pending", [(i % 20 + 1, 1)], station="B")
    live = LiveUpdates(listener_factory=FakeListener)
    window = MainWindow(worker, page_size=100, live=live)
    qtbot.addWidget(window)
    window.show()
    live.start("postgresql://fake/inventory", "TEST-1")
    listener = FakeListener.made[-1]
    listener.on_state("connected", "")
    qtbot.waitUntil(lambda: live.is_connected and window.products.model.total == 300
                    and window.orders.model.total == 150)
    qtbot.waitUntil(lambda: worker.pending == 0)
    yield window, listener
    live.stop()


def _as_b(repo, product_id, **changes) -> Product:
    """What another station's commit does to a row: new values, the version raised."""
    old = repo.product_rows[product_id]
    new = replace(old, **changes, version=old.version + 1)
    repo.product_rows[product_id] = new
    return new


def _order_as_b(repo, order_id, status):
    old = repo.order_rows[order_id]
    repo.order_rows[order_id] = replace(old, status=status, status_changed_by="B",
                                        version=old.version + 1)


def _watch(model):
    seen = {"reset": 0, "rows": set(), "layout": 0}
    model.modelReset.connect(lambda: seen.__setitem__("reset", seen["reset"] + 1))
    model.layoutChanged.connect(lambda: seen.__setitem__("layout", seen["layout"] + 1))
    model.dataChanged.connect(
        lambda first, last, roles=(): seen["rows"].update(range(first.row(), last.row() + 1)))
    return seen


def test_rows_change_in_place_and_are_marked_a_moment(qtbot, station, fake_repo, monkeypatch):
    monkeypatch.setattr(paged_model, "HIGHLIGHT_S", 0.5)
    window, listener = station
    view, model = window.products, window.products.model
    view.table.verticalScrollBar().setValue(30)
    view.select_product(40)
    seen = _watch(model)
    fresh = _as_b(fake_repo, 42, stock_quantity=0)
    _as_b(fake_repo, 250, stock_quantity=0)  # not loaded: never fetched
    listener.announce("products", (42, fresh.version), (43, 1), (250, 2))  # 43: nothing new

    qtbot.waitUntil(lambda: model.row_value(model.row_of(42)).stock_quantity == 0)
    row = model.row_of(42)
    assert model.data(model.index(row, COL_STOCK)) == "0 · sold out"
    assert model.data(model.index(row, 0), ChangedRole) > 0
    tinted = model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole).color()
    assert tinted != paged_model.QColor("#f8d7da")  # the sold-out red, blended with the mark
    assert seen["rows"] == {row} and not seen["reset"] and not seen["layout"]
    assert view.current_product().id == 40
    assert view.table.verticalScrollBar().value() == 30
    qtbot.waitUntil(lambda: model.data(model.index(row, 0), ChangedRole) == 0, timeout=3000)
    background = model.data(model.index(row, 0), Qt.ItemDataRole.BackgroundRole)
    assert background.color() == paged_model.QColor("#f8d7da")  # the mark is gone


def test_an_older_answer_never_replaces_a_newer_row(qtbot, station, fake_repo):
    window, _listener = station
    model = window.products.model
    newer = replace(fake_repo.product_rows[5], name="Newer", version=9)
    model.apply_fresh([newer])
    assert model.apply_fresh([replace(newer, name="Older", version=8)]) == []
    assert model.row_value(model.row_of(5)).name == "Newer"


def test_a_change_made_here_is_not_marked(qtbot, station, fake_repo):
    window, listener = station
    model = window.products.model
    fresh = _as_b(fake_repo, 7, stock_quantity=1)
    window.products.changed_here([7])
    listener.announce("products", (7, fresh.version))
    qtbot.waitUntil(lambda: model.row_value(model.row_of(7)).stock_quantity == 1)
    assert model.data(model.index(model.row_of(7), 0), ChangedRole) == 0


def test_a_bulk_change_refreshes_in_place(qtbot, station, fake_repo):
    window, listener = station
    model = window.products.model
    seen = _watch(model)
    for pid in (3, 50, 99):
        _as_b(fake_repo, pid, price=Decimal("1.00"))
    listener.announce_bulk("products")
    qtbot.waitUntil(lambda: model.row_value(model.row_of(99)).price == Decimal("1.00"))
    assert not seen["reset"]
    assert seen["rows"] == {model.row_of(3), model.row_of(50), model.row_of(99)}


def test_a_bulk_change_that_moved_rows_keeps_the_clerks_place(qtbot, station, fake_repo):
    window, listener = station
    view, model = window.products, window.products.model
    view.select_product(50)
    view.table.verticalScrollBar().setValue(40)
    seen = _watch(model)
    fake_repo.products.create(sku="P-000001A", name="Slipped in", price=Decimal("1"))
    listener.announce_bulk("products")
    qtbot.waitUntil(lambda: model.row_of(301) == 1)  # sorted in after P-000001
    assert seen["reset"] == 1  # the rows moved: a reset, but the clerk stays where he was
    assert view.current_product().id == 50
    assert view.table.verticalScrollBar().value() == 40


def test_a_new_order_goes_on_top_without_moving_what_the_clerk_reads(qtbot, station, fake_repo):
    window, listener = station
    window.show_tab(ORDERS_TAB)
    view, model = window.orders, window.orders.model
    view.table.verticalScrollBar().setValue(20)
    view.select_order(model.row_value(25).id)
    selected = view.current_order().id
    seen = _watch(model)
    order = fake_repo.orders.add("pending", [(1, 3)], station="B")
    listener.announce("orders", (order.id, 1))
    qtbot.waitUntil(lambda: model.row_value(0).id == order.id)
    assert not seen["reset"] and model.total == 151
    assert model.data(model.index(0, 0), ChangedRole) > 0
    assert model.row_value(0).item_count == 1
    assert view.current_order().id == selected
    assert view.table.verticalScrollBar().value() == 21  # the same rows stay in view


def test_at_the_top_a_new_order_simply_shows(qtbot, station, fake_repo):
    window, listener = station
    window.show_tab(ORDERS_TAB)
    view = window.orders
    view.table.verticalScrollBar().setValue(0)
    order = fake_repo.orders.add("pending", [(1, 3)], station="B")
    listener.announce("orders", (order.id, 1))
    qtbot.waitUntil(lambda: view.model.row_value(0).id == order.id)
    assert view.table.verticalScrollBar().value() == 0


def test_a_status_change_elsewhere_updates_the_row_and_the_filter(qtbot, station, fake_repo):
    window, listener = station
    window.show_tab(ORDERS_TAB)
    view, model = window.orders, window.orders.model
    target = model.row_value(3)
    _order_as_b(fake_repo, target.id, "shipped")
    listener.announce("orders", (target.id, 2))
    qtbot.waitUntil(lambda: model.row_value(3).status == "shipped")
    assert model.data(model.index(3, 0), ChangedRole) > 0

    with qtbot.waitSignal(model.loaded):
        view.filter.setCurrentIndex(1)  # Pending only
    other = model.row_value(5)
    _order_as_b(fake_repo, other.id, "cancelled")
    listener.announce("orders", (other.id, 2))
    qtbot.waitUntil(lambda: model.row_of(other.id) < 0)  # it left the list: paging stays true
    assert f"Order {other.id} was cancelled at station B" in view.status.text()


def test_the_light_poll_runs_only_while_live_updates_are_down(qtbot, station, fake_repo):
    window, listener = station
    calls = []
    get_many = fake_repo.products.get_many
    fake_repo.products.get_many = lambda ids: calls.append(ids) or get_many(ids)
    window.products.refresh_visible()
    qtbot.wait(50)
    assert calls == []
    listener.on_state("reconnecting", "gone")
    qtbot.waitUntil(lambda: window.live.state == "reconnecting")
    window.products.refresh_visible()
    qtbot.waitUntil(lambda: len(calls) == 1)


def test_live_changes_keep_the_orders_model_consistent(qtbot, qtmodeltester, station,
                                                       fake_repo):
    window, listener = station
    model = window.orders.model
    qtmodeltester.check(model)  # the tester stays attached and checks every signal below
    with qtbot.waitSignal(model.loaded):
        window.orders.filter.setCurrentIndex(1)  # Pending only
    new = fake_repo.orders.add("pending", [(2, 1)], station="B")
    gone = model.row_value(10)
    _order_as_b(fake_repo, gone.id, "shipped")
    listener.announce("orders", (new.id, 1), (gone.id, 2))
    qtbot.waitUntil(lambda: model.row_value(0).id == new.id and model.row_of(gone.id) < 0)
    assert model.rowCount() == model.total == 150  # (the tester fetched every page)
