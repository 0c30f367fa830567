"""Test session: one real PostgreSQL, started by the same launcher the app uses.

Nothing needs to be installed or running first. Set INVENTORY_TEST_DATABASE_URL to run the
suite against a server of your own instead (its tables are truncated between tests!).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from inventory_desktop.repository import Repository

# Never touch the clerk's real settings or data from a test run.
_SANDBOX = Path(tempfile.mkdtemp(prefix="inventory-tests-home-"))
os.environ["INVENTORY_CONFIG_DIR"] = str(_SANDBOX / "config")
os.environ["INVENTORY_DATA_DIR"] = str(_SANDBOX / "data")
os.environ.pop("INVENTORY_DATABASE_URL", None)

TABLES = "stock_movements, order_items, orders, products"


def _libpq_kwargs(url: str) -> dict[str, object]:
    parsed = make_url(url)
    kwargs: dict[str, object] = {"dbname": parsed.database, "user": parsed.username}
    if parsed.host:
        kwargs["host"] = parsed.host
    if parsed.port:
        kwargs["port"] = parsed.port
    if parsed.password:
        kwargs["password"] = parsed.password
    kwargs.update(parsed.query)
    return kwargs


def connect_raw(url: str, **extra: object) -> psycopg.Connection:
    """A plain psycopg connection for checks the repository API does not offer."""
    return psycopg.connect(**_libpq_kwargs(url), **extra)  # type: ignore[arg-type]


class ExternalServer:
    """Stands in for the launcher when INVENTORY_TEST_DATABASE_URL names a server."""

    def __init__(self, url: str) -> None:
        self.url = url

    def start(self) -> str:
        return self.url

    def stop(self) -> None:
        pytest.skip("cannot stop an external test server")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    external = os.environ.get("INVENTORY_TEST_DATABASE_URL")
    if external:
        yield ExternalServer(external)
        return
    from inventory_desktop.repository.standalone import StandaloneServer

    # Under /tmp with o+x: as root the server runs as `nobody`, which must reach the data.
    base = Path(tempfile.mkdtemp(prefix="inventory-test-pg-", dir="/tmp"))
    base.chmod(0o755)
    server = StandaloneServer(
        base / "standalone",
        settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"},
    )
    server.start()
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def database_url(pg_server) -> str:  # type: ignore[no-untyped-def]
    url = pg_server.start()
    Repository.connect(url, station="TEST-SETUP").close()  # migrate once
    return url


@pytest.fixture
def clean_db(pg_server, database_url: str) -> str:  # type: ignore[no-untyped-def]
    pg_server.start()  # a test before this one may have stopped it
    with connect_raw(database_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE")
    return database_url


@pytest.fixture
def repo(clean_db: str) -> Iterator[Repository]:
    with Repository.connect(clean_db, station="TEST-1") as repository:
        yield repository


@pytest.fixture
def make_repo(clean_db: str) -> Iterator[Callable[..., Repository]]:
    """Extra connections (other stations); all closed at the end of the test."""
    opened: list[Repository] = []

    def make(station: str = "TEST-2", **kwargs: object) -> Repository:
        repository = Repository.connect(clean_db, station=station, migrate=False, **kwargs)
        opened.append(repository)
        return repository

    yield make
    for repository in opened:
        repository.close()


@pytest.fixture
def raw_conn(clean_db: str) -> Iterator[psycopg.Connection]:
    with connect_raw(clean_db, autocommit=True) as conn:
        yield conn
