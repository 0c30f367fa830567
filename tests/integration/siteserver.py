"""A site server like docker-compose.yml's, run here with the embedded PostgreSQL binaries
(these machines have no Docker engine): owner 'inventory' with a password, TCP on 127.0.0.1,
scram-sha-256 for everyone, a database 'inventory'.

A test module gets the ``site_server`` fixture with ``from siteserver import
site_server_fixture`` (not a conftest.py here: the modules beside it import ``conftest``
meaning tests/conftest.py).
One server serves the whole session; tests that share it use their own databases and role
names."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from inventory_desktop.repository.standalone import StandaloneServer

OWNER_PASSWORD = "owner-secret-for-tests"
CLERK_PASSWORD = "clerk-secret-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def owner_connection(site: str, dbname: str = "postgres") -> psycopg.Connection:
    host, _, port = site.partition(":")
    return psycopg.connect(host=host, port=int(port), user="inventory",
                           password=OWNER_PASSWORD, dbname=dbname, autocommit=True)


@contextmanager
def running_site_server() -> Iterator[str]:
    """``127.0.0.1:PORT`` of a fresh password-protected server; stopped and removed after."""
    base = Path(tempfile.mkdtemp(prefix="inventory-site-", dir="/tmp"))
    base.chmod(0o755)
    bin_dir = StandaloneServer(base / "unused").binaries()
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
    as_server = (
        {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
    )
    pwfile = base / "pw"
    pwfile.write_text(OWNER_PASSWORD)
    if account:
        os.chown(base, account.pw_uid, account.pw_gid)
        os.chown(pwfile, account.pw_uid, account.pw_gid)
    data, port = base / "data", free_port()

    def run(*command: object) -> None:
        subprocess.run(
            [str(c) for c in command],
            check=True,
            capture_output=True,
            cwd=base,
            timeout=120,
            **as_server,
        )  # type: ignore[arg-type]

    run(
        bin_dir / "initdb",
        "-D",
        data,
        "-U",
        "inventory",
        f"--pwfile={pwfile}",
        "--auth-host=scram-sha-256",
        "--auth-local=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base}"
    run(bin_dir / "pg_ctl", "-D", data, "-l", base / "log", "-o", options, "-w", "start")
    try:
        site = f"127.0.0.1:{port}"
        with owner_connection(site) as conn:
            conn.execute("CREATE DATABASE inventory")  # what POSTGRES_DB does in the image
        yield site
    finally:
        run(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


_shared: list[str] = []


@pytest.fixture(scope="session", name="site_server")
def site_server_fixture() -> Iterator[str]:
    """``127.0.0.1:PORT`` of the session's site server (started by the first module asking)."""
    if _shared:
        yield _shared[0]
        return
    with running_site_server() as site:
        _shared.append(site)
        try:
            yield site
        finally:
            _shared.clear()
