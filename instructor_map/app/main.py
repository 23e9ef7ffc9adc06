"""Starts the app: `instructor-map [FILE]`, `python -m instructor_map`, or the desktop entry."""
from __future__ import annotations

import logging
import sys

from instructor_map.app import ASSETS


def start_model_server() -> None:
    """The model's process forks from a server that loads the model's libraries first (encoder_process): start that
    server now, so that it loads them on another core while the window is built, not after."""
    import multiprocessing.forkserver

    from instructor_map.core.encoder_process import _context

    if _context().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def run(argv: list[str] | None = None) -> int:
    start_model_server()
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from instructor_map.app.main_window import MainWindow
    from instructor_map.app.startup import StartupLog

    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="instructor-map: %(message)s", stream=sys.stderr)
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("Instructor Map")
    app.setOrganizationName("Instructor Map")
    icon = ASSETS / "icons" / "instructor-map.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    window = MainWindow()
    StartupLog.install(window)  # only when the environment asks for startup timings
    window.show()
    if argv:
        window.files.open_path(argv[0])
    return app.exec()


if __name__ == "__main__":
    sys.exit(run())
