"""Where a site server's password lives: the OS keyring, or libpq's own ``~/.pgpass``.

Never in settings.json (that keeps the URL without the password) and never in a plain file
of ours. The order:

- a usable OS keyring (Secret Service, macOS Keychain, Windows Credential Locker): the
  password is stored under the service ``inventory-desktop`` and the key
  ``user@host:port/database``; when the app opens a saved URL it takes the password from
  there and puts it into the URL in memory only (``with_saved_password``);
- otherwise libpq's password file: ``$PGPASSFILE``, else ``~/.pgpass``
  (``%APPDATA%\\postgresql\\pgpass.conf`` on Windows), mode 0600, one
  ``host:port:database:user:password`` line per login with ``:`` and ``\\`` escaped. The app
  then passes no password at all and libpq reads the file itself.

"No keyring" is the fail backend, the null backend, or a chainer with nothing in it (a
headless machine without a Secret Service). No Qt and no SQLAlchemy here: the connection
dialog imports this module.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

from inventory_desktop.domain.errors import ValidationError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "inventory-desktop"
KEYRING, PGPASS = "keyring", "pgpass"
DEFAULT_PORT = 5432
SSL_MODES = ("disable", "prefer", "require", "verify-full")  # what the dialog offers

_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
# SQLAlchemy's URL shape: user and password are percent-encoded, the rest is literal.
_URL = re.compile(
    r"""
    (?P<scheme>[\w+.-]+)://
    (?:(?P<user>[^:/@?]*)(?::(?P<password>[^@]*))?@)?
    (?:\[(?P<ipv6>[^/?\]]+)\]|(?P<host>[^/:?]*))
    (?::(?P<port>[^/?]*))?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    $""",
    re.X | re.S,
)


# --- the address of a login on a server -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """One login on one database: what the connection dialog edits and the stores key on.

    ``host`` may be a directory (a Unix socket, as libpq understands it); ``options`` keeps
    any other URL parameters (``sslrootcert``, ``options`` …) as they were.
    """

    host: str
    port: int = DEFAULT_PORT
    database: str = "inventory"
    user: str = ""
    sslmode: str = ""  # "" leaves libpq's default (prefer)
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_url(cls, url: str) -> ServerAddress:
        match = _URL.match(url.strip())
        if match is None or match["scheme"] not in _SCHEMES:
            raise ValidationError("database_url", "is not a postgresql:// URL", url)
        query = dict(parse_qsl(match["query"] or "", keep_blank_values=True))
        host = match["ipv6"] or match["host"] or query.pop("host", "")
        sslmode = query.pop("sslmode", "")
        port_text = match["port"] or query.pop("port", "") or str(DEFAULT_PORT)
        try:
            port = int(port_text)
        except ValueError:
            raise ValidationError("port", "must be a number", port_text) from None
        return cls(
            host=host,
            port=port,
            database=match["database"] or "",
            user=unquote(match["user"] or ""),
            sslmode=sslmode,
            options=tuple(sorted(query.items())),
        )

    @property
    def is_socket(self) -> bool:
        return self.host.startswith("/")

    @property
    def key(self) -> str:
        """The keyring's user name for this login: ``dock1@db.site:5432/inventory``."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}/{self.database}"

    def url(self, password: str | None = None) -> str:
        """The SQLAlchemy URL (psycopg driver); with ``password`` only for use in memory."""
        auth = quote(self.user, safe="")
        if password:
            auth += ":" + quote(password, safe="")
        query: dict[str, str] = dict(self.options)
        if self.is_socket:
            netloc = f"{auth}@" if auth else ""
            query["host"] = self.host
            if self.port != DEFAULT_PORT:
                query["port"] = str(self.port)
        else:
            host = f"[{self.host}]" if ":" in self.host else self.host
            netloc = f"{auth}@{host}:{self.port}" if auth else f"{host}:{self.port}"
        if self.sslmode:
            query["sslmode"] = self.sslmode
        tail = "?" + urlencode(query, safe="/") if query else ""
        return f"postgresql+psycopg://{netloc}/{self.database}{tail}"


def url_password(url: str) -> str | None:
    match = _URL.match(url.strip())
    if match is None or match["password"] is None:
        return None
    return unquote(match["password"])


def _insert_password(url: str, password: str) -> str:
    """``url`` with ``password`` added after the user name, the rest untouched."""
    scheme, sep, rest = url.partition("://")
    ends = [i for i in (rest.find("/"), rest.find("?")) if i >= 0]
    cut = min(ends) if ends else len(rest)
    authority, tail = rest[:cut], rest[cut:]
    user, at, hostport = authority.rpartition("@")
    if not at or not user:
        return url
    user = user.split(":", 1)[0]
    return f"{scheme}{sep}{user}:{quote(password, safe='')}@{hostport}{tail}"


# --- the OS keyring ---------------------------------------------------------------------------


