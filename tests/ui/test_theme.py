"""The look: the icon, light and dark palettes following the system, readable semantic
colours in both, the window title, and translations."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QLocale, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication

from inventory_desktop import resources
from inventory_desktop.ui import theme
from inventory_desktop.ui.i18n import install_translators
from inventory_desktop.ui.main_window import MainWindow, window_title
from inventory_desktop.ui.products_model import COL_STOCK, ProductTableModel

# -- the icon ----------------------------------------------------------------------------


def test_icon_pngs_are_present_and_load() -> None:
    for size in resources.ICON_SIZES:
        image = QImage(str(resources.app_icon_png(size)))
        assert not image.isNull(), size
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()


def test_app_icon_has_every_size(qapp) -> None:
    icon = theme.app_icon()
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert {16, 32, 48, 256} <= sizes


def test_pngs_render_from_the_svg(qapp, tmp_path: Path) -> None:
    written = theme.render_icon_pngs(out_dir=tmp_path)
    assert [p.name for p in written] == [
        resources.app_icon_png(size).name for size in resources.ICON_SIZES]
    big = QImage(str(tmp_path / "inventory-desktop-256.png"))
    assert big.pixelColor(128, 180).alpha() == 255  # the crate's front, opaque
    assert big.pixelColor(2, 2).alpha() == 0  # a transparent corner


# -- light and dark ----------------------------------------------------------------------


@pytest.fixture
def app_theme(qapp, monkeypatch: pytest.MonkeyPatch) -> Iterator[theme.Theme]:
    """The app's one Theme; the app's palette and style are put back afterwards."""
    monkeypatch.delenv(theme.SCHEME_ENV, raising=False)
    palette, style = QPalette(qapp.palette()), qapp.style().name()
    app_theme = theme.install(qapp)
    yield app_theme
    app_theme.scheme = ""
    qapp.setPalette(palette)
    qapp.setStyle(style)


def _system_switches_to(qapp, scheme: Qt.ColorScheme) -> None:
    qapp.styleHints().colorSchemeChanged.emit(scheme)  # what the platform does


def test_follows_the_system_between_light_and_dark(qtbot, qapp, app_theme) -> None:
    assert qapp.style().name().lower() == "fusion"
    with qtbot.waitSignal(app_theme.changed) as changed:
        _system_switches_to(qapp, Qt.ColorScheme.Dark)
    assert changed.args == [theme.DARK]
    assert theme.is_dark(qapp.palette())
    assert theme.semantic_colors() is theme.DARK_COLORS

    with qtbot.waitSignal(app_theme.changed):
        _system_switches_to(qapp, Qt.ColorScheme.Light)
    assert not theme.is_dark(qapp.palette())
    assert theme.semantic_colors() is theme.LIGHT_COLORS


def test_a_forced_scheme_ignores_the_system(qapp, app_theme, monkeypatch) -> None:
    monkeypatch.setenv(theme.SCHEME_ENV, "dark")
    app_theme.apply(theme.system_scheme())
    _system_switches_to(qapp, Qt.ColorScheme.Light)
    assert app_theme.scheme == theme.DARK and theme.is_dark(qapp.palette())


def test_install_makes_one_theme(qapp, app_theme) -> None:
    assert theme.install(qapp) is app_theme


def _luminance(colour: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("palette_of", [theme.light_palette, theme.dark_palette])
def test_semantic_colours_are_readable_on_both_palettes(qapp, palette_of) -> None:
    palette = palette_of()
    colors = theme.semantic_colors(palette)
    assert colors is (theme.DARK_COLORS if palette_of is theme.dark_palette else theme.LIGHT_COLORS)
    for fg, bg in ((colors.sold_out_fg, colors.sold_out_bg), (colors.low_fg, colors.low_bg),
                   (colors.problem_fg, colors.problem_bg)):
        assert contrast(fg, bg) >= 4.5, (fg.name(), bg.name())
    for fg in (colors.shipped_fg, colors.cancelled_fg):
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
            assert contrast(fg, palette.color(role)) >= 4.5, (fg.name(), role)
    text = palette.color(QPalette.ColorRole.Text)
    assert contrast(text, palette.color(QPalette.ColorRole.Base)) >= 7
    # The tints must show against the list's own background.
    assert contrast(colors.sold_out_bg, palette.color(QPalette.ColorRole.Base)) > 1.15


def test_products_model_colours_come_from_the_theme(qtbot, qapp, app_theme, worker,
                                                    fake_repo) -> None:
    fake_repo.seed(20)  # product 10 and 20 are sold out
    model = ProductTableModel(worker, page_size=50, low_stock_threshold=5)
    with qtbot.waitSignal(model.loaded):
        model.requery()
    row = next(r for r in range(model.rowCount())
               if model.row_value(r).stock_quantity == 0)
    index = model.index(row, COL_STOCK)
    for scheme, colors in ((Qt.ColorScheme.Dark, theme.DARK_COLORS),
                           (Qt.ColorScheme.Light, theme.LIGHT_COLORS)):
        _system_switches_to(qapp, scheme)
        assert model.data(index, Qt.ItemDataRole.BackgroundRole).color() == colors.sold_out_bg
        assert model.data(index, Qt.ItemDataRole.ForegroundRole).color() == colors.sold_out_fg


# -- the window title ----------------------------------------------------------------------


def test_window_title_names_station_and_server(qtbot, worker) -> None:
    window = MainWindow(worker, page_size=50, station="DOCK-3")
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.windowTitle() ==
                    "Inventory Desktop — TEST-1 — fake.server:5432/inventory")
    assert window_title("DOCK-3", "") == "Inventory Desktop — DOCK-3"


# -- translations ------------------------------------------------------------------------

TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>MainWindow</name>
    <message>
        <source>Inventory Desktop</source>
        <translation>Lagerverwaltung</translation>
    </message>
</context>
</TS>
"""


@pytest.fixture
def translations(tmp_path: Path) -> Path:
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    if not lrelease.exists():
        pytest.skip("pyside6-lrelease is not installed")
    ts = tmp_path / "inventory_desktop_de.ts"
    ts.write_text(TS, encoding="utf-8")
    subprocess.run([str(lrelease), str(ts), "-qm", str(ts.with_suffix(".qm"))],
                   check=True, capture_output=True, timeout=60)
    return tmp_path


def test_a_shipped_translation_is_loaded_for_the_clerks_language(qapp, translations) -> None:
    installed = install_translators(qapp, QLocale("de_DE"), translations)
    try:
        assert installed and installed[0].language() == "de_DE"
        assert window_title("DOCK-3", "db:5432/inventory").startswith("Lagerverwaltung — ")
    finally:
        for translator in installed:
            QCoreApplication.removeTranslator(translator)
    assert window_title("DOCK-3", "").startswith("Inventory Desktop")


def test_no_translation_for_english_or_a_language_not_shipped(qapp, translations) -> None:
    assert install_translators(qapp, QLocale("en_US"), translations) == []
    assert install_translators(qapp, QLocale("fr_FR"), translations) == []


def test_only_english_ships_and_the_default_directory_is_resources() -> None:
    assert resources.translations_dir() == resources.resources_dir() / "translations"
    assert resources.shipped_locales() == []


def test_create_application_wires_theme_icon_and_style(qapp, app_theme) -> None:
    from inventory_desktop.app import create_application

    app = create_application()
    assert app is QApplication.instance()
    assert not app.windowIcon().isNull()
    assert "connection-state" in app.styleSheet()
    assert theme.install(app) is app_theme
