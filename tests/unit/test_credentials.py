"""Passwords: the OS keyring when there is one, else libpq's ~/.pgpass (0600); never
settings.json. Every test runs with its own HOME, PGPASSFILE, settings and keyring."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from sqlalchemy.engine import make_url

from inventory_desktop import credentials
from inventory_desktop.config import load_settings, save_settings, saved_connection
from inventory_desktop.credentials import (
    KEYRING,
    KEYRING_SERVICE,
    PGPASS,
    ServerAddress,
    escape_pgpass,
    password_store,
    pgpass_lookup,
    pgpass_path,
    save_password,
    split_pgpass_line,
    with_saved_password,
    write_pgpass,
)
from inventory_desktop.errors import ValidationError


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in a dict: the shape of a real backend."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("the keyring is locked")


@pytest.fixture(autouse=True)
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PGPASSFILE", raising=False)
    monkeypatch.setenv("INVENTORY_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("INVENTORY_DATABASE_URL", raising=False)
    monkeypatch.setattr(credentials, "_read", {})
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield home
    keyring.set_keyring(before)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


DOCK = ServerAddress("db.site", 5432, "inventory", "dock1", "require")


# --- addresses and URLs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://dock1@db.site:5432/inventory?sslmode=require",
        "postgresql+psycopg://dock1@db.site/inventory",
        "postgres://d%40ck%3A1@DB.Site:6543/my_db?sslmode=verify-full&sslrootcert=/etc/ca.crt",
        "postgresql+psycopg://root@/inventory?host=/tmp/sock%20dir/run",
        "postgresql://u@[::1]:5433/db",
    ],
)
def test_an_address_reads_back_as_sqlalchemy_reads_it(url):
    address = ServerAddress.from_url(url)
    ours, theirs = make_url(address.url()), make_url(url)
    assert ours.username == theirs.username
    assert (ours.host or ours.query.get("host")) == (theirs.host or theirs.query.get("host"))
    assert (ours.port or 5432) == (theirs.port or 5432)
    assert ours.database == theirs.database
    assert ours.query.get("sslmode") == theirs.query.get("sslmode")
    assert ours.query.get("sslrootcert") == theirs.query.get("sslrootcert")
    assert ours.password is None


def test_a_password_only_ever_goes_into_the_url_percent_encoded():
    secret = "p@ss:w/rd%?#\\ é"
    url = DOCK.url(secret)
    parsed = make_url(url)
    assert parsed.password == secret and parsed.username == "dock1"
    assert parsed.host == "db.site" and parsed.query["sslmode"] == "require"
    assert credentials.url_password(url) == secret


def test_a_non_postgresql_url_is_refused():
    with pytest.raises(ValidationError):
        ServerAddress.from_url("mysql://u@h/db")


# --- which store ----------------------------------------------------------------------------


def test_no_keyring_means_the_password_file(sandbox):
    store = password_store()
    assert store.kind == PGPASS and store.path == sandbox / ".pgpass"
    assert store.sentence == "The password is kept in ~/.pgpass, readable only by you."


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), chainer.ChainerBackend()])
def test_fail_null_and_an_empty_chainer_are_no_keyring(backend, monkeypatch):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", property(lambda self: []))
    keyring.set_keyring(backend)
    assert credentials.usable_keyring() is None
    assert password_store().kind == PGPASS


def test_a_real_backend_is_the_keyring(memory_keyring):
    store = password_store()
    assert store.kind == KEYRING
    assert store.sentence == "The password is kept in the system keyring."


# --- the keyring ----------------------------------------------------------------------------


def test_save_to_the_keyring_and_nowhere_else(memory_keyring, sandbox):
    assert save_password(DOCK, "s3cret").kind == KEYRING
    assert memory_keyring.passwords == {(KEYRING_SERVICE, "dock1@db.site:5432/inventory"): "s3cret"}
    assert not (sandbox / ".pgpass").exists()


def test_the_saved_url_gets_the_keyrings_password_in_memory(memory_keyring):
    save_password(DOCK, "p@ss:word")
    saved = "postgresql+psycopg://dock1@db.site:5432/inventory?sslmode=require"
    full = with_saved_password(saved)
    assert make_url(full).password == "p@ss:word"
    assert make_url(full).query["sslmode"] == "require"
    # Another login, or a URL that brings its own password, is left alone.
    other = "postgresql://dock2@db.site:5432/inventory"
    assert with_saved_password(other) == other
    explicit = "postgresql://dock1:typed@db.site:5432/inventory?sslmode=require"
    assert with_saved_password(explicit) == explicit


def test_without_a_keyring_the_url_stays_without_password():
    url = "postgresql://dock1@db.site:5432/inventory"
    write_pgpass(ServerAddress.from_url(url), "s3cret")
    assert with_saved_password(url) == url  # libpq reads ~/.pgpass itself


def test_a_keyring_that_refuses_falls_back_to_the_file(sandbox):
    keyring.set_keyring(LockedKeyring())
    store = save_password(DOCK, "s3cret")
    assert store.kind == PGPASS
    assert pgpass_lookup(DOCK) == "s3cret"


def test_a_new_password_replaces_the_one_read_before(memory_keyring):
    save_password(DOCK, "old-one")
    assert make_url(with_saved_password(DOCK.url())).password == "old-one"
    save_password(DOCK, "new-one")
    assert make_url(with_saved_password(DOCK.url())).password == "new-one"


# --- libpq's password file ---------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_file_is_written_0600_with_the_login_line(sandbox):
    path = save_password(DOCK, "s3cret").path
    assert path == sandbox / ".pgpass"
    assert mode(path) == 0o600
    assert path.read_text() == "db.site:5432:inventory:dock1:s3cret\n"


def test_colons_and_backslashes_are_escaped(sandbox):
    address = ServerAddress("fe80::1", 5432, "inv:db", "do\\ck")
    write_pgpass(address, "a:b\\c")
    line = (sandbox / ".pgpass").read_text().strip()
    assert line == "fe80\\:\\:1:5432:inv\\:db:do\\\\ck:a\\:b\\\\c"
    assert split_pgpass_line(line) == ["fe80::1", "5432", "inv:db", "do\\ck", "a:b\\c"]
    assert pgpass_lookup(address) == "a:b\\c"
    assert escape_pgpass("\\:") == "\\\\\\:"


def test_the_same_login_is_replaced_and_every_other_line_kept(sandbox):
    path = sandbox / ".pgpass"
    path.write_text(
        "# site servers\n"
        "db.site:5432:inventory:dock1:old\n"
        "db.site:5432:inventory:dock2:theirs\n"
        "other:5432:*:admin:admins\n"
    )
    path.chmod(0o644)  # libpq would ignore it; writing makes it private again
    write_pgpass(DOCK, "new")
    assert path.read_text().splitlines() == [
        "# site servers",
        "db.site:5432:inventory:dock1:new",
        "db.site:5432:inventory:dock2:theirs",
        "other:5432:*:admin:admins",
    ]
    assert mode(path) == 0o600
    write_pgpass(ServerAddress("db.site", 5433, "inventory", "dock1"), "elsewhere")
    assert path.read_text().splitlines()[-1] == "db.site:5433:inventory:dock1:elsewhere"
    assert pgpass_lookup(DOCK) == "new"


def test_the_line_goes_before_a_wildcard_that_would_shadow_it(sandbox):
    path = sandbox / ".pgpass"
    path.write_text("*:*:*:dock1:stale\n")
    write_pgpass(DOCK, "fresh")
    assert path.read_text().splitlines() == ["db.site:5432:inventory:dock1:fresh",
                                             "*:*:*:dock1:stale"]
    assert pgpass_lookup(DOCK) == "fresh"  # libpq takes the first match


def test_pgpassfile_is_honoured(tmp_path, monkeypatch, sandbox):
    target = tmp_path / "elsewhere" / "pgpass.conf"
    monkeypatch.setenv("PGPASSFILE", str(target))
    assert pgpass_path() == target
    assert password_store().sentence == f"The password is kept in {target}, readable only by you."
    write_pgpass(DOCK, "s3cret")
    assert mode(target) == 0o600 and not (sandbox / ".pgpass").exists()


def test_a_line_break_cannot_be_stored(sandbox):
    with pytest.raises(ValidationError):
        save_password(DOCK, "two\nlines")
    assert not (sandbox / ".pgpass").exists()


# --- the saved connection in settings.json --------------------------------------------------


def test_the_saved_connection_has_no_password(tmp_path):
    save_settings(database_url=DOCK.url("s3cret"), connection_chosen=True)
    text = (tmp_path / "config" / "settings.json").read_text()
    assert "s3cret" not in text
    assert saved_connection() == (DOCK.url(), True)
    assert load_settings().connection_chosen is True


def test_standalone_chosen_is_saved_as_no_url(tmp_path):
    save_settings(database_url=DOCK.url())
    save_settings(database_url=None, connection_chosen=True)
    data = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert data["database_url"] is None and data["connection_chosen"] is True
    assert saved_connection() == (None, True)
    assert load_settings().database_url is None


def test_the_saved_connection_is_the_files_not_the_environments(monkeypatch):
    save_settings(database_url=DOCK.url())
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://env@elsewhere/inventory")
    assert load_settings().database_url == "postgresql://env@elsewhere/inventory"
    assert saved_connection() == (DOCK.url(), False)
