"""Clerk logins on the site server: a LOGIN role in ``inventory_clerk`` (migration 0003).

For administrators (``inventory-desktop add-clerk``). The password never crosses the wire or
reaches the server's log in clear: libpq hashes it first (``PQencryptPasswordConn``, the
server's ``password_encryption``, SCRAM-SHA-256 by default), as psql's ``\\password`` does.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import sql

from inventory_desktop.domain.errors import DatabaseUnavailable, InventoryError, ValidationError
from inventory_desktop.repository.probe import connect_kwargs

CLERK_ROLE = "inventory_clerk"
MIN_PASSWORD_LENGTH = 8
MAX_NAME_BYTES = 63  # NAMEDATALEN - 1: longer names are silently cut by the server
# Names PostgreSQL reserves, or that would be mistaken for the group itself.
_RESERVED = {"public", "none", "current_user", "session_user", "current_role", "all",
             CLERK_ROLE}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")

CREATED, RESET = "created", "reset"


class ClerkExists(InventoryError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"a login named {name} already exists")


class NotAClerk(InventoryError):
    """The login exists but is no member of inventory_clerk: add-clerk leaves it alone."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"{name} exists but is not a clerk login")


class NoSuchClerk(InventoryError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"there is no login named {name}")


class MissingPrivilege(InventoryError):
    """The administrator's login lacks ``privilege`` (CREATEROLE, ADMIN OPTION on a role)."""

    def __init__(self, login: str, privilege: str, action: str) -> None:
        self.login = login
        self.privilege = privilege
        self.action = action
        super().__init__(f"{login} may not {action}: it needs {privilege}")


class NotSetUp(InventoryError):
    """The database has no inventory_clerk role: it was never migrated."""


def clerk_name(name: str) -> str:
    """A login name as PostgreSQL's identifier rules allow it unquoted, kept as typed.

    Letters, digits, ``_`` and ``$``, starting with a letter or ``_``, at most 63 bytes; not
    ``pg_…`` (reserved by PostgreSQL) nor a reserved name. The role is created quoted
    (``sql.Identifier``), so its case is the clerk's: libpq sends the user name as typed.
    """
    if not name:
        raise ValidationError("name", "is required", name)
    if not _NAME.match(name):
        raise ValidationError(
            "name", "may contain only letters, digits, '_' and '$', and must start with a "
            "letter or '_'", name)
    if len(name.encode()) > MAX_NAME_BYTES:
        raise ValidationError("name", f"must be at most {MAX_NAME_BYTES} characters", name)
    if name.lower().startswith("pg_"):
        raise ValidationError("name", "may not start with 'pg_' (reserved by PostgreSQL)", name)
    if name.lower() in _RESERVED:
        raise ValidationError("name", "is a reserved name", name)
    return name


def clerk_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "password", f"must be at least {MIN_PASSWORD_LENGTH} characters", None)
    if "\n" in password or "\r" in password or "\0" in password:
        raise ValidationError("password", "may not contain a line break", None)
    return password


_FACTS = """
    SELECT current_user,
           r.rolsuper OR r.rolcreaterole,
           to_regrole(%(group)s) IS NOT NULL,
           c.oid IS NOT NULL,
           EXISTS (SELECT 1 FROM pg_auth_members m
                   WHERE m.member = c.oid AND m.roleid = to_regrole(%(group)s))
    FROM pg_roles r LEFT JOIN pg_roles c ON c.rolname = %(name)s
    WHERE r.rolname = current_user
"""


def add_clerk(url: str, name: str, password: str, *, reset: bool = False) -> str:
    """Create clerk login ``name`` (or, with ``reset``, give it a new password); CREATED or
    RESET. ``url`` is an administrator's login (CREATEROLE, or the site owner)."""
    name = clerk_name(name)
    clerk_password(password)
    try:
        conn = psycopg.connect(**connect_kwargs(url, "add-clerk"))
    except psycopg.Error as exc:
        raise DatabaseUnavailable(" ".join(str(exc).removeprefix("connection failed: ").split())
                                  ) from None
    with conn:
        return _add(conn, name, password, reset)


def _add(conn: psycopg.Connection[Any], name: str, password: str, reset: bool) -> str:
    row = conn.execute(_FACTS, {"group": CLERK_ROLE, "name": name}).fetchone()
    assert row is not None
    admin, may_create_roles, set_up, exists, is_clerk = row
    if not set_up:
        raise NotSetUp(f"the database has no {CLERK_ROLE} role yet")
    if exists and not reset:
        raise ClerkExists(name)
    if reset and not exists:
        raise NoSuchClerk(name)
    if reset and not is_clerk:
        raise NotAClerk(name)
    if not may_create_roles:
        action = "change a login's password" if reset else "create logins"
        raise MissingPrivilege(admin, "the CREATEROLE privilege (or superuser)", action)
    # Hashed by libpq with the server's password_encryption: never sent or logged in clear.
    verifier = conn.pgconn.encrypt_password(password.encode(), name.encode(), None).decode()
    if reset:
        statement = sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(verifier))
    else:
        statement = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
            sql.Identifier(name), sql.Literal(verifier), sql.Identifier(CLERK_ROLE))
    try:
        conn.execute(statement)
    except psycopg.errors.DuplicateObject:
        raise ClerkExists(name) from None  # created by someone else a moment ago
    except psycopg.errors.InsufficientPrivilege:
        # PostgreSQL 16+: CREATEROLE alone is not enough; the administrator needs ADMIN
        # OPTION on the group (to add members) or on the clerk's role (to change it).
        role = name if reset else CLERK_ROLE
        action = f"change {name}'s password" if reset else f"add members to {CLERK_ROLE}"
        raise MissingPrivilege(admin, f"ADMIN OPTION on role {role}", action) from None
    except psycopg.Error as exc:
        raise InventoryError(f"the server refused: {str(exc).strip().splitlines()[0]}") from None
    return RESET if reset else CREATED
