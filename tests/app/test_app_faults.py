"""Faults in a real window: a cancelled run, a model that does not load, running out of memory, a bug in the worker.

After each, the document is as it was (notes, texts, places, pins, links, clusters), exactly one dialog said
what went wrong (none for a cancel or a recovered out-of-memory), and the next map builds normally.
Tests that slow or break the model's own code run it in the worker thread (`model_in_thread`); the model's
process is covered by tests/core/test_encoder_process.py and by the killed-process test here.
"""
from __future__ import annotations

import copy
import os
import shutil
import signal
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from travel_notes import NOTES

from instructor_map.app import dialogs

MANY = [f"{NOTES[i % len(NOTES)]} (option {i})" for i in range(48)]


@pytest.fixture
def model_in_thread(monkeypatch):
    monkeypatch.setattr("instructor_map.app.worker.MODEL_PROCESS", False)


@pytest.fixture
def errors(monkeypatch, answers):
    """Every error dialog, as (title, message); any other dialog still fails the test."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "error", lambda parent, title, message: shown.append((title, message)))
    return shown


def wait_idle(qtbot, window, timeout=60_000):
    qtbot.waitUntil(lambda: window.mapping.settled, timeout=timeout)


def mapped_window(qtbot, make_window, tmp_path, notes=NOTES):
    window = make_window()
    path = tmp_path / "notes.txt"
    path.write_text("\n\n".join(notes), encoding="utf-8")
    assert window.files.import_paths([path])
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: window.worker.runner.encoder is not None, timeout=30_000)
    assert all_placed(window)
    return window


def all_placed(window) -> bool:
    return all(np.isfinite(window.doc.placements[d].array(window.doc.note_ids)).all() for d in (2, 3))


def state(window) -> dict:
    """What the user sees of the document, deep-copied."""
    doc = window.doc
    return copy.deepcopy({
        "notes": [(k, n.text, n.title, n.group, n.color, n.metadata) for k, n in doc.notes.items()],
        "links": doc.links, "groups": doc.groups, "instruction": doc.instruction, "clusters": doc.clusters,
        "positions": {d: p.positions for d, p in doc.placements.items()},
        "pins": {d: p.pins for d, p in doc.placements.items()},
    })


def run_again(qtbot, window, errors) -> None:
    """Recompute from scratch (nothing cached) and expect a complete map and no dialog."""
    shown = len(errors)
    window.doc.embeddings.prune([])
    window.mapping.recompute()
    wait_idle(qtbot, window)
    assert all_placed(window) and len(errors) == shown


def fail_once(qtbot, window, errors, trigger) -> tuple[str, str]:
    """Trigger a failing run; returns its one dialog, after checking that no second one follows."""
    trigger()
    qtbot.waitUntil(lambda: len(errors) >= 1, timeout=30_000)
    wait_idle(qtbot, window)
    with qtbot.assertNotEmitted(window.mapping.failed, wait=200):  # no second dialog follows
        pass
    assert len(errors) == 1, errors
    title, message = errors[0]
    assert message and "\n" not in message.strip()
    return title, message


# ---- cancel -----------------------------------------------------------------------------------------------
def test_cancel_mid_run_keeps_the_document_and_the_next_run_works(model_in_thread, qtbot, make_window, tmp_path, errors,
                                                                  monkeypatch):
    window = mapped_window(qtbot, make_window, tmp_path, MANY)
    window.canvas.notesMoved.emit({window.doc.note_ids[0]: (4.0, -2.0)})
    before = state(window)
    encoder = window.worker.runner.encoder
    forward, batches = encoder._forward, []

    def slow(inputs, n_instr):
        batches.append(len(inputs))
        time.sleep(0.05)  # a slow model, so that the cancel lands mid-run
        return forward(inputs, n_instr)

    trials = 0
    with monkeypatch.context() as patch:
        patch.setattr(encoder, "_forward", slow)
        patch.setattr(encoder, "batch_size", 4)
        patch.setattr("instructor_map.core.pipeline.PARTIAL_EVERY_S", 0.0)  # partial maps reach the document
        for trial in range(3):
            batches.clear()
            window.doc.embeddings.prune([])
            window.mapping.recompute()
            qtbot.waitUntil(lambda trial=trial: len(batches) >= 3 + trial, timeout=30_000)
            window.mapping.cancel()
            wait_idle(qtbot, window)
            trials += 1
            assert len(batches) < len(MANY) / 4  # it stopped early
            assert state(window) == before
            assert "Cancelled" in window.statusBar().currentMessage()
    run_again(qtbot, window, errors)
    assert window.doc.placements[2].pins == before["pins"][2]
    print(f"cancel mid-run: {trials} trials, each stopped within a batch, document unchanged; next run complete")


# ---- a model that does not load ---------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["weights missing", "weights truncated"])
def test_a_model_that_fails_to_load_shows_one_error_and_keeps_the_document(qtbot, make_window, tmp_path, errors,
                                                                          tiny_checkpoint, damage):
    window = mapped_window(qtbot, make_window, tmp_path)
    before = state(window)
    broken = shutil.copytree(tiny_checkpoint, tmp_path / "broken-model")
    weights = broken / "model.safetensors"
    if damage == "weights missing":
        weights.unlink()
    else:
        weights.write_bytes(weights.read_bytes()[:4096])
    window.mapping.choice.model = str(broken)

    def trigger():
        window.doc.embeddings.prune([])
        window.mapping.recompute()

    title, message = fail_once(qtbot, window, errors, trigger)
    if damage == "weights missing":
        assert "weights" in message and str(broken) in message
    assert state(window) == before
    assert not window.progress.isVisible()
    window.mapping.choice.model = str(tiny_checkpoint)
    run_again(qtbot, window, errors)
    print(f"model that fails to load ({damage}): 1 trial, 1 dialog: {message!r}; next run complete")


# ---- out of memory ----------------------------------------------------------------------------------------
def test_out_of_memory_in_a_batch_halves_the_batch_and_finishes(model_in_thread, qtbot, make_window, tmp_path, errors,
                                                                monkeypatch):
    window = mapped_window(qtbot, make_window, tmp_path, MANY)
    encoder = window.worker.runner.encoder
    expected = encoder.encode(MANY, window.doc.instruction)
    forward, sizes = encoder._forward, []

    def tight(inputs, n_instr):
        sizes.append(len(inputs))
        if len(inputs) > 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB (simulated)")
        return forward(inputs, n_instr)

    with monkeypatch.context() as patch:
        patch.setattr(encoder, "_forward", tight)
        patch.setattr(encoder, "batch_size", 8)
        window.doc.embeddings.prune([])
        window.mapping.recompute()
        wait_idle(qtbot, window)
        assert encoder.batch_size == 1
    assert not errors and all_placed(window)
    assert {8, 4, 2, 1} <= set(sizes) and sizes.count(1) == len(MANY)
    got = window.doc.embeddings.matrix(window.doc.model, window.doc.instruction, window.doc.texts())
    np.testing.assert_allclose(got, expected, atol=1e-5)
    print(f"out of memory on every batch over 1 note: {len(sizes) - len(MANY)} out-of-memory errors, "
          f"halved 8 -> 1, all {len(MANY)} notes embedded, same vectors")


def test_memory_error_while_embedding_shows_one_error_and_keeps_the_document(qtbot, make_window, tmp_path, errors,
                                                                            monkeypatch):
    window = mapped_window(qtbot, make_window, tmp_path)
    before = state(window)
    encoder = window.worker.runner.encoder

    def no_memory(*args, **kwargs):
        raise MemoryError()

    with monkeypatch.context() as patch:
        patch.setattr(encoder, "encode", no_memory)
        _, message = fail_once(qtbot, window, errors,
                              lambda: (window.doc.embeddings.prune([]), window.mapping.recompute()))
    assert "out of memory" in message
    assert state(window) == before
    run_again(qtbot, window, errors)
    print(f"MemoryError in encode: 1 trial, 1 dialog: {message!r}; document unchanged; next run complete")


# ---- the model's process dies ----------------------------------------------------------------------------
def test_a_killed_model_process_shows_one_error_and_the_next_map_starts_another(qtbot, make_window, tmp_path, errors):
    window = mapped_window(qtbot, make_window, tmp_path)
    before = state(window)
    first = window.worker.runner.encoder
    os.kill(first.pid, signal.SIGKILL)
    _, message = fail_once(qtbot, window, errors,
                              lambda: (window.doc.embeddings.prune([]), window.mapping.recompute()))
    assert "model process stopped" in message
    assert state(window) == before
    run_again(qtbot, window, errors)
    assert window.worker.runner.encoder.pid != first.pid and window.worker.runner.encoder.alive
    print(f"killed model process: 1 dialog: {message!r}; document unchanged; the next map started a new one")


def exits_at_once(conn, *args) -> None:
    """A model process that cannot run here: it ends before saying a word."""
    os._exit(3)


def test_where_no_model_process_can_run_the_model_runs_in_the_worker_thread(qtbot, make_window, tmp_path, errors,
                                                                             monkeypatch):
    from instructor_map.core.encoders import Encoder

    monkeypatch.setattr("instructor_map.core.encoder_process._serve", exits_at_once)
    window = mapped_window(qtbot, make_window, tmp_path)
    assert not errors and isinstance(window.worker.runner.encoder, Encoder)
    run_again(qtbot, window, errors)


# ---- a bug in the worker -------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["pipeline", "encoder mid-run"])
def test_an_unexpected_error_in_the_worker_shows_one_error_and_keeps_the_document(model_in_thread, qtbot, make_window,
                                                                                 tmp_path, errors, monkeypatch, where):
    window = mapped_window(qtbot, make_window, tmp_path, MANY)
    window.canvas.notesMoved.emit({window.doc.note_ids[1]: (-3.0, 7.0)})
    before = state(window)
    encoder = window.worker.runner.encoder
    forward, batches = encoder._forward, []

    def bug(*args, **kwargs):
        raise RuntimeError("simulated bug: index 7 is out of bounds")

    def breaks_later(inputs, n_instr):
        batches.append(len(inputs))
        if len(batches) == 4:
            bug()
        return forward(inputs, n_instr)

    with monkeypatch.context() as patch:
        if where == "pipeline":
            patch.setattr("instructor_map.core.pipeline.embed_cached", bug)
        else:
            patch.setattr(encoder, "_forward", breaks_later)
            patch.setattr(encoder, "batch_size", 4)
            patch.setattr("instructor_map.core.pipeline.PARTIAL_EVERY_S", 0.0)  # partial maps reach the document
        _, message = fail_once(qtbot, window, errors,
                              lambda: (window.doc.embeddings.prune([]), window.mapping.recompute()))
    assert "RuntimeError" in message and "simulated bug" in message
    assert state(window) == before
    run_again(qtbot, window, errors)
    print(f"unexpected error in the worker ({where}): 1 trial, 1 dialog: {message!r}; document unchanged; "
          "next run complete")


# ---- exported images carry text safely ------------------------------------------------------------------------
def test_svg_export_escapes_what_the_notes_say(qtbot, make_window, tmp_path, errors):
    window = make_window()
    if not hasattr(window.canvas, "export_image"):
        pytest.skip("the 2D canvas has no image export")
    risky = ['<script>alert("x")</script>', "Fish & chips ]]> <!-- not a comment -->",
             "<!DOCTYPE svg [<!ENTITY boom 'x'>]> &boom;", "ALT \u202e mixed עברית 🏖️", "Quote \" and ' apostrophe"]
    path = tmp_path / "notes.txt"
    path.write_text("\n\n".join(risky + NOTES[:4]), encoding="utf-8")
    assert window.files.import_paths([path])
    wait_idle(qtbot, window)
    window.canvas.fit_all()
    qtbot.waitUntil(lambda: not window.canvas.labels_pending())
    svg = tmp_path / "map.svg"
    window.canvas.export_image(svg)
    root = ET.parse(svg).getroot()  # well-formed XML, with no entity the file declared itself
    tags = {element.tag.rsplit("}", 1)[-1] for element in root.iter()}
    assert "script" not in tags and "ENTITY" not in svg.read_text(encoding="utf-8").split("?>", 1)[-1][:200]
    shown = " ".join("".join(root.itertext()).split())
    drawn = [t for t in risky if " ".join(t.split()) in shown]
    assert drawn, "no label reached the SVG as text"
    assert risky[0] in drawn
    print(f"SVG export: {len(risky)} risky labels, {len(drawn)} found verbatim as text ({drawn}), no script element")
