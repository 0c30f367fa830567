"""Where this computer finds its database: standalone, or the site server (File → Connection…).

On the very first run (nothing configured, no standalone database yet) ``choose_first_connection``
asks before the main window opens; later ``edit_connection`` opens the same dialog from the
menu, and the change takes effect at the next start (the dialog says so).

"Test connection" runs the check on a thread of its own (``run_in_background``): the dialog
stays responsive, shows a busy bar after 300 ms, and Stop test (or Esc) drops the answer. The
check itself is passed in (``check(url) -> ConnectionReport``, the repository's
``check_connection``): the GUI never imports the repository.

What is saved: settings.json gets the URL without the password; the password goes to the
system keyring, or to ~/.pgpass (0600) where there is none (``inventory_desktop.credentials``),
and the dialog says which before the clerk types it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QObject,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop import credentials
from inventory_desktop.config import save_settings, saved_connection, strip_password
from inventory_desktop.credentials import SSL_MODES, ServerAddress
from inventory_desktop.domain.connection import ConnectionReport, DatabaseState, Problem
from inventory_desktop.errors import InventoryError, ValidationError
from inventory_desktop.ui.forms import ERROR_STYLE

log = logging.getLogger(__name__)

BUSY_AFTER_MS = 300
OK_STYLE = "color: #1e6b34;"
# Marked for lupdate (context "ConnectionDialog"); translated where shown (``_tr``).
RESTART_NOTE = QT_TRANSLATE_NOOP(
    "ConnectionDialog", "Inventory Desktop uses the new connection the next time it starts.")

Check = Callable[[str], ConnectionReport]

TLS_LABELS = {
    "disable": QT_TRANSLATE_NOOP("ConnectionDialog", "Never (disable)"),
    "prefer": QT_TRANSLATE_NOOP("ConnectionDialog", "If the server offers it (prefer)"),
    "require": QT_TRANSLATE_NOOP("ConnectionDialog", "Always (require)"),
    "verify-full": QT_TRANSLATE_NOOP(
        "ConnectionDialog", "Always, and check the server's certificate (verify-full)"),
}


def _tr(text: str) -> str:
    """``text`` (a literal marked in the "ConnectionDialog" context) in the UI language."""
    return QCoreApplication.translate("ConnectionDialog", text)


# --- words for the clerk --------------------------------------------------------------------


def describe_report(report: ConnectionReport, address: ServerAddress) -> str:
    """What "Test connection" found, in words a clerk can act on."""
    host, port, db, user = address.host, address.port, address.database, address.user
    if report.ok:
        lock = (QCoreApplication.translate("ConnectionDialog", "encrypted") if report.encrypted
                else QCoreApplication.translate("ConnectionDialog", "not encrypted"))
        if report.state == DatabaseState.EMPTY:
            return QCoreApplication.translate(
                "ConnectionDialog",
                "✓ Connected ({}). The database “{}” is empty: Inventory Desktop "
                "will set it up when it first opens it.").format(lock, db)
        if report.state == DatabaseState.OLDER:
            return QCoreApplication.translate(
                "ConnectionDialog",
                "✓ Connected ({}). The database “{}” will be brought up to date "
                "for this version when Inventory Desktop opens it.").format(lock, db)
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✓ Connected ({}). “{}” is an Inventory database, ready to use.").format(
            lock, db)
    problem = report.problem
    if problem == Problem.WRONG_PASSWORD:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server did not accept the user name “{}” with this password. "
            "Check both; they are case-sensitive.").format(user)
    if problem == Problem.PASSWORD_MISSING:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server asks for a password. Type the password for “{}”.").format(user)
    if problem == Problem.UNKNOWN_HOST:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server name “{}” is not known on this network. "
            "Check the spelling, or ask your administrator for the server's name."
            ).format(host)
    if problem == Problem.UNREACHABLE:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ No database server answers at {}, port {}. Check the server "
            "name and port, and that the server is running and this computer is on the "
            "network.").format(host, port)
    if problem == Problem.NO_SUCH_DATABASE:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server has no database named “{}”. Check the database name.").format(db)
    if problem == Problem.NOT_ALLOWED:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server does not let “{}” connect from this computer. "
            "Ask your administrator to allow it.").format(user)
    if problem == Problem.NO_ACCESS:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The login “{}” may not open the database “{}”. "
            "Ask your administrator for access.").format(user, db)
    if problem == Problem.NOT_INVENTORY:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ “{}” is another application's database, not an Inventory database. "
            "Choose another database, or ask your administrator for an empty one."
            ).format(db)
    if problem == Problem.SCHEMA_TOO_NEW:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ This database was set up by a newer version of Inventory Desktop. Install "
            "the newer version on this computer first (ask your administrator).")
    if problem == Problem.NEEDS_ADMIN:
        if report.state == DatabaseState.EMPTY:
            return QCoreApplication.translate(
                "ConnectionDialog",
                "✕ The database “{}” has to be set up first, and the login “{}” may not "
                "do that. Ask your administrator to run “inventory-desktop migrate”."
                ).format(db, user)
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The database “{}” has to be updated first, and the login “{}” may not "
            "do that. Ask your administrator to run “inventory-desktop migrate”."
            ).format(db, user)
    if problem == Problem.TLS_NOT_OFFERED:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server does not offer an encrypted (TLS) connection, but encryption is "
            "set to “Always”. Ask your administrator to enable TLS on the server, or "
            "choose “If the server offers it”.")
    if problem == Problem.TLS_UNTRUSTED:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server's certificate could not be checked, so the connection was not "
            "trusted. This computer needs the site's root certificate "
            "(~/.postgresql/root.crt); ask your administrator.")
    if problem == Problem.SERVER_NOT_READY:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ The server is busy starting, stopping or full. Try again in a minute.")
    # ``detail`` is libpq's or the server's own line (repository/probe.py): shown as it came.
    if problem == Problem.BAD_SETTINGS:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "✕ These settings are not valid: {}").format(report.detail)
    return QCoreApplication.translate(
        "ConnectionDialog",
        "✕ Could not connect: {}").format(report.detail)


def store_sentence(store: credentials.PasswordStore) -> str:
    """``store.sentence`` (credentials.py has no Qt) in the UI language: same English words."""
    if store.kind == credentials.KEYRING:
        return QCoreApplication.translate(
            "ConnectionDialog",
            "The password is kept in the system keyring.")
    return QCoreApplication.translate(
        "ConnectionDialog",
        "The password is kept in {}, readable only by you.").format(
        credentials.display_path(store.path))


# --- one call on a thread of its own --------------------------------------------------------


class _CallThread(QThread):
    """Runs ``fn()`` once and emits ``answered(tag, value, error)``."""

    answered = Signal(object, object, object)

    def __init__(self, fn: Callable[[], Any], tag: object) -> None:
        super().__init__()
        self.setObjectName("inventory-connection-check")
        self._fn = fn
        self._tag = tag

    def run(self) -> None:
        try:
            value = self._fn()
        except Exception as exc:  # handed to the GUI, which shows it; never lost
            self.answered.emit(self._tag, None, exc)
        else:
            self.answered.emit(self._tag, value, None)


class _Reaper(QObject):
    """Lives on the GUI thread; drops a thread's last reference once it has finished."""

    @Slot()
    def reap(self) -> None:
        thread = self.sender()
        if isinstance(thread, _CallThread):
            thread.wait()  # finished was emitted: returns at once
            _running.discard(thread)


