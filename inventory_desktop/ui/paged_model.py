"""A table model over a server-side query, fetched page by page (anki's browser table shape).

``canFetchMore`` / ``fetchMore`` only *request* the next page from the worker; rows are
inserted when it arrives. A new query (search text, sort, filter) bumps a generation counter,
so an answer to an older query is dropped however late it comes. The old rows stay on screen
until the new first page replaces them, so typing in the search field does not flicker.
``data()`` never queries: it reads the frozen values already here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from inventory_desktop.domain.validation import PAGE_LIMIT_MAX
from inventory_desktop.domain.values import Page
from inventory_desktop.errors import InventoryError
from inventory_desktop.ui.worker import DatabaseWorker

Row = TypeVar("Row")
AnyIndex = QModelIndex | QPersistentModelIndex

SortRole = Qt.ItemDataRole.UserRole + 1  # a native value (Decimal, datetime, int) to sort by
ObjectRole = Qt.ItemDataRole.UserRole + 2  # the frozen row value itself


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
        self.last_error: InventoryError | None = None

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
            return self.HEADERS[section]
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
        for i, value in enumerate(self._rows):
            if self._key(value) == key:
                return i
        return -1

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
            self._total = page.total
            self.endResetModel()
        elif page.offset == len(self._rows) and page.items:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.items) - 1)
            self._rows.extend(page.items)
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
