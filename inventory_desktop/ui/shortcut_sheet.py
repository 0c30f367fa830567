"""F1: every shortcut, drawn from the same map the menus use."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inventory_desktop.ui import shortcuts
from inventory_desktop.ui.shortcuts import WHERE_ORDER, Shortcut


def sheet_rows(shortcut_map: Mapping[str, Shortcut]) -> list[tuple[str, str, str, str]]:
    """(where, keys, what, action id) in the sheet's order: grouped by where, map order within."""
    rows = []
    for where in WHERE_ORDER + tuple(
        sorted({s.where for s in shortcut_map.values()} - set(WHERE_ORDER))
    ):
        for action_id, s in shortcut_map.items():
            if s.where == where and s.keys:
                keys = ", ".join(
                    QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                    for k in s.keys
                )
                rows.append((where, keys, s.text().replace("&", ""), action_id))
    return rows


class ShortcutSheet(QDialog):
    def __init__(self, shortcut_map: Mapping[str, Shortcut] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(680, 540)  # the longest line ("Product field: …") fits unclipped
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcut-sheet")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([self.tr("Keys"), self.tr("Does")])
        self.tree.setRootIsDecorated(False)
        groups: dict[str, QTreeWidgetItem] = {}
        for where, keys, what, action_id in sheet_rows(shortcut_map or shortcuts.current()):
            group = groups.get(where)
            if group is None:
                group = groups[where] = QTreeWidgetItem(self.tree, [shortcuts.where_text(where)])
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFirstColumnSpanned(True)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item = QTreeWidgetItem(group, [keys, what])
            item.setData(0, Qt.ItemDataRole.UserRole, action_id)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)

    def action_ids(self) -> list[str]:
        ids = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for i in range(group.childCount()):
                ids.append(group.child(i).data(0, Qt.ItemDataRole.UserRole))
        return ids
