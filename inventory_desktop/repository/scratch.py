"""Scratch databases: a throw-away database beside the real one, for the self-test.

``inventory-desktop --self-test`` places and cancels an order to prove the whole stack, and
must not leave that order (or its stock movements) in the warehouse's data: it creates
``inventory_selftest_<random>`` on the same server, migrates it, works there and drops it.
That needs a login allowed to CREATE DATABASE; ``may_create_databases`` says whether it is.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from inventory_desktop.domain.errors import InventoryError
from inventory_desktop.repository.engine import make_engine, normalize_url, translate

__all__ = [
    "SCRATCH_PREFIX",
    "create_scratch_database",
    "drop_scratch_database",
    "may_create_databases",
]

SCRATCH_PREFIX = "inventory_selftest_"
_STATION = "self-test"

T = TypeVar("T")


def may_create_databases(url: str) -> bool:
    """Can this login create a database (CREATEDB or superuser)?"""
    return bool(_autocommit(url, lambda conn: conn.execute(text(
        "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
    )).scalar()))


def create_scratch_database(url: str) -> str:
    """Create an empty ``inventory_selftest_<random>`` on the server of ``url``; its URL."""
    name = SCRATCH_PREFIX + secrets.token_hex(5)
    _autocommit(url, lambda conn: conn.exec_driver_sql(f'CREATE DATABASE "{name}"'))
    return _with_database(url, name)


def drop_scratch_database(url: str, scratch_url: str) -> None:
    """Drop the scratch database (connected through ``url``, the real one), connections and all.

    Refuses any database whose name is not a scratch name: this never drops real data.
    """
    name = make_url(normalize_url(scratch_url)).database or ""
    if not name.startswith(SCRATCH_PREFIX) or not name[len(SCRATCH_PREFIX):].isalnum():
        raise InventoryError(f"refusing to drop {name!r}: not a scratch database")

    def drop(conn: Connection) -> None:
        version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        force = " WITH (FORCE)" if version >= 130000 else ""  # a leftover listener must not stop it
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"{force}')

    _autocommit(url, drop)


def _with_database(url: str, database: str) -> str:
    parsed = make_url(normalize_url(url)).set(database=database)
    return parsed.render_as_string(hide_password=False)


def _autocommit(url: str, work: Callable[[Connection], T]) -> T:
    engine: Engine = make_engine(normalize_url(url), _STATION, pool_size=1)
    try:
        with engine.connect() as conn:
            return work(conn.execution_options(isolation_level="AUTOCOMMIT"))
    except SQLAlchemyError as exc:
        raise translate(exc) from exc
    finally:
        engine.dispose()
