"""What "Test connection" found out about a site server: a typed answer, no words yet.

The repository's ``check_connection`` fills it in; the connection dialog turns it into clerk
words. Pure values, so both sides (and the tests) share them without SQL or Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Problem(Enum):
    """Why a connection cannot be used, one case per thing the clerk (or admin) can fix."""

    WRONG_PASSWORD = "wrong_password"  # also an unknown user: the server does not say which
    PASSWORD_MISSING = "password_missing"  # the server asks for one and none was given
    UNKNOWN_HOST = "unknown_host"  # the server name does not resolve
    UNREACHABLE = "unreachable"  # nothing answers at host:port (refused, timed out, dropped)
    NO_SUCH_DATABASE = "no_such_database"
    NOT_ALLOWED = "not_allowed"  # pg_hba.conf has no entry for this host/user/database
    NO_ACCESS = "no_access"  # the login lacks CONNECT on the database
    NOT_INVENTORY = "not_inventory"  # tables of another application, not ours
    SCHEMA_TOO_NEW = "schema_too_new"  # set up by a newer Inventory Desktop
    NEEDS_ADMIN = "needs_admin"  # empty or older schema that this login may not set up
    TLS_NOT_OFFERED = "tls_not_offered"  # sslmode require/verify-* and the server has no TLS
    TLS_UNTRUSTED = "tls_untrusted"  # the certificate could not be verified
    SERVER_NOT_READY = "server_not_ready"  # starting up, shutting down, too many connections
    BAD_SETTINGS = "bad_settings"  # a URL or option libpq refuses
    OTHER = "other"


class DatabaseState(Enum):
    """What a reachable database holds."""

    READY = "ready"  # an Inventory database at this application's schema
    EMPTY = "empty"  # no tables: the application will set it up
    OLDER = "older"  # an Inventory database at an older schema: it will be brought up to date
    FOREIGN = "foreign"  # tables, but not ours
    NEWER = "newer"  # an Inventory schema newer than this application


@dataclass(frozen=True, slots=True)
class ConnectionReport:
    """The outcome of one connection check. ``problem`` None means the settings work."""

    problem: Problem | None
    detail: str = ""  # the server's or libpq's own first line, for the administrator
    state: DatabaseState | None = None  # None when no connection was made
    revision: str | None = None  # the database's schema revision, when it has one
    encrypted: bool = False  # the connection uses TLS
    server_version: str = ""
    user: str = ""  # the login the server saw

    @property
    def ok(self) -> bool:
        return self.problem is None
