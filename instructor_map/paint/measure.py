"""Text sizes from Qt's font metrics, for the scene: the fonts the canvas and the exports draw with."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetricsF

FAMILY = "sans-serif"  # a generic family, which an SVG viewer also knows


def font(size: float, bold: bool = False, italic: bool = False) -> QFont:
    f = QFont(FAMILY)
    f.setPixelSize(max(1, round(size)))
    f.setBold(bold)
    f.setItalic(italic)
    return f


class QtMeasure:
    """The scene's Measure with Qt's metrics; widths are remembered (maps ask for the same texts often)."""

    def __init__(self):
        self._metrics: dict[tuple[float, bool], QFontMetricsF] = {}
        self._widths: dict[tuple[str, float, bool], float] = {}
        self._heights: dict[float, float] = {}

    def _of(self, size: float, bold: bool) -> QFontMetricsF:
        key = (size, bold)
        if key not in self._metrics:
            self._metrics[key] = QFontMetricsF(font(size, bold))
        return self._metrics[key]

    def width(self, text: str, size: float, bold: bool = False) -> float:
        key = (text, size, bold)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > 100_000:
                self._widths.clear()
            width = self._widths[key] = self._of(size, bold).horizontalAdvance(text)
        return width

    def line_height(self, size: float) -> float:
        height = self._heights.get(size)
        if height is None:
            height = self._heights[size] = float(round(self._of(size, False).lineSpacing()))
        return height
