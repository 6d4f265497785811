"""Keeps the model picker's time estimates about the queue: its images and their pixels."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel

from app.widgets.model_picker import ModelPicker


def follow_queue(picker: ModelPicker, queue: QAbstractItemModel) -> None:
    """Tell ``picker`` the queue's workload whenever rows come, go or learn their size (``queue.items[i].pixels``)."""

    def update(*_args) -> None:
        items = [i for i in getattr(queue, "items", []) if getattr(i, "pixels", 0)]
        picker.set_workload(sum(i.pixels for i in items), len(items))

    for signal in (queue.rowsInserted, queue.rowsRemoved, queue.modelReset, queue.dataChanged):
        signal.connect(update)
    update()
