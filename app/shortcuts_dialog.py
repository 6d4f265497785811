"""Help > Keyboard shortcuts: one table generated from the window's actions, so it cannot drift from them."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

EVERYWHERE = "Anywhere in the window"


def _scope(action: QAction) -> str:
    """Where the shortcut works: the action's "scope" property, else the widget it belongs to."""
    named = action.property("scope")
    if named:
        return str(named)
    parent = action.parent()
    if action.shortcutContext() == Qt.ShortcutContext.WidgetShortcut and isinstance(parent, QWidget):
        name = parent.accessibleName() or re.sub(r"(?<!^)(?=[A-Z])", " ", type(parent).__name__).lower()
        return f"In the {name}"
    return EVERYWHERE


def shortcut_rows(root: QWidget) -> list[tuple[str, str, str]]:
    """(what it does, keys, where) for every action under ``root`` that has a shortcut, grouped by where."""
    rows: list[tuple[str, str, str]] = []
    for action in root.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
        if not keys:
            continue
        row = (action.text().replace("&", "").removesuffix("…"), ", ".join(keys), _scope(action))
        if row not in rows:
            rows.append(row)
    scopes = list(dict.fromkeys(r[2] for r in rows))
    scopes.sort(key=lambda s: s != EVERYWHERE)
    return sorted(rows, key=lambda r: scopes.index(r[2]))


class ShortcutsDialog(QDialog):
    """The table of shortcuts (What, Keys, Where)."""

    def __init__(self, root: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(root)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Action", "Keys", "Where"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 560)
