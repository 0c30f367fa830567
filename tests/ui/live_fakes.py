"""A stand-in for the ChangeListener, for live-update tests that need no PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inventory_desktop.repository.listener import Change


class FakeListener:
    """Records how it was made; the test calls ``on_change`` / ``on_state`` as the thread would."""

    made: list[FakeListener] = []

    def __init__(self, url: str, *, station: str, on_change: Callable[[Change], None],
                 on_state: Callable[[str, str], None], poll_interval: float) -> None:
        self.url, self.station = url, station
        self.on_change, self.on_state = on_change, on_state
        self.started = self.stopped = False
        FakeListener.made.append(self)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.stopped = True

    def announce(self, table: str, *rows: tuple[int, int]) -> None:
        self.on_change(Change(table, tuple(rows)))

    def announce_bulk(self, table: str) -> None:
        self.on_change(Change(table, None))


def add_get_many(repo: Any) -> Any:
    """The fake repository with ``products.get_many`` (the real one has it)."""
    rows = repo.product_rows

    def get_many(ids: Any) -> list[Any]:
        repo._check()
        return [rows[i] for i in sorted(set(ids)) if i in rows]

    repo.products.get_many = get_many
    return repo
