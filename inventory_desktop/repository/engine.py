"""Connections: URL rules, the station name, per-connection settings, error translation."""

from __future__ import annotations

import random
import socket
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from inventory_desktop.domain.errors import (
    AccessDenied,
    DatabaseUnavailable,
    DuplicateSku,
    InventoryError,
    LockTimeout,
    ProductNotFound,
    SchemaError,
    ValidationError,
)

T = TypeVar("T")

APPLICATION_PREFIX = "inventory-desktop/"
LOCK_TIMEOUT_MS = 5_000  # a row held longer than this by another station is an error, not a hang
STATEMENT_TIMEOUT_MS = 30_000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
CONNECT_TIMEOUT_S = 5
MAX_ATTEMPTS = 4  # deadlock / serialization failure retries

# Constraint name -> (field, rule) for errors the database catches before we do.
_CHECKS = {
    "products_sku_format": ("sku", "may contain only letters, digits, '-', '_' and '.'"),
    "products_name_format": ("name", "must be 1–200 characters"),
    "products_price_range": ("price", "must be between 0 and 1,000,000,000"),
    "products_stock_quantity_check": ("stock_quantity", "must not go below zero"),
    "order_items_quantity_check": ("quantity", "must be between 1 and 1,000,000"),
    "orders_status_check": ("status", "must be pending, shipped or cancelled"),
    "orders_item_count_check": ("lines", "an order has 1 to 100 lines"),
}
_DISCONNECT_STATES = {"57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"}


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as the psycopg driver; refuse others."""
    try:
        parsed = make_url(url)
    except Exception:
        raise ValidationError("database_url", "is not a valid database URL") from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValidationError(
        "database_url", "must be a postgresql:// or postgresql+psycopg:// URL", parsed.drivername
    )


def server_label(url: str) -> str:
    parsed = make_url(url)
    if parsed.host:
        return f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"
    return f"local socket/{parsed.database}"


def default_station() -> str:
    return socket.gethostname() or "station"


def make_engine(url: str, station: str, *, pool_size: int = 2) -> Engine:
    """An engine whose every connection says who it is and never waits forever.

    No pre-ping: a dead pooled connection shows up as an error on its first statement, which
    ``run_transaction`` retries once on a fresh connection when nothing can have been committed.
    """
    options = (
        f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}"
    )
    parsed = make_url(normalize_url(url))
    if "options" in parsed.query:  # the site's own options (e.g. a role) come first
        options = f"{parsed.query['options']} {options}"
        parsed = parsed.difference_update_query(["options"])
    return create_engine(
        parsed,
        pool_size=pool_size,
        max_overflow=4,
        pool_pre_ping=False,
        connect_args={
            "application_name": (APPLICATION_PREFIX + station)[:63],
            "options": options,
            "connect_timeout": CONNECT_TIMEOUT_S,
            # A pulled network cable is noticed in ~25 s instead of the OS default of hours.
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        },
    )


def _orig(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def sqlstate(exc: BaseException) -> str | None:
    orig = _orig(exc)
    return getattr(orig, "sqlstate", None)


def is_disconnect(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = _orig(exc)
    if _is_refused_login(orig):
        return False
    state = getattr(orig, "sqlstate", None)
    if state in _DISCONNECT_STATES:
        return True
    return isinstance(orig, psycopg.OperationalError) and state is None


def translate(exc: BaseException) -> InventoryError:
    """Every driver error becomes a typed InventoryError; nothing from psycopg leaks out."""
    if isinstance(exc, InventoryError):
        return exc
    orig = _orig(exc)
    state = sqlstate(exc)
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    if _is_refused_login(orig):
        # Retrying will not fix a wrong password or a removed login: say so, don't spin.
        return AccessDenied(f"the server refused this login ({_first_line(orig)})")
    if is_disconnect(exc):
        return DatabaseUnavailable(f"the database server cannot be reached ({_first_line(orig)})")
    if state == "55P03":
        return LockTimeout(
            "another station held a needed record for too long; nothing changed, try again"
        )
    if state == "57014":
        return DatabaseUnavailable("the database server took too long to answer")
    if state == "23505" and constraint == "products_sku_lower_key":
        return DuplicateSku(_detail_value(orig) or "")
    if state == "23514" and constraint in _CHECKS:
        field, rule = _CHECKS[constraint]
        return ValidationError(field, rule)
    if state == "23503" and "product" in constraint:
        return ProductNotFound([])
    if state == "22003":
        return ValidationError("quantity", "is out of range")
    if state and state.startswith("42"):
        return SchemaError(
            f"the database schema does not match this application: {_first_line(orig)}"
        )
    return InventoryError(f"unexpected database error: {_first_line(orig)}")


# libpq reports a refused login with no SQLSTATE on the client side, only its message.
_REFUSED_LOGIN = (
    "password authentication failed",
    "no password supplied",
    "peer authentication failed",
    "ident authentication failed",
    "no pg_hba.conf entry",
    "pg_hba.conf rejects connection",
    "permission denied for database",
)


def _is_refused_login(exc: BaseException) -> bool:
    if getattr(exc, "sqlstate", None) in ("28P01", "28000", "42501") and isinstance(
        exc, psycopg.OperationalError
    ):
        return True
    text = str(exc).lower()
    return isinstance(exc, psycopg.OperationalError) and any(m in text for m in _REFUSED_LOGIN)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _detail_value(exc: BaseException) -> str | None:
    detail = getattr(getattr(exc, "diag", None), "message_detail", None) or ""
    # 'Key (lower(sku::text))=(wid-1) already exists.'
    if ")=(" in detail:
        return detail.split(")=(", 1)[1].rsplit(")", 1)[0]
    return None


def run_transaction(
    engine: Engine, work: Callable[[Connection], T], *, retry_uncertain_commit: bool = False
) -> T:
    """Run ``work`` in one short transaction with bounded retries.

    Retried: deadlocks and serialization failures (nothing was committed), and a connection
    found dead before COMMIT was sent (the transaction cannot have happened). A connection lost
    *during* COMMIT is retried only for idempotent work (an order with a client token);
    otherwise the caller gets DatabaseUnavailable and must look before trying again.
    """
    lost_connection_retried = False
    for attempt in range(1, MAX_ATTEMPTS + 1):
        committing = False
        try:
            with engine.connect() as conn:
                # Begin explicitly: work that talks to psycopg directly (the order hot path)
                # never autobegins SQLAlchemy's transaction, and commit() would then do nothing.
                conn.begin()
                result = work(conn)
                committing = True
                conn.commit()
                return result
        except InventoryError:
            raise
        except (SQLAlchemyError, psycopg.Error) as exc:
            state = sqlstate(exc)
            if state in ("40P01", "40001") and attempt < MAX_ATTEMPTS:
                time.sleep(random.uniform(0.005, 0.03) * attempt)
                continue
            if is_disconnect(exc) and not lost_connection_retried:
                if not committing or retry_uncertain_commit:
                    lost_connection_retried = True
                    engine.dispose()  # every pooled connection predates the break
                    continue
            if is_disconnect(exc):
                engine.dispose()
            raise translate(exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover


def run_idempotent_statement(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run idempotent ``work`` on a connection in autocommit: no transaction around it.

    For work whose writing is one statement, or one pipeline (one implicit transaction): one
    round trip instead of three, and the row locks it takes are released by the server's
    commit, without waiting for this process to read the result and send COMMIT. Retried:
    deadlocks and serialization failures (rolled back), and once a lost connection: the work
    may have committed, which idempotent work allows.
    """
    lost_connection_retried = False
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with engine.connect() as conn:
                return work(conn.execution_options(isolation_level="AUTOCOMMIT"))
        except InventoryError:
            raise
        except (SQLAlchemyError, psycopg.Error) as exc:
            state = sqlstate(exc)
            if state in ("40P01", "40001") and attempt < MAX_ATTEMPTS:
                time.sleep(random.uniform(0.005, 0.03) * attempt)
                continue
            if is_disconnect(exc):
                engine.dispose()  # every pooled connection predates the break
                if not lost_connection_retried:
                    lost_connection_retried = True
                    continue
            raise translate(exc) from exc
    raise AssertionError("unreachable")  # pragma: no cover
