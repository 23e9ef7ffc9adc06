"""The Qt shell over instructor_map.core: main window, 2D canvas, 3D view, worker thread, undo."""
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets"  # beside the package in a checkout and in a bundle
