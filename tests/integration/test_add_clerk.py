"""``inventory-desktop add-clerk``: a site administrator creates clerk logins (migration 0003's
inventory_clerk group) on the password-protected site server."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from siteserver import OWNER_PASSWORD, free_port, owner_connection, site_server_fixture  # noqa: F401

from inventory_desktop import cli
from inventory_desktop.credentials import ServerAddress
from inventory_desktop.domain.connection import DatabaseState
from inventory_desktop.errors import ValidationError
from inventory_desktop.repository import Repository
from inventory_desktop.repository.clerks import clerk_name
from inventory_desktop.repository.probe import check_connection

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def private_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    monkeypatch.setenv("INVENTORY_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("INVENTORY_DATABASE_URL", raising=False)


def url(site: str, database: str, user: str = "inventory",
        password: str | None = OWNER_PASSWORD) -> str:
    host, _, port = site.partition(":")
    return ServerAddress(host, int(port), database, user).url(password)


@pytest.fixture(scope="module")
def site_db(site_server: str) -> str:
    """A database migrated by the owner, as `inventory-desktop migrate` leaves it."""
    name = f"clerks_{uuid.uuid4().hex[:8]}"
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    Repository.connect(url(site_server, name), station="ADMIN").close()
    return name


@pytest.fixture
def name(site_server: str) -> Iterator[str]:
    """A fresh clerk name, its role dropped after the test."""
    clerk = f"dock_{uuid.uuid4().hex[:8]}"
    yield clerk
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(clerk)))


def add_clerk(monkeypatch, admin_url: str, *args: str, password: str = "clerk-pw-1") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return cli.main(["add-clerk", *args, "--database-url", admin_url, "--password-stdin"])


def can_log_in(site: str, database: str, user: str, password: str) -> bool:
    host, _, port = site.partition(":")
    try:
        psycopg.connect(host=host, port=int(port), dbname=database, user=user,
                        password=password, connect_timeout=5).close()
    except psycopg.OperationalError:
        return False
    return True


def test_a_clerk_login_is_created_and_works(site_server, site_db, name, monkeypatch, capsys):
    assert add_clerk(monkeypatch, url(site_server, site_db), name) == 0
    out = capsys.readouterr()
    assert f"Created clerk login {name}" in out.out and OWNER_PASSWORD not in out.out
    report = check_connection(url(site_server, site_db, name, "clerk-pw-1"))
    assert report.ok and report.state == DatabaseState.READY
    with Repository.connect(url(site_server, site_db, name, "clerk-pw-1"), station="DOCK") as repo:
        product = repo.products.create(sku=f"S-{name}", name="Shelf", price=Decimal("1.00"),
                                       stock_quantity=1)
        assert repo.stock_movements(product_id=product.id).items[0].db_user == name
    with owner_connection(site_server) as conn:
        stored, member, login = conn.execute(
            "SELECT a.rolpassword, pg_has_role(a.oid, 'inventory_clerk', 'MEMBER'), a.rolcanlogin"
            " FROM pg_authid a WHERE a.rolname = %s", (name,)).fetchone()
    assert stored.startswith("SCRAM-SHA-256$")  # hashed before it left this computer
    assert member and login


def test_the_password_is_asked_twice(site_server, site_db, name, monkeypatch, capsys):
    answers = iter(["first-pass", "other-pass"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["add-clerk", name, "--database-url", url(site_server, site_db)]) == 1
    assert "differ" in capsys.readouterr().err
    answers = iter(["same-pass", "same-pass"])
    assert cli.main(["add-clerk", name, "--database-url", url(site_server, site_db)]) == 0
    assert can_log_in(site_server, site_db, name, "same-pass")


def test_an_existing_login_offers_reset(site_server, site_db, name, monkeypatch, capsys):
    admin = url(site_server, site_db)
    assert add_clerk(monkeypatch, admin, name, password="first-pw-1") == 0
    assert add_clerk(monkeypatch, admin, name, password="second-pw-2") == 1
    err = capsys.readouterr().err
    assert "already exists" in err and f"add-clerk {name} --reset" in err
    assert can_log_in(site_server, site_db, name, "first-pw-1")

    assert add_clerk(monkeypatch, admin, name, "--reset", password="second-pw-2") == 0
    assert "New password" in capsys.readouterr().out
    assert can_log_in(site_server, site_db, name, "second-pw-2")
    assert not can_log_in(site_server, site_db, name, "first-pw-1")


def test_reset_touches_only_clerk_logins(site_server, site_db, name, monkeypatch, capsys):
    admin = url(site_server, site_db)
    assert add_clerk(monkeypatch, admin, "inventory", "--reset") == 1
    assert "not a clerk login" in capsys.readouterr().err
    assert can_log_in(site_server, site_db, "inventory", OWNER_PASSWORD)
    assert add_clerk(monkeypatch, admin, name, "--reset") == 1
    assert "leave out --reset" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["1dock", "dock-1", "dock 1", "pg_dock", "public",
                                 "inventory_clerk", "x" * 64, 'do"ck', ""])
def test_names_are_checked_before_anything_is_sent(bad, monkeypatch, capsys):
    nowhere = f"postgresql://admin:pw@127.0.0.1:{free_port()}/inventory"
    assert add_clerk(monkeypatch, nowhere, bad) == 1
    err = capsys.readouterr().err
    assert "login name" in err and "cannot connect" not in err


def test_a_mixed_case_name_is_kept_exactly(site_server, site_db, monkeypatch):
    assert clerk_name("Dock_7$") == "Dock_7$"
    try:
        assert add_clerk(monkeypatch, url(site_server, site_db), "Dock_7$") == 0
        assert can_log_in(site_server, site_db, "Dock_7$", "clerk-pw-1")
    finally:
        with owner_connection(site_server) as conn:
            conn.execute('DROP ROLE IF EXISTS "Dock_7$"')


def test_a_short_password_is_refused(site_server, site_db, name, monkeypatch, capsys):
    assert add_clerk(monkeypatch, url(site_server, site_db), name, password="short") == 1
    assert "at least 8 characters" in capsys.readouterr().err
    with pytest.raises(ValidationError):
        clerk_name("a-b")


@pytest.fixture
def admin_role(site_server: str) -> Iterator[str]:
    role = f"admin_{uuid.uuid4().hex[:8]}"
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'admin-pw'")
                     .format(sql.Identifier(role)))
    yield role
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}; DROP ROLE {}")
                     .format(sql.Identifier(role), sql.Identifier(role)))


def test_no_createrole_says_which_privilege(site_server, site_db, admin_role, name,
                                            monkeypatch, capsys):
    admin = url(site_server, site_db, admin_role, "admin-pw")
    assert add_clerk(monkeypatch, admin, name) == 1
    err = capsys.readouterr().err
    assert f"the login {admin_role} may not create logins" in err and "CREATEROLE" in err


def test_createrole_without_admin_option_on_the_group(site_server, site_db, admin_role, name,
                                                      monkeypatch, capsys):
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(admin_role)))
    admin = url(site_server, site_db, admin_role, "admin-pw")
    assert add_clerk(monkeypatch, admin, name) == 1
    err = capsys.readouterr().err
    assert "ADMIN OPTION on role inventory_clerk" in err
    assert f"GRANT inventory_clerk TO {admin_role} WITH ADMIN OPTION" in err
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("GRANT inventory_clerk TO {} WITH ADMIN OPTION")
                     .format(sql.Identifier(admin_role)))
    assert add_clerk(monkeypatch, admin, name) == 0


def test_a_database_never_migrated(site_server, name, monkeypatch, capsys):
    # inventory_clerk is cluster-wide: only a cluster where no database was ever migrated
    # lacks it, so this asks the question of a role name that does not exist.
    monkeypatch.setattr("inventory_desktop.repository.clerks.CLERK_ROLE", "never_migrated")
    assert add_clerk(monkeypatch, url(site_server, "inventory"), name) == 1
    assert "run `inventory-desktop migrate`" in capsys.readouterr().err


def test_no_server_no_clerks(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("clerk-pw-1\n"))
    assert cli.main(["add-clerk", "dock1", "--password-stdin"]) == 1
    assert "--database-url" in capsys.readouterr().err


def test_a_wrong_admin_password_is_one_line(site_server, site_db, name, monkeypatch, capsys):
    assert add_clerk(monkeypatch, url(site_server, site_db, password="wrong"), name) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "password authentication failed" in err
    assert "Traceback" not in err and "wrong" not in err  # the typed password is never shown
