"""``check_connection(url)``: can this workstation use that database, and if not, why?

"Test connection" in the connection dialog calls it on a background thread. It opens one
plain psycopg connection (the same connection arguments SQLAlchemy would pass), looks at what
the database holds, and answers with a ``ConnectionReport``; it never raises for a problem
with the server, never creates or changes anything.

libpq reports connection failures as text only (no SQLSTATE reaches the client before the
session exists), so the cause is read from the message: libpq's own messages and the server's
``FATAL`` lines in English. A server whose messages are translated gives ``Problem.OTHER``
with its own words in ``detail``.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import make_url

from inventory_desktop.domain.connection import ConnectionReport, DatabaseState, Problem
from inventory_desktop.domain.errors import SchemaTooNew, ValidationError
from inventory_desktop.repository.engine import (
    APPLICATION_PREFIX,
    CONNECT_TIMEOUT_S,
    default_station,
    normalize_url,
)

log = logging.getLogger(__name__)

__all__ = ["check_connection", "classify", "connect_kwargs"]

STATEMENT_TIMEOUT_MS = 5_000

# (substring of the lower-cased message, problem); the first match wins, so the specific
# cases come before the general ones ('role "x" does not exist' before 'does not exist').
_MESSAGES: tuple[tuple[str, Problem], ...] = (
    ("password authentication failed", Problem.WRONG_PASSWORD),
    ("authentication failed for user", Problem.WRONG_PASSWORD),
    ("role \"", Problem.WRONG_PASSWORD),  # FATAL: role "x" does not exist (trust/peer auth)
    ("no password supplied", Problem.PASSWORD_MISSING),
    ("failed to resolve host", Problem.UNKNOWN_HOST),
    ("could not translate host name", Problem.UNKNOWN_HOST),
    ("does not support ssl", Problem.TLS_NOT_OFFERED),
    ("ssl was required", Problem.TLS_NOT_OFFERED),
    ("certificate", Problem.TLS_UNTRUSTED),
    ("root.crt", Problem.TLS_UNTRUSTED),
    ("ssl error", Problem.TLS_UNTRUSTED),
    ("does not match host name", Problem.TLS_UNTRUSTED),
    ("no pg_hba.conf entry", Problem.NOT_ALLOWED),
    ("pg_hba.conf rejects", Problem.NOT_ALLOWED),
    ("permission denied for database", Problem.NO_ACCESS),
    ("connect privilege", Problem.NO_ACCESS),
    ("database \"", Problem.NO_SUCH_DATABASE),  # FATAL: database "x" does not exist
    ("the database system is", Problem.SERVER_NOT_READY),  # starting up / shutting down
    ("too many clients", Problem.SERVER_NOT_READY),
    ("connection slots are reserved", Problem.SERVER_NOT_READY),
    ("invalid sslmode", Problem.BAD_SETTINGS),
    ("invalid connection option", Problem.BAD_SETTINGS),
    ("invalid integer value", Problem.BAD_SETTINGS),
    ("invalid port", Problem.BAD_SETTINGS),
    ("invalid value", Problem.BAD_SETTINGS),
    ("connection refused", Problem.UNREACHABLE),
    ("timeout expired", Problem.UNREACHABLE),
    ("timed out", Problem.UNREACHABLE),
    ("no route to host", Problem.UNREACHABLE),
    ("network is unreachable", Problem.UNREACHABLE),
    ("server closed the connection unexpectedly", Problem.UNREACHABLE),
    ("could not connect", Problem.UNREACHABLE),
    ("could not receive data", Problem.UNREACHABLE),
    ("could not send data", Problem.UNREACHABLE),
    ("no such file or directory", Problem.UNREACHABLE),  # a Unix socket that is not there
)


def connect_kwargs(url: str, station: str | None = None) -> dict[str, Any]:
    """psycopg.connect() arguments for ``url``: SQLAlchemy's own translation of the URL (so
    ``sslmode``, ``host=/socket/dir`` and the rest mean what they mean to the app), plus a
    short timeout and the contract's ``application_name``."""
    parsed = make_url(normalize_url(url))
    _args, kwargs = PGDialect_psycopg().create_connect_args(parsed)
    options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    if kwargs.get("options"):
        options = f"{kwargs['options']} {options}"
    kwargs.update(
        options=options,
        connect_timeout=CONNECT_TIMEOUT_S,
        application_name=(APPLICATION_PREFIX + (station or default_station()))[:63],
        autocommit=True,
    )
    return kwargs


