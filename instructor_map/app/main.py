"""Starts the app: `instructor-map [FILE]`, `python -m instructor_map`, or the desktop entry."""
from __future__ import annotations

import logging
import sys

from instructor_map.app import ASSETS


def run(argv: list[str] | None = None) -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from instructor_map.app.main_window import MainWindow

    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="instructor-map: %(message)s", stream=sys.stderr)
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("Instructor Map")
    app.setOrganizationName("Instructor Map")
    icon = ASSETS / "icons" / "instructor-map.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    window = MainWindow()
    window.show()
    if argv:
        window.files.open_path(argv[0])
    return app.exec()


if __name__ == "__main__":
    sys.exit(run())
