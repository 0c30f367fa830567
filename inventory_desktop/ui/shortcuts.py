"""Shortcuts as data: one map of action id -> label, key sequences and where it works.

The menus, the F1 sheet and the order entry dialog all read this map (napari's
``utils/shortcuts.py`` shape), and clerks' overrides from the settings file are merged over
it. A test asserts that no two actions share a key.

Entries with ``action=False`` are keys a field understands (Enter in the product field, …):
they are listed on the F1 sheet but are not QActions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

log = logging.getLogger(__name__)

# Where a shortcut works; also the group order on the F1 sheet.
# Marked for lupdate; ``where_text`` translates them where shown (the values stay English keys).
ANYWHERE = QT_TRANSLATE_NOOP("shortcuts", "Anywhere")
MAIN = QT_TRANSLATE_NOOP("shortcuts", "Main window")
PRODUCTS = QT_TRANSLATE_NOOP("shortcuts", "Products list")
ORDERS = QT_TRANSLATE_NOOP("shortcuts", "Orders list")
LISTS = QT_TRANSLATE_NOOP("shortcuts", "Any list")
ENTRY = QT_TRANSLATE_NOOP("shortcuts", "Order entry")
WHERE_ORDER = (ANYWHERE, MAIN, LISTS, PRODUCTS, ORDERS, ENTRY)


@dataclass(frozen=True)
class Shortcut:
    label: str
    keys: tuple[str, ...]
    where: str
    menu: str | None = None  # "File", "View", "Products", "Orders", "Help"; None: not in a menu
    action: bool = True  # False: a key a field understands, shown on the F1 sheet only

    def text(self) -> str:
        """The label in the UI language (``label`` is the English source, marked for lupdate)."""
        return QCoreApplication.translate("shortcuts", self.label)

    def sequences(self) -> list[QKeySequence]:
        return [QKeySequence(k) for k in self.keys]


DEFAULT_SHORTCUTS: dict[str, Shortcut] = {
    # The contract's keyboard table.
    "order.new": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&New order…"), ("Ctrl+N",), MAIN, "Orders"),
    "list.find": Shortcut(QT_TRANSLATE_NOOP("shortcuts", "&Find…"), ("Ctrl+F",), LISTS, "View"),
    "list.reload": Shortcut(QT_TRANSLATE_NOOP("shortcuts", "&Reload"), ("F5",), LISTS, "View"),
    "view.products": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&Products"), ("Ctrl+1",), MAIN, "View"),
    "view.orders": Shortcut(QT_TRANSLATE_NOOP("shortcuts", "&Orders"), ("Ctrl+2",), MAIN, "View"),
    "help.shortcuts": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&Keyboard shortcuts"), ("F1",), ANYWHERE, "Help"),
    "entry.place": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "Place the order"), ("Ctrl+Return", "Ctrl+Enter"), ENTRY),
    "entry.remove_line": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "Remove the selected line"), ("Delete",), ENTRY),
    "entry.close": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "Close order entry (asks first if lines would be lost)"),
        ("Esc",), ENTRY),
    # Ours.
    "product.new": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&New product…"), ("Ctrl+Shift+N",), PRODUCTS, "Products"),
    "product.edit": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&Edit product…"), ("F2",), PRODUCTS, "Products"),
    "product.receive": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&Receive stock…"), ("Ctrl+R",), PRODUCTS, "Products"),
    "product.adjust": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&Adjust stock…"), ("Ctrl+J",), PRODUCTS, "Products"),
    "product.history": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "Stock &history…"), ("Ctrl+H",), PRODUCTS, "Products"),
    "order.ship": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&Ship order…"), ("Ctrl+Shift+S",), ORDERS, "Orders"),
    "order.cancel": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "&Cancel order…"), ("Ctrl+Shift+X",), ORDERS, "Orders"),
    "app.connection": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "Co&nnection…"), ("Ctrl+Shift+D",), MAIN, "File"),
    "app.reconnect": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "Re&connect now"), ("Ctrl+Shift+F5",), ANYWHERE, "File"),
    "app.quit": Shortcut(QT_TRANSLATE_NOOP("shortcuts", "&Quit"), ("Ctrl+Q",), ANYWHERE, "File"),
    # Keys fields understand (F1 sheet only).
    "entry.pick": Shortcut(
        QT_TRANSLATE_NOOP(
            "shortcuts", "Product field: complete on SKU or name; Up/Down move; Enter picks"),
        ("Enter",), ENTRY, action=False),
    "entry.add_line": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "Quantity field: add the line, back to the product field"),
        ("Enter",), ENTRY, action=False),
    "list.open": Shortcut(
        QT_TRANSLATE_NOOP("shortcuts", "On a product: edit it"),
        ("Enter",), PRODUCTS, action=False),
}


def where_text(where: str) -> str:
    """A ``where`` group name (ANYWHERE, …) in the UI language."""
    return QCoreApplication.translate("shortcuts", where)


def portable(key: str) -> str:
    """One spelling per key ("ctrl+shift+n" and "Shift+Ctrl+N" are the same key)."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.PortableText)


