"""``check_connection``: one answer per thing a clerk or an administrator can fix, found
against real servers (the session's, and the password-protected site server)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from siteserver import OWNER_PASSWORD, free_port, owner_connection, site_server_fixture  # noqa: F401

from inventory_desktop.credentials import ServerAddress, write_pgpass
from inventory_desktop.domain.connection import DatabaseState, Problem
from inventory_desktop.repository import Repository
from inventory_desktop.repository.probe import check_connection, classify

pytestmark = pytest.mark.db


@pytest.fixture(autouse=True)
def private_password_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """libpq reads PGPASSFILE: never the real ~/.pgpass, and none unless a test writes it."""
    path = tmp_path / "pgpass"
    monkeypatch.setenv("PGPASSFILE", str(path))
    return path


def url(site: str, database: str = "inventory", user: str = "inventory",
        password: str | None = OWNER_PASSWORD, **query: str) -> str:
    host, _, port = site.partition(":")
    address = ServerAddress(host, int(port), database, user, query.pop("sslmode", ""),
                            tuple(query.items()))
    return address.url(password)


@pytest.fixture
def scratch_db(site_server: str) -> Iterator[str]:
    """A fresh, empty database on the site server, dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def migrated(site: str, database: str) -> str:
    Repository.connect(url(site, database), station="ADMIN").close()
    return database


def test_the_session_server_is_ready(database_url):
    report = check_connection(database_url)
    assert report.ok and report.state == DatabaseState.READY
    assert report.revision and not report.encrypted


def test_an_empty_database_is_fine_the_app_sets_it_up(site_server, scratch_db):
    report = check_connection(url(site_server, scratch_db))
    assert report.ok and report.state == DatabaseState.EMPTY and report.revision is None
    assert report.user == "inventory"


def test_wrong_password(site_server):
    report = check_connection(url(site_server, password="not-it"))
    assert report.problem == Problem.WRONG_PASSWORD
    assert "password authentication failed" in report.detail


def test_an_unknown_user_looks_the_same_as_a_wrong_password(site_server):
    report = check_connection(url(site_server, user="nobody_here", password="x"))
    assert report.problem == Problem.WRONG_PASSWORD


def test_no_password_at_all(site_server):
    report = check_connection(url(site_server, password=None))
    assert report.problem == Problem.PASSWORD_MISSING


def test_libpq_takes_the_password_from_the_password_file(site_server, private_password_file):
    host, _, port = site_server.partition(":")
    write_pgpass(ServerAddress(host, int(port), "inventory", "inventory"), OWNER_PASSWORD)
    assert private_password_file.stat().st_mode & 0o777 == 0o600
    report = check_connection(url(site_server, password=None))
    assert report.ok, report


def test_nothing_listens_on_that_port():
    report = check_connection(url(f"127.0.0.1:{free_port()}"))
    assert report.problem == Problem.UNREACHABLE
    assert "refused" in report.detail.lower()


def test_a_server_name_that_does_not_exist():
    report = check_connection(url("no-such-host.invalid:5432"))
    assert report.problem == Problem.UNKNOWN_HOST


def test_no_such_database(site_server):
    report = check_connection(url(site_server, "inventroy"))
    assert report.problem == Problem.NO_SUCH_DATABASE


def test_another_applications_database(site_server, scratch_db):
    with owner_connection(site_server, scratch_db) as conn:
        conn.execute("CREATE TABLE invoices (id int PRIMARY KEY, customer text)")
    report = check_connection(url(site_server, scratch_db))
    assert report.problem == Problem.NOT_INVENTORY and report.state == DatabaseState.FOREIGN


