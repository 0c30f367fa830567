"""The one path by which an unexpected error reaches the clerk (after anki's aqt/errors.py).

``sys.excepthook``, ``threading.excepthook`` and the database worker all end in
``show_exception``: one dialog with the short story and a "Copy details" button, never a
traceback in the clerk's face. Expected failures (``InventoryError``) never come here; they
are shown in clerk words next to what caused them (``ui/messages.py``).
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from inventory_desktop.errors import InventoryError

log = logging.getLogger(__name__)


class UnexpectedError(InventoryError):
    """A bug, not a warehouse situation: an operation raised something that is no InventoryError.

    Failure handlers receive it like any other error (so buttons are re-enabled and drafts
    kept); the details went to the error dialog.
    """

    def __init__(self, exc: BaseException, details: str) -> None:
        self.exc = exc
        self.details = details
        super().__init__(f"{type(exc).__name__}: {exc}")


def format_details(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


class _ErrorReporter(QObject):
    """Lives on the GUI thread; other threads reach it through a queued signal."""

    report = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self._open: QMessageBox | None = None
        self.shown: list[str] = []  # summaries, for tests and the log
        self.report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @Slot(str, str)
    def _show(self, summary: str, details: str) -> None:
        log.error("unexpected error: %s\n%s", summary, details)
        self.shown.append(summary)
        if self._open is not None and shiboken6.isValid(self._open) and self._open.isVisible():
            # One dialog at a time: a storm of errors adds to the details of the open one.
            self._open.setDetailedText(self._open.detailedText() + "\n\n" + details)
            return
        box = QMessageBox(_parent_window())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(self.tr("Something went wrong"))
        box.setText(self.tr(
            "Inventory Desktop ran into a problem it did not expect. Your saved work is safe.\n\n"
            "If this happens again, press “Copy details” and send them to your administrator."
        ))
        box.setInformativeText(summary)
        box.setDetailedText(details)
        copy = box.addButton(self.tr("Copy details"), QMessageBox.ButtonRole.ActionRole)
        copy.clicked.disconnect()  # keep the box open when copying
        copy.clicked.connect(lambda: QApplication.clipboard().setText(box.detailedText()))
        box.addButton(QMessageBox.StandardButton.Close)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._closed)
        self._open = box
        box.open()

    @Slot()
    def _closed(self) -> None:
        self._open = None


_reporter: _ErrorReporter | None = None
_reporter_lock = threading.Lock()


def _parent_window() -> QWidget | None:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    return app.activeWindow()


def reporter() -> _ErrorReporter:
    """The reporter, living on the GUI thread whichever thread asks for it first."""
    global _reporter
    with _reporter_lock:
        if _reporter is None:
            rep = _ErrorReporter()
            app = QApplication.instance()
            if app is not None and rep.thread() is not app.thread():
                rep.moveToThread(app.thread())  # created by a worker: push it home
            _reporter = rep
        return _reporter


def show_exception(exc: BaseException, details: str | None = None) -> None:
    """Show ``exc`` in the one error dialog. Safe from any thread."""
    summary = f"{type(exc).__name__}: {exc}"
    details = details if details is not None else format_details(exc)
    app = QApplication.instance()
    if app is None:  # no GUI (yet): the log is all we have
        log.error("unexpected error: %s\n%s", summary, details)
        return
    rep = reporter()
    if QThread.currentThread() is rep.thread():
        rep._show(summary, details)
    else:
        rep.report.emit(summary, details)  # queued: the dialog opens on the GUI thread


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    show_exception(exc, "".join(traceback.format_exception(exc_type, exc, tb)))


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    show_exception(
        args.exc_value,
        "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)),
    )


def install_excepthooks() -> None:
    """Route every uncaught exception to the one dialog. Call on the GUI thread at start-up."""
    reporter()
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
