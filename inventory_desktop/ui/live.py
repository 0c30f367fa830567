"""Live updates: what other stations change, delivered to the GUI thread as Qt signals.

The ``ChangeListener`` (``repository/listener.py``) has its own thread and connection, and
calls back on that thread. Here each callback becomes a queued signal, so every slot runs on
the GUI thread. The windows then fetch fresh values of the rows they show through the one
database worker (``PendingFetch``): the listener only says *which* rows changed.

The listener starts the first time the worker connects (the standalone server is only up by
then) and stops when the worker goes offline, so on exit its connection is gone before the
standalone server is stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QWidget,
)

from inventory_desktop.errors import DatabaseUnavailable, InventoryError, LockTimeout
from inventory_desktop.repository.listener import Change, ChangeListener
from inventory_desktop.ui.worker import CONNECTED, OFFLINE, DatabaseWorker

log = logging.getLogger(__name__)

__all__ = [
    "LIVE_CONNECTED", "LIVE_CONNECTING", "LIVE_RECONNECTING", "LIVE_STOPPED",
    "Change", "ChangedBanner", "LiveUpdates", "PendingFetch", "keep_scroll_on_insert",
]

LIVE_STOPPED, LIVE_CONNECTING = "stopped", "connecting"
LIVE_CONNECTED, LIVE_RECONNECTING = "connected", "reconnecting"

ListenerFactory = Callable[..., Any]  # ChangeListener's signature; tests pass a fake


class LiveUpdates(QObject):
    """Owns one ``ChangeListener``; re-emits its news on the GUI thread."""

    changed = Signal(object)  # a Change (table, rows of (id, version) or None for "reload all")
    state_changed = Signal(str, str)  # stopped / connecting / connected / reconnecting, detail

    # Emitted on the listener's thread; queued, so the slots below run on the GUI thread.
    _heard = Signal(object)
    _heard_state = Signal(str, str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        poll_interval: float = 15.0,
        listener_factory: ListenerFactory = ChangeListener,
    ) -> None:
        super().__init__(parent)
        self.state = LIVE_STOPPED
        self.detail = ""
        self._poll_interval = poll_interval
        self._factory = listener_factory
        self._listener: Any = None
        self._closed = False  # stop() is final: a late "worker connected" must not restart it
        self._worker: DatabaseWorker | None = None
        self._url: str | Callable[[], str] = ""
        self._heard.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._heard_state.connect(self._set_state, Qt.ConnectionType.QueuedConnection)

    @property
    def is_connected(self) -> bool:
        return self.state == LIVE_CONNECTED

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self, url: str, station: str) -> None:
        if self._listener is not None or self._closed:
            return
        self._listener = self._factory(
            url,
            station=station or "station",
            on_change=self._heard.emit,
            on_state=self._heard_state.emit,
            poll_interval=self._poll_interval,
        )
        self._set_state(LIVE_CONNECTING, "")
        self._listener.start()

    def stop(self) -> None:
        """Closes the listener's connection at once (its thread waits on a pipe too)."""
        self._closed = True
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
        self._set_state(LIVE_STOPPED, "")

    def follow(self, worker: DatabaseWorker, url: str | Callable[[], str]) -> None:
        """Start when ``worker`` first connects, with its station; stop when it goes offline.

        ``url`` may be a callable: the standalone server's address is only sure once the
        worker has started it.
        """
        self._worker = worker
        self._url = url
        worker.state_changed.connect(self._worker_state)

    @Slot(str, str)
    def _worker_state(self, state: str, _detail: str) -> None:
        if state == CONNECTED and self._listener is None and self._worker is not None:
            try:
                url = self._url() if callable(self._url) else self._url
            except Exception:  # no live updates is no reason to stop the clerk: lists poll
                log.exception("live updates: no address to listen on")
                return
            self.start(url, self._worker.station)
        elif state == OFFLINE and self._listener is not None:
            self.stop()

    @Slot(object)
    def _deliver(self, change: Change) -> None:
        if self._listener is not None:  # news queued before stop() is not wanted any more
            self.changed.emit(change)

    @Slot(str, str)
    def _set_state(self, state: str, detail: str) -> None:
        if self._listener is None and state != LIVE_STOPPED:
            return  # a late word from a listener already stopped
        if (state, detail) != (self.state, self.detail):
            self.state, self.detail = state, detail
            self.state_changed.emit(state, detail)