def merged(
    overrides: Mapping[str, Iterable[str]] | None = None,
    defaults: Mapping[str, Shortcut] = DEFAULT_SHORTCUTS,
) -> dict[str, Shortcut]:
    """The defaults with the clerk's overrides (action id -> keys) merged over them.

    An unknown id is ignored; an override key that another action already uses is dropped
    (with a log line) so a key never means two things.
    """
    result = dict(defaults)
    for action_id, keys in (overrides or {}).items():
        if action_id not in result:
            log.warning("shortcut override for unknown action %r ignored", action_id)
            continue
        wanted = tuple(keys)
        taken = {
            portable(k): other
            for other, s in result.items()
            if other != action_id and s.action
            for k in s.keys
        }
        kept = tuple(k for k in wanted if portable(k) not in taken)
        for k in wanted:
            if portable(k) in taken:
                log.warning("shortcut %s for %r already belongs to %r; ignored",
                            k, action_id, taken[portable(k)])
        result[action_id] = replace(result[action_id], keys=kept)
    return result


def clashes(shortcuts: Mapping[str, Shortcut]) -> dict[str, list[str]]:
    """Keys used by more than one action (an empty dict is the only good answer)."""
    owners: dict[str, list[str]] = {}
    for action_id, s in shortcuts.items():
        if s.action:
            for k in s.keys:
                owners.setdefault(portable(k), []).append(action_id)
    return {k: ids for k, ids in owners.items() if len(ids) > 1}


_current: dict[str, Shortcut] = dict(DEFAULT_SHORTCUTS)


def current() -> dict[str, Shortcut]:
    """The map in force (defaults + the clerk's overrides, set once at start-up)."""
    return _current


def install(overrides: Mapping[str, Iterable[str]] | None) -> dict[str, Shortcut]:
    global _current
    _current = merged(overrides)
    return _current


def key_text(action_id: str, shortcuts: Mapping[str, Shortcut] | None = None) -> str:
    """'Ctrl+Return, Ctrl+Enter' in the platform's spelling, for labels and hints."""
    s = (shortcuts or _current)[action_id]
    return ", ".join(
        QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in s.keys
    )


def make_action(
    action_id: str,
    parent: QObject,
    triggered: Callable[[], object] | None = None,
    shortcuts: Mapping[str, Shortcut] | None = None,
) -> QAction:
    """A QAction labelled and keyed from the map; its menu entry shows the shortcut."""
    s = (shortcuts or _current)[action_id]
    label = s.text()
    action = QAction(label, parent)
    action.setObjectName(action_id)
    action.setShortcuts(s.sequences())
    action.setShortcutVisibleInContextMenu(True)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    plain = label.replace("&", "").rstrip("…")
    action.setToolTip(f"{plain} ({key_text(action_id, shortcuts)})" if s.keys else plain)
    if triggered is not None:
        action.triggered.connect(lambda _checked=False: triggered())
    return action
