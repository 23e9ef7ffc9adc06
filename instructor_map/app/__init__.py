"""The Qt shell over instructor_map.core: the main window and its controllers, the 2D and 3D maps, the worker."""
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets"  # beside the package in a checkout and in a bundle
SAMPLES = ASSETS / "samples"  # opened as untitled copies: never written to
