"""New / edit product: checked as you type, tab order, stale edits, duplicate SKUs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inventory_desktop.ui.product_dialog import ProductDialog


@pytest.fixture
def new_dialog(qtbot, worker):
    d = ProductDialog(worker)
    qtbot.addWidget(d)
    d.show()
    return d


def test_fields_are_checked_as_you_type(qtbot, new_dialog):
    price = new_dialog.fields["price"]
    assert not new_dialog.save_button.isEnabled()
    qtbot.keyClicks(price.editor, "-3")
    assert price.error.isVisible() and price.error.text() == "Must not be negative"
    price.editor.clear()
    qtbot.keyClicks(price.editor, "1.999")
    assert price.error.text() == "Must have at most 2 decimal places"
    price.editor.clear()
    qtbot.keyClicks(price.editor, "19.99")
    assert not price.error.isVisible()
    sku = new_dialog.fields["sku"]
    qtbot.keyClicks(sku.editor, "bad sku!")
    assert "May contain only letters" in sku.error.text()
    assert not new_dialog.fields["name"].error.isVisible()  # untouched: no scolding yet


def test_tab_order_follows_the_visual_order(qtbot, new_dialog):
    new_dialog.activateWindow()
    editors = [f.editor for f in new_dialog.fields.values()]
    # The fields in visual order: top to bottom.
    ys = [e.mapTo(new_dialog, e.rect().topLeft()).y() for e in editors]
    assert ys == sorted(ys)
    order, widget = [], editors[0]
    widget.setFocus()
    for _ in range(len(editors) + 1):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus) or not widget.isVisible():
            widget = widget.nextInFocusChain()
    assert order[: len(editors)] == editors
    assert order[len(editors)] is new_dialog.save_button


def test_tab_key_moves_through_the_fields(qtbot, new_dialog):
    editors = [f.editor for f in new_dialog.fields.values()]
    editors[0].setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is editors[0])
    seen = [QApplication.focusWidget()]
    for _ in editors[1:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    assert seen == editors


def _fill(qtbot, dialog, **values):
    for field, text in values.items():
        editor = dialog.fields[field].editor
        editor.clear() if hasattr(editor, "clear") else None
        qtbot.keyClicks(editor, text)


def test_create(qtbot, new_dialog, fake_repo):
    _fill(qtbot, new_dialog, sku="WID-9", name="Widget nine", price="4.50", stock_quantity="12")
    with qtbot.waitSignal(new_dialog.saved) as blocker:
        qtbot.keyClick(new_dialog.fields["price"].editor, Qt.Key.Key_Return)
    product = blocker.args[0]
    assert (product.sku, product.price, product.stock_quantity) == ("WID-9", Decimal("4.50"), 12)
    assert fake_repo.products.get(product.id) == product


def test_duplicate_sku_is_shown_next_to_the_sku(qtbot, new_dialog, fake_repo):
    fake_repo.products.create("WID-1", "Widget", "1.00")
    _fill(qtbot, new_dialog, sku="wid-1", name="Another", price="2.00")
    new_dialog.save()
    sku = new_dialog.fields["sku"]
    qtbot.waitUntil(lambda: sku.error.isVisible())
    assert "already used" in sku.error.text()
    assert new_dialog.isVisible() and not new_dialog._saving


def test_edit_sends_only_changes_with_the_version(qtbot, worker, fake_repo):
    p = fake_repo.products.create("WID-1", "Widget", "1.00", 5)
    d = ProductDialog(worker, p)
    qtbot.addWidget(d)
    d.fields["name"].editor.setText("Widget XL")
    assert d.changes() == {"name": "Widget XL"}
    with qtbot.waitSignal(d.saved) as blocker:
        d.save()
    assert blocker.args[0].name == "Widget XL" and blocker.args[0].version == 2


def test_stale_edit_reload_theirs(qtbot, worker, fake_repo):
    p = fake_repo.products.create("WID-1", "Widget", "1.00", 5)
    fake_repo.products.update(p.id, expected_version=1, price=Decimal("2.00"))  # station B
    d = ProductDialog(worker, p)
    qtbot.addWidget(d)
    d.fields["name"].editor.setText("Mine")
    d.save()
    qtbot.waitUntil(lambda: d.stale_dialog is not None and d.stale_dialog.isVisible())
    table = d.stale_dialog.table
    assert table.item(2, 1).text() == "2.00" and table.item(2, 2).text() == "1.00"
    assert table.item(1, 2).text() == "Mine"
    d.stale_dialog.reload_button.click()
    assert d.fields["price"].text() == "2.00" and d.fields["name"].text() == "Widget"
    assert d.product.version == 2


def test_stale_edit_overwrite_mine(qtbot, worker, fake_repo):
    p = fake_repo.products.create("WID-1", "Widget", "1.00", 5)
    fake_repo.products.update(p.id, expected_version=1, name="Theirs")
    d = ProductDialog(worker, p)
    qtbot.addWidget(d)
    d.fields["name"].editor.setText("Mine")
    d.save()
    qtbot.waitUntil(lambda: d.stale_dialog is not None and d.stale_dialog.isVisible())
    with qtbot.waitSignal(d.saved) as blocker:
        d.stale_dialog.overwrite_button.click()
    assert blocker.args[0].name == "Mine" and blocker.args[0].version == 3


def test_no_double_submit(qtbot, new_dialog, fake_repo):
    _fill(qtbot, new_dialog, sku="WID-2", name="Two", price="1")
    fake_repo.gate.clear()
    new_dialog.save()
    new_dialog.save()
    assert not new_dialog.save_button.isEnabled()
    fake_repo.gate.set()
    qtbot.waitUntil(lambda: not new_dialog.isVisible())
    assert len(fake_repo.product_rows) == 1
