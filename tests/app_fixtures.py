"""Window fixtures, shared by tests/app and tests/perf: a real main window under Xvfb, with its own settings file
and answered dialogs, and a heartbeat that measures how long the event loop goes without turning."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings, QTimer


@pytest.fixture
def answers(monkeypatch):
    """Dialog answers a test sets up front; an unexpected dialog fails the test instead of hanging it.
    The note editor (`edit_note`) answers (title, text), or None for Cancel."""
    from instructor_map.app import dialogs

    queue: dict[str, list] = {}

    def answer(name):
        def reply(*args, **kwargs):
            if not queue.get(name):
                raise AssertionError(f"unexpected dialog: {name} {args[1:]}")
            return queue[name].pop(0)
        return reply

    for name in ("error", "inform", "ask_save_changes", "ask_recover", "get_text", "edit_note", "open_paths",
                 "save_path"):
        monkeypatch.setattr(dialogs, name, answer(name))
    return queue


@pytest.fixture
def make_window(qtbot, tmp_path, answers, tiny_checkpoint):
    """Builds main windows that close cleanly (no thread or timer left running) when the test ends."""
    from instructor_map.app.main_window import MainWindow

    windows = []

    def make(model=None, as_user: bool = False):
        """`as_user`: no model given, as a user starts the app (the settings decide); else the tiny checkpoint."""
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
        window = MainWindow(model=None if as_user else model or str(tiny_checkpoint), settings=settings)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.session.stack.set_clean()
        window.close()
        running = window.worker.thread.isRunning()
        window.worker.stop()  # even when the assertion below fails, never leave a thread behind
        window.deleteLater()
        qtbot.wait(10)
        assert not running, "the worker thread outlived its window"


class Heartbeat:
    """A 10 ms timer that records the gaps between its beats: how long the event loop went without turning."""

    def __init__(self):
        self.gaps: list[float] = []
        self._last = 0.0
        self.timer = QTimer(interval=10)
        self.timer.timeout.connect(self._beat)

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def longest(self, skip: int = 2) -> float:
        """The longest gap, leaving out the first `skip` beats (they include whatever started the measure)."""
        return max(self.gaps[skip:])


@pytest.fixture
def heartbeat():
    beat = Heartbeat()
    yield beat
    beat.stop()
