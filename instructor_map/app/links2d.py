"""The 2D map's links: a line from note to note per link, styled by its kind, with an arrowhead at its target."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from instructor_map.app.scatter import Scatter
from instructor_map.core.document import LINK_KINDS, MapDocument
from instructor_map.core.palette import LINK_STYLES
from instructor_map.paint.marks import ARROW_BOX, arrowheads


class LinkLayer:
    """Lines at z-value `z_lines` and arrowheads at `z_arrows`, drawn from the rows of the notes drawn."""

    def __init__(self, viewbox: pg.ViewBox, z_lines: float, z_arrows: float):
        self.lines: dict[str, pg.PlotCurveItem] = {}
        self.arrows: dict[str, Scatter] = {}
        for kind in LINK_KINDS:
            color, dashed = LINK_STYLES[kind]
            pen = pg.mkPen(color, width=1.6, style=Qt.DashLine if dashed else Qt.SolidLine)
            self.lines[kind] = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=True)
            self.arrows[kind] = Scatter(pxMode=True, size=ARROW_BOX, pen=None, brush=pg.mkBrush(color))
        for z, items in ((z_lines, self.lines.values()), (z_arrows, self.arrows.values())):
            for item in items:
                item.setZValue(z)
                viewbox.addItem(item)
        self.rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # kind -> (source rows, target rows)
        self.labelled: list[tuple[int, int, str]] = []  # (source row, target row, label) of links labelled

    def read(self, doc: MapDocument, row: dict[str, int]) -> None:
        """The links between notes drawn (`row`: note id -> its row), by kind, and those with a label that says
        more than their kind."""
        pairs = {kind: [] for kind in LINK_KINDS}
        for link in doc.links.values():
            ends = row.get(link.source), row.get(link.target)
            if None not in ends and ends[0] != ends[1] and link.kind in pairs:
                pairs[link.kind].append(ends)
        self.rows = {k: tuple(np.array(v, dtype=int).reshape(-1, 2).T) for k, v in pairs.items()}
        self.labelled = [(row[ln.source], row[ln.target], ln.label) for ln in doc.links.values()
                         if ln.label.strip() and ln.label != ln.kind and ln.source in row and ln.target in row]

    def draw(self, pos: np.ndarray) -> None:
        """Lines and arrowheads at the notes' places, `pos` (N, 2)."""
        for kind, (src, dst) in self.rows.items():
            segments = np.empty((2 * len(src), 2))
            segments[0::2], segments[1::2] = pos[src], pos[dst]
            self.lines[kind].setData(segments[:, 0], segments[:, 1], connect="pairs")
            self.arrows[kind].setData(pos=pos[dst], symbol=arrowheads(pos[src], pos[dst]))

    def drawn(self, ids: list[str]) -> dict[str, list[tuple[str, str]]]:
        """Kind -> (source, target) of each link drawn, given the ids of the rows."""
        return {kind: [(ids[s], ids[t]) for s, t in zip(src.tolist(), dst.tolist())]
                for kind, (src, dst) in self.rows.items()}
