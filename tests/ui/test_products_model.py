"""The products model: paging on demand, server-side search and sort, stale answers dropped."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt

from inventory_desktop.domain.values import Product
from inventory_desktop.ui.paged_model import ObjectRole, SortRole
from inventory_desktop.ui.products_model import (
    COL_PRICE,
    COL_SKU,
    COL_STOCK,
    HEADERS,
    ProductTableModel,
    stock_text,
)


@pytest.fixture
def model(qtbot, worker, fake_repo):
    fake_repo.seed(3000)
    m = ProductTableModel(worker, page_size=100, low_stock_threshold=5)
    with qtbot.waitSignal(m.loaded):
        m.requery()
    return m


def test_first_page_then_more_only_on_request(qtbot, model, fake_repo):
    assert model.rowCount() == 100 and model.total == 3000
    assert model.canFetchMore(QModelIndex())
    calls = len(fake_repo.list_calls)
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        model.fetchMore(QModelIndex())
        model.fetchMore(QModelIndex())  # a second request while one is in flight is ignored
        assert model.rowCount() == 100  # fetchMore only requests
    assert blocker.args[1:] == [100, 199]
    assert model.rowCount() == 200
    assert len(fake_repo.list_calls) == calls + 1
    assert fake_repo.list_calls[-1] == ("", 100, 100, "sku", False)


def test_pages_through_everything(qtbot, model):
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.loaded):
            model.fetchMore(QModelIndex())
    assert model.rowCount() == 3000
    skus = [model.data(model.index(r, COL_SKU)) for r in range(3000)]
    assert skus == sorted(skus) and len(set(skus)) == 3000
    assert not model.canFetchMore(QModelIndex())


def test_passes_the_model_tester(qtbot, qtmodeltester, worker, fake_repo):
    fake_repo.seed(250)
    m = ProductTableModel(worker, page_size=100)
    qtmodeltester.check(m)  # empty, before any answer
    with qtbot.waitSignal(m.loaded):
        m.requery()
    qtmodeltester.check(m)
    with qtbot.waitSignal(m.loaded):
        m.fetchMore(QModelIndex())
    qtmodeltester.check(m)
    with qtbot.waitSignal(m.loaded):
        m.set_search("widget")
    qtmodeltester.check(m)


def test_search_is_a_server_query_and_stale_answers_are_dropped(qtbot, model, fake_repo):
    fake_repo.gate.clear()  # hold the server
    model.set_search("P-0001")
    model.set_search("P-00012")
    first_generation_rows = model.rowCount()
    fake_repo.gate.set()
    qtbot.waitUntil(lambda: model.search == "P-00012" and model.total == 10 and not model.loading)
    assert first_generation_rows == 100  # old rows stayed until the answer came
    assert model.rowCount() == 10
    assert {model.data(model.index(r, COL_SKU))[:7] for r in range(10)} == {"P-00012"}
    # The answer to "P-0001" (generation before) came too, and was dropped.
    assert ("P-0001", 100, 0, "sku", False) in fake_repo.list_calls


def test_search_by_name_words(qtbot, model):
    with qtbot.waitSignal(model.loaded):
        model.set_search("gadget")
    assert model.total == 1000
    assert all("gadget" in p.name for p in model.rows())


def test_sort_by_header_is_a_new_server_query(qtbot, model, fake_repo):
    with qtbot.waitSignal(model.loaded):
        model.sort(COL_PRICE, Qt.SortOrder.DescendingOrder)
    assert fake_repo.list_calls[-1] == ("", 100, 0, "price", True)
    prices = [model.data(model.index(r, COL_PRICE), SortRole) for r in range(model.rowCount())]
    assert prices == sorted(prices, reverse=True)
    assert isinstance(prices[0], Decimal)


def test_roles(qtbot, model):
    idx = model.index(0, COL_SKU)
    product = model.data(idx, ObjectRole)
    assert isinstance(product, Product)
    assert model.headerData(COL_STOCK, Qt.Orientation.Horizontal) == HEADERS[COL_STOCK]
    assert model.data(model.index(0, COL_PRICE)) == f"{product.price:,.2f}"


def test_sold_out_and_low_are_told_in_words_and_colour(qtbot, model):
    rows = model.rows()
    sold = next(i for i, p in enumerate(rows) if p.stock_quantity == 0)
    low = next(i for i, p in enumerate(rows) if 0 < p.stock_quantity <= 5)
    ok = next(i for i, p in enumerate(rows) if p.stock_quantity > 5)
    assert "sold out" in model.data(model.index(sold, COL_STOCK))
    assert "low" in model.data(model.index(low, COL_STOCK))
    assert model.data(model.index(ok, COL_STOCK)) == f"{rows[ok].stock_quantity:,}"
    assert model.data(model.index(sold, COL_STOCK), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(ok, COL_STOCK), Qt.ItemDataRole.BackgroundRole) is None
    assert stock_text(0, 5) == "0 · sold out" and stock_text(5, 5) == "5 · low"


def test_reload_keeps_as_many_rows(qtbot, model):
    with qtbot.waitSignal(model.loaded):
        model.fetchMore(QModelIndex())
    with qtbot.waitSignal(model.modelReset):
        model.reload()
    assert model.rowCount() == 200


def test_replace_row_after_an_edit(qtbot, model, fake_repo):
    p = model.row_value(3)
    new = fake_repo.products.update(p.id, expected_version=p.version, name="Renamed")
    with qtbot.waitSignal(model.dataChanged):
        assert model.replace_row(new)
    assert model.row_value(3).name == "Renamed"


def test_a_failed_page_is_reported_and_can_be_retried(qtbot, model, fake_repo):
    fake_repo.down = True
    with qtbot.waitSignal(model.load_failed):
        model.fetchMore(QModelIndex())
    assert not model.loading and model.rowCount() == 100
