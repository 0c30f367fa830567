"""Settings: a pydantic-settings model with a schema version. No Qt here (import-linter).

Sources, first wins: environment ``INVENTORY_*`` (``INVENTORY_DATABASE_URL``,
``INVENTORY_STATION``, ``INVENTORY_LOW_STOCK_THRESHOLD`` …), then ``settings.json`` in the
config directory, then the defaults. The directory is platformdirs' user config dir for
"inventory-desktop" unless ``INVENTORY_CONFIG_DIR`` names another (tests always set it, so
they never touch a clerk's real settings).

Window and column layout lives beside it in ``ui-state.json`` (base64 ``saveState`` bytes),
written by the GUI on exit; it is kept apart so saving the layout never writes an
environment value into the settings file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    JsonConfigSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from inventory_desktop import APP_NAME

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CONFIG_DIR_ENV = "INVENTORY_CONFIG_DIR"
SETTINGS_FILE = "settings.json"
UI_STATE_FILE = "ui-state.json"


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    return Path(override) if override else Path(user_config_dir(APP_NAME, appauthor=False))


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    schema_version: int = SCHEMA_VERSION
    database_url: str | None = None  # a saved connection (never with a password in it)
    # The first-run question (standalone or the site server) was answered on this computer.
    connection_chosen: bool = False
    station: str | None = None  # this workstation's name; the host name when unset
    low_stock_threshold: int = Field(default=5, ge=0)
    page_size: int = Field(default=200, ge=10, le=1000)
    shortcuts: dict[str, list[str]] = Field(default_factory=dict)  # action id -> keys

    @field_validator("database_url", "station", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            JsonConfigSettingsSource(settings_cls, json_file=settings_path()),
        )


def resolve_database_url(cli_url: str | None, settings: Settings) -> str | None:
    """The contract's order: --database-url, INVENTORY_DATABASE_URL, the saved connection;
    None means the standalone database. (The environment outranks the file in ``Settings``.)"""
    if cli_url and cli_url.strip():
        return cli_url.strip()
    return settings.database_url or None


def saved_connection() -> tuple[str | None, bool]:
    """``(database_url, connection_chosen)`` as saved in settings.json, the environment left
    out: what the connection dialog shows and changes."""
    data = _read_file()
    url = data.get("database_url")
    return (url if isinstance(url, str) and url.strip() else None,
            data.get("connection_chosen") is True)


def _read_file() -> dict[str, Any]:
    path = settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (ValueError, OSError):
        return {}
    return data if isinstance(data, dict) else {}


def load_settings(**overrides: Any) -> Settings:
    """The settings in force. A broken or newer-than-known file falls back to the defaults
    (and environment) with a log line instead of stopping the clerk at start-up."""
    path = settings_path()
    try:
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            version = data.get("schema_version", SCHEMA_VERSION) if isinstance(data, dict) else 0
            if not isinstance(version, int) or version > SCHEMA_VERSION:
                log.warning("%s has schema version %r (known: %d); using defaults",
                            path, version, SCHEMA_VERSION)
                return _without_file(**overrides)
        return Settings(**overrides)
    except (ValueError, OSError, ValidationError) as exc:
        log.warning("settings file %s is unusable (%s); using defaults", path, exc)
        return _without_file(**overrides)


class _EnvOnly(Settings):
    """The same settings with the file left out (it is broken or from a newer version)."""

    @classmethod
    def settings_customise_sources(  # type: ignore[override]
        cls, settings_cls, init_settings, env_settings, **_other
    ):
        return (init_settings, env_settings)


def _without_file(**overrides: Any) -> Settings:
    return _EnvOnly(**overrides)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a crash mid-write leaves the old file, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_settings(**changes: Any) -> None:
    """Write ``changes`` into settings.json (only the file's values; never the environment's).

    A database URL is saved without its password: that belongs in the OS keyring or
    ~/.pgpass (the contract), never in a plain file.
    """
    path = settings_path()
    data = _read_file()
    if changes.get("database_url"):
        changes["database_url"] = strip_password(changes["database_url"])
    data.update(changes)
    data["schema_version"] = SCHEMA_VERSION
    Settings.model_validate({k: v for k, v in data.items() if k in Settings.model_fields})
    _write_json(path, data)


def strip_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, at, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"


class UiState(BaseModel):
    """Window, splitter and header layout: name -> base64 of Qt's saveState bytes."""

    schema_version: int = SCHEMA_VERSION
    blobs: dict[str, str] = Field(default_factory=dict)


def load_ui_state() -> UiState:
    path = config_dir() / UI_STATE_FILE
    try:
        state = UiState.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UiState()
    except (ValueError, OSError) as exc:
        log.warning("window layout in %s is unusable (%s); starting fresh", path, exc)
        return UiState()
    return state if state.schema_version == SCHEMA_VERSION else UiState()


def save_ui_state(state: UiState) -> None:
    _write_json(config_dir() / UI_STATE_FILE, state.model_dump())
