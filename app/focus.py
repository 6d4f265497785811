"""Tab order in reading order: a page's focusable controls as its layouts place them (not as they were created)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLayout, QScrollArea, QSplitter, QStackedWidget, QWidget


def _takes_tab(widget: QWidget) -> bool:
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.focusProxy() is None


def _from_layout(layout: QLayout, found: list[QWidget]) -> None:
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item.widget() is not None:
            _collect(item.widget(), found)
        elif item.layout() is not None:
            _from_layout(item.layout(), found)


def _collect(widget: QWidget, found: list[QWidget]) -> None:
    if isinstance(widget, QScrollArea) and widget.widget() is not None:
        _collect(widget.widget(), found)
    elif isinstance(widget, (QSplitter, QStackedWidget)):
        for index in range(widget.count()):
            _collect(widget.widget(index), found)
    elif widget.layout() is not None and not isinstance(widget, QAbstractScrollArea):
        if _takes_tab(widget):
            found.append(widget)
        _from_layout(widget.layout(), found)
    elif _takes_tab(widget):
        found.append(widget)


def reading_order(root: QWidget) -> list[QWidget]:
    """The controls under ``root`` that take Tab focus, top to bottom and left to right as laid out."""
    found: list[QWidget] = []
    _collect(root, found)
    return [w for w in found if w is not root]


def chain(widgets: list[QWidget]) -> None:
    """Make Tab visit ``widgets`` in this order."""
    for first, second in zip(widgets, widgets[1:], strict=False):
        QWidget.setTabOrder(first, second)


def first_control(root: QWidget) -> QWidget | None:
    """The first enabled, visible control of ``root`` in reading order."""
    return next((w for w in reading_order(root) if w.isVisibleTo(root) and w.isEnabled()), None)
