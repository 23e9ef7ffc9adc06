"""The 2D map says what its first map waits for: the model loading, then how many notes are embedded, in a panel
centred on the map that goes when a map shows (a partial one counts), on cancel and on failure.

The tiny model runs in the worker thread here, and loads and embeds each batch of 4 notes only when the test lets
it, so every state can be seen in turn.
"""
from __future__ import annotations

import threading

import pytest
from travel_notes import NOTES

from instructor_map.core.encoders import Encoder
from instructor_map.core.map_commands import ApplyMap

NOTES_24 = [f"{NOTES[i % len(NOTES)]} (option {i})" for i in range(24)]
LOADING, WAITING = "Loading the model…", "Embedding the notes…"


class Gates:
    def __init__(self):
        self.load = threading.Event()  # the model may load
        self.free = threading.Event()  # every batch may run
        self.batches = threading.Semaphore(0)  # one batch may run per release
        self.fail = threading.Event()  # the next batch raises


@pytest.fixture
def gates(make_window, monkeypatch):
    """Set up after make_window, so torn down before it: the worker is never left waiting on a gate."""
    gates = Gates()

    class GatedEncoder(Encoder):
        def __init__(self, spec, device="auto", fast=False, batch_size=None):
            assert gates.load.wait(60), "the model was never let load"
            super().__init__(spec, device, fast, batch_size=4)

        def _forward(self, inputs, n_instr):
            while not gates.free.is_set() and not gates.batches.acquire(timeout=0.02):
                pass
            if gates.fail.is_set():
                raise RuntimeError("the model broke")
            return super()._forward(inputs, n_instr)

    monkeypatch.setattr("instructor_map.app.worker.MODEL_PROCESS", False)
    monkeypatch.setattr("instructor_map.core.encoders.Encoder", GatedEncoder)
    monkeypatch.setattr("instructor_map.core.pipeline.PARTIAL_EVERY_S", 3600.0)  # no partial maps unless asked
    yield gates
    gates.load.set()
    gates.free.set()


def start_import(window, tmp_path, notes=NOTES_24):
    path = tmp_path / "notes.txt"
    path.write_text("\n\n".join(notes), encoding="utf-8")
    assert window.files.import_paths([path])


def placed(window) -> int:
    return sum(window.doc.placements[2].position(i) is not None for i in window.doc.notes)


def centred(panel) -> bool:
    canvas = panel.parentWidget()
    return abs(panel.geometry().center().x() - canvas.rect().center().x()) <= 1 and \
        abs(panel.geometry().center().y() - canvas.rect().center().y()) <= 1


def test_the_panel_says_loading_then_counts_and_goes_when_the_map_shows(qtbot, make_window, gates, tmp_path):
    window = make_window()
    panel = window.map_progress
    shown_with_a_map = []
    window.session.changed.connect(
        lambda change: isinstance(change.command, ApplyMap) and shown_with_a_map.append(panel.isVisible()))
    start_import(window, tmp_path)
    qtbot.waitUntil(lambda: panel.isVisible() and panel.text() == LOADING, timeout=10_000)
    assert window.stack.currentWidget() is window.tabs and placed(window) == 0
    assert centred(panel) and not panel.bar.isVisible()

    gates.load.set()
    qtbot.waitUntil(lambda: panel.text() == WAITING, timeout=30_000)
    gates.batches.release()
    qtbot.waitUntil(lambda: panel.text() == "Embedding 4 of 24 notes…", timeout=10_000)
    assert panel.isVisible() and panel.bar.isVisible() and (panel.bar.value(), panel.bar.maximum()) == (4, 24)
    gates.batches.release(2)
    qtbot.waitUntil(lambda: panel.text() == "Embedding 12 of 24 notes…", timeout=10_000)

    window.resize(1024, 700)  # the panel follows the map's size
    qtbot.waitUntil(lambda: centred(panel), timeout=5_000)
    assert panel.isVisible()

    gates.free.set()
    qtbot.waitUntil(lambda: window.mapping.settled and placed(window) == 24, timeout=30_000)
    assert not panel.isVisible() and shown_with_a_map and not any(shown_with_a_map)


def test_a_partial_map_is_a_map_shown(qtbot, make_window, gates, tmp_path, monkeypatch):
    monkeypatch.setattr("instructor_map.core.pipeline.PARTIAL_EVERY_S", 0.0)
    window = make_window()
    panel = window.map_progress
    gates.load.set()
    start_import(window, tmp_path)
    qtbot.waitUntil(lambda: panel.isVisible() and panel.text() == WAITING, timeout=30_000)
    gates.batches.release()
    qtbot.waitUntil(lambda: placed(window) > 0, timeout=10_000)
    assert not panel.isVisible() and window.mapping.busy and placed(window) < 24
    gates.free.set()
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=30_000)
    assert not panel.isVisible() and placed(window) == 24


def test_cancel_while_the_model_loads_takes_the_panel_away_at_once(qtbot, make_window, gates, tmp_path):
    window = make_window()
    panel = window.map_progress
    start_import(window, tmp_path)
    qtbot.waitUntil(lambda: panel.isVisible() and panel.text() == LOADING, timeout=10_000)
    window.escape()  # Esc cancels, as the Cancel button does
    assert not panel.isVisible() and not window.mapping.busy and not window.cancel_button.isVisible()
    assert "Cancelled" in window.statusBar().currentMessage()
    gates.free.set()
    gates.load.set()  # the model loads, and the job cancelled while it waited never runs
    qtbot.waitUntil(lambda: window.worker.model_loaded, timeout=30_000)
    with qtbot.assertNotEmitted(window.worker.runner.progress, wait=300):
        pass
    assert placed(window) == 0 and not panel.isVisible()


def test_a_failed_map_takes_the_panel_away(qtbot, make_window, gates, tmp_path, answers):
    window = make_window()
    panel = window.map_progress
    gates.load.set()
    start_import(window, tmp_path)
    qtbot.waitUntil(lambda: panel.isVisible() and panel.text() == WAITING, timeout=30_000)
    answers["error"] = [None]
    gates.fail.set()
    gates.free.set()
    qtbot.waitUntil(lambda: not answers["error"], timeout=30_000)  # the one error dialog was shown
    assert not panel.isVisible() and window.mapping.settled


def test_a_new_task_for_notes_already_on_the_map_leaves_the_map_clear(qtbot, make_window, gates, tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr("instructor_map.app.map_progress.SHOW_AFTER_MS", 0)
    window = make_window()
    panel = window.map_progress
    gates.load.set()
    gates.free.set()
    start_import(window, tmp_path)
    qtbot.waitUntil(lambda: window.mapping.settled and placed(window) == 24, timeout=30_000)
    gates.free.clear()
    window.instruction_bar.combo.setEditText("Represent the travel note for planning the trip by budget: ")
    window.instruction_bar.apply_button.click()
    gates.batches.release()
    qtbot.waitUntil(lambda: window.progress.value() == 4, timeout=10_000)  # the status bar counts
    assert window.mapping.busy and not panel.isVisible()
    gates.free.set()
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=30_000)
