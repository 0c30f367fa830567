"""The wall: domain/ and repository/ never import Qt, and work without PySide6 installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: " in result.stdout and " broken" not in result.stdout.replace(
        "0 broken", ""
    )


def test_domain_and_repository_import_with_qt_missing() -> None:
    """As if PySide6 were uninstalled (napari's `headless` run), every model module imports."""
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys

        class NoQt:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("PySide6", "shiboken6", "superqt"):
                    raise ImportError(f"{name} is blocked: Qt must not be needed here")
                return None

        sys.meta_path.insert(0, NoQt())
        import inventory_desktop.domain, inventory_desktop.repository
        for package in (inventory_desktop.domain, inventory_desktop.repository):
            for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
                importlib.import_module(info.name)
        import inventory_desktop.errors, inventory_desktop.config
        loaded = [m for m in sys.modules if m.startswith(("PySide6", "shiboken6"))]
        assert not loaded, loaded
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
