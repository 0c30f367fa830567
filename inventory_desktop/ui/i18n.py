"""Translations: ``resources/translations/inventory_desktop_<locale>.qm`` when one exists.

English is the source language (the strings in the code), so English needs no file; a clerk
whose system speaks a language we ship gets it, with Qt's own strings (standard buttons) in
the same language. How to add a language: ``resources/translations/README.md``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from inventory_desktop import resources

log = logging.getLogger(__name__)

DOMAIN = resources.TRANSLATION_PREFIX.rstrip("_")  # inventory_desktop


def install_translators(
    app: QCoreApplication, locale: QLocale | None = None, directory: Path | None = None
) -> list[QTranslator]:
    """Load and install the app's translation for ``locale`` (default: the system's), and Qt's
    own for the same language; the installed translators (none when the language is English
    or not shipped)."""
    locale = locale if locale is not None else QLocale()
    directory = directory if directory is not None else resources.translations_dir()
    ours = QTranslator(app)
    # Tries inventory_desktop_pt_BR.qm, then inventory_desktop_pt.qm, … for each UI language.
    if not ours.load(locale, DOMAIN, "_", str(directory), ".qm"):
        ours.deleteLater()
        return []
    app.installTranslator(ours)
    installed = [ours]
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(locale, "qtbase", "_", qt_dir, ".qm"):
        app.installTranslator(qt)
        installed.append(qt)
    else:
        qt.deleteLater()
    log.info("translation %s loaded for %s", ours.filePath(), locale.name())
    return installed
