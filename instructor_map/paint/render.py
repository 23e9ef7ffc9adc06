"""The 2D map as a PNG or SVG file, painted with QPainter: no window, no widget, no screen.

Painting text needs a QGuiApplication; the command line makes one on the offscreen platform when there is no
display. Colours, symbols and cluster regions are the app canvas's own (palette, marks, regions).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen, QPolygonF
from PySide6.QtSvg import QSvgGenerator

from instructor_map.core.document import MapDocument, short_label
from instructor_map.core.errors import InputError
from instructor_map.core.hull import core_hull
from instructor_map.core.project_file import atomic_write
from instructor_map.paint.marks import (
    ARROW_HALF,
    ARROW_LEN,
    LABEL_GAP,
    LABEL_SPOTS,
    PIN_REACH,
    POINT_SIZE,
    RIM,
    draw_pins,
)
from instructor_map.paint.palette import BACKGROUND, LINK_STYLES, PIN, TEXT, note_color
from instructor_map.paint.regions import NAME_FILL, name_color, region_color, rounded_region

FORMATS = ("png", "svg")
SIZE = (1600, 1000)  # pixels
SIZE_LIMITS = (200, 8000)  # pixels, each side
TITLE_HEIGHT = 34
MARGINS = (0.05, 0.04, 0.11, 0.04)  # left, top, right, bottom of the map area kept free of points; labels go right
RADIUS = POINT_SIZE / 2  # a point's radius, pixels
HULL_PAD = 16  # pixels a cluster's region reaches beyond its notes
QUIET, RULE = QColor("#6b6b6b"), QColor("#e2e2dc")
LABEL_FILL = QColor(251, 251, 248, 220)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # never drawn; XML could not hold most of them


def render_map(doc: MapDocument, path, fmt: str | None = None, size: tuple[int, int] = SIZE) -> None:
    """Write the 2D map of `doc` to `path` as "png" or "svg" (`fmt`, else the suffix); written atomically."""
    path = Path(path)
    fmt = (fmt or path.suffix[1:]).lower()
    if fmt not in FORMATS:
        raise InputError(f"cannot draw the map as {fmt or 'a name without suffix'!r}; use png or svg", path)
    width, height = size
    low, high = SIZE_LIMITS
    if not (low <= width <= high and low <= height <= high):
        raise InputError(f"the image must be {low} to {high} pixels wide and high, not {width}x{height}")
    buffer = QBuffer()
    buffer.open(QIODevice.WriteOnly)
    if fmt == "png":
        target = QImage(width, height, QImage.Format_RGB32)
    else:
        target = QSvgGenerator()
        target.setOutputDevice(buffer)
        target.setResolution(96)
        target.setSize(QSize(width, height))
        target.setViewBox(QRect(0, 0, width, height))
        target.setTitle("Instructor Map")
        target.setDescription(_clean(doc.instruction))
    painter = QPainter(target)
    try:
        paint_map(painter, doc, width, height)
    finally:
        painter.end()
    if fmt == "png" and not target.save(buffer, "PNG"):
        raise OSError(f"could not encode {path} as PNG")
    data = bytes(buffer.data())
    atomic_write(path, lambda fh: fh.write(data))


def paint_map(painter: QPainter, doc: MapDocument, width: int, height: int) -> list[QRectF]:
    """Paint the map into (0, 0, width, height): a title line with the task, cluster regions and names, links,
    points, pins and note labels. Returns where the note labels went."""
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    painter.fillRect(QRectF(0, 0, width, height), QColor(BACKGROUND))
    area = QRectF(0, TITLE_HEIGHT, width, height - TITLE_HEIGHT)
    ids, xy = _places(doc, area)
    _title(painter, doc, width, len(ids))
    if not ids:
        painter.setPen(QUIET)
        painter.drawText(area, Qt.AlignCenter, "No notes on the 2D map yet")
        return []
    row = {note_id: r for r, note_id in enumerate(ids)}
    clusters: dict[int, list[int]] = {}
    for r, note_id in enumerate(ids):
        if doc.cluster_of(note_id) >= 0:
            clusters.setdefault(doc.cluster_of(note_id), []).append(r)
    for cluster, rows in clusters.items():  # a soft region around each cluster's core
        painter.fillPath(rounded_region(core_hull(xy[rows]), HULL_PAD), region_color(cluster))
    links = [(row[ln.source], row[ln.target], ln.kind) for ln in doc.links.values()
             if ln.source in row and ln.target in row and ln.source != ln.target]
    ends = _draw_links(painter, xy, links)

    pinned = np.array([note_id in doc.placements[2].pins for note_id in ids])
    points = _point_boxes(xy, pinned)
    names = _cluster_names(doc, clusters, xy, area, points)
    taken = np.vstack([points, *(box.getCoords() for _, box, _ in names)])
    labels = _draw_labels(painter, [short_label(doc.notes[i]) for i in ids], xy, taken, area)

    _draw_arrows(painter, ends)
    painter.setPen(QPen(QColor("#ffffff"), 1))
    for (x, y), note_id in zip(xy, ids):
        painter.setBrush(QColor(note_color(doc, note_id)))
        painter.drawEllipse(QPointF(x, y), RADIUS, RADIUS)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(PIN))
    draw_pins(painter, xy[pinned])
    for text, box, color in names:
        painter.fillRect(box, NAME_FILL)
        painter.setFont(_font(14, bold=True))
        painter.setPen(color)
        painter.drawText(box, Qt.AlignCenter, text)
    return labels


def _clean(text: str) -> str:
    return _UNPRINTABLE.sub(" ", text)


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont("sans-serif")  # a generic family, which an SVG viewer also knows
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _places(doc: MapDocument, area: QRectF) -> tuple[list[str], np.ndarray]:
    """The placed notes and their pixels in `area`: the map fitted with equal scales on x and y, y up."""
    ids = list(doc.notes)
    places = doc.placements[2].array(ids).astype(float)
    drawn = np.isfinite(places).all(axis=1)
    ids, places = [i for i, ok in zip(ids, drawn) if ok], places[drawn]
    if not ids:
        return ids, places
    left, top, right, bottom = MARGINS
    w, h = area.width(), area.height()
    inner = area.adjusted(left * w, top * h, -right * w, -bottom * h)
    low, high = places.min(axis=0), places.max(axis=0)
    span = high - low
    scale = np.min(np.divide([inner.width(), inner.height()], span, out=np.full(2, np.inf), where=span > 0))
    scale = scale if np.isfinite(scale) else 1.0  # one place only
    middle = (low + high) / 2
    x = inner.center().x() + (places[:, 0] - middle[0]) * scale
    y = inner.center().y() - (places[:, 1] - middle[1]) * scale
    return ids, np.column_stack([x, y])


def _title(painter: QPainter, doc: MapDocument, width: int, placed: int) -> None:
    font = _font(13)
    metrics = QFontMetricsF(font)
    count = f"{placed} notes" if placed != 1 else "1 note"
    room = width - 32 - metrics.horizontalAdvance(count) - 24
    task = " ".join(_clean(doc.instruction).split()) or "Instructor Map"
    painter.setFont(font)
    painter.setPen(QColor(TEXT))
    painter.drawText(QRectF(16, 0, room, TITLE_HEIGHT), Qt.AlignVCenter | Qt.AlignLeft,
                     metrics.elidedText(task, Qt.ElideRight, room))
    painter.setPen(QUIET)
    painter.drawText(QRectF(16, 0, width - 32, TITLE_HEIGHT), Qt.AlignVCenter | Qt.AlignRight, count)
    painter.setPen(QPen(RULE, 1))
    painter.drawLine(QPointF(0, TITLE_HEIGHT - 0.5), QPointF(width, TITLE_HEIGHT - 0.5))


def _draw_links(painter: QPainter, xy: np.ndarray, links: list[tuple[int, int, str]]) -> list[tuple]:
    """Lines from rim to rim; returns (tip, direction, colour) for each arrowhead, drawn later above labels."""
    ends = []
    painter.setBrush(Qt.NoBrush)
    for source, target, kind in links:
        color, dashed = LINK_STYLES.get(kind, LINK_STYLES["related"])
        a, b = xy[source], xy[target]
        length = float(np.hypot(*(b - a)))
        if length <= 2 * RIM + ARROW_LEN:
            continue  # the two points touch
        unit = (b - a) / length
        tip = b - unit * RIM
        painter.setPen(QPen(QColor(color), 1.6, Qt.DashLine if dashed else Qt.SolidLine, Qt.FlatCap))
        painter.drawLine(QPointF(*(a + unit * RIM)), QPointF(*(tip - unit * ARROW_LEN)))
        ends.append((tip, unit, color))
    return ends


def _draw_arrows(painter: QPainter, ends: list[tuple]) -> None:
    painter.setPen(Qt.NoPen)
    for tip, unit, color in ends:
        base, side = tip - unit * ARROW_LEN, np.array([-unit[1], unit[0]]) * ARROW_HALF
        painter.setBrush(QColor(color))
        painter.drawPolygon(QPolygonF([QPointF(*tip), QPointF(*(base + side)), QPointF(*(base - side))]))


def _cluster_names(doc: MapDocument, clusters: dict[int, list[int]], xy: np.ndarray, area: QRectF,
                   points: np.ndarray) -> list[tuple[str, QRectF, QColor]]:
    """Each cluster's name in a box at the middle of its notes, kept inside the map area and moved up to three
    lines up or down where it would cover a point or an earlier name (an earlier name first)."""
    metrics = QFontMetricsF(_font(14, bold=True))
    names, boxes = [], np.zeros((0, 4))
    for cluster, rows in clusters.items():
        text = " ".join(_clean(doc.cluster_name(cluster)).split())
        text = metrics.elidedText(text, Qt.ElideRight, area.width() / 3)
        w, h = metrics.horizontalAdvance(text) + 12, metrics.height() + 4
        (x, y), spots = xy[rows].mean(axis=0), []
        for lift in (0, 1, -1, 2, -2, 3, -3):
            box = QRectF(x - w / 2, y - h / 2 + lift * h, w, h)
            box.moveLeft(min(max(box.left(), area.left()), area.right() - w))
            box.moveTop(min(max(box.top(), area.top()), area.bottom() - h))
            spots.append(box)
        taken = np.vstack([points, boxes])
        box = ([b for b in spots if not _overlaps(taken, b)] or [b for b in spots if not _overlaps(boxes, b)]
               or spots)[0]
        boxes = np.vstack([boxes, box.getCoords()])
        names.append((text, box, name_color(cluster)))
    return names


def _overlaps(taken: np.ndarray, box: QRectF) -> bool:
    """Whether `box` overlaps any of the rectangles in `taken`, rows of (left, top, right, bottom)."""
    left, top, right, bottom = taken.T
    return bool(np.any((left < box.right()) & (right > box.left()) & (top < box.bottom()) & (bottom > box.top())))


def _point_boxes(xy: np.ndarray, pinned: np.ndarray) -> np.ndarray:
    """(left, top, right, bottom) of each point, with its pin."""
    lift = np.where(pinned, float(PIN_REACH), 0.0)
    return np.column_stack([xy[:, 0] - RIM, xy[:, 1] - RIM - lift, xy[:, 0] + RIM, xy[:, 1] + RIM]).reshape(-1, 4)


def _draw_labels(painter: QPainter, texts: list[str], xy: np.ndarray, taken: np.ndarray,
                 area: QRectF) -> list[QRectF]:
    """Each note's label right of its point, else left of it, else a line higher or lower; a label that would
    cover a point, a cluster name or an earlier label in every spot is left out. `taken` holds what labels must
    not cover, rows of (left, top, right, bottom)."""
    font = _font(12)
    metrics = QFontMetricsF(font)
    count = len(taken)
    taken = np.vstack([taken, np.zeros((len(texts), 4))])
    placed = []
    painter.setFont(font)
    painter.setPen(QColor(TEXT))
    for text, (x, y) in zip(texts, xy):
        w, h = metrics.horizontalAdvance(text) + 4, metrics.height() + 2
        for side, lift in LABEL_SPOTS:
            box = QRectF(x + LABEL_GAP if side > 0 else x - LABEL_GAP - w, y + (lift - 0.5) * h, w, h)
            if area.contains(box) and not _overlaps(taken[:count], box):
                taken[count] = box.getCoords()
                count += 1
                placed.append(box)
                painter.fillRect(box, LABEL_FILL)
                painter.drawText(box, Qt.AlignCenter, text)
                break
    return placed
