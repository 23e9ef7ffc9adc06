"""Paint a scene (instructor_map.core.scene) with QPainter: the whole map for PNG export, or, on the canvas, the
texts, frames and legend over the points that the canvas draws itself."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from instructor_map.core.palette import PIN
from instructor_map.core.scene.model import Box, Frame, Legend, Scene, Text
from instructor_map.core.scene.names import LEGEND_FILL
from instructor_map.core.scene.notes import CARD_PAD
from instructor_map.paint.marks import ARROW_HALF, ARROW_LEN, draw_pins
from instructor_map.paint.measure import font
from instructor_map.paint.regions import rounded_region

HULL_PAD = 16  # pixels a cluster's region reaches beyond its notes
CARD_EDGE, LEGEND_EDGE = QColor("#d9d9d2"), QColor("#d9d9d2")
QUIET = QColor("#6b6b6b")


def qcolor(color: str) -> QColor:
    """"#rrggbb" or "#rrggbbaa" as a QColor."""
    c = QColor(color[:7])
    if len(color) == 9:
        c.setAlpha(int(color[7:], 16))
    return c


def rect(box: Box, dx: float = 0.0, dy: float = 0.0) -> QRectF:
    return QRectF(box.x + dx, box.y + dy, box.w, box.h)


def paint_scene(painter: QPainter, scene: Scene) -> None:
    """Everything: background, regions, frames, links, points, pins, names, texts and legend."""
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    painter.fillRect(QRectF(0, 0, scene.width, scene.height), qcolor(scene.background))
    if scene.message:
        painter.setPen(QUIET)
        painter.setFont(font(14))
        painter.drawText(QRectF(0, 0, scene.width, scene.height), Qt.AlignCenter, scene.message)
    for region in scene.regions:
        painter.fillPath(rounded_region(np.array(region.corners), HULL_PAD), qcolor(region.color))
    for frame in scene.frames:
        paint_frame(painter, frame)
    _paint_links(painter, scene)
    for note in scene.notes:
        painter.setPen(QPen(QColor("#ff2d95" if note.selected else "#ffffff"), 2.5 if note.selected else 1))
        color = qcolor(note.color)
        if note.faded:
            color.setAlpha(45)
        painter.setBrush(color)
        painter.drawEllipse(QPointF(note.x, note.y), note.size / 2, note.size / 2)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(PIN))
    draw_pins(painter, np.array([(n.x, n.y) for n in scene.notes if n.pinned]).reshape(-1, 2))
    for text in scene.texts():
        if text.cls != "legend":
            paint_text(painter, text)
    if scene.legend:
        paint_legend(painter, scene.legend)


def _paint_links(painter: QPainter, scene: Scene) -> None:
    painter.setBrush(Qt.NoBrush)
    heads = []
    for link in scene.links:
        (ax, ay), (tx, ty) = link.start, link.tip
        length = float(np.hypot(tx - ax, ty - ay))
        if length <= ARROW_LEN:
            continue  # the two points touch
        ux, uy = (tx - ax) / length, (ty - ay) / length
        painter.setPen(QPen(QColor(link.color), 1.6, Qt.DashLine if link.dashed else Qt.SolidLine, Qt.FlatCap))
        painter.drawLine(QPointF(ax, ay), QPointF(tx - ux * ARROW_LEN, ty - uy * ARROW_LEN))
        heads.append((tx, ty, ux, uy, link.color))
    painter.setPen(Qt.NoPen)
    for tx, ty, ux, uy, color in heads:
        bx, by = tx - ux * ARROW_LEN, ty - uy * ARROW_LEN
        sx, sy = -uy * ARROW_HALF, ux * ARROW_HALF
        painter.setBrush(QColor(color))
        painter.drawPolygon(QPolygonF([QPointF(tx, ty), QPointF(bx + sx, by + sy), QPointF(bx - sx, by - sy)]))


def paint_frame(painter: QPainter, frame: Frame, dx: float = 0.0, dy: float = 0.0) -> None:
    """A group's frame: a rounded outline in its colour over a faint fill."""
    color = qcolor(frame.color)
    fill = QColor(color)
    fill.setAlpha(16)
    color.setAlpha(150)
    painter.setPen(QPen(color, 1.4, Qt.DashLine))
    painter.setBrush(fill)
    painter.drawRoundedRect(rect(frame.box, dx, dy), 8, 8)


def paint_text(painter: QPainter, text: Text, dx: float = 0.0, dy: float = 0.0) -> None:
    """A text in its box: a card (framed, left-aligned lines, its title bold) or a one-line label or name."""
    box = rect(text.box, dx, dy)
    if text.card:
        painter.setPen(QPen(CARD_EDGE, 1))
        painter.setBrush(qcolor(text.fill))
        painter.drawRoundedRect(box, 4, 4)
        if text.accent:
            painter.fillRect(QRectF(box.left(), box.top() + 2, 3, box.height() - 4), qcolor(text.accent))
        pad = CARD_PAD
    else:
        if text.fill:
            painter.fillRect(box, qcolor(text.fill))
        pad = 0.0
    painter.setPen(qcolor(text.color))
    line = (box.height() - 2 * pad + (2 if text.card else 0)) / max(len(text.lines), 1)
    align = (Qt.AlignLeft if text.card else Qt.AlignHCenter) | Qt.AlignVCenter
    for k, content in enumerate(text.lines):
        painter.setFont(font(text.size, k < text.bold, text.italic))
        painter.drawText(QRectF(box.left() + pad, box.top() + pad + k * line, box.width() - 2 * pad, line), align,
                         content)


def paint_legend(painter: QPainter, legend: Legend) -> None:
    painter.setPen(QPen(LEGEND_EDGE, 1))
    painter.setBrush(qcolor(LEGEND_FILL))
    painter.drawRoundedRect(rect(legend.box), 5, 5)
    for entry, mark in zip(legend.entries, legend.marks):
        if entry.kind == "swatch":
            painter.setPen(Qt.NoPen)
            painter.setBrush(qcolor(entry.color))
            painter.drawEllipse(rect(mark))
        elif entry.kind != "more":
            painter.setPen(QPen(qcolor(entry.color), 2, Qt.DashLine if entry.dashed else Qt.SolidLine))
            y = mark.y + mark.h / 2
            painter.drawLine(QPointF(mark.x, y), QPointF(mark.right - 5, y))
            painter.setPen(Qt.NoPen)
            painter.setBrush(qcolor(entry.color))
            painter.drawPolygon(QPolygonF([QPointF(mark.right, y), QPointF(mark.right - 6, y - 3.5),
                                           QPointF(mark.right - 6, y + 3.5)]))
    for text in legend.texts:
        painter.setPen(qcolor(text.color))
        painter.setFont(font(text.size, text.bold > 0))
        painter.drawText(rect(text.box), Qt.AlignLeft | Qt.AlignVCenter, text.lines[0])
