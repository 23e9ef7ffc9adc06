"""Starts the app: `instructor-map [FILE]`, `python -m instructor_map`, or the desktop entry."""
from __future__ import annotations

import logging
import sys

from instructor_map.app import ASSETS


def run(argv: list[str] | None = None) -> int:
    from instructor_map.core.encoder_process import start_server

    start_server()  # the model's libraries load on another core while the window is built
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from instructor_map.app.main_window import MainWindow, finish_warm_imports
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
    code = app.exec()
    finish_warm_imports()
    return code


if __name__ == "__main__":
    sys.exit(run())
