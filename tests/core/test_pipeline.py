"""Embedding cache and map pipeline: unchanged notes are never embedded twice, and maps stay put."""
from __future__ import annotations

import numpy as np

from instructor_map.core.cache import EmbeddingCache, embed_cached
from instructor_map.core.commands import AddNotes, CommandStack, MoveNotes, SetNoteField
from instructor_map.core.document import MapDocument, Note
from instructor_map.core.pipeline import MapRequest, QuietState, run

TEXTS = ["Sunny beach with warm sand", "Swimming in the sea", "Seaside resort with umbrellas",
         "Skiing down snowy slopes", "A ski chalet with fresh snow", "Snowboarding in the Alps",
         "Museum of modern art", "Old town walking tour", "Opera and concert hall", "Street food market"]
TASK = "Represent the travel note for planning a vacation: "


class CountingEncoder:
    """Wraps a real encoder and counts the texts it is asked to embed."""

    def __init__(self, encoder):
        self.encoder, self.model_id, self.calls = encoder, encoder.model_id, []

    def encode(self, texts, instruction, **kwargs):
        self.calls.append(list(texts))
        return self.encoder.encode(texts, instruction, **kwargs)


def make_doc(texts=TEXTS):
    doc = MapDocument(instruction=TASK)
    AddNotes([Note(f"n{i}", t) for i, t in enumerate(texts)]).do(doc)
    return doc


def remap(doc, encoder):
    result = run(MapRequest.from_document(doc), encoder, doc.embeddings, QuietState())
    result.apply(doc)
    return result


def test_unchanged_project_embeds_nothing(tiny_encoder):
    doc, counting = make_doc(), CountingEncoder(tiny_encoder)
    remap(doc, counting)
    assert len(counting.calls) == 1 and len(counting.calls[0]) == len(TEXTS)
    remap(doc, counting)
    assert len(counting.calls) == 1  # the second run was served from the cache


def test_only_the_edited_note_is_embedded_again(tiny_encoder):
    doc, counting = make_doc(), CountingEncoder(tiny_encoder)
    remap(doc, counting)
    CommandStack(doc).push(SetNoteField(["n3"], "text", "Ice skating on a frozen lake"))
    remap(doc, counting)
    assert counting.calls[-1] == ["Ice skating on a frozen lake"]


def test_returning_to_an_earlier_instruction_reuses_its_vectors(tiny_encoder):
    doc, counting = make_doc(), CountingEncoder(tiny_encoder)
    remap(doc, counting)
    doc.set_instruction("Represent the travel note for planning by budget: ")
    remap(doc, counting)
    doc.set_instruction(TASK)
    remap(doc, counting)
    assert len(counting.calls) == 2


def test_repeated_texts_are_embedded_once(tiny_encoder):
    cache, counting = EmbeddingCache(), CountingEncoder(tiny_encoder)
    vectors = embed_cached(cache, counting, TASK, ["same", "same", "other"])
    assert counting.calls == [["same", "other"]] and np.array_equal(vectors[0], vectors[1])


def test_pinned_notes_stay_and_the_rest_follows_a_new_task(bundled_encoder):
    doc = make_doc()
    remap(doc, bundled_encoder)
    stack = CommandStack(doc)
    stack.push(MoveNotes(2, {"n0": (150.0, 150.0)}))
    before = {i: doc.placements[2].position(i) for i in doc.notes}
    doc.set_instruction("Represent the travel note for planning the trip by budget: ")
    remap(doc, bundled_encoder)
    after = {i: doc.placements[2].position(i) for i in doc.notes}
    assert after["n0"] == (150.0, 150.0)
    assert any(np.linalg.norm(np.subtract(after[i], before[i])) > 0.5 for i in doc.notes if i != "n0")


def test_adding_one_note_barely_moves_the_others(bundled_encoder):
    doc = make_doc(TEXTS[:-1])
    remap(doc, bundled_encoder)
    before = doc.placements[2].array(doc.note_ids)
    AddNotes([Note("extra", TEXTS[-1])]).do(doc)
    remap(doc, bundled_encoder)
    after = doc.placements[2].array(doc.note_ids[:-1])
    span = np.ptp(before, axis=0).max()
    assert np.abs(after - before).max() <= 0.15 * span


def test_remapping_twice_is_identical(tiny_encoder):
    doc = make_doc()
    remap(doc, tiny_encoder)
    first = {d: dict(v.positions) for d, v in doc.placements.items()}
    remap(doc, tiny_encoder)
    for d, v in doc.placements.items():
        for i, p in v.positions.items():
            assert np.allclose(p, first[d][i], atol=1e-3)
