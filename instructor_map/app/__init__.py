"""The Qt shell over instructor_map.core: main window, 2D canvas, 3D view, worker thread, undo."""
