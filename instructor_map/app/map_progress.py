"""What the 2D map waits for, shown on the map itself: while the model loads and the notes embed for a map that
has none of their places yet, a calm panel centred on the canvas says so ("Loading the model…", "Embedding 120 of
400 notes…", with a thin bar). It goes as soon as a map shows (a partial one counts), or when the job ends, is
cancelled or fails.

The panel is a child widget of the canvas, kept in its middle by an event filter on the canvas's resizes; the
canvas itself knows nothing of it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from instructor_map.core.events import Change
from instructor_map.core.map_commands import ApplyMap
from instructor_map.core.session import Session

if TYPE_CHECKING:
    from instructor_map.app.mapping import Mapping

SHOW_AFTER_MS = 300  # a map that comes sooner never shows the panel: no flash for one new note
WIDTH = 300
RADIUS = 10.0
FILL = QColor(255, 255, 255, 236)
EDGE = QColor(40, 50, 70, 40)
TEXT = "#3b4252"
BAR = ("QProgressBar { border: none; border-radius: 2px; background: #e4e7ec; }"
       "QProgressBar::chunk { border-radius: 2px; background: #6d8bbf; }")
LOADING = "Loading the model…"


class MapProgress(QWidget):
    """The panel: one line of text and a thin bar, the bar only while there is a count."""

    def __init__(self, canvas: QWidget):
        super().__init__(canvas)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)  # the map under it stays usable
        self.setAttribute(Qt.WA_TranslucentBackground)
        self.label = QLabel(alignment=Qt.AlignCenter, wordWrap=True)
        self.label.setStyleSheet(f"color: {TEXT};")
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.label.setFont(font)
        self.bar = QProgressBar(textVisible=False, fixedHeight=4)
        self.bar.setStyleSheet(BAR)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self.setFixedWidth(WIDTH)
        self.hide()
        canvas.installEventFilter(self)

    def text(self) -> str:
        return self.label.text()

    def set_loading(self) -> None:
        self._say(LOADING, 0, 0)

    def set_embedding(self, done: int = 0, total: int = 0) -> None:
        self._say(f"Embedding {done:,} of {total:,} notes…" if total else "Embedding the notes…", done, total)

    def _say(self, text: str, done: int, total: int) -> None:
        self.label.setText(text)
        self.bar.setVisible(total > 0)
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        self._place()

    def appear(self) -> None:
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        self.adjustSize()
        canvas = self.parentWidget()
        self.move(max(0, (canvas.width() - self.width()) // 2), max(0, (canvas.height() - self.height()) // 2))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Resize:
            self._place()
        return False

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(QPen(EDGE, 1))
        painter.setBrush(FILL)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)


class FirstMapProgress(QObject):
    """Decides when the panel shows: from a job for notes without a 2D place until a map shows or the job ends."""

    def __init__(self, panel: MapProgress, session: Session, mapping: Mapping):
        super().__init__(panel)
        self.panel, self.session = panel, session
        self.waiting = False  # the running job is for notes that have no place yet
        self.timer = QTimer(self, singleShot=True, interval=SHOW_AFTER_MS)
        self.timer.timeout.connect(panel.appear)
        mapping.started.connect(self._on_started)
        mapping.busyChanged.connect(lambda busy: busy or self._end())
        mapping.progressChanged.connect(self._on_progress)
        mapping.modelLoaded.connect(self._on_model_loaded)
        session.changed.connect(self._on_changed)

    def _on_started(self, loading: bool) -> None:
        places = self.session.doc.placements[2]
        if not any(places.position(i) is None for i in self.session.doc.notes):
            self._end()  # every note is on the map: the status bar says enough
            return
        self.waiting = True
        if loading:
            self.panel.set_loading()
        else:
            self.panel.set_embedding()
        if not self.panel.isVisible():
            self.timer.start()

    def _on_model_loaded(self, _encoder) -> None:
        if self.waiting and self.panel.text() == LOADING:
            self.panel.set_embedding()

    def _on_progress(self, done: int, total: int, _text: str) -> None:
        if self.waiting and total:
            self.panel.set_embedding(done, total)

    def _on_changed(self, change: Change) -> None:
        command = change.command
        if self.waiting and isinstance(command, ApplyMap) and not change.undone and 2 in command.result.layouts:
            self._end()  # the first map shows

    def _end(self) -> None:
        self.waiting = False
        self.timer.stop()
        self.panel.hide()
