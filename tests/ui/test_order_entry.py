"""Order entry, driven only by key presses, against the real PostgreSQL.

Keys go where Qt delivers a real keyboard's keys: the open completer list if there is one,
else the focus widget. After each step the test checks where the cursor is, as a clerk would.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton, QWidget

from inventory_desktop.domain.values import Product
from inventory_desktop.errors import DatabaseUnavailable
from inventory_desktop.repository import Repository
from inventory_desktop.ui.order_entry import LOST_CONNECTION, OrderEntryDialog
from inventory_desktop.ui.order_entry_model import COL_AVAILABLE, COL_QUANTITY, OrderLinesModel
from inventory_desktop.ui.order_entry_search import split_quantity

CTRL = Qt.KeyboardModifier.ControlModifier
PLACED = re.compile(r"Order (\d+) placed — total ([\d,.]+)")


# -- keys ------------------------------------------------------------------------------------


def focus() -> QWidget:
    """Where a real key press would go: an open popup list first, else the focus widget."""
    widget = QApplication.activePopupWidget() or QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def type_text(text: str) -> None:
    QTest.keyClicks(focus(), text)


def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focus(), key, modifiers)


def enter() -> None:
    press(Qt.Key.Key_Return)


def place() -> None:
    press(Qt.Key.Key_Return, CTRL)


def scan(code: str) -> None:
    """A barcode scanner: the code as fast keys, then Enter."""
    type_text(code)
    enter()


# -- a repository with a hand on orders.create -------------------------------------------------


class ControlledRepository:
    """The real repository; ``orders.create`` can be held (``gate``) or have its answer lost
    after the commit (``lose_answers``), as when the connection drops during commit;
    ``products.get_by_sku`` can be held (``lookup_gate``), as on a slow server."""

    def __init__(self, real: Repository) -> None:
        self._real = real
        self.gate = threading.Event()
        self.gate.set()
        self.lookup_gate = threading.Event()
        self.lookup_gate.set()
        self.lose_answers = 0
        self.create_calls: list[tuple[tuple[tuple[int, int], ...], Any]] = []
        self.orders = _ControlledOrders(self)
        self.products = _ControlledProducts(self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _ControlledProducts:
    def __init__(self, outer: ControlledRepository) -> None:
        self._outer = outer

    def get_by_sku(self, sku: Any) -> Any:
        self._outer.lookup_gate.wait(30)
        return self._outer._real.products.get_by_sku(sku)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outer._real.products, name)


class _ControlledOrders:
    def __init__(self, outer: ControlledRepository) -> None:
        self._outer = outer

    def create(self, lines: Any, client_token: Any = None) -> Any:
        outer = self._outer
        outer.create_calls.append((tuple(lines), client_token))
        outer.gate.wait(30)
        order = outer._real.orders.create(lines, client_token=client_token)
        if outer.lose_answers:
            outer.lose_answers -= 1
            raise DatabaseUnavailable("server closed the connection unexpectedly")
        return order

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outer._real.orders, name)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def controlled(clean_db: str) -> Any:
    holder: dict[str, ControlledRepository] = {}

    def connect() -> ControlledRepository:
        holder["repo"] = ControlledRepository(
            Repository.connect(clean_db, station="ENTRY-1", migrate=False)
        )
        return holder["repo"]

    return holder, connect


@pytest.fixture
def db_worker(make_worker, controlled):
    holder, connect = controlled
    worker = make_worker(connect)
    worker.controlled = holder["repo"]
    yield worker
    worker.controlled.gate.set()  # let held calls end, so the worker can stop
    worker.controlled.lookup_gate.set()


@pytest.fixture
def dialog(qtbot, db_worker):
    d = OrderEntryDialog(db_worker)
    d.show()
    QTest.qWaitForWindowActive(d)
    assert QApplication.activeWindow() is d
    yield d
    if shiboken6.isValid(d):
        QDialog.done(d, 0)  # past the "lines would be lost" question
        qtbot.waitUntil(lambda: not shiboken6.isValid(d))


@pytest.fixture
def stock(repo):
    """Products for the tests: (sku, name, price, stock)."""
    rows = [
        ("WID-1", "Widget", "19.99", 10),
        ("GAD-7", "Blue gadget", "5.00", 20),
        ("GAD-8", "Red gadget", "7.50", 20),
        ("BOLT-3", "Bolt M3", "0.10", 3),
    ]
    return {
        sku: repo.products.create(sku=sku, name=name, price=Decimal(price), stock_quantity=qty)
        for sku, name, price, qty in rows
    }


def wait_placed(qtbot, d: OrderEntryDialog) -> tuple[int, str]:
    qtbot.waitUntil(lambda: PLACED.search(d.form.status_label.text()) is not None, timeout=10_000)
    match = PLACED.search(d.form.status_label.text())
    assert match is not None
    return int(match.group(1)), match.group(2)


def pieces(d: OrderEntryDialog) -> int:
    return sum(line.quantity for line in d.model.lines())


def add_line(qtbot, d: OrderEntryDialog, sku: str, quantity: int) -> None:
    """Scan, type the quantity, Enter; wait until the line is on the order."""
    before = pieces(d)
    scan(sku)
    assert focus() is d.form.quantity_field
    type_text(str(quantity))
    enter()
    assert focus() is d.form.product_field
    qtbot.waitUntil(lambda: pieces(d) == before + quantity)


# -- the whole order by keys ------------------------------------------------------------------


@pytest.mark.db
def test_a_whole_order_by_keys_only(qtbot, dialog, stock, repo):
    d = dialog
    assert focus() is d.form.product_field

    # Scanner: an exact SKU (another case) and Enter, before any suggestion came back.
    scan("wid-1")
    assert focus() is d.form.quantity_field
    assert d.form.quantity_field.value() == 1
    assert d.form.quantity_field.lineEdit().selectedText() == "1"
    type_text("3")
    enter()
    assert focus() is d.form.product_field and d.form.product_field.text() == ""
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)

    # By name: part of it, Down twice in the list, Enter picks the second suggestion.
    type_text("gadget")
    qtbot.waitUntil(d.search.popup_visible)
    assert focus() is d.search.completer.popup()
    qtbot.waitUntil(lambda: d.search.model.rowCount() == 2)
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Down)
    enter()
    assert not d.search.popup_visible()
    assert focus() is d.form.quantity_field
    assert d.form.product_field.text() == "GAD-8"
    assert d.form.quantity_field.lineEdit().selectedText() == "1"
    type_text("2")
    enter()
    assert focus() is d.form.product_field and d.form.product_field.text() == ""

    assert [(line.product.sku, line.quantity) for line in d.model.lines()] == [
        ("WID-1", 3), ("GAD-8", 2)]
    assert d.model.total() == Decimal("74.97")
    assert "Total 74.97" in d.form.total_label.text()

    place()
    order_id, total = wait_placed(qtbot, d)
    assert total == "74.97"
    assert d.model.rowCount() == 0
    assert focus() is d.form.product_field and d.form.product_field.text() == ""

    orders = repo.orders.list().items
    assert [o.id for o in orders] == [order_id]
    assert orders[0].total_amount == Decimal("74.97")
    placed = repo.orders.get(order_id)
    assert [(i.sku, i.quantity, i.price_at_time) for i in placed.items] == [
        ("WID-1", 3, Decimal("19.99")), ("GAD-8", 2, Decimal("7.50"))]
    assert repo.products.get(stock["WID-1"].id).stock_quantity == 7
    assert repo.products.get(stock["GAD-8"].id).stock_quantity == 18
    assert repo.products.get(stock["GAD-7"].id).stock_quantity == 20

    # The form is ready for the next order at once.
    add_line(qtbot, d, "BOLT-3", 1)
    place()
    qtbot.waitUntil(lambda: repo.orders.list().total == 2, timeout=10_000)


@pytest.mark.db
def test_enter_with_the_list_open_is_never_swallowed(qtbot, dialog, stock):
    d = dialog
    type_text("gadget")
    qtbot.waitUntil(d.search.popup_visible)
    enter()  # no row chosen with Up/Down: this is an exact-SKU Enter, not a pick
    assert not d.search.popup_visible()
    qtbot.waitUntil(lambda: "No product with SKU “gadget”" in d.form.entry_note.text())
    assert d.form.product_field.selectedText() == "gadget"

    type_text("GAD-8")  # replaces the selected text
    qtbot.waitUntil(d.search.popup_visible)
    enter()  # known from the list: picked at once, no round trip
    assert focus() is d.form.quantity_field
    assert d.form.entry_note.text().startswith("GAD-8 · Red gadget · 7.50 · 20 in stock")


@pytest.mark.db
def test_scanner_enter_does_not_wait_for_suggestions(qtbot, dialog, stock):
    d = dialog
    d.search._timer.setInterval(60_000)  # suggestions never arrive in this test
    scan("GAD-7")
    assert focus() is d.form.quantity_field
    qtbot.waitUntil(lambda: "Blue gadget" in d.form.entry_note.text())
    enter()
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    assert d.model.lines()[0].quantity == 1


@pytest.mark.db
def test_keys_typed_before_a_slow_lookup_answers_are_not_lost(
    qtbot, dialog, stock, repo, db_worker
):
    d = dialog
    db_worker.controlled.lookup_gate.clear()
    scan("WID-1")
    assert focus() is d.form.quantity_field  # at once, not after the answer
    assert "Looking up WID-1" in d.form.entry_note.text()
    type_text("4")
    enter()
    assert focus() is d.form.product_field and d.form.product_field.text() == ""
    assert d.model.rowCount() == 0
    place()
    assert "as soon as WID-1 is found" in d.form.status_label.text()
    db_worker.controlled.lookup_gate.set()
    order_id, total = wait_placed(qtbot, d)
    assert total == "79.96"
    assert [(i.sku, i.quantity) for i in repo.orders.get(order_id).items] == [("WID-1", 4)]


@pytest.mark.db
def test_an_unknown_sku_confirmed_before_the_answer_comes_back(qtbot, dialog, stock, db_worker):
    d = dialog
    db_worker.controlled.lookup_gate.clear()
    scan("NOPE-9")
    type_text("2")
    enter()
    assert focus() is d.form.product_field
    db_worker.controlled.lookup_gate.set()
    qtbot.waitUntil(lambda: "It was not added" in d.form.entry_note.text())
    assert "No product with SKU “NOPE-9”" in d.form.entry_note.text()
    assert d.form.product_field.selectedText() == "NOPE-9"  # ready to be scanned over
    assert d.model.rowCount() == 0


@pytest.mark.db
def test_enter_on_a_known_product_raises_its_quantity(qtbot, dialog, stock):
    d = dialog
    add_line(qtbot, d, "WID-1", 2)
    add_line(qtbot, d, "wid-1", 3)
    qtbot.waitUntil(lambda: d.model.lines()[0].quantity == 5)
    assert d.model.rowCount() == 1
    assert "now 5 on the order" in d.form.entry_note.text()


@pytest.mark.db
def test_quantity_prefix_adds_at_once(qtbot, dialog, stock):
    d = dialog
    scan("4*GAD-7")
    assert focus() is d.form.product_field and d.form.product_field.text() == ""
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    assert d.model.lines()[0].quantity == 4


@pytest.mark.db
def test_unknown_sku_is_told_next_to_the_field_ready_for_the_next_scan(qtbot, dialog, stock):
    d = dialog
    scan("NOPE-42")
    qtbot.waitUntil(lambda: "No product with SKU “NOPE-42”" in d.form.entry_note.text())
    assert focus() is d.form.product_field
    assert d.form.product_field.selectedText() == "NOPE-42"  # the next scan replaces it
    scan("WID-1")
    assert focus() is d.form.quantity_field
    assert d.form.entry_note.text() != "" and "NOPE" not in d.form.entry_note.text()
    enter()
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)

    scan("not a sku!")  # no lookup needed to know that
    assert "No product with SKU “not a sku!”" in d.form.entry_note.text()


# -- shortages, deleted products ---------------------------------------------------------------


@pytest.mark.db
def test_short_lines_are_marked_before_placing(qtbot, dialog, stock):
    d = dialog
    add_line(qtbot, d, "BOLT-3", 5)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    index = d.model.index(0, COL_AVAILABLE)
    assert d.model.data(index) == "only 3 left"
    assert d.model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    assert "only 3 left" in d.form.entry_note.text()


@pytest.mark.db
def test_a_shortage_keeps_the_draft_and_says_what_is_left(qtbot, dialog, stock, repo):
    d = dialog
    add_line(qtbot, d, "WID-1", 4)
    add_line(qtbot, d, "GAD-7", 1)
    qtbot.waitUntil(lambda: d.model.rowCount() == 2)
    assert not d.model.problem_lines()  # 10 in stock as far as this station knows
    repo.products.adjust_stock(stock["WID-1"].id, -8, reason="damaged")  # another station

    place()
    qtbot.waitUntil(lambda: "only 2 left" in d.form.status_label.text())
    assert "you asked for 4" in d.form.status_label.text()
    assert "Your order is kept" in d.form.status_label.text()
    assert [(line.product.sku, line.quantity) for line in d.model.lines()] == [
        ("WID-1", 4), ("GAD-7", 1)]
    assert d.model.data(d.model.index(0, COL_AVAILABLE)) == "only 2 left"
    assert repo.orders.list().total == 0
    assert repo.products.get(stock["GAD-7"].id).stock_quantity == 20

    # Fix it by keys: to the lines (Alt+L), the marked line's Qty is current; F2, 2, Enter.
    press(Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert focus() is d.form.table
    assert d.form.table.currentIndex().row() == 0
    assert d.form.table.currentIndex().column() == COL_QUANTITY
    press(Qt.Key.Key_F2)
    type_text("2")
    enter()
    qtbot.waitUntil(lambda: d.model.lines()[0].quantity == 2)
    assert not d.model.problem_lines()

    place()
    order_id, total = wait_placed(qtbot, d)
    assert total == "44.98"
    assert repo.products.get(stock["WID-1"].id).stock_quantity == 0
    assert [o.id for o in repo.orders.list().items] == [order_id]


@pytest.mark.db
def test_a_deleted_product_is_marked(qtbot, dialog, stock, repo, raw_conn):
    d = dialog
    add_line(qtbot, d, "GAD-7", 1)
    add_line(qtbot, d, "GAD-8", 1)
    qtbot.waitUntil(lambda: d.model.rowCount() == 2)
    gone = stock["GAD-8"].id
    raw_conn.execute("DELETE FROM stock_movements WHERE product_id = %s", (gone,))
    raw_conn.execute("DELETE FROM products WHERE id = %s", (gone,))

    place()
    qtbot.waitUntil(lambda: "no longer exist" in d.form.status_label.text())
    assert d.model.data(d.model.index(1, COL_AVAILABLE)) == "no longer exists"
    assert d.model.rowCount() == 2

    press(Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    assert d.form.table.currentIndex().row() == 1  # the marked line
    press(Qt.Key.Key_Delete)
    assert [line.product.sku for line in d.model.lines()] == ["GAD-7"]
    place()
    wait_placed(qtbot, d)
    assert repo.orders.list().total == 1


# -- placing exactly once ----------------------------------------------------------------------


@pytest.mark.db
def test_a_double_ctrl_enter_places_one_order(qtbot, dialog, stock, repo, db_worker):
    d = dialog
    add_line(qtbot, d, "WID-1", 1)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    db_worker.controlled.gate.clear()  # a slow server: the first attempt is still in flight
    place()
    assert not d.form.place_button.isEnabled()
    press(Qt.Key.Key_Enter, CTRL | Qt.KeyboardModifier.KeypadModifier)
    place()
    assert "already" in d.form.status_label.text()
    db_worker.controlled.gate.set()
    wait_placed(qtbot, d)
    assert len(db_worker.controlled.create_calls) == 1
    assert repo.orders.list().total == 1
    assert repo.products.get(stock["WID-1"].id).stock_quantity == 9
    place()  # the draft is empty now: nothing happens but a word
    assert "Nothing to place" in d.form.status_label.text()
    assert repo.orders.list().total == 1


@pytest.mark.db
def test_lost_answer_then_retry_with_the_same_token_places_one_order(
    qtbot, dialog, stock, repo, db_worker
):
    d = dialog
    add_line(qtbot, d, "WID-1", 2)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    controlled = db_worker.controlled
    controlled.lose_answers = 1  # the commit happens, the answer never arrives

    place()
    qtbot.waitUntil(lambda: d.form.status_label.text() == LOST_CONNECTION)
    assert d.model.rowCount() == 1 and d.model.lines()[0].quantity == 2
    assert repo.orders.list().total == 1  # it did commit

    # The worker reconnects by itself; the dialog says when Ctrl+Enter will work again.
    qtbot.waitUntil(lambda: "connection is back" in d.form.status_label.text(), timeout=10_000)
    press(Qt.Key.Key_Enter, CTRL | Qt.KeyboardModifier.KeypadModifier)  # numpad Ctrl+Enter
    order_id, total = wait_placed(qtbot, d)
    first, second = controlled.create_calls
    assert first == second  # same lines, same token
    assert [o.id for o in repo.orders.list().items] == [order_id]
    assert repo.products.get(stock["WID-1"].id).stock_quantity == 8  # taken once
    assert d.model.rowCount() == 0


@pytest.mark.db
def test_changed_lines_after_a_lost_answer_are_not_hidden_by_the_earlier_order(
    qtbot, dialog, stock, repo, db_worker
):
    d = dialog
    add_line(qtbot, d, "WID-1", 2)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    db_worker.controlled.lose_answers = 1
    place()
    qtbot.waitUntil(lambda: d.form.status_label.text() == LOST_CONNECTION)
    # The worker reconnects by itself; the dialog says when Ctrl+Enter will work again.
    qtbot.waitUntil(lambda: "connection is back" in d.form.status_label.text(), timeout=10_000)

    add_line(qtbot, d, "GAD-7", 1)  # the clerk changes the draft before retrying
    qtbot.waitUntil(lambda: d.model.rowCount() == 2)
    place()
    qtbot.waitUntil(lambda: "had already been placed" in d.form.status_label.text())
    assert repo.orders.list().total == 1
    assert d.model.rowCount() == 2  # nothing of the changed draft is lost

    place()
    wait_placed(qtbot, d)
    tokens = {token for _, token in db_worker.controlled.create_calls}
    assert len(tokens) == 2
    assert repo.orders.list().total == 2
    assert repo.products.get(stock["WID-1"].id).stock_quantity == 6  # 2, then 2 again
    assert repo.products.get(stock["GAD-7"].id).stock_quantity == 19


@pytest.mark.db
def test_the_draft_survives_a_stopped_server(qtbot, dialog, stock, repo, db_worker, pg_server):
    d = dialog
    add_line(qtbot, d, "GAD-7", 3)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    pg_server.stop()
    try:
        place()
        qtbot.waitUntil(lambda: d.form.status_label.text() == LOST_CONNECTION, timeout=15_000)
        assert d.model.rowCount() == 1 and d.model.lines()[0].quantity == 3
        assert d.form.place_button.isEnabled()
    finally:
        pg_server.start()
    db_worker.retry_now()
    qtbot.waitUntil(lambda: db_worker.is_connected, timeout=15_000)
    qtbot.waitUntil(lambda: "connection is back" in d.form.status_label.text())
    place()
    order_id, _ = wait_placed(qtbot, d)
    tokens = {token for _, token in db_worker.controlled.create_calls}
    assert len(tokens) == 1
    with Repository.connect(pg_server.start(), station="CHECK", migrate=False) as check:
        assert [o.id for o in check.orders.list().items] == [order_id]
        assert check.products.get(stock["GAD-7"].id).stock_quantity == 17


# -- closing ---------------------------------------------------------------------------------


def message_box(d: QDialog) -> QMessageBox | None:
    boxes = [b for b in d.findChildren(QMessageBox) if b.isVisible()]
    return boxes[0] if boxes else None


def wait_question(qtbot, d: QDialog) -> QMessageBox:
    """The question box, once it has the keyboard (as a window manager would give it)."""
    qtbot.waitUntil(
        lambda: message_box(d) is not None and QApplication.activeWindow() is message_box(d)
    )
    box = message_box(d)
    assert box is not None
    return box


@pytest.mark.db
def test_esc_with_lines_asks_first(qtbot, dialog, stock):
    d = dialog
    add_line(qtbot, d, "WID-1", 1)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)

    press(Qt.Key.Key_Escape)
    box = wait_question(qtbot, d)
    assert "1 line of this order will be lost" in box.text()
    press(Qt.Key.Key_Escape)  # Esc again: keep editing
    qtbot.waitUntil(lambda: message_box(d) is None and QApplication.activeWindow() is d)
    assert d.isVisible() and d.model.rowCount() == 1
    assert focus() is d.form.product_field

    press(Qt.Key.Key_Escape)
    wait_question(qtbot, d)
    with qtbot.waitSignal(d.destroyed):
        type_text("d")  # &Discard the order


@pytest.mark.db
def test_esc_without_lines_closes_at_once(qtbot, dialog):
    with qtbot.waitSignal(dialog.destroyed):
        press(Qt.Key.Key_Escape)


@pytest.mark.db
def test_esc_first_closes_the_suggestion_list(qtbot, dialog, stock):
    d = dialog
    type_text("gad")
    qtbot.waitUntil(d.search.popup_visible)
    press(Qt.Key.Key_Escape)
    assert not d.search.popup_visible()
    assert d.isVisible() and shiboken6.isValid(d)


@pytest.mark.db
def test_closing_while_placing_drops_the_answer(qtbot, dialog, stock, repo, db_worker):
    d = dialog
    add_line(qtbot, d, "WID-1", 1)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    db_worker.controlled.gate.clear()
    place()
    press(Qt.Key.Key_Escape)
    assert "being placed right now" in wait_question(qtbot, d).text()
    with qtbot.waitSignal(d.destroyed):
        type_text("d")
    db_worker.controlled.gate.set()
    qtbot.waitUntil(lambda: db_worker.pending == 0, timeout=10_000)
    assert repo.orders.list().total == 1  # placed; the Orders list shows it


# -- the form --------------------------------------------------------------------------------


@pytest.mark.db
def test_buttons_are_not_auto_default_and_show_their_keys(dialog):
    buttons = dialog.findChildren(QPushButton)
    assert buttons and not any(b.autoDefault() or b.isDefault() for b in buttons)
    assert "Ctrl+Enter" in dialog.form.place_button.text()  # as the keyboard and messages say
    assert "Esc" in dialog.form.close_button.text()
    assert "Del" in dialog.form.remove_button.text()
    assert "Ctrl+Enter" in dialog.form.place_button.toolTip()


@pytest.mark.db
def test_tab_order_follows_the_visual_order(qtbot, dialog, stock):
    d = dialog
    add_line(qtbot, d, "WID-1", 1)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    seen = []
    for _ in range(7):
        press(Qt.Key.Key_Tab)
        seen.append(focus().objectName())
    assert seen == ["quantity", "add", "lines", "remove", "close", "place", "product"]


@pytest.mark.db
def test_delete_in_the_product_field_edits_text_not_lines(qtbot, dialog, stock):
    d = dialog
    add_line(qtbot, d, "WID-1", 1)
    qtbot.waitUntil(lambda: d.model.rowCount() == 1)
    type_text("GAD")
    press(Qt.Key.Key_Home)
    press(Qt.Key.Key_Delete)
    assert d.form.product_field.text() == "AD"
    assert d.model.rowCount() == 1


# -- pieces without a window -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("5*WID-1", (5, "WID-1")), (" 12 * wid-1 ", (12, "wid-1")), ("WID-1", (None, "WID-1")),
     ("*WID", (None, "*WID")), ("3*", (3, ""))],
)
def test_split_quantity(text, expected):
    assert split_quantity(text) == expected


@pytest.mark.db
def _product(id: int, sku: str, price: str, stock: int) -> Product:
    now = datetime.now(UTC)
    return Product(id, sku, sku.title(), "", Decimal(price), stock, 1, now, now)


def test_lines_model_passes_the_model_tester(qtmodeltester):
    stock = {"WID-1": _product(1, "WID-1", "19.99", 10), "BOLT-3": _product(4, "BOLT-3", "0.10", 3)}
    model = OrderLinesModel()
    qtmodeltester.check(model)
    model.add(stock["WID-1"], 2)
    model.add(stock["BOLT-3"], 5)
    model.add(stock["WID-1"], 1)
    qtmodeltester.check(model)
    assert model.order_lines() == tuple(sorted(
        [(stock["WID-1"].id, 3), (stock["BOLT-3"].id, 5)]))
    assert model.total() == Decimal("60.47")
    assert isinstance(model.total(), Decimal)
    assert [line.problem for line in model.lines()] == ["", "only 3 left"]
    assert model.data(model.index(1, COL_AVAILABLE)) == "only 3 left"
    assert model.setData(model.index(1, COL_QUANTITY), 3)
    assert not model.problem_lines()
    assert not model.setData(model.index(1, COL_QUANTITY), 0)  # a quantity is 1 or more
    model.remove_placed(((stock["WID-1"].id, 3), (stock["BOLT-3"].id, 1)))
    assert [(line.product.sku, line.quantity) for line in model.lines()] == [("BOLT-3", 2)]
