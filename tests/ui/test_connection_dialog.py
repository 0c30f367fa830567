"""The connection dialog: first run, File → Connection…, Test connection off the GUI thread,
and what Save writes where (settings.json: the URL without the password; the password: the
keyring, else ~/.pgpass 0600)."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from inventory_desktop import app as app_mod
from inventory_desktop.config import load_settings, save_settings
from inventory_desktop.credentials import KEYRING_SERVICE, ServerAddress
from inventory_desktop.domain.connection import ConnectionReport, DatabaseState, Problem
from inventory_desktop.ui import connection_dialog as cd
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.connection_dialog import (
    ConnectionDialog,
    background_running,
    choose_first_connection,
    describe_report,
    edit_connection,
)
from inventory_desktop.ui.main_window import MainWindow

READY = ConnectionReport(None, state=DatabaseState.READY, revision="0003", user="dock1")
SITE = ServerAddress("db.site", 5432, "inventory", "dock1", "require")


class FakeCheck:
    """Stands in for the repository's check_connection; ``gate`` holds it like a slow server."""

    def __init__(self, report: ConnectionReport | Exception = READY) -> None:
        self.report = report
        self.urls: list[str] = []
        self.gate = threading.Event()
        self.gate.set()
        self.threads: list[str] = []

    def __call__(self, url: str) -> ConnectionReport:
        self.urls.append(url)
        self.threads.append(threading.current_thread().name)
        self.gate.wait(10)
        if isinstance(self.report, Exception):
            raise self.report
        return self.report


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        self.passwords.pop((service, username), None)


@pytest.fixture
def check(qtbot):
    fake = FakeCheck()
    yield fake
    fake.gate.set()
    qtbot.waitUntil(lambda: background_running() == 0, timeout=15000)


@pytest.fixture
def pgpass(_private_settings) -> Path:
    return _private_settings / "pgpass"


