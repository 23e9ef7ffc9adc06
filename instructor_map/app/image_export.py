"""Saving what a pyqtgraph view shows as an image file: PNG (or any raster format Qt knows) or SVG."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator


def save_view(view: pg.GraphicsView, path, symbols: list[pg.ScatterPlotItem]) -> None:
    """Write what `view` shows to `path`; in SVG, `symbols` are drawn as vectors, not from their pixmap cache."""
    path = str(path)
    if path.lower().endswith(".svg"):
        svg = QSvgGenerator()
        svg.setFileName(path)
        svg.setSize(view.size())
        svg.setViewBox(view.rect())
        svg.setTitle("Instructor Map")
        for item in symbols:
            item.setExportMode(True, {"antialias": True})
        painter = QPainter(svg)
        view.render(painter)
        for item in symbols:
            item.setExportMode(False)
        if not painter.end():
            raise OSError(f"could not write {path}")
    elif not view.grab().save(path):
        raise OSError(f"could not write {path}")
