"""Settings: environment over file over defaults; never the clerk's real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inventory_desktop import config
from inventory_desktop.config import (
    SCHEMA_VERSION,
    UiState,
    load_settings,
    load_ui_state,
    resolve_database_url,
    save_settings,
    save_ui_state,
)


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("INVENTORY_CONFIG_DIR", str(tmp_path))
    for name in ("INVENTORY_DATABASE_URL", "INVENTORY_STATION", "INVENTORY_LOW_STOCK_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_the_config_dir_comes_from_the_environment(config_dir):
    assert config.config_dir() == config_dir
    assert config.settings_path() == config_dir / "settings.json"


def test_defaults():
    s = load_settings()
    assert s.schema_version == SCHEMA_VERSION
    assert s.database_url is None and s.station is None
    assert s.low_stock_threshold == 5


def test_file_then_environment(config_dir, monkeypatch):
    (config_dir / "settings.json").write_text(json.dumps(
        {"schema_version": 1, "station": "DOCK-1", "low_stock_threshold": 8,
         "database_url": "postgresql://clerk@db/inventory"}))
    s = load_settings()
    assert (s.station, s.low_stock_threshold) == ("DOCK-1", 8)
    monkeypatch.setenv("INVENTORY_STATION", "DOCK-2")
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://other@db2/inventory")
    s = load_settings()
    assert s.station == "DOCK-2"
    assert s.database_url == "postgresql://other@db2/inventory"


def test_database_url_resolution_order(config_dir, monkeypatch):
    assert resolve_database_url(None, load_settings()) is None  # standalone
    save_settings(database_url="postgresql://saved@db/inventory")
    assert resolve_database_url(None, load_settings()) == "postgresql://saved@db/inventory"
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://env@db/inventory")
    assert resolve_database_url(None, load_settings()) == "postgresql://env@db/inventory"
    assert resolve_database_url("postgresql://cli@db/x", load_settings()) == \
        "postgresql://cli@db/x"


def test_a_saved_url_never_keeps_its_password(config_dir):
    save_settings(database_url="postgresql+psycopg://clerk:s3cret@db:5432/inventory")
    text = (config_dir / "settings.json").read_text()
    assert "s3cret" not in text
    assert load_settings().database_url == "postgresql+psycopg://clerk@db:5432/inventory"


def test_saving_never_writes_the_environment_into_the_file(config_dir, monkeypatch):
    monkeypatch.setenv("INVENTORY_STATION", "FROM-ENV")
    save_settings(low_stock_threshold=3)
    data = json.loads((config_dir / "settings.json").read_text())
    assert data == {"low_stock_threshold": 3, "schema_version": SCHEMA_VERSION}


def test_a_broken_file_falls_back_to_defaults(config_dir, monkeypatch):
    (config_dir / "settings.json").write_text("{not json")
    monkeypatch.setenv("INVENTORY_STATION", "DOCK-9")
    s = load_settings()
    assert s.station == "DOCK-9" and s.low_stock_threshold == 5


def test_a_newer_file_is_not_misread(config_dir):
    (config_dir / "settings.json").write_text(json.dumps(
        {"schema_version": SCHEMA_VERSION + 1, "low_stock_threshold": "a new shape"}))
    assert load_settings().low_stock_threshold == 5


def test_invalid_values_are_refused_on_save():
    with pytest.raises(ValueError):
        save_settings(low_stock_threshold=-1)


def test_ui_state_round_trip(config_dir):
    assert load_ui_state().blobs == {}
    save_ui_state(UiState(blobs={"main/geometry": "AAEC"}))
    assert load_ui_state().blobs == {"main/geometry": "AAEC"}
    (config_dir / "ui-state.json").write_text("garbage")
    assert load_ui_state().blobs == {}


def test_config_never_imports_qt():
    import subprocess
    import sys

    code = ("import sys, inventory_desktop.config; "
            "assert not [m for m in sys.modules if m.startswith('PySide6')]")
    subprocess.run([sys.executable, "-c", code], check=True)
