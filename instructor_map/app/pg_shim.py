"""Every use of pyqtgraph's private or undocumented API, in one place, for the versions in SUPPORTED.

The maps rely on a few internals for speed (in-place point updates) and for features pyqtgraph keeps to itself
(the rubber band, the view box's transform, one shader program per GL context). tests/app/test_pg_shim.py fails
on a pyqtgraph outside SUPPORTED or one that lacks a name in RELIED_ON.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsRectItem

SUPPORTED = ((0, 14), (0, 15))  # from 0.14 up to, not including, 0.15: as pyproject pins it
RELIED_ON = {  # pyqtgraph class (dotted from the package) -> attributes of its instances used here
    "ViewBox": ("rbScaleBox", "childGroup", "updateScaleBox"),
    "ScatterPlotItem": ("data", "bounds", "invalidate", "fragmentAtlas", "_style", "_maybeRebuildAtlas",
                        "_updateMaxSpotSizes"),
    "TextItem": ("textItem",),
    "opengl.GLViewWidget": ("keyTimer",),
    "opengl.GLScatterPlotItem": ("_shaderProgram",),
    "opengl.GLLinePlotItem": ("_shaderProgram",),
}
POINT_FIELDS = ("x", "y", "size", "pen", "brush", "data", "sourceRect")  # columns of a scatter's point table


# ---- the view box ------------------------------------------------------------------------------------------
def view_transform(vb: pg.ViewBox) -> QTransform:
    """Map coordinates to pixels of the view box."""
    return vb.childGroup.transform()


def rubber_band(vb: pg.ViewBox) -> QGraphicsRectItem:
    """The view box's rubber band rectangle (styled, shown and hidden by the canvas)."""
    return vb.rbScaleBox


def show_rubber_band(vb: pg.ViewBox, start: QPointF, end: QPointF) -> None:
    """The rubber band from `start` to `end`, pixels of the view box."""
    vb.updateScaleBox(start, end)


# ---- scatter items -----------------------------------------------------------------------------------------
def point_table(item: pg.ScatterPlotItem) -> np.ndarray:
    """The item's points: a structured array with the POINT_FIELDS columns, one row per point, in order."""
    return item.data


def points_moved(item: pg.ScatterPlotItem) -> None:
    """The x and y columns of the point table were written in place: drop the cached bounds and redraw."""
    item.prepareGeometryChange()
    item.informViewBoundsChanged()
    item.bounds = [None, None]
    item.invalidate()


def points_restyled(item: pg.ScatterPlotItem, first: np.ndarray, inverse: np.ndarray) -> None:
    """The brush, pen and size columns were written in place: look up each distinct style's symbol once (its
    first row in `first`; `inverse` gives each point's style) and redraw."""
    data = item.data
    looks = list(zip(*item._style(["symbol", "size", "pen", "brush"], data=data, idx=first)))
    data["sourceRect"] = np.array(item.fragmentAtlas[looks], dtype=data["sourceRect"].dtype)[inverse]
    item._maybeRebuildAtlas()
    item._updateMaxSpotSizes(data=data)
    item.invalidate()


# ---- text items --------------------------------------------------------------------------------------------
def text_size(item: pg.TextItem) -> tuple[float, float]:
    """Width and height of a text item's text, in pixels."""
    box = item.textItem.boundingRect()
    return box.width(), box.height()


# ---- the 3D view -------------------------------------------------------------------------------------------
def key_timer(view):
    """The GL view's timer that repeats camera moves while a key is held."""
    return view.keyTimer


@contextmanager
def own_shader_programs(programs: dict, classes: Iterable[type]) -> Iterator[None]:
    """pyqtgraph 0.14 keeps one shader program per item class, compiled in whichever GL context came first
    (pyqtgraph issue 3455): lend `classes` the programs of one GL context (`programs`, by class) while it
    paints, and keep there what they compiled."""
    lent = {cls: cls._shaderProgram for cls in classes}
    for cls in lent:
        cls._shaderProgram = programs.get(cls)
    try:
        yield
    finally:
        for cls, program in lent.items():
            programs[cls] = cls._shaderProgram
            cls._shaderProgram = program
