"""The look: Fusion with a light or a dark palette that follows the system, the app icon.

The system's choice comes from ``QStyleHints.colorScheme()`` (Qt 6.5+) and is followed live
through ``colorSchemeChanged``; ``INVENTORY_COLOR_SCHEME=light|dark`` forces one (screenshots,
a kiosk with an odd desktop). Semantic colours (sold-out and low-stock rows, order
status, a problem line) come from ``semantic_colors()``, which picks the set readable on the
palette in force, so the table models never hard-code a colour that only works on white; a
view repaints (asking its model again) when the palette changes.

``python -m inventory_desktop.ui.theme --render-icons`` renders the PNG icons from the SVG.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from inventory_desktop import resources

LIGHT, DARK = "light", "dark"
SCHEME_ENV = "INVENTORY_COLOR_SCHEME"
STYLE = "Fusion"


@dataclass(frozen=True)
class SemanticColors:
    """Colours that mean something in the lists (always with words too, never colour alone)."""

    sold_out_bg: QColor  # products: stock 0
    sold_out_fg: QColor
    low_bg: QColor  # products: stock at or under the low-stock threshold
    low_fg: QColor
    problem_bg: QColor  # order entry: a line that cannot be ordered as it is
    problem_fg: QColor
    shipped_fg: QColor  # orders: status text
    cancelled_fg: QColor


def _colors(*hexes: str) -> SemanticColors:
    return SemanticColors(*map(QColor, hexes))


# Light: Bootstrap's "subtle" background and "emphasis" text pairs. Dark: tints deep enough to
# show on a dark base, with light text. Every pair, and every text colour on the palette's base
# and alternate base, has a contrast of at least 4.5:1 (WCAG AA; tests/ui/test_theme.py).
LIGHT_COLORS = _colors("#f8d7da", "#842029", "#fff3cd", "#664d03",
                       "#ffe4e1", "#aa0000", "#0f5132", "#5c636a")
DARK_COLORS = _colors("#5a1e24", "#ffd6da", "#574500", "#ffe8a3",
                      "#5a1e24", "#ffd6da", "#75b798", "#adb5bd")


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def semantic_colors(palette: QPalette | None = None) -> SemanticColors:
    """The colours readable on ``palette`` (default: the application's, as it is now)."""
    palette = palette if palette is not None else QGuiApplication.palette()
    return DARK_COLORS if is_dark(palette) else LIGHT_COLORS


def light_palette() -> QPalette:
    style = QStyleFactory.create(STYLE)
    return style.standardPalette() if style is not None else QPalette()


def dark_palette() -> QPalette:
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    palette = QPalette()
    for r, colour in (
        (role.Window, "#2b2b2b"),
        (role.WindowText, "#e8e8e8"),
        (role.Base, "#1f1f1f"),
        (role.AlternateBase, "#292929"),
        (role.ToolTipBase, "#383838"),
        (role.ToolTipText, "#e8e8e8"),
        (role.PlaceholderText, "#8f8f8f"),
        (role.Text, "#e8e8e8"),
        (role.Button, "#353535"),
        (role.ButtonText, "#e8e8e8"),
        (role.BrightText, "#ff7b7b"),
        (role.Light, "#505050"),
        (role.Midlight, "#404040"),
        (role.Mid, "#909090"),  # the status bar's quiet text (style.qss) must stay legible
        (role.Dark, "#1a1a1a"),
        (role.Shadow, "#0d0d0d"),
        (role.Highlight, "#3d6fb6"),
        (role.HighlightedText, "#ffffff"),
        (role.Link, "#7cb8ff"),
        (role.LinkVisited, "#c49cff"),
    ):
        palette.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, r, QColor("#7a7a7a"))
    palette.setColor(group.Disabled, role.Highlight, QColor("#4a4a4a"))
    return palette


def system_scheme() -> str:
    """``light`` or ``dark``: the override, else the system's (Unknown counts as light)."""
    forced = os.environ.get(SCHEME_ENV, "").strip().lower()
    if forced in (LIGHT, DARK):
        return forced
    return _scheme_name(QGuiApplication.styleHints().colorScheme())


def _scheme_name(scheme: Qt.ColorScheme) -> str:
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


class Theme(QObject):
    """Applies Fusion and the palette for the system's scheme, and follows its changes."""

    changed = Signal(str)  # light / dark, after the new palette is in force

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self.scheme = ""
        app.setStyle(STYLE)
        app.styleHints().colorSchemeChanged.connect(self._system_changed)
        self.apply(system_scheme())

    def apply(self, scheme: str) -> None:
        if scheme not in (LIGHT, DARK):
            raise ValueError(f"unknown colour scheme {scheme!r}")
        self._app.setPalette(dark_palette() if scheme == DARK else light_palette())
        if scheme != self.scheme:
            self.scheme = scheme
            self.changed.emit(scheme)

    @Slot(Qt.ColorScheme)
    def _system_changed(self, scheme: Qt.ColorScheme) -> None:
        if os.environ.get(SCHEME_ENV, "").strip().lower() in (LIGHT, DARK):
            return  # forced: the desktop's change does not apply
        self.apply(_scheme_name(scheme))


def install(app: QApplication) -> Theme:
    """The app's one Theme (made on the first call)."""
    theme = app.findChild(Theme)
    return theme if isinstance(theme, Theme) else Theme(app)


def app_icon() -> QIcon:
    """The crate icon at every rendered size, plus the SVG for sizes in between."""
    icon = QIcon()
    for size in resources.ICON_SIZES:
        png = resources.app_icon_png(size)
        if png.is_file():
            icon.addFile(str(png))
    svg = resources.app_icon_svg()
    if svg.is_file():
        icon.addFile(str(svg))
    return icon


def render_icon_pngs(svg: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    """Render ``inventory-desktop-<size>.png`` for every size from the SVG (with QtSvg)."""
    from PySide6.QtSvg import QSvgRenderer

    svg = svg or resources.app_icon_svg()
    out_dir = out_dir or svg.parent
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG")
    written = []
    for size in resources.ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"{resources.APP_ICON_NAME}-{size}.png"
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    if sys.argv[1:] != ["--render-icons"]:
        raise SystemExit("usage: python -m inventory_desktop.ui.theme --render-icons")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(sys.argv[:1])
    for _path in render_icon_pngs():
        print(_path)