def open_dialog(qtbot, check, **kwargs) -> ConnectionDialog:
    dialog = ConnectionDialog(check, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


ALT = Qt.KeyboardModifier.AltModifier


def press(key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key as the clerk presses it: to the widget with the focus (mnemonics included)."""
    widget = QApplication.focusWidget()
    assert widget is not None, "no widget has the keyboard focus"
    QTest.keyClick(widget, key, modifiers)


def when_the_modal_dialog_has_focus(act) -> None:
    """Run ``act(dialog)`` once the dialog that exec() opened has the keyboard focus."""
    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or QApplication.focusWidget() is None:
            QTimer.singleShot(10, poll)
            return
        act(dialog)

    QTimer.singleShot(0, poll)


def type_here(qtbot, text: str) -> None:
    """Type into whatever has the focus, then Tab on: the clerk's own way through the form."""
    if text:
        qtbot.keyClicks(QApplication.focusWidget(), text)
    press(Qt.Key.Key_Tab)


def fill_server(qtbot, dialog, *, host="db.site", user="dock1", password="s3cret:pw") -> None:
    press(Qt.Key.Key_R, ALT)  # site se&rver (a mnemonic clicks after a short animation)
    qtbot.waitUntil(dialog.server.isChecked)
    press(Qt.Key.Key_H, ALT)  # &Host
    assert QApplication.focusWidget() is dialog.host
    type_here(qtbot, host)
    type_here(qtbot, "")  # port: 5432 stays
    assert QApplication.focusWidget() is dialog.database  # "inventory" is already there
    type_here(qtbot, "")
    type_here(qtbot, user)
    assert QApplication.focusWidget() is dialog.password
    type_here(qtbot, password)
    assert QApplication.focusWidget() is dialog.tls
    dialog.tls.setCurrentIndex(dialog.tls.findData("require"))


def saved_file(config_dir: Path) -> dict:
    return json.loads((config_dir / "settings.json").read_text())


# --- test connection --------------------------------------------------------------------------


def test_keyboard_fill_test_and_save_to_the_password_file(qtbot, check, _private_settings,
                                                          pgpass):
    dialog = open_dialog(qtbot, check)
    assert dialog.store_label.text().startswith("The password is kept in ")
    assert "readable only by you" in dialog.store_label.text()
    fill_server(qtbot, dialog)
    press(Qt.Key.Key_T, ALT)  # &Test connection
    qtbot.waitUntil(lambda: dialog.result.isVisible())
    assert dialog.result.text() == "✓ Connected (not encrypted). “inventory” is an Inventory " \
                                   "database, ready to use."
    assert check.urls == [SITE.url("s3cret:pw")]
    assert check.threads[0] != threading.main_thread().name  # never on the GUI thread

    with qtbot.waitSignal(dialog.saved) as saved:
        press(Qt.Key.Key_Return)  # Save is the default
    assert saved.args == [SITE.url()]
    assert len(check.urls) == 1  # tested already: not tested again
    data = saved_file(_private_settings)
    assert data["database_url"] == SITE.url() and data["connection_chosen"] is True
    assert "s3cret" not in (_private_settings / "settings.json").read_text()
    assert stat.S_IMODE(pgpass.stat().st_mode) == 0o600
    assert pgpass.read_text() == "db.site:5432:inventory:dock1:s3cret\\:pw\n"
    assert not dialog.isVisible()


def test_the_keyring_when_there_is_one(qtbot, check, _private_settings, pgpass):
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    dialog = open_dialog(qtbot, check)
    assert dialog.store_label.text() == "The password is kept in the system keyring."
    fill_server(qtbot, dialog)
    with qtbot.waitSignal(dialog.saved):
        press(Qt.Key.Key_Return)  # tests, then saves
    assert backend.passwords == {(KEYRING_SERVICE, SITE.key): "s3cret:pw"}
    assert not pgpass.exists()
    assert "s3cret" not in (_private_settings / "settings.json").read_text()


@pytest.mark.parametrize("problem", [p for p in Problem])
def test_every_problem_has_its_own_clerk_words(problem):
    text = describe_report(ConnectionReport(problem, detail="libpq said so"), SITE)
    assert text.startswith("✕ ") and "Traceback" not in text
    others = {describe_report(ConnectionReport(p, detail="libpq said so"), SITE)
              for p in Problem if p != problem}
    assert text not in others


@pytest.mark.parametrize(
    ("report", "words"),
    [
        (ConnectionReport(Problem.WRONG_PASSWORD),
         "✕ The server did not accept the user name “dock1” with this password."),
        (ConnectionReport(Problem.UNREACHABLE), "✕ No database server answers at db.site, port "
                                                "5432."),
        (ConnectionReport(Problem.NO_SUCH_DATABASE),
         "✕ The server has no database named “inventory”."),
        (ConnectionReport(Problem.NOT_INVENTORY),
         "✕ “inventory” is another application's database, not an Inventory database."),
        (ConnectionReport(Problem.SCHEMA_TOO_NEW),
         "✕ This database was set up by a newer version of Inventory Desktop."),
        (ConnectionReport(Problem.TLS_NOT_OFFERED),
         "✕ The server does not offer an encrypted (TLS) connection, but encryption is set to "
         "“Always”."),
        (ConnectionReport(None, state=DatabaseState.EMPTY, encrypted=True),
         "✓ Connected (encrypted). The database “inventory” is empty: Inventory Desktop will "
         "set it up when it first opens it."),
    ],
)
def test_what_the_clerk_reads(qtbot, report, words):
    check = FakeCheck(report)
    dialog = open_dialog(qtbot, check)
    fill_server(qtbot, dialog)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.result.isVisible())
    assert dialog.result.text().startswith(words)
    qtbot.waitUntil(lambda: background_running() == 0)


def test_the_dialog_stays_responsive_busy_after_300ms_and_esc_stops_the_test(qtbot, check):
    check.gate.clear()  # the server takes its time
    dialog = open_dialog(qtbot, check)
    fill_server(qtbot, dialog)
    press(Qt.Key.Key_T, ALT)
    qtbot.waitUntil(lambda: dialog.testing)
    assert dialog.stop_button.isVisible()
    assert not dialog.busy.isVisible() and not dialog.save_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.busy.isVisible(), timeout=2000)  # after ~300 ms
    qtbot.keyClicks(dialog.user, "x")  # the GUI thread is free: typing works meanwhile
    assert dialog.user.text() == "dock1x"
    press(Qt.Key.Key_Escape)
    assert not dialog.testing and dialog.isVisible()  # Esc stopped the test, not the dialog
    assert dialog.result.text() == "Test stopped." and not dialog.busy.isVisible()
    check.gate.set()  # the late answer is dropped
    qtbot.waitUntil(lambda: background_running() == 0)
    QApplication.processEvents()
    assert dialog.result.text() == "Test stopped."
    press(Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_a_failed_test_offers_save_anyway(qtbot, _private_settings, pgpass):
    check = FakeCheck(ConnectionReport(Problem.UNREACHABLE, "Connection refused"))
    dialog = open_dialog(qtbot, check)
    fill_server(qtbot, dialog)
    press(Qt.Key.Key_Return)  # Save tests first
    qtbot.waitUntil(lambda: dialog.save_button.text() == "Save &anyway")
    assert dialog.result.text().startswith("✕ No database server answers at db.site")
    assert dialog.result.toolTip() == "Connection refused"
    assert not (_private_settings / "settings.json").exists() and dialog.isVisible()
    with qtbot.waitSignal(dialog.saved):
        press(Qt.Key.Key_Return)
    assert saved_file(_private_settings)["database_url"] == SITE.url()
    qtbot.waitUntil(lambda: background_running() == 0)


def test_editing_after_a_failure_tests_again(qtbot):
    check = FakeCheck(ConnectionReport(Problem.WRONG_PASSWORD))
    dialog = open_dialog(qtbot, check)
    fill_server(qtbot, dialog)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.save_button.text() == "Save &anyway")
    qtbot.keyClicks(dialog.password, "!")
    assert dialog.save_button.text() == "&Save"
    qtbot.waitUntil(lambda: background_running() == 0)


