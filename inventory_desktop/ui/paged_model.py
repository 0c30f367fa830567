"""A table model over a server-side query, fetched page by page (anki's browser table shape).

``canFetchMore`` / ``fetchMore`` only *request* the next page from the worker; rows are
inserted when it arrives. A new query (search text, sort, filter) bumps a generation counter,
so an answer to an older query is dropped however late it comes. The old rows stay on screen
until the new first page replaces them, so typing in the search field does not flicker.
``data()`` never queries: it reads the frozen values already here.

Live updates (another station changed rows) never reset the model: ``apply_fresh`` swaps the
newer values into their rows and emits ``dataChanged`` for those rows only, so selection and
scroll position stay. Such a row is marked for ~2 s (``ChangedRole``, a fading tint), so the
clerk's eye catches what moved.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from inventory_desktop.domain.validation import PAGE_LIMIT_MAX
from inventory_desktop.domain.values import Page
from inventory_desktop.errors import InventoryError
from inventory_desktop.ui.worker import DatabaseWorker

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex

SortRole = Qt.ItemDataRole.UserRole + 1  # a native value (Decimal, datetime, int) to sort by
ObjectRole = Qt.ItemDataRole.UserRole + 2  # the frozen row value itself
ChangedRole = Qt.ItemDataRole.UserRole + 3  # 0..1: how fresh another station's change is

CHANGED_TINT = QColor("#6ea8fe")  # blue: not the red/yellow of the stock levels
HIGHLIGHT_S = 2.0  # how long a row changed elsewhere stays marked
_HOLD = 0.4  # share of that time at full strength before the tint fades
_FADE_TICK_MS = 100
_Background = Qt.ItemDataRole.BackgroundRole


def _version(value: Any) -> Any:
    return getattr(value, "version", None)


def _runs(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows as (first, last) runs of neighbours: one dataChanged per run."""
    runs: list[tuple[int, int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    HEADERS: ClassVar[tuple[str, ...]] = ()

    loading_changed = Signal(bool)  # a request for the current query is in flight
    total_changed = Signal(int)  # rows matching on the server
    load_failed = Signal(object)  # InventoryError for the current query
    loaded = Signal()  # a page of the current query arrived

    def __init__(self, worker: DatabaseWorker, page_size: int = 200, parent=None) -> None:
        super().__init__(parent)
        self._worker = worker
        self.page_size = max(1, min(page_size, PAGE_LIMIT_MAX))
        self._rows: list[Row] = []
        self._total: int | None = None  # None until the first page of a query arrives
        self._generation = 0
        self._loading = False
        self.keeping_place = False  # True during a reset that should keep the clerk's place
        self.last_error: InventoryError | None = None
        self._by_key: dict[Any, int] | None = None  # key -> row, rebuilt after rows move
        self._marks: dict[Any, float] = {}  # key -> monotonic time it was changed elsewhere
        self._fade = QTimer(self)
        self._fade.setInterval(_FADE_TICK_MS)
        self._fade.timeout.connect(self._fade_tick)

    # -- what subclasses provide ---------------------------------------------------------

    def _query(self, offset: int, limit: int) -> Callable[[Any], Page[Row]]:
        """The repository call for one page of the current query (runs on the worker)."""
        raise NotImplementedError

    def _key(self, row: Row) -> Any:
        return getattr(row, "id")  # noqa: B009

    # -- Qt model API ----------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        role = role or Qt.ItemDataRole.DisplayRole
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            # HEADERS are marked with QT_TRANSLATE_NOOP("headers", …) where they are defined.
            return QCoreApplication.translate("headers", self.HEADERS[section])
        return super().headerData(section, orientation, role)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._total is None:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent) and not self._loading:
            self._request(len(self._rows), self.page_size, replace=False)

    # -- queries -------------------------------------------------------------------------

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def loading(self) -> bool:
        return self._loading

    def rows(self) -> list[Row]:
        return list(self._rows)

    def row_value(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: Any) -> int:
        if self._by_key is None:
            self._by_key = {self._key(value): i for i, value in enumerate(self._rows)}
        return self._by_key.get(key, -1)

    def _rows_moved(self) -> None:
        self._by_key = None

    def requery(self) -> None:
        """Start the current query afresh (after search, sort or filter changed)."""
        self._generation += 1
        self._request(0, self.page_size, replace=True)

    def reload(self) -> None:
        """F5: the same query again, as many rows as are loaded now (within one page call)."""
        self._generation += 1
        limit = min(max(self.page_size, len(self._rows)), PAGE_LIMIT_MAX)
        self._request(0, limit, replace=True)

    def replace_row(self, value: Row) -> bool:
        """Show a fresh value for a row already here (after an edit); False if not loaded."""
        row = self.row_of(self._key(value))
        if row < 0:
            return False
        self._rows[row] = value
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        return True

    # -- live updates ----------------------------------------------------------------------

    def stale_keys(self, announced: Iterable[tuple[Any, int]]) -> set[Any]:
        """Of announced (key, version) pairs, the loaded rows older than announced."""
        stale = set()
        for key, version in announced:
            row = self.row_of(key)
            if row >= 0 and (_version(self._rows[row]) or 0) < version:
                stale.add(key)
        return stale

    def apply_fresh(self, values: Iterable[Row], mark: Callable[[Row], bool] | bool = True
                    ) -> list[int]:
        """Put newer values into their rows, in place; returns the rows that changed.

        A value replaces its row only when its version is higher (two answers may cross),
        and a ``mark``-ed row is tinted for a moment as changed at another station.
        """
        changed = []
        now = time.monotonic()
        for value in values:
            key = self._key(value)
            row = self.row_of(key)
            if row < 0:
                continue
            old = self._rows[row]
            if _version(old) is not None and _version(value) is not None:
                if _version(value) <= _version(old):
                    continue
            elif old == value:
                continue
            self._rows[row] = self._normalize(value)
            changed.append(row)
            if mark(value) if callable(mark) else mark:
                self._marks[key] = now
        last_column = self.columnCount() - 1
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))
        if self._marks and not self._fade.isActive():
            self._fade.start()
        return changed

    def _normalize(self, value: Row) -> Row:
        """A fetched value as the list shows it (orders: the line count)."""
        return value

    def refresh_all(self) -> None:
        """Too many rows changed to name them: fetch what is loaded again, in place if the
        rows are still the same ones in the same order; else reload keeping the clerk's place."""
        if self._total is None:
            return  # the first page is still on its way, and will be fresh
        generation = self._generation
        limit = min(max(self.page_size, len(self._rows)), PAGE_LIMIT_MAX)
        self._worker.run(self._query(0, limit), owner=self).success(
            lambda page: self._refreshed(generation, page)
        ).failure(lambda _error: None)  # the status bar tells a lost connection

    def _refreshed(self, generation: int, page: Page[Row]) -> None:
        if generation != self._generation:
            return  # the clerk started another query meanwhile; its answer is fresh
        loaded = len(self._rows)
        items = page.items
        same = [self._key(v) for v in items[:loaded]] == [
            self._key(v) for v in self._rows[: len(items)]]
        if same and (len(items) >= min(loaded, page.limit)):
            self.apply_fresh(items[:loaded])
            if len(items) > loaded:
                self.beginInsertRows(QModelIndex(), loaded, len(items) - 1)
                self._rows.extend(items[loaded:])
                self._rows_moved()
                self.endInsertRows()
            self._set_total(max(page.total, len(self._rows)))
            return
        self.keeping_place = True  # the views keep selection and scroll across this reset
        try:
            self._arrived(generation, page, replace=True)
        finally:
            self.keeping_place = False

    def _set_total(self, total: int) -> None:
        if total != self._total:
            self._total = total
            self.total_changed.emit(total)

    def highlight(self, row: int) -> float:
        """1.0 just after another station changed the row, fading to 0.0 within ~2 s."""
        if not self._marks or not 0 <= row < len(self._rows):
            return 0.0
        since = self._marks.get(self._key(self._rows[row]))
        if since is None:
            return 0.0
        age = (time.monotonic() - since) / HIGHLIGHT_S
        return 0.0 if age >= 1.0 else min(1.0, (1.0 - age) / (1.0 - _HOLD))

    def tinted(self, row: int, base: QColor | None) -> QBrush | None:
        """The row's background: its own colour (``base``) blended with the change tint."""
        level = self.highlight(row)
        if level <= 0.0:
            return QBrush(base) if base is not None else None
        if base is None:
            tint = QColor(CHANGED_TINT)
            tint.setAlphaF(0.55 * level)  # over the view's own (alternating) row colour
            return QBrush(tint)
        mix = 0.55 * level
        return QBrush(QColor.fromRgbF(
            base.redF() + (CHANGED_TINT.redF() - base.redF()) * mix,
            base.greenF() + (CHANGED_TINT.greenF() - base.greenF()) * mix,
            base.blueF() + (CHANGED_TINT.blueF() - base.blueF()) * mix,
        ))

    def _fade_tick(self) -> None:
        now = time.monotonic()
        rows = []
        for key, since in list(self._marks.items()):
            if now - since >= HIGHLIGHT_S:
                del self._marks[key]
            row = self.row_of(key)
            if row >= 0:
                rows.append(row)
        last_column = self.columnCount() - 1
        for first, last in _runs(rows):
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column),
                                  [_Background, ChangedRole])
        if not self._marks:
            self._fade.stop()

    def _request(self, offset: int, limit: int, *, replace: bool) -> None:
        generation = self._generation
        self._set_loading(True)
        self._worker.run(self._query(offset, limit), owner=self).success(
            lambda page: self._arrived(generation, page, replace)
        ).failure(lambda error: self._failed(generation, error))

    def _arrived(self, generation: int, page: Page[Row], replace: bool) -> None:
        if generation != self._generation:
            return  # an answer to a query the clerk has moved on from
        self._set_loading(False)
        self.last_error = None
        if replace:
            self.beginResetModel()
            self._rows = list(page.items)
            self._rows_moved()
            self._total = page.total
            self.endResetModel()
        elif page.offset == len(self._rows) and page.items:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.items) - 1)
            self._rows.extend(page.items)
            self._rows_moved()
            self._total = page.total
            self.endInsertRows()
        else:
            self._total = page.total
        if page.offset + len(page.items) >= page.total:
            self._total = len(self._rows)  # rows deleted meanwhile: stop asking for more
        self.total_changed.emit(self._total)
        self.loaded.emit()

    def _failed(self, generation: int, error: InventoryError) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self.last_error = error
        self.load_failed.emit(error)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)
