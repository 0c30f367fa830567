"""The repository: locked PostgreSQL transactions behind a small API of frozen values.

No Qt here. Every call is one short transaction; every error is an InventoryError.
"""

from __future__ import annotations

import re
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, text

from inventory_desktop.domain import validation
from inventory_desktop.domain.errors import InventoryError
from inventory_desktop.domain.values import Page, StockMovement
from inventory_desktop.repository.engine import (
    default_station,
    make_engine,
    normalize_url,
    run_transaction,
    server_label,
)
from inventory_desktop.repository.orders import Orders
from inventory_desktop.repository.products import Products

if TYPE_CHECKING:  # pragma: no cover
    from inventory_desktop.repository.standalone import StandaloneServer

__all__ = ["Repository", "WrongThread"]


class WrongThread(InventoryError, RuntimeError):
    """A repository bound to one thread was used from another (a programming error)."""


class Repository:
    """One site database as seen from one workstation."""

    def __init__(
        self,
        engine: Engine,
        *,
        station: str,
        label: str,
        server: StandaloneServer | None = None,
    ) -> None:
        self._engine = engine
        self._server = server
        self.station = station
        self.server_label = label
        self.schema_revision: str | None = None
        self.products = Products(engine)
        self.orders = Orders(engine)

    @classmethod
    def connect(
        cls,
        url: str | None = None,
        *,
        station: str | None = None,
        migrate: bool = True,
        pool_size: int = 2,
    ) -> Repository:
        """Open the database at ``url`` (None: the standalone server on this computer).

        With ``migrate`` the schema is brought up to date (under an advisory lock) and a schema
        newer than this application is refused with ``SchemaTooNew``.
        """
        server = None
        if url is None:
            from inventory_desktop.repository.standalone import StandaloneServer

            server = StandaloneServer()
            url = server.start()
            label = "standalone (this computer)"
        else:
            url = normalize_url(url)
            label = server_label(url)
        station = _station(station)
        engine = make_engine(url, station, pool_size=pool_size)
        repo = cls(engine, station=station, label=label, server=server)
        try:
            if migrate:
                from inventory_desktop.repository.migrate import ensure_schema

                repo.schema_revision = ensure_schema(engine)
            else:
                from inventory_desktop.repository.migrate import check_known, current_revision

                repo.schema_revision = run_transaction(engine, current_revision)
                check_known(repo.schema_revision)
        except BaseException:
            repo.close()
            raise
        return repo

    def stock_movements(
        self, product_id: Any = None, limit: Any = 50, offset: Any = 0
    ) -> Page[StockMovement]:
        """The stock ledger, newest first; for one product when ``product_id`` is given."""
        return self.products.movements(product_id=product_id, limit=limit, offset=offset)

    def bind_to_current_thread(self) -> None:
        """From now on only this thread may use the repository (the GUI's database worker).

        A call from any other thread, the GUI thread included, raises instead of quietly
        blocking it on the network: the wall between the window and the database is checked.
        """
        owner = threading.get_ident()
        owner_name = threading.current_thread().name

        def guard(*_: object) -> None:
            if threading.get_ident() != owner:
                raise WrongThread(
                    f"the repository belongs to thread {owner_name!r}; "
                    f"{threading.current_thread().name!r} may not use it"
                )

        event.listen(self._engine, "engine_connect", guard)
        event.listen(self._engine.pool, "checkout", guard)

    def ping(self) -> None:
        """One cheap round trip; DatabaseUnavailable when the server is gone."""
        run_transaction(self._engine, lambda c: c.execute(text("SELECT 1")).scalar_one())

    def close(self) -> None:
        self._engine.dispose()
        if self._server is not None:
            self._server.stop(only_if_unused=True)
            self._server = None

    def __enter__(self) -> Repository:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _station(station: str | None) -> str:
    if station is None:
        # A host name is ASCII already; trim it to what a station name may be.
        station = re.sub(r"[^A-Za-z0-9 ._-]", "-", default_station())[:40] or "station"
    return validation.station(station)