def usable_keyring() -> Any | None:
    """The keyring backend, when a real one exists on this machine; None otherwise."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except Exception as exc:  # not installed, or broken in a frozen bundle
        log.info("no keyring library: %s", exc)
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        log.info("the keyring could not be set up: %s", exc)
        return None
    if isinstance(backend, fail.Keyring):
        return None
    try:
        from keyring.backends import null

        if isinstance(backend, null.Keyring):
            return None
    except ImportError:  # pragma: no cover - older keyring
        pass
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


@dataclass(frozen=True, slots=True)
class PasswordStore:
    """Where a password saved now would go, and how to say so to the clerk."""

    kind: str  # KEYRING or PGPASS
    path: Path | None = None  # the password file, for PGPASS

    @property
    def sentence(self) -> str:
        if self.kind == KEYRING:
            return "The password is kept in the system keyring."
        return f"The password is kept in {display_path(self.path)}, readable only by you."


def password_store() -> PasswordStore:
    if usable_keyring() is not None:
        return PasswordStore(KEYRING)
    return PasswordStore(PGPASS, pgpass_path())


def display_path(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def save_password(address: ServerAddress, password: str) -> PasswordStore:
    """Keep ``password`` for ``address``: the keyring if usable, else the password file.

    A keyring that fails now (locked, its service gone) falls back to the password file, and
    the returned store says which one was used.
    """
    if "\n" in password or "\r" in password:
        raise ValidationError("password", "may not contain a line break")
    _read.pop(address.key, None)
    backend = usable_keyring()
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, address.key, password)
            return PasswordStore(KEYRING)
        except Exception as exc:
            log.warning("the keyring refused the password (%s); using the password file", exc)
    return PasswordStore(PGPASS, write_pgpass(address, password))


# Passwords read from the keyring in this process (memory only): the worker thread reads the
# keyring once at connect; the change listener's connection, opened later from the GUI
# thread, then never waits on the keyring service.
_read: dict[str, str] = {}


def saved_password(address: ServerAddress) -> str | None:
    """The keyring's password for ``address`` (the password file is libpq's to read)."""
    if address.key in _read:
        return _read[address.key]
    backend = usable_keyring()
    if backend is None or not address.user:
        return None
    try:
        password = backend.get_password(KEYRING_SERVICE, address.key)
    except Exception as exc:
        log.warning("could not read the keyring: %s", exc)
        return None
    if password:
        _read[address.key] = password
    return password


def with_saved_password(url: str) -> str:
    """``url`` with the keyring's password put in, when it has none and the keyring has one.

    For memory only: the result goes to the connection, never to a file or a log. Without a
    keyring entry the URL is returned as is and libpq looks in the password file.
    """
    if url_password(url) is not None:
        return url
    try:
        address = ServerAddress.from_url(url)
    except ValidationError:
        return url
    password = saved_password(address)
    if not password:
        return url
    log.debug("using the keyring's password for %s", address.key)
    return _insert_password(url, password)


# --- libpq's password file --------------------------------------------------------------------


def pgpass_path() -> Path:
    """libpq's choice: ``PGPASSFILE``, else ``~/.pgpass`` (``%APPDATA%`` on Windows)."""
    explicit = os.environ.get("PGPASSFILE")
    if explicit:
        return Path(explicit)
    if os.name == "nt":  # pragma: no cover - exercised on Windows workstations only
        return Path(os.environ.get("APPDATA", Path.home())) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def escape_pgpass(field: str) -> str:
    return field.replace("\\", "\\\\").replace(":", "\\:")


def split_pgpass_line(line: str) -> list[str] | None:
    """The five unescaped fields of a password file line; None for a comment or a bad line."""
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    fields: list[str] = []
    current: list[str] = []
    chars = iter(line.rstrip("\r\n"))
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == ":":
            if len(fields) == 4:
                break  # libpq ends the password at an unescaped colon too
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields if len(fields) == 5 else None


def _entry_fields(address: ServerAddress) -> list[str]:
    return [address.host or "localhost", str(address.port), address.database, address.user]


def _applies(fields: list[str], wanted: list[str]) -> bool:
    """Would libpq use this line for ``wanted``? (``*`` matches anything.)"""
    return all(f == "*" or f == w for f, w in zip(fields[:4], wanted, strict=True))


def pgpass_lookup(address: ServerAddress, path: Path | None = None) -> str | None:
    """The password libpq would take from the file for ``address`` (its first match)."""
    path = path or pgpass_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    wanted = _entry_fields(address)
    for line in lines:
        fields = split_pgpass_line(line)
        if fields and _applies(fields, wanted):
            return fields[4]
    return None


def write_pgpass(address: ServerAddress, password: str) -> Path:
    """Put the login's line into the password file (mode 0600), replacing its old line.

    The line goes where libpq will find it first: before any wildcard line that also matches
    this login, else at the end. Every other line (and comment) stays as it was. The file is
    replaced atomically, so a crash leaves the old file, never half of one.
    """
    path = Path(os.path.realpath(pgpass_path()))
    wanted = _entry_fields(address)
    try:
        old_lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        old_lines = []
    kept: list[str] = []
    insert_at: int | None = None
    for line in old_lines:
        fields = split_pgpass_line(line)
        if fields is not None and fields[:4] == wanted:
            insert_at = len(kept) if insert_at is None else insert_at
            continue  # our old line: replaced
        if fields is not None and insert_at is None and _applies(fields, wanted):
            insert_at = len(kept)  # a wildcard line that would shadow ours
        kept.append(line)
    entry = ":".join(escape_pgpass(f) for f in [*wanted, password])
    kept.insert(len(kept) if insert_at is None else insert_at, entry)

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pgpass-", suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(kept) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