def test_a_check_that_raises_is_shown_not_lost(qtbot):
    check = FakeCheck(RuntimeError("boom"))
    dialog = open_dialog(qtbot, check)
    fill_server(qtbot, dialog)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.result.isVisible())
    assert dialog.result.text() == "✕ Could not connect: boom" and not dialog.testing
    qtbot.waitUntil(lambda: background_running() == 0)


def test_missing_fields_are_named_and_focused(qtbot, check):
    dialog = open_dialog(qtbot, check)
    press(Qt.Key.Key_R, ALT)
    qtbot.waitUntil(dialog.server.isChecked)
    press(Qt.Key.Key_T, ALT)
    qtbot.waitUntil(dialog.result.isVisible)
    assert dialog.result.text() == "Type the server's name (Host)."
    assert QApplication.focusWidget() is dialog.host and not check.urls
    qtbot.keyClicks(dialog.host, "db.site")
    dialog.test_button.click()
    assert dialog.result.text() == "Type your user name."
    assert QApplication.focusWidget() is dialog.user


def test_standalone_is_a_choice_too(qtbot, check, _private_settings):
    save_settings(database_url=SITE.url())
    dialog = open_dialog(qtbot, check, current_url=SITE.url(), standalone=False)
    assert dialog.server.isChecked() and dialog.host.text() == "db.site"
    assert dialog.tls.currentData() == "require"
    assert dialog.password.placeholderText() == "saved — leave empty to keep it"
    press(Qt.Key.Key_L, ALT)  # standa&lone
    qtbot.waitUntil(dialog.standalone.isChecked)
    assert not dialog.server_form.isEnabled() and not dialog.test_button.isEnabled()
    with qtbot.waitSignal(dialog.saved) as saved:
        press(Qt.Key.Key_Return)
    assert saved.args == [None]
    assert saved_file(_private_settings)["database_url"] is None
    assert load_settings().connection_chosen is True and not check.urls


def test_an_empty_password_keeps_the_saved_one(qtbot, check, pgpass):
    backend = MemoryKeyring()
    backend.set_password(KEYRING_SERVICE, SITE.key, "from-the-keyring")
    keyring.set_keyring(backend)
    dialog = open_dialog(qtbot, check, current_url=SITE.url(), standalone=False)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    assert check.urls == [SITE.url("from-the-keyring")]  # read off the GUI thread
    assert backend.passwords == {(KEYRING_SERVICE, SITE.key): "from-the-keyring"}
    assert not pgpass.exists()


def test_the_real_check_against_the_session_server(qtbot, database_url):
    from inventory_desktop.repository.probe import check_connection

    address = ServerAddress.from_url(database_url)  # a Unix socket directory as the host
    dialog = open_dialog(qtbot, check_connection)
    fill_server(qtbot, dialog, host=address.host, user=address.user, password="")
    dialog.tls.setCurrentIndex(dialog.tls.findData("disable"))
    dialog.database.setText(address.database)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.result.isVisible(), timeout=15000)
    assert dialog.result.text() == ("✓ Connected (not encrypted). “inventory” is an Inventory "
                                    "database, ready to use.")
    qtbot.waitUntil(lambda: background_running() == 0)


