"""The UI's strings are marked for translation: lupdate finds them, and a .qm changes them.

Runs the real tools from the PySide6-Essentials wheel (``pyside6-lupdate``, ``pyside6-lrelease``)
the way ``resources/translations/README.md`` tells a translator to.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

from inventory_desktop.errors import InsufficientStock, Shortage
from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.main_window import MainWindow
from inventory_desktop.ui.messages import describe

UI = Path(__file__).resolve().parents[2] / "inventory_desktop" / "ui"

# A few strings every .ts must offer a translator: (context, source).
KNOWN = [
    ("OrderEntryForm", "Place order ({})"),
    ("messages", "Not enough stock:"),
    ("messages", "Not enough stock — nothing was taken:"),
    ("messages", "{}: {} (you asked for {})"),
    ("shortcuts", "&Quit"),
    ("shortcuts", "&New order…"),
    ("MainWindow", "&File"),
    ("MainWindow", "&Products ({})"),
    ("headers", "SKU"),
    ("OrdersView", "Cancel order {}? Its items go back into stock."),
    ("ConnectionDialog", "&Test connection"),
    ("ConnectionDialog", "✕ No database server answers at {}, port {}. Check the server name "
     "and port, and that the server is running and this computer is on the network."),
    ("ConnectionDialog", "Inventory Desktop uses the new connection the next time it starts."),
]

# The fake German the test gives a few of them.
GERMAN = {
    ("MainWindow", "&Products ({})"): "&Produkte ({})",
    ("shortcuts", "&Quit"): "&Beenden",
    ("messages", "Not enough stock:"): "Nicht genug auf Lager:",
}


def _tool(name: str) -> list[str]:
    """``pyside6-<name>`` next to this Python (the venv), else PySide6's own launcher."""
    script = Path(sys.executable).with_name(f"pyside6-{name}")
    if script.exists():
        return [str(script)]
    found = shutil.which(f"pyside6-{name}")
    if found:
        return [found]
    return [sys.executable, "-m", "PySide6.scripts.pyside_tool", name]


def _lupdate(ts: Path) -> ET.ElementTree:
    sources = sorted(str(p) for p in UI.glob("*.py"))
    subprocess.run([*_tool("lupdate"), *sources, "-ts", str(ts)], check=True,
                   capture_output=True, timeout=120)
    return ET.parse(ts)


def _messages(tree: ET.ElementTree) -> dict[tuple[str, str], ET.Element]:
    found = {}
    for context in tree.getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            found[(name, message.findtext("source"))] = message
    return found


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ET.ElementTree]:
    ts = tmp_path_factory.mktemp("ts") / "inventory_desktop_de.ts"
    return ts, _lupdate(ts)


def test_lupdate_extracts_the_ui_strings(extracted) -> None:
    _ts, tree = extracted
    messages = _messages(tree)
    assert len(messages) >= 250, len(messages)
    for key in KNOWN:
        assert key in messages, key
    # No f-string slipped into tr(): lupdate would extract its braces' contents verbatim.
    assert not [src for _ctx, src in messages if "{self" in src or "{order" in src]


def test_a_compiled_translation_changes_the_widgets(extracted, tmp_path, qtbot, worker) -> None:
    ts, tree = extracted
    messages = _messages(tree)
    for key, german in GERMAN.items():
        translation = messages[key].find("translation")
        translation.text = german
        translation.attrib.pop("type", None)  # "unfinished" would not be compiled
    german_ts = tmp_path / "inventory_desktop_de.ts"
    tree.write(german_ts, encoding="utf-8", xml_declaration=True)
    qm = tmp_path / "inventory_desktop_de.qm"
    subprocess.run([*_tool("lrelease"), str(german_ts), "-qm", str(qm)], check=True,
                   capture_output=True, timeout=120)

    app = QCoreApplication.instance()
    translator = QTranslator()
    assert translator.load(str(qm))
    assert app.installTranslator(translator)
    try:
        window = MainWindow(worker)
        qtbot.addWidget(window)
        products_key = shortcuts.key_text("view.products")
        assert window.tabs.tabText(0) == f"&Produkte ({products_key})"
        assert window.actions_by_id["app.quit"].text() == "&Beenden"
        shortage = InsufficientStock([Shortage(1, 5, 2)])
        assert describe(shortage, {1: "WID-1"}).startswith("Nicht genug auf Lager:\n")
    finally:
        app.removeTranslator(translator)

    english = MainWindow(worker)
    qtbot.addWidget(english)
    assert english.tabs.tabText(0) == f"&Products ({shortcuts.key_text('view.products')})"
    assert english.actions_by_id["app.quit"].text() == "&Quit"