_running: set[_CallThread] = set()
_reaper: _Reaper | None = None


def run_in_background(
    fn: Callable[[], Any], answer: Callable[[Any, Any, BaseException | None], None],
    tag: object = None,
) -> QThread:
    """Start ``fn`` on a one-shot thread; ``answer(tag, value, error)`` gets the outcome.

    ``answer`` must be a slot (bound method) of a QObject on the GUI thread, so the answer
    is queued to that thread. Nothing waits for the call: a check stuck on a silent network
    ends by its own timeout, and the thread is kept referenced until then (destroying a
    running QThread aborts the process).
    """
    global _reaper
    if _reaper is None:
        _reaper = _Reaper()
    thread = _CallThread(fn, tag)
    thread.answered.connect(answer, Qt.ConnectionType.QueuedConnection)
    thread.finished.connect(_reaper.reap, Qt.ConnectionType.QueuedConnection)
    _running.add(thread)
    thread.start()
    return thread


def background_running() -> int:
    return sum(1 for t in _running if t.isRunning())


def wait_for_background(timeout_ms: int = 10_000) -> bool:
    """At exit: let checks still running end (they time out on their own)."""
    return all(t.wait(timeout_ms) for t in list(_running))


# --- the dialog ----------------------------------------------------------------------------


class ConnectionDialog(QDialog):
    """Standalone or the site server; Test connection; Save (URL, and the password apart)."""

    saved = Signal(object)  # the URL saved (no password), or None for standalone

    def __init__(
        self,
        check: Check,
        *,
        current_url: str | None = None,
        standalone: bool | None = None,
        first_run: bool = False,
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connection-dialog")
        self.setWindowTitle(
            self.tr("Welcome — where is the database?") if first_run else self.tr("Connection"))
        self._check = check
        self.first_run = first_run
        self.chosen_url: str | None = None
        self._token = 0  # the test in flight; a stale answer (stopped, superseded) is dropped
        self._testing: tuple[int, ServerAddress, str, bool] | None = None
        self._tested_ok: tuple[ServerAddress, str] | None = None
        self._save_anyway: tuple[ServerAddress, str] | None = None
        self._storing = False
        self.store = credentials.password_store()

        intro = QLabel(
            self.tr("Welcome to Inventory Desktop. Where does this computer keep the warehouse's "
                    "products and orders?") if first_run else
            self.tr("Where this computer finds the warehouse's products and orders. {}").format(
                _tr(RESTART_NOTE))
        )
        intro.setWordWrap(True)
        self.standalone = QRadioButton(self.tr("Work standa&lone on this computer"))
        self.standalone.setObjectName("standalone")
        standalone_hint = QLabel(self.tr("A private database on this computer only. Other "
                                         "stations do not see its stock or orders."))
        self.server = QRadioButton(self.tr("Connect to the site se&rver"))
        self.server.setObjectName("server")
        server_hint = QLabel(self.tr("The warehouse's shared database: every station sees the "
                                     "same stock and orders."))
        for hint in (standalone_hint, server_hint):
            hint.setWordWrap(True)
            hint.setIndent(24)
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.standalone)
        self.choice.addButton(self.server)

        self.host = QLineEdit(objectName="host", placeholderText=self.tr("e.g. db.warehouse.local"))
        self.port = QSpinBox(objectName="port")
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit("inventory", objectName="database")
        self.user = QLineEdit(objectName="user",
                              placeholderText=self.tr("your login, e.g. dock1"))
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.tls = QComboBox(objectName="tls")
        for mode in SSL_MODES:
            self.tls.addItem(_tr(TLS_LABELS[mode]), mode)
        self.tls.setCurrentIndex(SSL_MODES.index("prefer"))
        self.store_label = QLabel(store_sentence(self.store), objectName="password-store")
        self.store_label.setWordWrap(True)

        self.server_form = QWidget(objectName="server-form")
        form = QFormLayout(self.server_form)
        form.setContentsMargins(24, 0, 0, 0)
        form.addRow(self.tr("&Host"), self.host)
        form.addRow(self.tr("P&ort"), self.port)
        form.addRow(self.tr("&Database"), self.database)
        form.addRow(self.tr("&User"), self.user)
        form.addRow(self.tr("Pass&word"), self.password)
        form.addRow("", self.store_label)
        form.addRow(self.tr("&Encryption"), self.tls)

        self.test_button = QPushButton(self.tr("&Test connection"), objectName="test")
        self.test_button.setAutoDefault(False)
        self.test_button.clicked.connect(self._test_clicked)
        self.stop_button = QPushButton(self.tr("Stop test"), objectName="stop-test")
        self.stop_button.setAutoDefault(False)
        self.stop_button.setToolTip(self.tr("Stop waiting for the server (Esc)"))
        self.stop_button.clicked.connect(self.stop_test)
        self.stop_button.hide()
        self.busy = QProgressBar(objectName="busy")
        self.busy.setRange(0, 0)  # "working", no percentage
        self.busy.setFormat(self.tr("Testing…"))
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(self.busy.show)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.stop_button)
        test_row.addWidget(self.busy)
        test_row.addStretch(1)

        self.result = QLabel(objectName="result")
        self.result.setWordWrap(True)
        self.result.hide()
        self.note = QLabel(note, objectName="note")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("&Save"))
        self.save_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if first_run:
            self.cancel_button.setText(self.tr("&Quit"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.note)
        layout.addWidget(self.standalone)
        layout.addWidget(standalone_hint)
        layout.addWidget(self.server)
        layout.addWidget(server_hint)
        layout.addWidget(self.server_form)
        layout.addLayout(test_row)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        order = [self.standalone, self.server, self.host, self.port, self.database, self.user,
                 self.password, self.tls, self.test_button, self.stop_button]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

        self._fill(current_url, standalone)
        self.standalone.toggled.connect(self._choice_changed)
        for editor in (self.host, self.database, self.user, self.password):
            editor.textEdited.connect(self._edited)
        self.port.valueChanged.connect(self._edited)
        self.tls.currentIndexChanged.connect(self._edited)
        self._choice_changed()

    # -- filling in and reading back ----------------------------------------------------------

    def _fill(self, url: str | None, standalone: bool | None) -> None:
        address = None
        if url:
            try:
                address = ServerAddress.from_url(url)
            except ValidationError:
                log.warning("the saved database URL is unreadable; starting from blank")
        if address is not None:
            self.host.setText(address.host)
            self.port.setValue(address.port)
            self.database.setText(address.database)
            self.user.setText(address.user)
            mode = address.sslmode or "prefer"
            if self.tls.findData(mode) < 0:  # verify-ca, allow …: kept as the URL had it
                self.tls.addItem(mode, mode)
            self.tls.setCurrentIndex(self.tls.findData(mode))
            self._options = address.options
            self.password.setPlaceholderText(self.tr("saved — leave empty to keep it"))
        else:
            self._options = ()
        use_standalone = standalone if standalone is not None else address is None
        (self.standalone if use_standalone else self.server).setChecked(True)
        (self.standalone if use_standalone else self.host).setFocus()

    def address(self) -> ServerAddress | None:
        """The server fields as an address, or None (with the missing field named and
        focused)."""
        for editor, missing in ((self.host, self.tr("Type the server's name (Host).")),
                                (self.database, self.tr("Type the database name.")),
                                (self.user, self.tr("Type your user name."))):
            if not editor.text().strip():
                self._show(missing, ok=False)
                editor.setFocus()
                return None
        return ServerAddress(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            sslmode=str(self.tls.currentData()),
            options=self._options,
        )

    # -- state ----------------------------------------------------------------------------

    @property
    def testing(self) -> bool:
        return self._testing is not None

    def _choice_changed(self, *_: Any) -> None:
        server = self.server.isChecked()
        self.server_form.setEnabled(server)
        self.test_button.setEnabled(server and not self.testing)
        self._edited()

    def _edited(self, *_: Any) -> None:
        self._save_anyway = None
        self.save_button.setText(self.tr("&Save"))

    def _show(self, text: str, *, ok: bool) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.result.setProperty("ok", ok)
        self.result.setAccessibleDescription(text)
        self.result.show()

    def _set_busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy and self.server.isChecked())
        self.stop_button.setVisible(busy)
        self.save_button.setEnabled(not busy)
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy.hide()

    # -- test ------------------------------------------------------------------------------

    @Slot()
    def _test_clicked(self) -> None:
        self.test_connection()

    def test_connection(self, *, then_save: bool = False) -> bool:
        """Start the check off the GUI thread; False when the fields are not filled in."""
        if self.testing or self._storing:
            return False
        address = self.address()
        if address is None:
            return False
        password = self.password.text()
        url = address.url(password or None)
        check = self._check

        def call() -> ConnectionReport:
            # Without a typed password: the keyring's (read here, off the GUI thread), or
            # libpq's password file.
            return check(url if password else credentials.with_saved_password(url))

        self._token += 1
        self._testing = (self._token, address, password, then_save)
        self._set_busy(True)
        self.result.hide()
        run_in_background(call, self._tested, self._token)
        return True

    def stop_test(self) -> None:
        if not self.testing:
            return
        self._testing = None
        self._token += 1
        self._set_busy(False)
        self._show(self.tr("Test stopped."), ok=False)
        self.test_button.setFocus()

    @Slot(object, object, object)
    def _tested(self, token: Any, report: Any, error: BaseException | None) -> None:
        if self._testing is None or self._testing[0] != token:
            return  # stopped or superseded
        _token, address, password, then_save = self._testing
        self._testing = None
        self._set_busy(False)
        if error is not None or not isinstance(report, ConnectionReport):
            log.error("the connection check failed", exc_info=error)
            report = ConnectionReport(Problem.OTHER, str(error) if error else repr(report))
        self._show(describe_report(report, address), ok=report.ok)
        self.result.setToolTip(report.detail)
        if report.ok:
            self._tested_ok = (address, password)
            if then_save:
                self._store(address, password)
            return
        if then_save:
            # The server may just be down today; let the clerk (or admin) keep the settings.
            self._save_anyway = (address, password)
            self.save_button.setText(self.tr("Save &anyway"))

    # -- save ------------------------------------------------------------------------------

    def save(self) -> None:
        if self.testing or self._storing:
            return
        if self.standalone.isChecked():
            save_settings(database_url=None, connection_chosen=True)
            self._finish(None)
            return
        address = self.address()
        if address is None:
            return
        values = (address, self.password.text())
        if values in (self._tested_ok, self._save_anyway):
            self._store(*values)
        else:
            self.test_connection(then_save=True)  # saves when the test passes

    def _store(self, address: ServerAddress, password: str) -> None:
        """The password to its store (off the GUI thread: a keyring may ask to be unlocked),
        then the URL without it to settings.json."""
        if not password:
            self._stored(address, None, None)
            return
        self._storing = True
        self._set_busy(True)
        run_in_background(lambda: credentials.save_password(address, password), self._stored,
                          address)

    @Slot(object, object, object)
    def _stored(self, address: Any, store: Any, error: BaseException | None) -> None:
        self._storing = False
        self._set_busy(False)
        if error is not None:
            reason = error.rule if isinstance(error, ValidationError) else str(error)
            self._show(self.tr("✕ The password could not be saved: {}").format(reason), ok=False)
            return
        if store is not None and store != self.store:  # the keyring refused: the file took it
            self.store = store
            self.store_label.setText(store_sentence(store))
        url = address.url()
        try:
            save_settings(database_url=url, connection_chosen=True)
        except (OSError, ValueError, InventoryError) as exc:
            self._show(self.tr("✕ The settings could not be saved: {}").format(exc), ok=False)
            return
        self._finish(url)

    def _finish(self, url: str | None) -> None:
        self.chosen_url = url
        self.saved.emit(url)
        parent = self.parentWidget()
        if not self.first_run and parent is not None:  # the app runs on: say when it changes
            box = QMessageBox(parent)
            box.setObjectName("connection-saved")
            box.setIcon(QMessageBox.Icon.Information)
            box.setWindowTitle(self.tr("Connection saved"))
            box.setText(self.tr("Saved. {}").format(_tr(RESTART_NOTE)))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
        self.accept()

    def reject(self) -> None:
        if self.testing:  # Esc stops a test first; a second Esc closes
            self.stop_test()
            return
        if self._storing:
            return
        super().reject()


