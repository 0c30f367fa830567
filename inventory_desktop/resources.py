"""Where ``resources/`` (icons, style sheet, translations) is, however the app was installed.

- a PyInstaller bundle: ``sys._MEIPASS/resources`` (``inventory-desktop.spec`` puts it there);
- a source checkout or an editable install: ``resources/`` beside the package (the contract's
  top-level layout);
- an installed wheel: ``inventory_desktop/_resources`` (pyproject maps ``resources/`` there,
  as it maps ``migrations/`` to ``inventory_desktop/_migrations``).

No Qt here: the spec file and the tests use these paths without a QApplication.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP_ICON_NAME = "inventory-desktop"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
TRANSLATION_PREFIX = "inventory_desktop_"  # resources/translations/inventory_desktop_<locale>.qm
_MARKER = "style.qss"  # a file every resources/ has


def resources_dir() -> Path:
    """The first candidate that holds the app's resources (the bundle's, when frozen)."""
    package = Path(__file__).resolve().parent
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / "resources"] if bundle else []
    candidates += [package.parent / "resources", package / "_resources"]
    for candidate in candidates:
        if (candidate / _MARKER).is_file():
            return candidate
    return candidates[0]  # missing: callers treat absent files as "no icon / no style"


def icons_dir() -> Path:
    return resources_dir() / "icons"


def app_icon_svg() -> Path:
    return icons_dir() / f"{APP_ICON_NAME}.svg"


def app_icon_png(size: int) -> Path:
    return icons_dir() / f"{APP_ICON_NAME}-{size}.png"


def translations_dir() -> Path:
    return resources_dir() / "translations"


def shipped_locales() -> list[str]:
    """Locales with a compiled translation, e.g. ``["de", "pt_BR"]`` (English is the source)."""
    found = translations_dir().glob(f"{TRANSLATION_PREFIX}*.qm")
    return sorted(p.stem.removeprefix(TRANSLATION_PREFIX) for p in found)
