"""Whole stations for two-station UI tests: a MainWindow, its own DatabaseWorker and its own
live listener, on the test PostgreSQL. ``Stations`` stops every worker and listener and checks
that no listener thread is left running.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from inventory_desktop.repository import Repository
from inventory_desktop.ui.live import LiveUpdates
from inventory_desktop.ui.main_window import MainWindow
from inventory_desktop.ui.worker import DatabaseWorker


@dataclass
class Station:
    name: str
    window: MainWindow
    worker: DatabaseWorker
    live: LiveUpdates


class Stations:
    def __init__(self, qtbot: Any, url: str) -> None:
        self._qtbot = qtbot
        self._url = url
        self.made: list[Station] = []

    def open(self, name: str, *, page_size: int = 100) -> Station:
        """A station up and listening, its lists loaded."""
        url = self._url
        worker = DatabaseWorker(
            lambda: Repository.connect(url, station=name, migrate=False))
        live = LiveUpdates(poll_interval=0.5)
        live.follow(worker, url)
        window = MainWindow(worker, page_size=page_size, station=name, live=live)
        station = Station(name, window, worker, live)
        self.made.append(station)
        self._qtbot.addWidget(window)
        window.show()
        with self._qtbot.waitSignal(worker.state_changed, timeout=10_000,
                                    check_params_cb=lambda state, _d: state == "connected"):
            worker.start()
        self._qtbot.waitUntil(lambda: live.is_connected, timeout=10_000)
        self._qtbot.waitUntil(lambda: window.products.model.total is not None
                              and window.orders.model.total is not None, timeout=10_000)
        self._qtbot.waitUntil(lambda: worker.pending == 0)  # the first refresh included
        return station

    def close(self) -> None:
        for station in self.made:
            station.live.stop()
            assert station.worker.stop(timeout_ms=5000), f"{station.name}: worker stuck"
        leaked = [t for t in threading.enumerate() if t.name == "change-listener"]
        assert not leaked, "a change listener thread is still running"

    def __enter__(self) -> Stations:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
