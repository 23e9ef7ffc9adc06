"""The model in a child process gives the same vectors, reports batches, cancels, and fails with clear errors."""
from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

from instructor_map.core.encoder_process import EncoderProcess
from instructor_map.core.errors import InputError

TASK = "Represent the travel note for planning a family beach holiday: "
TEXTS = [f"Day {i}: {word} near the coast, with a quiet beach and a short walk to town" for i, word in
         enumerate(["a cottage", "a campsite", "a hotel", "a hostel", "a villa", "a cabin", "a farm", "a boat"] * 5)]


def cancel_in_third_batch(encoder) -> None:
    """Runs in the child: two notes a batch; in the first request the third batch waits for the cancel."""
    encode, forward = encoder.encode, encoder._forward
    encoder.batch_size = 2
    state = {"requests": 0, "batches": 0, "cancelled": lambda: False}

    def encoding(texts, instruction, *, cancelled=None, **kwargs):
        state["requests"] += 1
        state["batches"], seen = 0, []

        def sticky() -> bool:  # the child's check consumes the cancel message: remember it
            if not seen and cancelled is not None and cancelled():
                seen.append(True)
            return bool(seen)

        state["cancelled"] = sticky
        return encode(texts, instruction, cancelled=sticky, **kwargs)

    def waiting(inputs, n_instr):
        state["batches"] += 1
        while state["requests"] == 1 and state["batches"] == 3 and not state["cancelled"]():
            time.sleep(0.01)
        return forward(inputs, n_instr)

    encoder.encode, encoder._forward = encoding, waiting


def never_ready(encoder) -> None:
    """Runs in the child: the model loads, but the process never reports that it is ready."""
    threading.Event().wait()


def breaks_on_third_batch(encoder) -> None:
    """Runs in the child: the third batch of every request raises, like a bug in the model code would."""
    forward, calls = encoder._forward, [0]
    encoder.batch_size = 4

    def breaking(inputs, n_instr):
        calls[0] += 1
        if calls[0] % 3 == 0:
            raise IndexError("simulated bug: index 7 is out of bounds")
        return forward(inputs, n_instr)

    encoder._forward = breaking


@pytest.fixture
def process():
    started = []

    def start(*args, **kwargs):
        started.append(EncoderProcess(*args, **kwargs))
        return started[-1]

    yield start
    for child in started:
        child.close()
        assert not child.alive


def test_same_vectors_and_batches_as_the_encoder_in_this_process(process, tiny_checkpoint, tiny_encoder):
    child = process(str(tiny_checkpoint), threads=1)
    assert (child.model_id, child.kind, child.dim, child.description) == (
        tiny_encoder.model_id, tiny_encoder.kind, tiny_encoder.dim, tiny_encoder.description)
    assert child.spec == tiny_encoder.spec and child.pid != os.getpid()
    seen, progress = np.zeros(len(TEXTS), dtype=bool), []
    got = child.encode(TEXTS, TASK, progress=lambda d, t: progress.append((d, t)),
                       on_batch=lambda rows, vecs: seen.__setitem__(rows, True))
    np.testing.assert_allclose(got, tiny_encoder.encode(TEXTS, TASK), atol=1e-6)
    assert seen.all() and progress[-1] == (len(TEXTS), len(TEXTS))
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert child.encode([], TASK).shape == (0, child.dim)


@pytest.mark.timeout(120)
def test_cancel_stops_between_batches_and_the_next_request_is_whole(process, tiny_checkpoint, tiny_encoder):
    child = process(str(tiny_checkpoint), setup=cancel_in_third_batch)
    batches = []
    stop = threading.Event()

    def on_batch(rows, vecs):
        batches.append(rows)
        if len(batches) == 2:
            stop.set()

    assert child.encode(TEXTS, TASK, on_batch=on_batch, cancelled=stop.is_set) is None
    assert len(batches) in (2, 3)  # stopped within a batch of the cancel, not after all 20
    again = child.encode(TEXTS[:6], TASK)  # nothing of the cancelled request leaks into the next one
    np.testing.assert_allclose(again, tiny_encoder.encode(TEXTS[:6], TASK), atol=1e-6)


def test_an_error_in_the_model_comes_back_as_the_same_type_and_the_process_goes_on(process, tiny_checkpoint):
    child = process(str(tiny_checkpoint), setup=breaks_on_third_batch)
    with pytest.raises(IndexError, match="simulated bug"):
        child.encode(TEXTS, TASK)
    assert child.alive
    assert child.encode(TEXTS[:8], TASK).shape == (8, child.dim)  # two batches: below the third


def test_a_model_that_does_not_load_raises_input_error_and_leaves_no_process(tmp_path):
    with pytest.raises(InputError, match="model folder does not exist"):
        EncoderProcess(str(tmp_path / "missing"))
    assert not [p for p in __import__("multiprocessing").active_children() if p.name == "instructor-map model"]


def test_a_killed_process_raises_a_clear_error(process, tiny_checkpoint):
    child = process(str(tiny_checkpoint))
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(InputError, match="model process stopped unexpectedly"):
        child.encode(TEXTS, TASK)
    assert not child.alive


@pytest.mark.timeout(120)
def test_loading_can_be_abandoned(tiny_checkpoint):
    asked = []

    def stopping() -> bool:
        asked.append(True)
        return len(asked) == 3

    with pytest.raises(InputError, match="loading the model was stopped"):
        EncoderProcess(str(tiny_checkpoint), stopping=stopping, setup=never_ready)
    assert len(asked) == 3
    assert not [p for p in __import__("multiprocessing").active_children() if p.name == "instructor-map model"]
