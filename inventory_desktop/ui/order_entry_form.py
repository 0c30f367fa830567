"""The widgets of order entry, laid out in the order the clerk goes through them.

Like anki's generated ``forms``: no behaviour here beyond showing text; the dialog wires it.
Every button says its key; no button is auto-default, so Enter always belongs to the fields.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.domain import validation
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.order_entry_model import COL_NAME, OrderLinesModel, format_money

_PROBLEM_STYLE = "color: #a00000;"
_DONE_STYLE = "color: #006400; font-weight: bold;"


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text, objectName=name)
    button.setAutoDefault(False)  # Enter belongs to the fields, never to a button (anki)
    button.setDefault(False)
    button.setToolTip(tip)
    return button


def _first_key(action_id: str) -> str:
    """The key as printed on a PC keyboard: Qt says "Return" for the big Enter key."""
    sequences = shortcuts.current()[action_id].sequences()
    text = sequences[0].toString(QKeySequence.SequenceFormat.NativeText) if sequences else ""
    return text.replace("Return", "Enter")  # the messages say Ctrl+Enter too


class OrderEntryForm:
    """Builds the widgets onto ``dialog``; the dialog reaches them as attributes."""

    def __init__(self, dialog: QDialog, model: OrderLinesModel) -> None:
        keys = shortcuts.key_text
        self.product_field = QLineEdit(objectName="product")
        self.product_field.setPlaceholderText(
            QCoreApplication.translate("OrderEntryForm", "Scan or type an SKU or a name"))
        self.product_field.setClearButtonEnabled(True)
        self.product_field.setToolTip(QCoreApplication.translate("OrderEntryForm",
            "Type an SKU or part of a name: Up/Down move in the list, Enter picks.\n"
            "Enter on an exact SKU (or a scan) picks it at once. 5*SKU adds 5 of it."
        ))
        self.quantity_field = QSpinBox(objectName="quantity")
        self.quantity_field.setRange(1, validation.QUANTITY_MAX)
        self.quantity_field.setToolTip(
            QCoreApplication.translate(
                "OrderEntryForm", "Enter adds the line and goes back to the product field"))
        self.add_button = _button(
            QCoreApplication.translate("OrderEntryForm", "Add line (Enter)"), "add",
            QCoreApplication.translate("OrderEntryForm", "Add the line (Enter in Quantity)"))
        self.entry_note = QLabel(objectName="entry_note", wordWrap=True)
        self.entry_note.setMinimumHeight(self.entry_note.fontMetrics().height())

        self.table = QTableView(objectName="lines")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table: tab order = visual order
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        self.total_label = QLabel(objectName="total")
        self.total_label.setStyleSheet("font-weight: bold;")
        self.remove_button = _button(
            QCoreApplication.translate(
                "OrderEntryForm", "Remove line ({})").format(_first_key("entry.remove_line")),
            "remove",
            QCoreApplication.translate("OrderEntryForm", "Remove the selected line ({})").format(
                keys("entry.remove_line")),
        )
        self.status_label = QLabel(objectName="status", wordWrap=True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = _button(
            QCoreApplication.translate(
                "OrderEntryForm", "Close ({})").format(_first_key("entry.close")), "close",
            QCoreApplication.translate(
                "OrderEntryForm", "Close order entry; asks first if lines would be lost"),
        )
        self.place_text = QCoreApplication.translate("OrderEntryForm", "Place order ({})").format(
            _first_key("entry.place"))
        self.place_button = _button(
            self.place_text, "place",
            QCoreApplication.translate(
                "OrderEntryForm", "Place the order ({})").format(keys("entry.place")),
        )

        product_label = QLabel(QCoreApplication.translate("OrderEntryForm", "&Product:"))
        product_label.setBuddy(self.product_field)
        quantity_label = QLabel(QCoreApplication.translate("OrderEntryForm", "&Quantity:"))
        quantity_label.setBuddy(self.quantity_field)
        lines_label = QLabel(QCoreApplication.translate("OrderEntryForm",
            "&Lines (Delete removes the selected line, F2 changes its Qty):"))
        lines_label.setBuddy(self.table)
        entry = QGridLayout()
        entry.addWidget(product_label, 0, 0)
        entry.addWidget(self.product_field, 0, 1)
        entry.addWidget(quantity_label, 0, 2)
        entry.addWidget(self.quantity_field, 0, 3)
        entry.addWidget(self.add_button, 0, 4)
        entry.addWidget(self.entry_note, 1, 1, 1, 4)
        entry.setColumnStretch(1, 1)
        below = QHBoxLayout()
        below.addWidget(self.remove_button)
        below.addStretch(1)
        below.addWidget(self.total_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.place_button)
        layout = QVBoxLayout(dialog)
        layout.addLayout(entry)
        layout.addWidget(lines_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(below)
        layout.addLayout(buttons)

        visual_order = [self.product_field, self.quantity_field, self.add_button, self.table,
                        self.remove_button, self.close_button, self.place_button]
        for first, second in zip(visual_order, visual_order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        dialog.resize(820, 480)

    def note(self, text: str, problem: bool = False) -> None:
        """A word next to the product field: what was picked or added, or what went wrong."""
        self.entry_note.setStyleSheet(_PROBLEM_STYLE if problem else "")
        self.entry_note.setText(text)

    def status(self, text: str, problem: bool = False, done: bool = False) -> None:
        """A word next to the Place button: how placing the order went."""
        self.status_label.setStyleSheet(_PROBLEM_STYLE if problem else _DONE_STYLE if done else "")
        self.status_label.setText(text)

    def show_draft(self, model: OrderLinesModel, placing: bool) -> None:
        count = model.rowCount()
        if count == 1:
            text = QCoreApplication.translate("OrderEntryForm", "{} line · Total {}")
        else:
            text = QCoreApplication.translate("OrderEntryForm", "{} lines · Total {}")
        self.total_label.setText(text.format(count, format_money(model.total())))
        self.place_button.setEnabled(bool(count) and not placing)
        self.place_button.setText(
            QCoreApplication.translate(
                "OrderEntryForm", "Placing…") if placing else self.place_text)
        self.remove_button.setEnabled(self.table.selectionModel().hasSelection())