class PendingFetch(QObject):
    """Collects the ids of changed rows; fetches them through the worker, one call in flight.

    A burst of announcements (a 100-line order, a catch-up after a reconnect) becomes one
    query, not one per notification: ids are gathered until control returns to the event loop,
    and ids that arrive while a fetch runs go into the next one. When the worker has lost the
    server, the ids are kept and fetched again as soon as it reconnects.
    """

    def __init__(
        self,
        worker: DatabaseWorker,
        fetch: Callable[[frozenset[int]], Callable[[Any], Any]],
        apply: Callable[[Any], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._worker = worker
        self._fetch = fetch
        self._apply = apply
        self._ids: set[int] = set()
        self._in_flight = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)  # the end of this event-loop turn: coalesces, costs nothing
        self._timer.timeout.connect(self._flush)
        worker.state_changed.connect(self._worker_state)

    @property
    def idle(self) -> bool:
        return not (self._ids or self._in_flight)

    def add(self, ids: Iterable[int]) -> None:
        self._ids.update(ids)
        if self._ids and not self._in_flight:
            self._timer.start()

    @Slot()
    def _flush(self) -> None:
        if self._in_flight or not self._ids or not self._worker.is_connected:
            return  # not connected: _worker_state flushes once it is
        ids = frozenset(self._ids)
        self._ids.clear()
        self._in_flight = True
        self._worker.run(self._fetch(ids), owner=self).success(self._arrived).failure(
            lambda error: self._failed(ids, error))

    def _arrived(self, value: Any) -> None:
        self._in_flight = False
        self._apply(value)
        if self._ids:
            self._timer.start()

    def _failed(self, ids: frozenset[int], error: InventoryError) -> None:
        self._in_flight = False
        if isinstance(error, LockTimeout):  # the server is fine, a row was busy: again soon
            self._ids.update(ids)
        elif isinstance(error, DatabaseUnavailable):
            self._ids.update(ids)  # the worker reconnects; _worker_state tries again then
            return
        else:
            log.warning("live update fetch failed: %s", error)
        if self._ids:
            self._timer.start()

    @Slot(str, str)
    def _worker_state(self, state: str, _detail: str) -> None:
        if state == CONNECTED and self._ids:
            self._timer.start()


def keep_scroll_on_insert(table: QTableView) -> None:
    """Rows inserted above the first visible one (a new order on top) must not push what the
    clerk is reading down; at the very top the new rows simply show."""

    def inserted(_parent: Any, first: int, last: int) -> None:
        bar = table.verticalScrollBar()
        if bar.value() == 0 or first > table.rowAt(0):
            return
        table.doItemsLayout()  # the new scroll range, or setValue would be clamped to the old
        if table.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerItem:
            step = last - first + 1
        else:
            step = sum(table.rowHeight(row) for row in range(first, last + 1))
        bar.setValue(bar.value() + step)

    table.model().rowsInserted.connect(inserted)


class ChangedBanner(QFrame):
    """An inline note in a dialog: "Changed at station B at 10:14 — Reload"."""

    reload_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changed-banner")
        # A default look; resources/style.qss may restyle #changed-banner.
        self.setStyleSheet("#changed-banner { background: #fff3cd; border: 1px solid #ffda6a;"
                           " border-radius: 4px; }")
        self.label = QLabel()
        self.label.setObjectName("changed-banner-text")
        self.label.setWordWrap(True)
        self.reload_button = QPushButton(self.tr("&Reload"))
        self.reload_button.setObjectName("changed-banner-reload")
        self.reload_button.setAutoDefault(False)  # Enter still belongs to the dialog's fields
        self.reload_button.clicked.connect(self.reload_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reload_button)
        self.hide()

    def show_message(self, text: str, *, offer_reload: bool = False) -> None:
        # A symbol as well as the colour, so the note is not told by colour alone.
        self.label.setText(f"⟳ {text}")
        self.reload_button.setVisible(offer_reload)
        self.show()

    def clear(self) -> None:
        self.label.clear()
        self.hide()
