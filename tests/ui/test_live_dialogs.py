"""Dialogs open on a record another station changes: they say so (and what), no PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
import shiboken6
from live_fakes import FakeListener, add_get_many
from PySide6.QtWidgets import QDialog

from inventory_desktop.ui.live import LiveUpdates
from inventory_desktop.ui.order_entry import OrderEntryDialog
from inventory_desktop.ui.product_dialog import ProductDialog
from inventory_desktop.ui.stock_dialog import ADJUST, StockDialog


@pytest.fixture
def fake_repo(fake_repo):
    fake_repo.seed(5)
    return add_get_many(fake_repo)


@pytest.fixture
def live(qtbot):
    made = LiveUpdates(listener_factory=FakeListener)
    made.start("postgresql://fake/inventory", "TEST-1")
    FakeListener.made[-1].on_state("connected", "")
    qtbot.waitUntil(lambda: made.is_connected)
    yield made
    made.stop()


def _announce(repo, product_id):
    FakeListener.made[-1].announce("products", (product_id, repo.product_rows[product_id].version))


def test_product_edit_hears_of_a_change_and_offers_reload(qtbot, worker, fake_repo, live):
    product = fake_repo.product_rows[1]
    dialog = ProductDialog(worker, product, live=live)
    qtbot.addWidget(dialog)
    dialog.fields["price"].editor.setText("9.99")  # the clerk's own edit, under way
    fake_repo.products.update(1, expected_version=1, name="Renamed at B")
    _announce(fake_repo, 1)

    qtbot.waitUntil(lambda: not dialog.banner.isHidden())
    assert "Another station changed this product at " in dialog.banner.label.text()
    assert "(name)" in dialog.banner.label.text()
    assert not dialog.banner.reload_button.isHidden()
    assert dialog.fields["name"].text() == product.name  # nothing overwritten by itself

    dialog.banner.reload_button.click()
    assert dialog.fields["name"].text() == "Renamed at B"
    assert dialog.product.version == 2 and dialog.banner.isHidden()


def test_an_untouched_product_edit_shows_their_version_at_once(qtbot, worker, fake_repo, live):
    dialog = ProductDialog(worker, fake_repo.product_rows[1], live=live)
    qtbot.addWidget(dialog)
    fake_repo.products.update(1, expected_version=1, price=Decimal("7.25"))
    _announce(fake_repo, 1)
    qtbot.waitUntil(lambda: dialog.fields["price"].text() == "7.25")
    assert dialog.banner.label.text().endswith("(price); showing their version.")
    assert dialog.banner.reload_button.isHidden() and dialog.product.version == 2


def test_product_edit_takes_a_stock_only_change_quietly(qtbot, worker, fake_repo, live):
    dialog = ProductDialog(worker, fake_repo.product_rows[2], live=live)
    qtbot.addWidget(dialog)
    fake_repo.products.adjust_stock(2, 5, reason="received")
    _announce(fake_repo, 2)
    qtbot.waitUntil(lambda: dialog.product.version == 2)
    assert dialog.banner.isHidden()
    assert dialog.stock_label.text().startswith(f"{fake_repo.product_rows[2].stock_quantity:,} ")
    dialog.fields["name"].editor.setText("Mine")
    with qtbot.waitSignal(dialog.saved):
        dialog.save()  # no conflict: the stock is not the clerk's to edit here
    assert dialog.stale_dialog is None


def test_stock_dialog_shows_the_new_stock_and_who_moved_it(qtbot, worker, fake_repo, live):
    product = fake_repo.product_rows[3]  # stock 21
    dialog = StockDialog(worker, product, ADJUST, live=live)
    qtbot.addWidget(dialog)
    dialog.quantity.editor.setText("-15")
    dialog.reason_box.setCurrentText("count correction")
    assert dialog.ok_button.isEnabled()
    fake_repo.station = "B"  # the next movement is station B's
    fake_repo.products.adjust_stock(3, -10, reason="damaged")
    _announce(fake_repo, 3)

    qtbot.waitUntil(lambda: not dialog.banner.isHidden())
    assert dialog.banner.label.text().startswith("⟳ Stock changed at station B at ")
    assert dialog.banner.label.text().endswith(": 21 → 11.")
    assert "In stock now: 11" in dialog.head.text()
    assert not dialog.ok_button.isEnabled()  # -15 would now leave less than nothing
    assert dialog.banner.reload_button.isHidden()  # nothing to reload: it is current


def test_order_entry_follows_price_and_stock(qtbot, worker, fake_repo, live):
    entry = OrderEntryDialog(worker, live=live)
    qtbot.addWidget(entry)
    entry.model.add(fake_repo.product_rows[4], 2)  # stock 28
    old = fake_repo.product_rows[4]
    fake_repo.product_rows[4] = replace(old, price=Decimal("5.00"), version=old.version + 1)
    _announce(fake_repo, 4)
    qtbot.waitUntil(lambda: entry.model.lines()[0].product.price == Decimal("5.00"))
    assert "P-000004's price changed at another station: 4.99 → 5.00" in \
        entry.form.entry_note.text()
    assert "10.00" in entry.form.total_label.text()

    fake_repo.products.adjust_stock(4, -28, reason="lost")
    _announce(fake_repo, 4)
    qtbot.waitUntil(lambda: entry.model.lines()[0].problem == "sold out")
    fake_repo.products.adjust_stock(4, 6, reason="found")
    _announce(fake_repo, 4)
    qtbot.waitUntil(lambda: not entry.model.lines()[0].problem)
    assert entry.form.entry_note.text() == "P-000004 is available again (6 in stock)"
    if shiboken6.isValid(entry):
        QDialog.done(entry, 0)  # past the "lines would be lost" question
