"""``inventory-desktop --self-test``, run as a clerk's machine would run it: a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from inventory_desktop.repository.engine import normalize_url
from inventory_desktop.repository.scratch import SCRATCH_PREFIX

pytestmark = pytest.mark.db


def self_test(*args: str, config_dir: Path, env: dict[str, str] | None = None,
              timeout: float = 180) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("QT_QPA_PLATFORM", "INVENTORY_DATABASE_URL")}
    environment["INVENTORY_CONFIG_DIR"] = str(config_dir)  # never the clerk's settings
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "inventory_desktop", "--self-test", *args],
        capture_output=True, text=True, timeout=timeout, env=environment, stdin=subprocess.DEVNULL,
    )


def scratch_databases(url: str) -> list[str]:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                {"p": SCRATCH_PREFIX + "%"}).scalars())
    finally:
        engine.dispose()


def product_count(url: str) -> int:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM products")).scalar_one()
    finally:
        engine.dispose()


def test_passes_on_the_server_and_leaves_no_trace(database_url: str, tmp_path: Path) -> None:
    before = product_count(database_url)
    done = self_test("--database-url", database_url, config_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "platform offscreen" in out  # chosen by the self-test: no QT_QPA_PLATFORM was set
    assert "scratch database inventory_selftest_" in out and " dropped" in out
    assert "stock 5 → 3" in out and "stock back to 5" in out
    assert "the products window lists it" in out and "the orders window lists it" in out
    assert "window title: Inventory Desktop — " in out
    assert out.rstrip().splitlines()[-1].startswith("self-test passed in ")
    assert scratch_databases(database_url) == []
    assert product_count(database_url) == before  # the real data was not touched
    assert not (tmp_path / "ui-state.json").exists()  # nor the clerk's window layout


def test_read_only_when_the_login_may_not_create_databases(database_url: str,
                                                          tmp_path: Path) -> None:
    clerk = make_url(database_url).update_query_dict({"options": "-c role=inventory_clerk"})
    done = self_test("--database-url", clerk.render_as_string(hide_password=False),
                     config_dir=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "may not create databases: checking the real database read-only" in done.stdout
    assert "products and" in done.stdout and "scratch" not in done.stdout


def test_an_unreachable_server_fails_with_one_clear_line(tmp_path: Path) -> None:
    done = self_test("--database-url", "postgresql://clerk@127.0.0.1:1/inventory",
                     config_dir=tmp_path, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("inventory-desktop self-test FAILED: opening 127.0.0.1:1/inventory")
    assert "cannot be reached" in lines[0]
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.slow
def test_passes_on_a_new_standalone_database(tmp_path: Path) -> None:
    # Under /tmp with o+x: as root the server runs as `nobody`, which must reach the data
    # (a private directory would send it to /var/lib/inventory-desktop and leave it there).
    data = Path(tempfile.mkdtemp(prefix="inventory-selftest-", dir="/tmp"))
    data.chmod(0o755)
    try:
        done = self_test(config_dir=tmp_path, env={"INVENTORY_DATA_DIR": str(data)})
        assert done.returncode == 0, done.stdout + done.stderr
        assert "database: standalone (this computer)" in done.stdout
        assert "scratch database" in done.stdout and "self-test passed" in done.stdout
        assert not list(data.glob("standalone/data/postmaster.pid"))  # the server was stopped
    finally:
        shutil.rmtree(data, ignore_errors=True)
