"""The app's start: what waits for the window's first paint (after_first_paint), and how long the start takes,
for tests/perf/bench_start.py. The timings are off unless asked for by the environment:

    INSTRUCTOR_MAP_STARTUP_LOG=path    append "<event> <seconds since the process started>" lines to path
    INSTRUCTOR_MAP_STARTUP_QUIT=event  quit right after that event (without asking to save)

Events, each logged once: `window` (the main window is painted), `model` (the model has loaded in its process),
`map` (the 2D map is painted with every note of the document in its place: a saved map, or an import's first whole
map). Seconds count from the process's start (/proc/self/stat), so the interpreter's own startup is included.
"""
from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

LOG_ENV, QUIT_ENV = "INSTRUCTOR_MAP_STARTUP_LOG", "INSTRUCTOR_MAP_STARTUP_QUIT"
_IMPORTED = time.perf_counter()  # the fallback origin where /proc is missing


def since_start() -> float:
    """Seconds since this process started, interpreter startup included."""
    try:
        with open("/proc/self/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        return time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _IMPORTED


class _FirstPaint(QObject):
    def __init__(self, widget, callback):
        super().__init__(widget)
        self.callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.callback)  # once the paint is done and on the screen
        return False


def after_first_paint(widget, callback) -> None:
    """Call `callback` once `widget` has been painted for the first time: work that can wait (libraries the first
    map needs, say) waits for it, since a zero timer set before the window shows fires before its first paint."""
    _FirstPaint(widget, callback)


class StartupLog(QObject):
    """Watches the window's and the 2D map's paints; logs each event once, after the paint that shows it."""

    def __init__(self, window, path: str, quit_after: str = ""):
        super().__init__(window)
        self.window, self.path, self.quit_after = window, path, quit_after
        self.logged: set[str] = set()
        window.installEventFilter(self)
        window.canvas.viewport().installEventFilter(self)
        window.mapping.modelLoaded.connect(lambda _: "model" in self.logged or self.mark("model"))

    @classmethod
    def install(cls, window) -> StartupLog | None:
        path = os.environ.get(LOG_ENV)
        return cls(window, path, os.environ.get(QUIT_ENV, "")) if path else None

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            if watched is self.window:
                self._after_paint("window")
            elif self._whole_map_drawn():
                self._after_paint("map")
        return False

    def _whole_map_drawn(self) -> bool:
        notes = self.window.session.doc.notes
        return bool(notes) and len(self.window.canvas.note_ids()) == len(notes)

    def _after_paint(self, event: str) -> None:
        if event not in self.logged:
            self.logged.add(event)
            QTimer.singleShot(0, lambda: self.mark(event))  # once the paint is done and on the screen

    def mark(self, event: str) -> None:
        self.logged.add(event)
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(f"{event} {since_start():.4f}\n")
        if event == self.quit_after:
            self.window.mapping.stop()
            self.window.models.stop()
            QApplication.exit(0)
