"""Hear what other stations change: LISTEN on its own connection, in its own thread.

No Qt here: the GUI wraps ``on_change`` in a signal (``ui/live.py``). Notifications cannot be
missed while the connection is up; while it is down they are, so after every reconnect a
catch-up query asks for the rows changed since the last moment we were surely listening.
"""

from __future__ import annotations

import json
import logging
import os
import select
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from inventory_desktop.repository.engine import APPLICATION_PREFIX, CONNECT_TIMEOUT_S

__all__ = ["CHANNEL", "Change", "ChangeListener", "parse_payload"]

_logger = logging.getLogger(__name__)

CHANNEL = "inventory_changes"
TABLES = ("products", "orders")
# Catch-up looks this far before the last moment we knew we were listening: a transaction
# stamps updated_at when it starts, and may commit (and notify) a while later.
CATCH_UP_MARGIN = timedelta(minutes=2)
BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


@dataclass(frozen=True, slots=True)
class Change:
    """Rows of ``table`` that changed. ``rows`` None: too many to name, reload everything."""

    table: str
    rows: tuple[tuple[int, int], ...] | None  # (id, version)
    caught_up: bool = False  # found by the catch-up query rather than announced live

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(row_id for row_id, _ in self.rows or ())


def parse_payload(payload: str) -> Change | None:
    try:
        data = json.loads(payload)
        table = data["table"]
        rows = data["rows"]
        if table not in TABLES:
            return None
        parsed = None if rows is None else tuple((int(i), int(v)) for i, v in rows)
        return Change(table, parsed)
    except (ValueError, KeyError, TypeError):
        _logger.warning("ignoring a malformed change notification: %.200s", payload)
        return None


def libpq_params(url: str) -> dict[str, Any]:
    parsed = make_url(url)
    params: dict[str, Any] = {"dbname": parsed.database}
    for key, value in (
        ("host", parsed.host),
        ("port", parsed.port),
        ("user", parsed.username),
        ("password", parsed.password),
    ):
        if value is not None:
            params[key] = value
    params.update(parsed.query)
    return params


class ChangeListener:
    """One thread, one connection: calls ``on_change`` for every change another station makes.

    ``on_state(state, detail)`` reports "connected" / "reconnecting". Both callbacks run on the
    listener thread; keep them short (emit a signal).
    """

    def __init__(
        self,
        url: str,
        *,
        station: str,
        on_change: Callable[[Change], None],
        on_state: Callable[[str, str], None] | None = None,
        poll_interval: float = 15.0,
    ) -> None:
        self._params = libpq_params(url)
        self._params["application_name"] = (APPLICATION_PREFIX + station + " (listener)")[:63]
        self._params["connect_timeout"] = CONNECT_TIMEOUT_S
        self._on_change = on_change
        self._on_state = on_state or (lambda state, detail: None)
        self._poll_interval = poll_interval
        self._wake_r, self._wake_w = os.pipe()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening_since: datetime | None = None  # server time, last sure moment
        self.connected = threading.Event()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stops at once: the thread waits on a pipe as well as on the socket."""
        self._stopping.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # -- the thread ---------------------------------------------------------------------

    def _run(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                with psycopg.connect(**self._params, autocommit=True) as conn:
                    attempt = 0
                    self._listen(conn)
            except psycopg.Error as exc:
                if self._stopping.is_set():
                    break
                self.connected.clear()
                self._on_state("reconnecting", _first_line(exc))
                delay = BACKOFF[min(attempt, len(BACKOFF) - 1)]
                attempt += 1
                if self._sleep(delay):
                    break
            except Exception:  # never let the thread die silently: log and retry
                _logger.exception("change listener failed; retrying")
                if self._sleep(BACKOFF[-1]):
                    break

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(f"LISTEN {CHANNEL}")
        now = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
        if self._listening_since is not None:
            for change in self.catch_up(conn, self._listening_since - CATCH_UP_MARGIN):
                self._on_change(change)
        self._listening_since = now
        self.connected.set()
        self._on_state("connected", "")
        while not self._stopping.is_set():
            readable, _, _ = select.select(
                [conn.fileno(), self._wake_r], [], [], self._poll_interval
            )
            if self._wake_r in readable:
                return
            if not readable:
                # The light poll: proves the connection (a dead one raises) and moves the
                # catch-up mark forward.
                self._listening_since = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
                continue
            for notify in conn.notifies(timeout=0):
                change = parse_payload(notify.payload)
                if change is not None:
                    self._on_change(change)

    @staticmethod
    def catch_up(conn: psycopg.Connection[Any], since: datetime) -> list[Change]:
        """Rows changed since ``since`` (both tables), as changes marked ``caught_up``."""
        changes = []
        for table in TABLES:
            rows = conn.execute(
                f"SELECT id, version FROM {table} WHERE updated_at >= %s ORDER BY id",
                (since,),
            ).fetchall()
            if rows:
                changes.append(Change(table, tuple((r[0], r[1]) for r in rows), caught_up=True))
        return changes

    def _sleep(self, seconds: float) -> bool:
        """Wait, waking at once on stop. True when stopping."""
        readable, _, _ = select.select([self._wake_r], [], [], seconds)
        return bool(readable) or self._stopping.is_set()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
