"""The 2D canvas tests' travel map and canvases, shared by tests/app/test_canvas2d_drawing.py and
test_canvas2d_mouse.py: six clusters of travel notes, and shown canvases that must leave no timer running."""
from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from instructor_map.app.canvas2d import MapCanvas2D
from instructor_map.core.document import MapDocument, Note

TOPICS = [
    ("Beach", ["Sunset swim at the lagoon", "Snorkelling over the reef near the pier",
               "Lazy afternoon with a book under the palms", "Surf lesson for beginners at dawn",
               "Fresh coconut from the beach stall"]),
    ("Mountains", ["Hike to the glacier viewpoint", "Cable car to the summit restaurant",
                   "Overnight stay in the alpine hut", "Skiing the black run before lunch",
                   "Via ferrata with a local guide"]),
    ("City", ["Old town walking tour with street food", "Modern art museum on a rainy day",
              "Rooftop bar with a view over the harbour", "Night market for souvenirs",
              "Jazz concert in the cathedral square"]),
    ("Budget", ["Flights are cheaper on Tuesdays", "Hostel dorms cut the cost in half",
                "Rail pass pays off after four long trips", "Eat where the locals eat",
                "Free museum Sundays"]),
    ("Family", ["Kids want a pool at the hotel", "Grandma cannot climb many stairs",
                "Short transfers keep everyone happy", "Playground near the apartment",
                "A day at the theme park"]),
    ("Worries", ["Passport expires in March", "Travel insurance covers ski accidents?",
                 "The dog needs a sitter for two weeks", "Sunburn last year was awful",
                 "Strikes at the airport in summer"]),
]


def make_doc(n_per_topic: int | None = None, seed: int = 3) -> MapDocument:
    """Six clusters of travel notes around a circle (each a small sunflower spiral), a long note, two titles."""
    rng = np.random.default_rng(seed)
    doc = MapDocument()
    for c, (topic, texts) in enumerate(TOPICS):
        centre = 7 * np.array([math.cos(c * math.pi / 3), math.sin(c * math.pi / 3)])
        for k in range(n_per_topic or len(texts)):
            note_id = f"n{len(doc.notes) + 1}"
            text = texts[k % len(texts)]
            doc.notes[note_id] = Note(note_id, text, title=topic if k == 0 and c % 2 else "")
            around = 1.6 * np.array([math.cos(k * 2.4 + c), math.sin(k * 2.4 + c)]) * math.sqrt((k + 1) / 5)
            doc.placements[2].positions[note_id] = tuple(float(v) for v in centre + around + rng.normal(0, 0.25, 2))
            doc.clusters[note_id] = c
    doc.notes["n2"].text = ("Snorkelling over the reef near the pier, then lunch at the fish shack that "
                            "everyone on the forum recommends; bring cash because they do not take cards.")
    return doc


@pytest.fixture(name="make_canvas")
def make_canvas_fixture(qtbot):
    """Builds shown canvases and checks, once the test ends, that none left a timer or animation running. Test
    modules import it to use the fixture "make_canvas"."""
    canvases = []

    def make(doc: MapDocument | None = None) -> MapCanvas2D:
        canvas = MapCanvas2D()
        qtbot.addWidget(canvas)
        canvas.resize(900, 650)
        canvas.show()
        qtbot.waitExposed(canvas)
        canvas.set_document(doc if doc is not None else make_doc())
        qtbot.waitUntil(lambda: not canvas.labels_pending())  # the texts fitted to the view shown
        canvases.append(canvas)
        return canvas

    yield make
    for canvas in canvases:
        canvas.hide()  # qtbot closes it afterwards
        assert not [t for t in canvas.findChildren(QTimer) if t.isActive()], "a timer outlived its test"
        assert not canvas.gliding()
