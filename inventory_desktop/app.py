"""Wiring: settings → database URL → worker → main window. The one place that knows everything.

The window shows at once; the database (the standalone server too, ~1 s on its first run)
is opened by the worker on its own thread while the status bar says so. The change
listener (live updates from other stations) starts once the worker has connected. On exit
the listener and the worker are stopped first (their connections closed), then the
standalone server.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from inventory_desktop import APP_NAME, __version__
from inventory_desktop.config import Settings
from inventory_desktop.credentials import with_saved_password
from inventory_desktop.resources import resources_dir
from inventory_desktop.ui import shortcuts, theme
from inventory_desktop.ui.connection_dialog import (
    ConnectionMenu,
    choose_first_connection,
    wait_for_background,
)
from inventory_desktop.ui.errors import install_excepthooks
from inventory_desktop.ui.i18n import install_translators
from inventory_desktop.ui.live import LiveUpdates
from inventory_desktop.ui.main_window import MainWindow
from inventory_desktop.ui.worker import DatabaseWorker

if TYPE_CHECKING:  # pragma: no cover
    from inventory_desktop.domain.connection import ConnectionReport
    from inventory_desktop.repository import Repository
    from inventory_desktop.repository.standalone import StandaloneServer

log = logging.getLogger(__name__)

STANDALONE_LABEL = "standalone (this computer)"


def make_connect(
    url: str | None, station: str | None
) -> tuple[Callable[[], Repository], StandaloneServer | None]:
    """The worker's ``connect`` (runs on the worker thread) and the standalone server, if any."""
    from inventory_desktop.repository import Repository

    if url is not None:
        # A saved URL has no password: the keyring's goes in here, on the worker thread, in
        # memory only; without one libpq reads ~/.pgpass itself.
        return (lambda: Repository.connect(with_saved_password(url), station=station)), None

    from inventory_desktop.repository.standalone import StandaloneServer

    server = StandaloneServer()

    def connect_standalone() -> Repository:
        repo = Repository.connect(server.start(), station=station)
        repo.server_label = STANDALONE_LABEL
        return repo

    return connect_standalone, server


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv or sys.argv[:1]))
    app.setOrganizationName("inventory-desktop")
    app.setApplicationName(APP_NAME)
    # No application display name: Qt would append it to every window title on X11 and
    # Windows, and the main window's title already starts with it ("Inventory Desktop — <station>
    # — <server>", ui/main_window.py).
    app.setApplicationVersion(__version__)
    style = resources_dir() / "style.qss"
    if style.is_file():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    theme.install(app)  # Fusion, with a light or dark palette that follows the system
    app.setWindowIcon(theme.app_icon())
    install_translators(app)  # the clerk's language, when we ship it
    return app


def build(url: str | None, settings: Settings) -> tuple[MainWindow, DatabaseWorker,
                                                      StandaloneServer | None]:
    """The window and its worker, not yet started (tests call this with a fake connect)."""
    shortcuts.install(settings.shortcuts)
    connect, server = make_connect(url, settings.station)
    worker = DatabaseWorker(
        connect,
        connecting_detail="Starting the local database…" if server else "Connecting…",
    )
    live = LiveUpdates()
    # The standalone server's address is only sure once the worker has started it.
    live.follow(worker, (lambda: with_saved_password(url)) if url is not None  # type: ignore[arg-type]
                else (lambda: server.url))  # type: ignore[union-attr]
    window = MainWindow(
        worker,
        page_size=settings.page_size,
        low_stock_threshold=settings.low_stock_threshold,
        station=settings.station or socket.gethostname(),
        live=live,  # kept there, unparented: it must outlive the window until shutdown()
    )
    ConnectionMenu(window, connection_check, url)  # File → Connection…
    return window, worker, server


def connection_check() -> Callable[[str], ConnectionReport]:
    """The repository's connection test, for the connection dialog (which may not import it)."""
    from inventory_desktop.repository.probe import check_connection

    return check_connection


def standalone_created() -> bool:
    """Has this computer a standalone database already (the app ran here before)?"""
    from inventory_desktop.repository.standalone import StandaloneServer

    try:
        return StandaloneServer().data_dir.exists()
    except Exception:  # no PostgreSQL binaries, unreadable directory: nothing made yet
        log.debug("cannot tell whether a standalone database exists", exc_info=True)
        return False


def first_run_choice(
    url: str | None,
    settings: Settings,
    *,
    choose: Callable[[], tuple[bool, str | None]] | None = None,
    standalone_exists: Callable[[], bool] = standalone_created,
) -> tuple[bool, str | None]:
    """``(go on, url)``. With nothing configured and no standalone database made yet (the
    very first run on this computer) the clerk chooses: standalone or the site server."""
    if url is not None or settings.connection_chosen or standalone_exists():
        return True, url
    if choose is None:
        return choose_first_connection(connection_check())
    return choose()


def shutdown(worker: DatabaseWorker, server: StandaloneServer | None,
             live: LiveUpdates | None = None) -> bool:
    """Stop the change listener and the worker (closing their connections), then the
    standalone server. False when the worker thread was stuck on a dead server and is
    still running."""
    if live is not None:
        live.stop()
    joined = worker.stop()
    if server is not None:
        try:
            server.stop(only_if_unused=True)
        except Exception:
            log.exception("stopping the standalone database failed")
    return joined


def run(url: str | None, settings: Settings, argv: Sequence[str] | None = None) -> int:
    app = create_application(argv)
    install_excepthooks()
    go_on, url = first_run_choice(url, settings)
    if not go_on:
        return 0  # the clerk quit the first-run question; it is asked again next time
    window, worker, server = build(url, settings)
    worker.start()  # opens the database on its own thread; the window shows meanwhile
    window.show()
    try:
        code = app.exec()
    finally:
        joined = shutdown(worker, server, window.live)
        joined = wait_for_background(6000) and joined  # a connection test still running
    if not joined:
        # A call is stuck on a server that went away; don't let it hold the clerk's exit.
        logging.shutdown()
        os._exit(code)
    return code
