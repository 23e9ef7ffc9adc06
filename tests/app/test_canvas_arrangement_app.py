"""In a real window: a JSON Canvas opens arranged as the canvas had it, a task applied moves the notes to the map of
that task, and undo brings the canvas arrangement back, in the document and on the 2D map."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from instructor_map.core.importers import import_file

CANVAS = Path(__file__).parents[1] / "core" / "data" / "obsidian_style.canvas"
TASK = "Represent the travel note for planning a rainy day: "


def positions(window) -> dict:
    return {i: window.doc.placements[2].position(i) for i in window.doc.notes}


def drawn_at(window, places: dict) -> bool:
    shown = window.canvas.places()
    return set(shown) == set(places) and all(np.allclose(shown[k], places[k], atol=1e-3) for k in places)


def cluster_regions(window) -> tuple[dict, list]:
    """The cluster regions the 2D map shows, and the cluster names in its scene."""
    names = [t for t in window.canvas.map_scene().names if t.cls == "cluster-name"]
    return window.canvas.clusters.regions_shown(), names


def test_a_canvas_keeps_its_arrangement_until_a_task_is_applied(qtbot, make_window):
    canvas_places = import_file(CANVAS).places[2]
    window = make_window()
    assert window.files.open_path(CANVAS)
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=60_000)
    assert positions(window) == canvas_places and window.doc.clusters  # mapped, clusters and all, not moved
    qtbot.waitUntil(lambda: drawn_at(window, canvas_places))
    assert cluster_regions(window) == ({}, [])  # the user's arrangement, not a map of meaning: no regions over it

    window.instruction_bar.combo.setEditText(TASK)
    window.instruction_bar.combo.lineEdit().returnPressed.emit()
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=60_000)
    mapped = positions(window)
    assert window.doc.instruction == TASK and mapped == window.doc.placements[2].positions
    assert all(not np.allclose(mapped[k], canvas_places[k]) for k in canvas_places)
    qtbot.waitUntil(lambda: drawn_at(window, mapped))
    qtbot.waitUntil(lambda: all(cluster_regions(window)))  # the task's map: clusters shown and named

    window.undo_action.trigger()
    assert positions(window) == canvas_places and window.doc.imported_arrangement
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=60_000)
    assert positions(window) == canvas_places  # no map replaced it meanwhile
    qtbot.waitUntil(lambda: drawn_at(window, canvas_places))
    qtbot.waitUntil(lambda: cluster_regions(window) == ({}, []))