# --- first run and the menu ------------------------------------------------------------------


def test_first_run_asks_and_the_second_run_does_not(check):
    asked = []

    def choose():
        asked.append(True)
        save_settings(database_url=None, connection_chosen=True)  # what the dialog does
        return True, None

    nothing_yet = lambda: False  # noqa: E731 - no standalone database on this computer
    assert app_mod.first_run_choice(None, load_settings(), choose=choose,
                                    standalone_exists=nothing_yet) == (True, None)
    assert asked == [True]
    assert app_mod.first_run_choice(None, load_settings(), choose=choose,
                                    standalone_exists=nothing_yet) == (True, None)
    assert asked == [True]


def test_no_question_when_a_database_is_configured_or_already_made(check, monkeypatch):
    def never():
        raise AssertionError("asked")

    url = "postgresql://dock1@db.site/inventory"
    assert app_mod.first_run_choice(url, load_settings(), choose=never,
                                    standalone_exists=lambda: False) == (True, url)
    assert app_mod.first_run_choice(None, load_settings(), choose=never,
                                    standalone_exists=lambda: True) == (True, None)


def test_the_first_run_dialog_by_keyboard(qtbot, check, _private_settings):
    seen = []

    def answer(dialog):
        seen.append((type(dialog), dialog.first_run, dialog.standalone.isChecked(),
                     dialog.cancel_button.text()))
        press(Qt.Key.Key_Return)

    when_the_modal_dialog_has_focus(answer)
    assert choose_first_connection(check) == (True, None)
    assert seen == [(ConnectionDialog, True, True, "&Quit")]
    assert saved_file(_private_settings)["connection_chosen"] is True


def test_quitting_the_first_run_question_saves_nothing(qtbot, check, _private_settings):
    when_the_modal_dialog_has_focus(lambda dialog: press(Qt.Key.Key_Q, ALT))
    assert choose_first_connection(check) == (False, None)
    assert not (_private_settings / "settings.json").exists()


def test_file_connection_is_in_the_menu_with_its_own_key(qtbot, worker):
    assert shortcuts.clashes(shortcuts.current()) == {}
    window = MainWindow(worker)
    qtbot.addWidget(window)
    action = window.actions_by_id["app.connection"]
    assert action.shortcut().toString() == "Ctrl+Shift+D"
    file_menu = window.menuBar().actions()[0].menu()
    assert action in file_menu.actions()
    with qtbot.waitSignal(window.connection_requested):
        action.trigger()


def test_the_menu_opens_the_dialog_and_says_when_it_takes_effect(qtbot, check, fake_repo,
                                                                   monkeypatch):
    monkeypatch.setattr(app_mod, "make_connect", lambda url, station: (lambda: fake_repo, None))
    monkeypatch.setattr(app_mod, "connection_check", lambda: check)
    window, worker, _server = app_mod.build(None, load_settings())
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    press(Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = window.findChild(ConnectionDialog)
    assert dialog is not None and dialog.isVisible() and dialog.standalone.isChecked()
    assert cd.RESTART_NOTE in dialog.findChildren(type(dialog.result))[0].text()
    dialog.server.setChecked(True)
    dialog.host.setText("db.site")
    dialog.user.setText("dock1")
    dialog.tls.setCurrentIndex(dialog.tls.findData("require"))
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    box = window.findChild(cd.QMessageBox, "connection-saved")
    assert box is not None and cd.RESTART_NOTE in box.text()
    assert load_settings().database_url == SITE.url()
    box.close()
    app_mod.shutdown(worker, None, window.live)


def test_the_dialog_says_when_the_command_line_overrides_it(qtbot, check):
    parent = cd.QWidget()
    qtbot.addWidget(parent)
    dialog = edit_connection(parent, check, "postgresql://dock9:pw@other/inventory")
    assert "command line or in INVENTORY_DATABASE_URL" in dialog.note.text()
    assert dialog.host.text() == "other" and dialog.standalone.isChecked()
    dialog.close()
    save_settings(database_url="postgresql://dock9@other/inventory")
    again = edit_connection(parent, check, "postgresql://dock9@other/inventory")
    assert not again.note.text() and again.server.isChecked()
    again.close()