# --- the two ways in ---------------------------------------------------------------------------


def choose_first_connection(check: Check, parent: QWidget | None = None) -> tuple[bool, str | None]:
    """The first-run question, before the main window: ``(chosen, url)``; url None is the
    standalone database. ``chosen`` False: the clerk quit (asked again next time)."""
    dialog = ConnectionDialog(check, first_run=True, standalone=True, parent=parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    return accepted, dialog.chosen_url


def edit_connection(
    parent: QWidget, check: Check, url_in_force: str | None
) -> ConnectionDialog:
    """File → Connection…: the saved connection, to change for the next start."""
    saved_url, _chosen = saved_connection()
    in_force = strip_password(url_in_force) if url_in_force else None
    note = ""
    if in_force != saved_url:
        note = QCoreApplication.translate(
            "ConnectionDialog",
            "This session uses a database given on the command line or in "
            "INVENTORY_DATABASE_URL, which comes before the saved connection. "
            "What you save here is used when Inventory Desktop starts without it.")
    dialog = ConnectionDialog(
        check, current_url=saved_url or in_force, standalone=saved_url is None, note=note,
        parent=parent,
    )
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


class ConnectionMenu(QObject):
    """File → Connection… of a main window (its child): opens the dialog on its
    ``connection_requested``. ``check`` is looked up only then (the repository's)."""

    def __init__(self, window: QWidget, check: Callable[[], Check],
                 url_in_force: str | None) -> None:
        super().__init__(window)
        self._check = check
        self._url = url_in_force
        self.dialog: ConnectionDialog | None = None
        window.connection_requested.connect(self.open)  # type: ignore[attr-defined]

    @Slot()
    def open(self) -> None:
        parent = self.parent()
        assert isinstance(parent, QWidget)
        self.dialog = edit_connection(parent, self._check(), self._url)


__all__ = [
    "ConnectionDialog",
    "ConnectionMenu",
    "background_running",
    "choose_first_connection",
    "describe_report",
    "edit_connection",
    "run_in_background",
    "wait_for_background",
]
