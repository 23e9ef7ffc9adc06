"""A big 2D map's stand-in while the view moves: an even sample of its points, so pans and zooms stay smooth."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer

from instructor_map.app.scatter import Scatter
from instructor_map.paint.marks import POINT_SIZE

THIN_ABOVE = 20_000  # a map with more notes draws an even sample of this many while the view moves
SETTLE_MS = 150  # the view counts as still this long after its last pan or zoom


class MovingSample:
    """Shows the sample instead of `points` while the view moves, and every point once it has been still for
    SETTLE_MS. The sample holds the rows `keep()` gives too (the selected notes). Its timers are children of
    `parent`."""

    def __init__(self, parent, viewbox: pg.ViewBox, points: Scatter, z: float, keep: Callable[[], np.ndarray]):
        self.points, self.keep = points, keep
        self.thin = Scatter(pxMode=True, size=POINT_SIZE, symbol="o")
        self.thin.hide()
        self.thin.setZValue(z)
        viewbox.addItem(self.thin)
        self.ready = False  # the sample matches the points drawn
        self.settle_timer = QTimer(parent, singleShot=True, interval=SETTLE_MS)
        self.settle_timer.timeout.connect(self.settle)
        self.prepare_timer = QTimer(parent, singleShot=True, interval=SETTLE_MS)
        self.prepare_timer.timeout.connect(self.prepare)

    def sampling(self) -> bool:
        """The sample is on the screen, not every point."""
        return self.thin.isVisible()

    def redrawn(self) -> None:
        """The points were drawn anew: a sample on the screen follows now, else one is made soon."""
        self.ready = False
        count = len(self.points.table)
        if self.thin.isVisible():
            self.prepare() if count > THIN_ABOVE else self.settle()
        elif count > THIN_ABOVE:
            self.prepare_timer.start()  # ready before the next pan, without holding up this frame

    def view_moved(self) -> None:
        if len(self.points.table) > THIN_ABOVE:
            if not self.ready:
                self.prepare()
            self.points.hide()
            self.thin.show()
            self.settle_timer.start()

    def prepare(self) -> None:
        """The sample drawn while the view moves: an even spread of the notes, and the rows kept."""
        self.prepare_timer.stop()
        data = self.points.table
        rows = np.random.default_rng(0).choice(len(data), THIN_ABOVE, replace=False)
        rows = np.union1d(rows, self.keep())
        self.thin.setData(x=data["x"][rows], y=data["y"][rows], size=data["size"][rows],
                          pen=list(data["pen"][rows]), brush=list(data["brush"][rows]))
        self.ready = True

    def settle(self) -> None:
        self.thin.hide()
        self.points.show()

    def stop(self) -> None:
        self.settle_timer.stop()
        self.prepare_timer.stop()
        self.settle()