def classify(message: str) -> Problem:
    """The problem a libpq/server connection error message describes."""
    text = message.lower()
    for needle, problem in _MESSAGES:
        if needle in text:
            return problem
    return Problem.OTHER


def _detail(exc: BaseException) -> str:
    """The message without psycopg's prefix, on one line ('connection to server at … failed:
    FATAL:  password authentication failed for user "dock1"')."""
    text = str(exc).strip().removeprefix("connection failed: ")
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def check_connection(url: str, *, station: str | None = None) -> ConnectionReport:
    """Connect to ``url`` and tell whether Inventory Desktop can work there.

    ``url`` carries the password when there is one to try; without one libpq looks in
    ``~/.pgpass`` (or ``PGPASSFILE``) as it does for the app itself.
    """
    try:
        kwargs = connect_kwargs(url, station)
    except ValidationError as exc:
        return ConnectionReport(Problem.BAD_SETTINGS, f"{exc.field}: {exc.rule}")
    except Exception as exc:  # SQLAlchemy's URL parser: any malformed value
        return ConnectionReport(Problem.BAD_SETTINGS, str(exc))
    try:
        conn = psycopg.connect(**kwargs)
    except psycopg.Error as exc:
        detail = _detail(exc)
        log.info("connection check: %s", detail)
        return ConnectionReport(classify(detail), detail)
    try:
        with conn:
            return _inspect(conn)
    except psycopg.Error as exc:
        detail = _detail(exc)
        if conn.closed or isinstance(exc, psycopg.OperationalError) and exc.sqlstate is None:
            return ConnectionReport(Problem.UNREACHABLE, detail)
        if exc.sqlstate == "42501":
            return ConnectionReport(Problem.NO_ACCESS, detail)
        return ConnectionReport(Problem.OTHER, detail)


_TABLES = """
    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%'
      AND c.relname <> 'alembic_version'
      -- objects an extension installed (PostGIS's spatial_ref_sys …) are not the site's data
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'e')
"""

# May this login change the existing tables (own them, or be a superuser)?
_MAY_MIGRATE = """
    SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER')
    FROM pg_roles r, pg_class c
    WHERE r.rolname = current_user AND c.oid = to_regclass('products')
"""


def _inspect(conn: psycopg.Connection[Any]) -> ConnectionReport:
    from inventory_desktop.repository.migrate import check_known, head_revision

    user, version, has_alembic, has_products = conn.execute(
        "SELECT current_user, current_setting('server_version'),"
        " to_regclass('alembic_version') IS NOT NULL, to_regclass('products') IS NOT NULL"
    ).fetchone() or ("", "", False, False)
    found: dict[str, Any] = {
        "encrypted": bool(conn.pgconn.ssl_in_use),
        "server_version": str(version),
        "user": str(user),
    }
    row = conn.execute(_TABLES).fetchone()
    other_tables = int(row[0]) if row else 0

    revision = None
    if has_alembic:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    found["revision"] = revision

    if revision is None:
        if other_tables:
            return ConnectionReport(Problem.NOT_INVENTORY, **found, state=DatabaseState.FOREIGN)
        row = conn.execute(
            "SELECT has_schema_privilege(coalesce(current_schema(), 'public'), 'CREATE')"
        ).fetchone()
        may_create = bool(row and row[0])
        return ConnectionReport(
            None if may_create else Problem.NEEDS_ADMIN, **found, state=DatabaseState.EMPTY,
            detail="" if may_create else f"{user} may not create tables in this database",
        )
    try:
        check_known(revision)
    except SchemaTooNew as exc:
        # An unknown revision beside our tables: a newer Inventory Desktop. Without them, the
        # alembic_version table belongs to some other Alembic-managed application.
        if has_products:
            return ConnectionReport(
                Problem.SCHEMA_TOO_NEW, str(exc), **found, state=DatabaseState.NEWER
            )
        return ConnectionReport(Problem.NOT_INVENTORY, **found, state=DatabaseState.FOREIGN)
    if not has_products:
        return ConnectionReport(Problem.NOT_INVENTORY, **found, state=DatabaseState.FOREIGN)
    if revision == head_revision():
        return ConnectionReport(None, **found, state=DatabaseState.READY)
    row = conn.execute(_MAY_MIGRATE).fetchone()
    if row and row[0]:
        return ConnectionReport(None, **found, state=DatabaseState.OLDER)
    return ConnectionReport(
        Problem.NEEDS_ADMIN, f"{user} may not upgrade the schema from {revision}", **found,
        state=DatabaseState.OLDER,
    )
