"""Two stations on one server, in one test: each a MainWindow with its own DatabaseWorker and
its own live listener. What one station (or a script as "station B") commits shows in the
other's open windows without a reload.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from live_stations import Stations
from PySide6.QtWidgets import QDialog

from inventory_desktop.repository import Repository
from inventory_desktop.ui.main_window import ORDERS_TAB
from inventory_desktop.ui.orders_model import COL_STATION
from inventory_desktop.ui.paged_model import ChangedRole

pytestmark = pytest.mark.db


@pytest.fixture
def stations(qtbot, clean_db):
    with Stations(qtbot, clean_db) as made:
        yield made


@pytest.fixture
def products(repo):
    return [
        repo.products.create(sku=f"P-{i:03d}", name=f"Part {i}", price=Decimal("2.50"),
                             stock_quantity=10)
        for i in range(1, 31)
    ]


def _product(window, pid):
    model = window.products.model
    return model.row_value(model.row_of(pid))


def _changed(model, row) -> float:
    return model.data(model.index(row, 0), ChangedRole)


def test_a_stock_change_elsewhere_updates_the_row_in_place(qtbot, stations, products,
                                                            make_repo):
    a = stations.open("A")
    view = a.window.products
    view.select_product(products[5].id)
    resets, rows_changed = [], set()
    view.model.modelReset.connect(lambda: resets.append(True))
    view.model.dataChanged.connect(
        lambda first, last, roles=(): rows_changed.update(range(first.row(), last.row() + 1)))
    generation = view.model.generation

    make_repo("B").products.adjust_stock(products[20].id, -4, reason="count correction")

    qtbot.waitUntil(lambda: _product(a.window, products[20].id).stock_quantity == 6)
    row = view.model.row_of(products[20].id)
    assert _changed(view.model, row) > 0  # marked as changed elsewhere…
    assert not resets and view.model.generation == generation  # …without any reload
    assert rows_changed == {row}  # dataChanged for that row only
    assert view.current_product().id == products[5].id  # the clerk's selection stays
    qtbot.waitUntil(lambda: _changed(view.model, row) == 0, timeout=5000)  # and the mark fades


def test_stock_received_at_a_shows_at_b(qtbot, stations, products):
    a, b = stations.open("A"), stations.open("B")
    pid = products[0].id
    a.window.products.select_product(pid)
    a.window.products.receive_stock()
    dialog = a.window.products.dialog
    dialog.quantity.editor.setText("5")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()

    qtbot.waitUntil(lambda: _product(b.window, pid).stock_quantity == 15)
    assert _changed(b.window.products.model, b.window.products.model.row_of(pid)) > 0
    # A's own list shows it too, but not as "changed at another station".
    assert _product(a.window, pid).stock_quantity == 15
    assert _changed(a.window.products.model, a.window.products.model.row_of(pid)) == 0


def test_edited_at_both_stations_the_second_is_told_then_asked(qtbot, stations, products,
                                                                repo):
    a, b = stations.open("A"), stations.open("B")
    pid = products[0].id
    for station in (a, b):
        station.window.products.select_product(pid)
        station.window.products.edit_product()
    mine_a, mine_b = a.window.products.dialog, b.window.products.dialog
    mine_b.fields["price"].editor.setText("3.00")  # B is editing too

    mine_a.fields["name"].editor.setText("Widget from A")
    with qtbot.waitSignal(mine_a.saved, timeout=5000):
        mine_a.save()

    # B hears of it before pressing Save: a banner, with Reload on offer.
    qtbot.waitUntil(lambda: mine_b.banner.isVisible())
    assert "Another station changed this product" in mine_b.banner.label.text()
    assert "(name)" in mine_b.banner.label.text()
    assert mine_b.banner.reload_button.isVisible()

    # B saves anyway: the StaleRecord path, theirs beside mine.
    mine_b.save()
    qtbot.waitUntil(lambda: mine_b.stale_dialog is not None and mine_b.stale_dialog.isVisible(),
                    timeout=5000)
    assert mine_b.stale_dialog.current.name == "Widget from A"
    with qtbot.waitSignal(mine_b.saved, timeout=5000):
        mine_b.stale_dialog.overwrite_button.click()
    stored = repo.products.get(pid)
    assert (stored.name, stored.price) == ("Widget from A", Decimal("3.00"))
    # …and A's list follows B's save.
    qtbot.waitUntil(lambda: _product(a.window, pid).price == Decimal("3.00"))


def test_stock_moving_under_an_open_edit_is_no_conflict(qtbot, stations, products, make_repo,
                                                         repo):
    a = stations.open("A")
    pid = products[0].id
    a.window.products.select_product(pid)
    a.window.products.edit_product()
    dialog = a.window.products.dialog
    make_repo("B").orders.create([(pid, 4)])  # stock 10 -> 6, the version moves on
    qtbot.waitUntil(lambda: dialog.stock_label.text().startswith("6 "))
    assert not dialog.banner.isVisible()  # nothing the clerk edits has changed
    dialog.fields["name"].editor.setText("Renamed at A")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    assert dialog.stale_dialog is None
    assert repo.products.get(pid).name == "Renamed at A"


def test_a_new_order_at_a_appears_on_top_at_b(qtbot, stations, products, repo):
    earlier = [repo.orders.create([(products[i].id, 1)]) for i in range(5)]
    a, b = stations.open("A"), stations.open("B")
    b.window.show_tab(ORDERS_TAB)
    b_orders = b.window.orders
    b_orders.select_order(earlier[2].id)
    resets = []
    b_orders.model.modelReset.connect(lambda: resets.append(True))

    a.window.new_order()
    entry = a.window.order_entry
    entry.model.add(products[0], 2)
    with qtbot.waitSignal(entry.order_placed, timeout=5000) as placed:
        entry.place_order()
    order = placed.args[0]

    qtbot.waitUntil(lambda: b_orders.model.row_value(0).id == order.id)
    assert b_orders.model.data(b_orders.model.index(0, COL_STATION)) == "A"
    assert b_orders.model.total == 6 and not resets
    assert _changed(b_orders.model, 0) > 0
    assert b_orders.current_order().id == earlier[2].id  # selection kept across the insert
    # A shows its own order on top at once, untinted; both product lists see the stock.
    assert a.window.orders.model.row_value(0).id == order.id
    assert _changed(a.window.orders.model, 0) == 0
    qtbot.waitUntil(lambda: _product(b.window, products[0].id).stock_quantity == 7)  # 10-1-2
    qtbot.waitUntil(lambda: _product(a.window, products[0].id).stock_quantity == 7)
    a_products = a.window.products.model
    assert _changed(a_products, a_products.row_of(products[0].id)) == 0  # A's own sale


def test_a_status_change_elsewhere_updates_the_row_and_the_detail(qtbot, stations, products,
                                                                  repo, make_repo):
    order = repo.orders.create([(products[0].id, 1)])
    a = stations.open("A")
    a.window.show_tab(ORDERS_TAB)
    view = a.window.orders
    view.select_order(order.id)
    qtbot.waitUntil(lambda: view.lines.order is not None)
    make_repo("B").orders.ship(order.id)
    qtbot.waitUntil(lambda: view.model.row_value(view.model.row_of(order.id)).status == "shipped")
    qtbot.waitUntil(lambda: "by station B" in view.detail_title.text())


@pytest.mark.slow
def test_live_updates_survive_a_server_restart(qtbot, stations, products, pg_server, clean_db):
    a = stations.open("A")
    pid = products[0].id
    pg_server.stop()
    try:
        qtbot.waitUntil(lambda: a.live.state == "reconnecting", timeout=10_000)
        qtbot.waitUntil(lambda: "live updates paused" in a.window.connection_label.text()
                        or a.worker.state != "connected", timeout=10_000)
    finally:
        pg_server.start()
    qtbot.waitUntil(lambda: a.live.is_connected, timeout=30_000)
    with Repository.connect(clean_db, station="B", migrate=False) as b_repo:
        b_repo.products.adjust_stock(pid, -3, reason="damaged")
    qtbot.waitUntil(lambda: _product(a.window, pid).stock_quantity == 7, timeout=30_000)
    qtbot.waitUntil(lambda: "paused" not in a.window.connection_label.text())


def test_order_entry_marks_lines_another_station_sold(qtbot, stations, products, make_repo):
    a = stations.open("A")
    a.window.new_order()
    entry = a.window.order_entry
    entry.model.add(products[0], 3)
    entry.model.add(products[1], 5)
    station_b = make_repo("B")

    station_b.orders.create([(products[0].id, 10)])  # B sells every one
    qtbot.waitUntil(lambda: entry.model.lines()[0].problem == "sold out")
    assert "P-001 was just sold out at another station" in entry.form.entry_note.text()

    station_b.products.adjust_stock(products[1].id, -7, reason="damaged")  # 3 left, 5 wanted
    qtbot.waitUntil(lambda: entry.model.lines()[1].problem == "only 3 left")
    assert entry.model.lines()[1].available == 3
    QDialog.done(entry, 0)  # past the "lines would be lost" question
