"""New product / edit product: every field checked as you type, errors next to the field.

Edit sends ``expected_version``; when another station changed the product meanwhile
(StaleRecord) the clerk sees their version beside theirs and chooses: reload theirs, or
overwrite with mine (the same update again with the current version).

With live updates the clerk hears of it before pressing Save: a banner says the product was
changed elsewhere and offers Reload. A change of stock only (an order, a delivery) touches
nothing the clerk edits: the dialog takes the new version quietly, so Save does not report
a conflict that is none.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.domain import validation
from inventory_desktop.domain.values import Product
from inventory_desktop.errors import DuplicateSku, InventoryError, StaleRecord, ValidationError
from inventory_desktop.ui.forms import CheckedField, ErrorLabel, label_keys_to_editors
from inventory_desktop.ui.live import Change, ChangedBanner, LiveUpdates, PendingFetch
from inventory_desktop.ui.messages import describe, when
from inventory_desktop.ui.worker import DatabaseWorker

EDITABLE = ("sku", "name", "price", "description")
LABELS = {"sku": "SKU", "name": "Name", "price": "Price", "description": "Description"}


def _fmt(field: str, value: Any) -> str:
    return f"{value:.2f}" if field == "price" else str(value)


def _text(product: Product, field: str) -> str:
    return _fmt(field, getattr(product, field))


class ProductDialog(QDialog):
    saved = Signal(object)  # the Product as stored

    def __init__(
        self, worker: DatabaseWorker, product: Product | None = None,
        parent: QWidget | None = None, *, live: LiveUpdates | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self.product = product
        self.stale_dialog: StaleDialog | None = None
        self._theirs: Product | None = None  # a newer version saved elsewhere, not yet shown
        self.banner = ChangedBanner(self)
        self.banner.reload_clicked.connect(self._reload_theirs)
        self._saving = False
        self.setWindowTitle(self.tr("Edit product") if product else self.tr("New product"))
        self.setMinimumWidth(480)  # a duplicate-SKU message fits on one line under the field

        self.fields: dict[str, CheckedField] = {
            "sku": CheckedField(QLineEdit(), validation.sku),
            "name": CheckedField(QLineEdit(), validation.name),
            "price": CheckedField(QLineEdit(), validation.price),
        }
        self.fields["sku"].editor.setMaxLength(validation.SKU_MAX)
        self.fields["name"].editor.setMaxLength(validation.NAME_MAX)
        self.fields["price"].editor.setPlaceholderText("19.99")
        form = QFormLayout()
        form.addRow(self.tr("&SKU"), self.fields["sku"])
        form.addRow(self.tr("&Name"), self.fields["name"])
        form.addRow(self.tr("&Price"), self.fields["price"])
        if product is None:
            self.fields["stock_quantity"] = CheckedField(QLineEdit("0"), validation.stock_quantity)
            form.addRow(self.tr("Opening s&tock"), self.fields["stock_quantity"])
        else:
            self.stock_label = QLabel()
            self._show_stock(product)
            form.addRow(self.tr("Stock"), self.stock_label)
        description = QPlainTextEdit()
        description.setFixedHeight(80)
        self.fields["description"] = CheckedField(description, validation.description)
        form.addRow(self.tr("&Description"), self.fields["description"])
        for field, widget in self.fields.items():
            widget.editor.setObjectName(field)
            widget.editor.setAccessibleName(LABELS.get(field, "Opening stock"))
            widget.editor.textChanged.connect(self._update_save)

        self.message = ErrorLabel()  # errors that belong to no one field
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        label_keys_to_editors(form)  # Alt+S, Alt+N, Alt+P … go to the fields

        # Tab follows what the eye sees: top to bottom, then Save, Cancel.
        chain = [f.editor for f in self.fields.values()] + [
            self.save_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        if product is not None:
            self._fill(product)
            if live is not None:
                pid = product.id
                self._fetch = PendingFetch(
                    worker, lambda _ids: lambda repo: repo.products.get(pid), self._fresh, self)
                live.changed.connect(self._on_change)
        self._update_save()
        self.fields["sku" if product is None else "name"].editor.setFocus()

    # -- form ---------------------------------------------------------------------------

    def _fill(self, product: Product) -> None:
        for field in EDITABLE:
            self.fields[field].set_text(_text(product, field))

    def _update_save(self) -> None:
        valid = all(f.problem() == "" for f in self.fields.values())
        self.save_button.setEnabled(valid and not self._saving)

    def values(self) -> dict[str, Any]:
        """The clean values of every field (raises ValidationError)."""
        return {name: f.value() for name, f in self.fields.items()}

    def changes(self) -> dict[str, Any]:
        values = self.values()
        if self.product is None:
            return values
        return {k: v for k, v in values.items()
                if k in EDITABLE and v != getattr(self.product, k)}

    # -- saving -------------------------------------------------------------------------

    def save(self) -> None:
        if self._saving:
            return  # no double submit
        for f in self.fields.values():
            f.touched = True
        if not all([f.check() for f in self.fields.values()]):
            self._first_invalid().editor.setFocus()
            return
        if self.product is None:
            v = self.values()
            self._submit(lambda repo: repo.products.create(
                sku=v["sku"], name=v["name"], price=v["price"],
                stock_quantity=v["stock_quantity"], description=v["description"]))
            return
        changes = self.changes()
        if not changes:
            self.accept()
            return
        self._submit_update(self.product.version, changes)

    def _submit_update(self, version: int, changes: dict[str, Any]) -> None:
        pid = self.product.id  # type: ignore[union-attr]
        self._submit(
            lambda repo: repo.products.update(pid, expected_version=version, **changes)
        )

    def _submit(self, call) -> None:
        self._set_saving(True)
        self.message.show_error("")
        self._worker.run(call, owner=self).success(self._saved).failure(self._failed)

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.save_button.setText(self.tr("Saving…") if saving else self.tr("Save"))
        self._update_save()

    def _saved(self, product: Product) -> None:
        self._set_saving(False)
        self.product = product
        self.saved.emit(product)
        self.accept()

    def _failed(self, error: InventoryError) -> None:
        self._set_saving(False)
        if isinstance(error, StaleRecord):
            self._show_stale(error.current)
        elif isinstance(error, DuplicateSku):
            self.fields["sku"].show_server_error(describe(error))
            self.fields["sku"].editor.setFocus()
        elif isinstance(error, ValidationError) and error.field in self.fields:
            self.fields[error.field].show_server_error(describe(error))
            self.fields[error.field].editor.setFocus()
        else:
            self.message.show_error(describe(error))
        self._update_save()

    def _first_invalid(self) -> CheckedField:
        return next(f for f in self.fields.values() if f.problem())

    # -- someone else changed it ----------------------------------------------------------

    def _show_stock(self, product: Product, changed_at: str = "") -> None:
        text = self.tr("{:,} (change it with Receive or Adjust)").format(product.stock_quantity)
        if changed_at:
            text = self.tr("{:,} (changed at {}; Receive or Adjust)").format(
                product.stock_quantity, changed_at)
        self.stock_label.setText(text)

    def _on_change(self, change: Change) -> None:
        if change.table != "products" or self.product is None:
            return
        pid, version = self.product.id, self.product.version
        if change.rows is None or any(i == pid and v > version for i, v in change.rows):
            self._fetch.add((pid,))

    def _fresh(self, fresh: Product) -> None:
        if self.product is None or fresh.version <= self.product.version:
            return  # our own save, or an answer older than what we hold
        differ = [f for f in EDITABLE if getattr(fresh, f) != getattr(self.product, f)]
        if fresh.stock_quantity != self.product.stock_quantity:
            self._show_stock(fresh, when(fresh.updated_at))
        if not differ:
            self.product = fresh  # stock only: nothing the clerk edits (see the docstring)
            return
        names = ", ".join(LABELS[f].lower() for f in differ)
        said = f"Another station changed this product at {when(fresh.updated_at)} ({names})"
        if not self._edited():  # nothing of the clerk's to lose: show theirs at once
            self.product = fresh
            self._fill(fresh)
            self.banner.show_message(f"{said}; showing their version.")
            return
        self._theirs = fresh
        self.banner.show_message(
            f"{said}. Reload shows their version; saving now asks which to keep.",
            offer_reload=True)

    def _edited(self) -> bool:
        try:
            return bool(self.changes())
        except ValidationError:
            return True  # a field being typed into, not yet valid

    def _reload_theirs(self) -> None:
        if self._theirs is not None:
            self._reload(self._theirs)

    def _show_stale(self, current: Product) -> None:
        # Bound methods, not lambdas holding this dialog: the stale dialog deletes itself on
        # close, and a lambda's last reference to its parent must not die inside that delete.
        self.stale_dialog = StaleDialog(current, self.product, self.changes(), self)  # type: ignore[arg-type]
        self.stale_dialog.reload_requested.connect(self._reload)
        self.stale_dialog.overwrite_requested.connect(self._overwrite)
        self.stale_dialog.open()

    def _reload(self, current: Product) -> None:
        self.product = current
        self._theirs = None
        self.banner.clear()
        self._fill(current)
        self._show_stock(current)
        self.message.show_error(self.tr(
            "Showing the version saved by another station (version {}).").format(current.version))
        self._update_save()

    def _overwrite(self, current: Product, mine: dict[str, Any]) -> None:
        self.product = current
        self._theirs = None
        self.banner.clear()
        self._submit_update(current.version, mine)


class StaleDialog(QDialog):
    """Their version and yours, side by side; reload theirs or overwrite with yours."""

    reload_requested = Signal(object)  # their Product
    overwrite_requested = Signal(object, object)  # their Product, my changes

    def __init__(
        self, current: Product, original: Product, mine: dict[str, Any], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.current, self.mine = current, mine
        self.setWindowTitle(self.tr("Changed at another station"))
        intro = QLabel(self.tr(
            "{} was changed at another station while you were editing it "
            "(their version {}, you started from {})."
        ).format(current.sku, current.version, original.version))
        intro.setWordWrap(True)
        self.table = QTableWidget(len(EDITABLE) + 1, 3)
        self.table.setHorizontalHeaderLabels(["", self.tr("Theirs (saved)"), self.tr("Yours")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, field in enumerate(EDITABLE):
            theirs = _text(current, field)
            yours = _fmt(field, mine.get(field, getattr(original, field)))
            for col, text in enumerate((LABELS[field], theirs, yours)):
                item = QTableWidgetItem(text)
                if col and theirs != yours:
                    font = item.font()
                    font.setBold(True)  # a difference shows by weight, not colour alone
                    item.setFont(font)
                self.table.setItem(row, col, item)
        stock_row = len(EDITABLE)
        for col, text in enumerate((self.tr("Stock"), f"{current.stock_quantity:,}", "")):
            self.table.setItem(stock_row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

        buttons = QDialogButtonBox()
        self.reload_button = buttons.addButton(self.tr("&Reload theirs"),
                                               QDialogButtonBox.ButtonRole.RejectRole)
        self.overwrite_button = buttons.addButton(self.tr("&Overwrite with mine"),
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        for b in (self.reload_button, self.overwrite_button):
            b.setAutoDefault(False)
        self.reload_button.setDefault(True)  # the safe choice is the default
        self.reload_button.clicked.connect(self._reload)
        self.overwrite_button.clicked.connect(self._overwrite)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def _reload(self) -> None:
        self.reload_requested.emit(self.current)
        self.done(QDialog.DialogCode.Rejected)

    def _overwrite(self) -> None:
        self.overwrite_requested.emit(self.current, self.mine)
        self.done(QDialog.DialogCode.Accepted)
