"""Closable banners float over the top of their page instead of pushing it down (the page keeps its layout);
banners that cannot be closed are part of the page and stay in its layout."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsDropShadowEffect, QWidget

from app.widgets.banner import Banner

GAP = 4


class BannerStack(QObject):
    """Keeps ``banners`` stacked at the top of ``page``, as wide as its layout, above everything else."""

    def __init__(self, page: QWidget, banners: list[Banner]) -> None:
        super().__init__(page)
        self.page, self.banners = page, banners
        page.installEventFilter(self)
        for banner in banners:
            banner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide, QEvent.Type.LayoutRequest):
            self.place()
        return False

    def place(self) -> None:
        margins = self.page.layout().contentsMargins() if self.page.layout() else None
        left, top = (margins.left(), margins.top()) if margins else (8, 8)
        right = margins.right() if margins else 8
        width = max(100, self.page.width() - left - right)
        y = top
        for banner in self.banners:
            if banner.isHidden():
                continue
            height = banner.heightForWidth(width) if banner.hasHeightForWidth() else banner.sizeHint().height()
            banner.setGeometry(left, y, width, max(height, banner.minimumSizeHint().height()))
            banner.raise_()
            y += banner.height() + GAP


def float_banners(page: QWidget) -> BannerStack | None:
    """Take the page's closable banners out of its layout and float them over its top edge."""
    banners = [b for b in page.findChildren(Banner) if b.closable and b.parentWidget() is page]
    if not banners:
        return None
    for banner in banners:
        if page.layout() is not None:
            page.layout().removeWidget(banner)
        banner.opaque = True
        shadow = QGraphicsDropShadowEffect(banner, blurRadius=18, offset=0, color=QColor(0, 0, 0, 90))
        shadow.setOffset(0, 3)
        banner.setGraphicsEffect(shadow)
    return BannerStack(page, banners)