def test_another_alembic_application_is_not_taken_for_a_newer_inventory(site_server,
                                                                         scratch_db):
    with owner_connection(site_server, scratch_db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('3f2a9c1b7d10')")
        conn.execute("CREATE TABLE invoices (id int)")
    report = check_connection(url(site_server, scratch_db))
    assert report.problem == Problem.NOT_INVENTORY


def test_a_schema_newer_than_this_app(site_server, scratch_db):
    migrated(site_server, scratch_db)
    with owner_connection(site_server, scratch_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zzzz'")
    report = check_connection(url(site_server, scratch_db))
    assert report.problem == Problem.SCHEMA_TOO_NEW and report.revision == "zzzz"
    assert report.state == DatabaseState.NEWER


def test_an_older_inventory_schema_is_brought_up_to_date_by_its_owner(site_server, scratch_db):
    migrated(site_server, scratch_db)
    with owner_connection(site_server, scratch_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    report = check_connection(url(site_server, scratch_db))
    assert report.ok and report.state == DatabaseState.OLDER and report.revision == "0001"


@pytest.fixture
def clerk(site_server: str) -> Iterator[str]:
    name = f"clerk_{uuid.uuid4().hex[:8]}"
    with owner_connection(site_server) as conn:
        conn.execute("DO $$ BEGIN IF to_regrole('inventory_clerk') IS NULL THEN "
                     "CREATE ROLE inventory_clerk NOLOGIN; END IF; END $$")
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD 'clerk-pw' IN ROLE inventory_clerk")
                     .format(sql.Identifier(name)))
    yield name
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_a_clerk_login_on_a_ready_database(site_server, scratch_db, clerk):
    migrated(site_server, scratch_db)
    report = check_connection(url(site_server, scratch_db, clerk, "clerk-pw"))
    assert report.ok and report.state == DatabaseState.READY and report.user == clerk


def test_a_clerk_login_may_not_set_up_an_empty_database(site_server, scratch_db, clerk):
    report = check_connection(url(site_server, scratch_db, clerk, "clerk-pw"))
    assert report.problem == Problem.NEEDS_ADMIN and report.state == DatabaseState.EMPTY


def test_a_clerk_login_may_not_upgrade_an_older_schema(site_server, scratch_db, clerk):
    migrated(site_server, scratch_db)
    with owner_connection(site_server, scratch_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0002'")
    report = check_connection(url(site_server, scratch_db, clerk, "clerk-pw"))
    assert report.problem == Problem.NEEDS_ADMIN and report.state == DatabaseState.OLDER


def test_a_login_without_connect_privilege(site_server, scratch_db, clerk):
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC")
                     .format(sql.Identifier(scratch_db)))
    report = check_connection(url(site_server, scratch_db, clerk, "clerk-pw"))
    assert report.problem == Problem.NO_ACCESS


@pytest.mark.parametrize("sslmode", ["require", "verify-full"])
def test_tls_required_but_the_server_offers_none(site_server, sslmode):
    report = check_connection(url(site_server, sslmode=sslmode))
    assert report.problem == Problem.TLS_NOT_OFFERED


def test_tls_preferred_falls_back_to_plain_and_says_so(site_server):
    report = check_connection(url(site_server, sslmode="prefer"))
    assert report.ok and not report.encrypted


def test_settings_libpq_refuses(site_server):
    report = check_connection(url(site_server, sslmode="sometimes"))
    assert report.problem == Problem.BAD_SETTINGS
    assert check_connection("mysql://u@h/db").problem == Problem.BAD_SETTINGS


def test_a_password_with_every_awkward_character(site_server):
    secret = "p@ss:w/rd%?#\\ é'\""
    with owner_connection(site_server) as conn:
        conn.execute(sql.SQL("CREATE ROLE awkward LOGIN PASSWORD {}").format(sql.Literal(secret)))
    try:  # connected (user known), though this login may not set up 'postgres'
        assert check_connection(url(site_server, "postgres", "awkward", secret)).user == "awkward"
        host, _, port = site_server.partition(":")
        write_pgpass(ServerAddress(host, int(port), "postgres", "awkward"), secret)
        assert check_connection(url(site_server, "postgres", "awkward", None)).user == "awkward"
    finally:
        with owner_connection(site_server) as conn:
            conn.execute("DROP ROLE awkward")


def test_nothing_is_created_or_changed(site_server, scratch_db):
    check_connection(url(site_server, scratch_db))
    with owner_connection(site_server, scratch_db) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ('FATAL:  role "x" does not exist', Problem.WRONG_PASSWORD),
        ('FATAL:  database "x" does not exist', Problem.NO_SUCH_DATABASE),
        ('FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "x"', Problem.NOT_ALLOWED),
        ("FATAL:  the database system is starting up", Problem.SERVER_NOT_READY),
        ("FATAL:  sorry, too many clients already", Problem.SERVER_NOT_READY),
        ("timeout expired", Problem.UNREACHABLE),
        ('root certificate file "/root/.postgresql/root.crt" does not exist',
         Problem.TLS_UNTRUSTED),
        ("SSL error: certificate verify failed", Problem.TLS_UNTRUSTED),
        ('server certificate for "db" does not match host name "db.site"', Problem.TLS_UNTRUSTED),
        ("something nobody expected", Problem.OTHER),
    ],
)
def test_messages_psycopg_cannot_be_made_to_give_here(message, problem):
    assert classify(message) == problem


def test_psycopg_is_not_needed_by_the_caller():
    # The answer is a plain value: nothing from psycopg escapes.
    report = check_connection(url(f"127.0.0.1:{free_port()}"))
    assert not isinstance(report.detail, psycopg.Error)
