"""The one database worker: a single thread owns the Repository; the GUI sends it operations.

Shape after anki's ``aqt/operations`` + ``taskman`` (one collection thread) and superqt's typed
worker signals::

    worker.run(lambda repo: repo.products.get(42), owner=self) \\
        .success(self.show_product) \\
        .failure(self.show_problem)

``call(repo)`` runs on the worker thread, in submission order. A frozen value comes back to
``success``, an ``InventoryError`` to ``failure`` (or, with no failure handler, the default
clerk message). Anything else is a bug: it goes to the one error dialog (``ui/errors.py``)
and reaches ``failure`` as ``UnexpectedError``. The GUI thread never waits for the database.

When the connection drops (``DatabaseUnavailable``), the worker says "reconnecting", retries
with backoff (0.5 s, 1 s, 2 s … 10 s) from a QTimer on its own thread, and says "connected"
when the server answers again. The failed operation is not re-run: the caller decides.
Operations submitted while reconnecting fail at once with ``DatabaseUnavailable``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from inventory_desktop.errors import DatabaseUnavailable, InventoryError, LockTimeout
from inventory_desktop.ui.errors import UnexpectedError, format_details, show_exception

if TYPE_CHECKING:  # pragma: no cover
    from inventory_desktop.repository import Repository

log = logging.getLogger(__name__)

T = TypeVar("T")

CONNECTING, CONNECTED, RECONNECTING, OFFLINE = "connecting", "connected", "reconnecting", "offline"
BUSY_AFTER_MS = 300
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 10.0

_OK, _ERROR, _UNEXPECTED = 0, 1, 2

# Threads that did not end within stop()'s wait: kept alive, because destroying a running
# QThread aborts the process. The process exits without them.
_stuck_threads: list[QThread] = []


class Operation(QObject, Generic[T]):
    """One database call in flight. Handlers run on the GUI thread, once."""

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, owner: QObject | None = None) -> None:
        super().__init__()
        self._owner = weakref.ref(owner) if owner is not None else None
        self._on_success: list[Callable[[T], None]] = []
        self._on_failure: list[Callable[[InventoryError], None]] = []
        self._outcome: tuple[bool, Any] | None = None

    @property
    def done(self) -> bool:
        return self._outcome is not None

    def success(self, fn: Callable[[T], None]) -> Operation[T]:
        self._on_success.append(fn)
        if self._outcome is not None and self._outcome[0] and self._owner_alive():
            _call_guarded(fn, self._outcome[1])
        return self

    def failure(self, fn: Callable[[InventoryError], None]) -> Operation[T]:
        self._on_failure.append(fn)
        if self._outcome is not None and not self._outcome[0] and self._owner_alive():
            _call_guarded(fn, self._outcome[1])
        return self

    def _owner_alive(self) -> bool:
        if self._owner is None:
            return True
        owner = self._owner()
        return owner is not None and shiboken6.isValid(owner)

    def _deliver(self, ok: bool, payload: Any) -> None:
        if self._outcome is not None:
            return
        self._outcome = (ok, payload)
        if not self._owner_alive():
            return  # the window that asked is gone: drop the answer silently
        if ok:
            for fn in self._on_success:
                _call_guarded(fn, payload)
            self.succeeded.emit(payload)
        else:
            if self._on_failure:
                for fn in self._on_failure:
                    _call_guarded(fn, payload)
            else:
                from inventory_desktop.ui.messages import show_error

                owner = self._owner() if self._owner is not None else None
                parent = owner if owner is not None and owner.isWidgetType() else None
                show_error(payload, parent)  # type: ignore[arg-type]
            self.failed.emit(payload)
        self.finished.emit()


def _call_guarded(fn: Callable[[Any], None], value: Any) -> None:
    try:
        fn(value)
    except Exception as exc:  # a bug in a handler: the one error dialog, not a dead GUI
        show_exception(exc)


class _Executor(QObject):
    """Lives on the worker thread. Everything here runs there."""

    done = Signal(int, int, object)  # operation id, outcome, value / error
    state = Signal(str, str)
    connected = Signal(str, str)  # station, server label
    connect_failed = Signal(object)

    def __init__(self, connect: Callable[[], Repository], home: QThread, detail: str) -> None:
        super().__init__()
        self._connect = connect
        self._connecting_detail = detail
        self._home = home
        self._repo: Repository | None = None
        self._label = ""
        self.stopping = threading.Event()
        self._backoff = BACKOFF_FIRST_S
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._attempt)

    @Slot()
    def open(self) -> None:
        self.state.emit(CONNECTING, self._connecting_detail)
        self._attempt()

    @Slot()
    def retry_now(self) -> None:
        if self._retry.isActive():
            self._retry.stop()
            self._attempt()

    @Slot()
    def _attempt(self) -> None:
        if self.stopping.is_set():
            return
        try:
            if self._repo is None:
                self._repo = self._connect()
                self._label = str(getattr(self._repo, "server_label", "") or "")
            else:
                self._repo.ping()
        except DatabaseUnavailable as exc:
            self._schedule_retry(exc)
        except InventoryError as exc:  # schema too new, standalone failed: retrying won't help
            self.state.emit(OFFLINE, str(exc))
            self.connect_failed.emit(exc)
        except Exception as exc:
            error = UnexpectedError(exc, format_details(exc))
            show_exception(exc, error.details)
            self.state.emit(OFFLINE, str(exc))
            self.connect_failed.emit(error)
        else:
            self._backoff = BACKOFF_FIRST_S
            station = str(getattr(self._repo, "station", "") or "")
            self.connected.emit(station, self._label)
            self.state.emit(CONNECTED, self._label)

    def _schedule_retry(self, exc: DatabaseUnavailable) -> None:
        delay = self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX_S)
        log.info("database unavailable (%s); next try in %.1f s", exc, delay)
        self.state.emit(RECONNECTING, self.tr("{} — next try in {:g} s").format(
            self._label or exc.detail, delay))
        self._retry.start(int(delay * 1000))

    @Slot(int, object)
    def execute(self, op_id: int, call: Callable[[Repository], Any]) -> None:
        if self.stopping.is_set():
            return
        if self._repo is None or self._retry.isActive():
            self.done.emit(
                op_id, _ERROR, DatabaseUnavailable(self.tr("not connected to the server")))
            return
        try:
            value = call(self._repo)
        except LockTimeout as exc:  # the server is fine, a row was busy
            self.done.emit(op_id, _ERROR, exc)
        except DatabaseUnavailable as exc:
            self.done.emit(op_id, _ERROR, exc)
            if not self._retry.isActive():
                self._schedule_retry(exc)
        except InventoryError as exc:
            self.done.emit(op_id, _ERROR, exc)
        except Exception as exc:
            self.done.emit(op_id, _UNEXPECTED, UnexpectedError(exc, format_details(exc)))
        else:
            self.done.emit(op_id, _OK, value)

    @Slot()
    def close(self) -> None:
        self._retry.stop()
        repo, self._repo = self._repo, None
        if repo is not None:
            try:
                closer = getattr(repo, "close", None)
                if closer is not None:
                    closer()
                else:
                    repo.__exit__(None, None, None)
            except Exception:
                log.exception("closing the repository failed")
        # Hand this object back to the GUI thread so it is destroyed there, then end the loop.
        self.moveToThread(self._home)
        QThread.currentThread().quit()


class DatabaseWorker(QObject):
    """Owns the one Repository on one QThread; operations run in submission order."""

    state_changed = Signal(str, str)  # connecting / connected / reconnecting / offline, detail
    busy_changed = Signal(bool)  # an operation has been running for more than ~300 ms
    connection_failed = Signal(object)  # an InventoryError that retrying will not fix

    _submit = Signal(int, object)
    _open = Signal()
    _close = Signal()
    _retry_now = Signal()

    def __init__(
        self,
        connect: Callable[[], Repository],
        parent: QObject | None = None,
        *,
        connecting_detail: str = "",
    ) -> None:
        """``connect`` is called on the worker thread and returns an open Repository.
        ``connecting_detail`` is what the status bar says meanwhile ("Starting the local
        database…")."""
        super().__init__(parent)
        self.station = ""
        self.server_label = ""
        self.state = OFFLINE
        self.detail = ""
        self._ids = itertools.count(1)
        self._ops: dict[int, Operation[Any]] = {}
        self._started = False
        self._stopped = False
        self._busy = False
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(self._on_busy)

        self._thread = QThread()
        self._thread.setObjectName("inventory-database-worker")
        self._executor = _Executor(connect, self.thread(), connecting_detail)
        self._executor.moveToThread(self._thread)
        self._submit.connect(self._executor.execute)
        self._open.connect(self._executor.open)
        self._close.connect(self._executor.close)
        self._retry_now.connect(self._executor.retry_now)
        self._executor.done.connect(self._on_done)
        self._executor.state.connect(self._on_state)
        self._executor.connected.connect(self._on_connected)
        self._executor.connect_failed.connect(self.connection_failed)

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._on_state(CONNECTING, self._executor._connecting_detail)  # said at once, here
        self._thread.start()
        self._open.emit()

    def stop(self, timeout_ms: int = 3000) -> bool:
        """Finish the current operation, drop queued ones, close the repository, join.

        Returns False if the thread did not end within ``timeout_ms`` (a call stuck on a dead
        server); the caller may then exit the process anyway.
        """
        if self._stopped:
            return True
        self._stopped = True
        self._busy_timer.stop()
        self._set_busy(False)
        self._ops.clear()  # their answers will never be shown
        if not self._started:
            return True
        self._executor.stopping.set()
        self._close.emit()
        joined = self._thread.wait(timeout_ms)
        if not joined:
            log.warning("database worker did not stop within %d ms", timeout_ms)
            _stuck_threads.append(self._thread)
        self._on_state(OFFLINE, "")
        return joined

    def retry_now(self) -> None:
        """Skip the backoff wait and try to reconnect at once (a 'Retry' button)."""
        if self._started and not self._stopped:
            self._retry_now.emit()

    @property
    def is_connected(self) -> bool:
        return self.state == CONNECTED

    # -- operations ---------------------------------------------------------------------------

    def run(self, call: Callable[[Repository], T], *, owner: QObject | None = None) -> Operation[T]:
        op: Operation[T] = Operation(owner)
        if self._stopped:
            QTimer.singleShot(
                0,
                lambda: op._deliver(
                    False, DatabaseUnavailable(self.tr("the application is closing"))),
            )
            return op
        op_id = next(self._ids)
        self._ops[op_id] = op
        if len(self._ops) == 1:
            self._busy_timer.start()
        self._submit.emit(op_id, call)
        return op

    @property
    def pending(self) -> int:
        return len(self._ops)

    @Slot(int, int, object)
    def _on_done(self, op_id: int, outcome: int, payload: Any) -> None:
        op = self._ops.pop(op_id, None)
        if not self._ops:
            self._busy_timer.stop()
            self._set_busy(False)
        if op is None:
            return
        if outcome == _UNEXPECTED:
            show_exception(payload.exc, payload.details)
        op._deliver(outcome == _OK, payload)

    @Slot()
    def _on_busy(self) -> None:
        if self._ops:
            self._set_busy(True)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    @Slot(str, str)
    def _on_connected(self, station: str, label: str) -> None:
        self.station = station
        self.server_label = label

    @Slot(str, str)
    def _on_state(self, state: str, detail: str) -> None:
        if self._stopped and state != OFFLINE:
            return
        if (state, detail) == (self.state, self.detail):
            return
        self.state, self.detail = state, detail
        self.state_changed.emit(state, detail)
