"""Small pieces the dialogs share: a field with its error shown next to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.errors import ValidationError

ERROR_STYLE = "color: #b02a37;"


class ErrorLabel(QLabel):
    """Red words under a field; empty (and taking no space) when all is well."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(ERROR_STYLE)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class CheckedField(QWidget):
    """An input and the error label beside it; ``check`` runs a domain validator as you type.

    ``validator`` is one of ``inventory_desktop.domain.validation``'s functions: it returns the
    clean value or raises ValidationError, whose ``rule`` is shown ("must not be negative").
    The error appears once the clerk has typed in the field (or pressed Save), not on open.
    """

    def __init__(
        self,
        editor: QLineEdit | QPlainTextEdit,
        validator: Callable[[Any], Any],
        parent: QWidget | None = None,
        shown: QWidget | None = None,
    ) -> None:
        """``shown`` is the widget to lay out when the editor lives inside another one (the
        line edit of an editable combo box)."""
        super().__init__(parent)
        self.editor = editor
        self.validator = validator
        self.error = ErrorLabel(self)
        self.touched = False
        self._server_error = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(shown or editor)
        layout.addWidget(self.error)
        self.setFocusProxy(shown or editor)
        if isinstance(editor, QPlainTextEdit):
            editor.setTabChangesFocus(True)  # Tab moves on, as in every other field
            editor.textChanged.connect(self._edited)
        else:
            editor.textEdited.connect(self._edited)

    def text(self) -> str:
        if isinstance(self.editor, QPlainTextEdit):
            return self.editor.toPlainText()
        return self.editor.text()

    def set_text(self, text: str) -> None:
        if isinstance(self.editor, QPlainTextEdit):
            self.editor.blockSignals(True)
            self.editor.setPlainText(text)
            self.editor.blockSignals(False)
        else:
            self.editor.setText(text)
        self._server_error = ""
        self.check()

    def value(self) -> Any:
        """The clean value; raises ValidationError."""
        return self.validator(self.text())

    def problem(self) -> str:
        if self._server_error:
            return self._server_error
        try:
            self.value()
        except ValidationError as exc:
            return exc.rule[:1].upper() + exc.rule[1:]
        return ""

    def check(self) -> bool:
        """Re-validate; show the error if the field was touched. True when valid."""
        problem = self.problem()
        self.error.show_error(problem if self.touched else "")
        self.editor.setAccessibleDescription(problem)
        return not problem

    def show_server_error(self, text: str) -> None:
        """An error the server found (a duplicate SKU): shown until the field is edited."""
        self._server_error = text
        self.touched = True
        self.check()

    def _edited(self, *_: Any) -> None:
        self.touched = True
        self._server_error = ""
        self.check()


def label_keys_to_editors(form: QFormLayout) -> None:
    """Make each label's Alt+letter reach its field's editor.

    ``addRow("&Price", checked_field)`` makes the CheckedField the label's buddy, but a label
    moves the focus only to a buddy that takes focus itself, which the container does not (and
    must not: Tab would stop at it). So the buddy becomes the widget the focus really goes to.
    Call it once the form is in the dialog's layout: its widgets must have their parent by then
    (a wrapper made here for a parentless label would take it, and delete it, with it).
    """
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        if label is None or field is None:
            continue
        label_widget, field_widget = label.widget(), field.widget()
        if isinstance(label_widget, QLabel) and isinstance(field_widget, CheckedField):
            label_widget.setBuddy(field_widget.focusProxy())
