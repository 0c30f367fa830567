"""Wiring: settings → database URL → worker → main window. The one place that knows everything.

The window shows at once; the database (the standalone server too, ~1 s on its first run)
is opened by the worker on its own thread while the status bar says so. On exit the worker
is stopped first (its connection closed), then the standalone server.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from inventory_desktop import APP_NAME, __version__
from inventory_desktop.config import Settings
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.errors import install_excepthooks
from inventory_desktop.ui.main_window import MainWindow
from inventory_desktop.ui.worker import DatabaseWorker

if TYPE_CHECKING:  # pragma: no cover
    from inventory_desktop.repository import Repository
    from inventory_desktop.repository.standalone import StandaloneServer

log = logging.getLogger(__name__)

STANDALONE_LABEL = "standalone (this computer)"


def resources_dir() -> Path:
    """``resources/`` beside the package in a checkout; inside a PyInstaller bundle too."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def make_connect(
    url: str | None, station: str | None
) -> tuple[Callable[[], Repository], StandaloneServer | None]:
    """The worker's ``connect`` (runs on the worker thread) and the standalone server, if any."""
    from inventory_desktop.repository import Repository

    if url is not None:
        return (lambda: Repository.connect(url, station=station)), None

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
    app.setApplicationDisplayName("Inventory Desktop")
    app.setApplicationVersion(__version__)
    style = resources_dir() / "style.qss"
    if style.is_file():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
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
    window = MainWindow(
        worker,
        page_size=settings.page_size,
        low_stock_threshold=settings.low_stock_threshold,
        station=settings.station or socket.gethostname(),
    )
    return window, worker, server


def shutdown(worker: DatabaseWorker, server: StandaloneServer | None) -> bool:
    """Stop the worker (closing its connection), then the standalone server. False when the
    worker thread was stuck on a dead server and is still running."""
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
    window, worker, server = build(url, settings)
    worker.start()  # opens the database on its own thread; the window shows meanwhile
    window.show()
    try:
        code = app.exec()
    finally:
        joined = shutdown(worker, server)
    if not joined:
        # A call is stuck on a server that went away; don't let it hold the clerk's exit.
        logging.shutdown()
        os._exit(code)
    return code
