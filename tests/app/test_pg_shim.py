"""The pyqtgraph installed is one the shim supports, and has every private name the shim relies on."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pyqtgraph.opengl as gl
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsRectItem

from instructor_map.app import pg_shim
from instructor_map.app.scatter import Scatter

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def test_the_installed_pyqtgraph_is_supported():
    low, high = pg_shim.SUPPORTED
    assert low <= version(pg.__version__) < high, f"pyqtgraph {pg.__version__}: the shim supports {low} to {high}"


def test_pyproject_pins_the_supported_range():
    pins = re.findall(r'"pyqtgraph([<>=!~][^"]*)"', PYPROJECT.read_text())
    low, high = (".".join(map(str, v)) for v in pg_shim.SUPPORTED)
    assert [re.sub(r"\s", "", pin) for pin in pins] == [f">={low},<{high}"]


@pytest.mark.parametrize("name", sorted(pg_shim.RELIED_ON))
def test_every_name_relied_on_exists(qapp, name):
    instance = functools.reduce(getattr, name.split("."), pg)()
    missing = [attribute for attribute in pg_shim.RELIED_ON[name] if not hasattr(instance, attribute)]
    assert not missing, f"pyqtgraph {pg.__version__} {name} lacks {missing}"


def test_view_box_parts(qapp):
    vb = pg.ViewBox()
    assert isinstance(pg_shim.view_transform(vb), QTransform)
    band = pg_shim.rubber_band(vb)
    assert isinstance(band, QGraphicsRectItem) and not band.isVisible()
    pg_shim.show_rubber_band(vb, QPointF(0, 0), QPointF(10, 10))
    assert band.isVisible()


def test_point_table_has_the_columns_used(qapp):
    names = pg_shim.point_table(pg.ScatterPlotItem()).dtype.names
    assert set(pg_shim.POINT_FIELDS) <= set(names)


def test_text_size(qapp):
    item = pg.TextItem("a cluster name")
    width, height = pg_shim.text_size(item)
    assert width > 20 and height > 5


def test_restyling_in_place_looks_up_the_symbols_setdata_would(qapp):
    pos = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    red, blue = pg.mkBrush("#d62728"), pg.mkBrush("#0072B2")
    pen = pg.mkPen("#ffffff", width=1)
    item = Scatter(pxMode=True, symbol="o")
    item.setData(pos=pos, brush=[red, red, red], pen=[pen] * 3, size=np.full(3, 12.0), data=["a", "b", "c"])
    item.restyle([red, blue, blue], [pen] * 3, np.array([12.0, 15.0, 12.0]))
    restyled = pg_shim.point_table(item)["sourceRect"].copy()
    item.setData(pos=pos, brush=[red, blue, blue], pen=[pen] * 3, size=np.array([12.0, 15.0, 12.0]))
    fresh = pg_shim.point_table(item)["sourceRect"]
    assert len(set(map(tuple, fresh))) == 3  # three looks, three symbols
    assert [tuple(r) for r in restyled] == [tuple(r) for r in fresh]
    item.move_points(pos + 1)
    table = pg_shim.point_table(item)
    assert np.array_equal(np.c_[table["x"], table["y"]], pos + 1)


def test_shader_programs_are_lent_and_given_back():
    cls = gl.GLScatterPlotItem
    before, programs = cls._shaderProgram, {}
    with pg_shim.own_shader_programs(programs, [cls]):
        assert cls._shaderProgram is None  # none compiled for this context yet
        cls._shaderProgram = "compiled here"
    assert programs == {cls: "compiled here"} and cls._shaderProgram is before
