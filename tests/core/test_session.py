"""The session: every change is a command with an event, maps are amendments that undo with their edit, and
results that no longer fit are dropped."""
from __future__ import annotations

import copy

import pytest

from instructor_map.core import pipeline
from instructor_map.core.commands import MoveNotes, SetNoteField
from instructor_map.core.document import Group, MapDocument, Note
from instructor_map.core.events import Aspect
from instructor_map.core.importers import import_text
from instructor_map.core.session import Session

TASK = "Represent the travel note for planning a vacation: "
OTHER_TASK = "Represent the travel note for planning by budget: "
NOTES = """# Beach
Sunny beach with warm sand

Swimming in the sea

# Snow
Skiing down snowy slopes

A ski chalet with fresh snow

# City
Museum of modern art

Old town walking tour
"""


class Counting:
    """Wraps a real encoder and counts the texts it embeds."""

    def __init__(self, encoder):
        self.encoder, self.model_id, self.kind, self.texts = encoder, encoder.model_id, encoder.kind, 0

    def encode(self, texts, instruction, **kwargs):
        self.texts += len(texts)
        return self.encoder.encode(texts, instruction, **kwargs)


class Recorder:
    """A TaskState that records what the pipeline reports, and stops when told to."""

    def __init__(self, stop_after: int | None = None):
        self.progress, self.partials, self.stop_after = [], [], stop_after

    def set_progress_value(self, done, total):
        self.progress.append((done, total))

    def set_partial_result(self, result):
        self.partials.append(result)

    def is_interruption_requested(self):
        return self.stop_after is not None and len(self.progress) > self.stop_after


def mapped_session(encoder) -> tuple[Session, list]:
    session, events = Session(MapDocument(instruction=TASK)), []
    session.changed.connect(events.append)
    result = import_text(NOTES, fmt="text", doc=session.doc)
    session.import_notes(result.notes, result.links, result.places, result.groups)
    session.run_map(encoder)
    return session, events


def snapshot(doc: MapDocument):
    return (copy.deepcopy(doc.notes), dict(doc.groups), doc.instruction,
            {d: (dict(p.positions), dict(p.pins), p.basis) for d, p in doc.placements.items()},
            dict(doc.clusters), dict(doc.cluster_labels))


def test_an_import_and_its_map_undo_as_one_step_groups_included(tiny_encoder):
    session, _ = mapped_session(tiny_encoder)
    doc = session.doc
    assert len(doc.notes) == 6 and {g.name for g in doc.groups.values()} == {"Beach", "Snow", "City"}
    assert len(doc.placements[2].positions) == 6 and doc.clusters
    mapped = snapshot(doc)
    session.undo()
    assert not doc.notes and not doc.groups and not doc.placements[2].positions and not doc.clusters
    session.redo()
    assert snapshot(doc) == mapped


def test_undoing_a_task_change_brings_back_the_earlier_map_without_computing(tiny_encoder):
    counting = Counting(tiny_encoder)
    session, events = mapped_session(counting)
    doc, before = session.doc, snapshot(session.doc)
    assert session.set_instruction(OTHER_TASK)
    assert events[-1].what == Aspect.TASK and events[-1].remap
    session.run_map(counting)
    after, embedded = snapshot(doc), counting.texts
    assert after[3] != before[3]  # the notes moved for the new task
    session.undo()
    assert snapshot(doc)[2:] == before[2:] and not events[-1].remap and events[-1].undone
    session.redo()
    assert snapshot(doc) == after and not events[-1].remap
    assert counting.texts == embedded  # undo and redo computed nothing


def test_the_same_task_again_maps_only_when_the_map_is_unfinished(tiny_encoder):
    session, _ = mapped_session(tiny_encoder)
    assert not session.set_instruction(TASK) and not session.stack.can_redo
    assert session.stack.undo_label == "Import 6 notes"


def test_a_task_typed_before_any_note_is_remembered_but_is_no_edit():
    session = Session()
    assert not session.set_instruction(TASK)
    assert session.doc.instruction == TASK and not session.stack.can_undo and not session.modified


def test_events_say_what_changed(tiny_encoder):
    session, events = mapped_session(tiny_encoder)
    assert events[0].touches(Aspect.NOTES | Aspect.GROUPS) and events[0].remap
    assert any(e.touches(Aspect.CLUSTERS) for e in events[1:])  # the map arrived, clusters included
    note = next(iter(session.doc.notes))
    session.push(MoveNotes(2, {note: (1.0, 2.0)}))
    assert events[-1].what == Aspect.PLACES and not events[-1].remap
    session.push(SetNoteField([note], "color", "#ff0000"))
    assert events[-1].what == Aspect.STYLE
    session.push(SetNoteField([note], "text", "Kayaking along the coast"))
    assert events[-1].what == Aspect.NOTES and events[-1].remap
    session.replace(MapDocument())
    assert events[-1].what == Aspect.ALL and events[-1].command is None and not session.stack.can_undo


def test_a_result_for_an_undone_edit_is_dropped(tiny_encoder):
    session, _ = mapped_session(tiny_encoder)
    note = next(iter(session.doc.notes))
    session.push(SetNoteField([note], "text", "Kayaking along the coast"))
    job = session.map_job()
    result = pipeline.run(job.request, tiny_encoder, session.doc.embeddings, pipeline.QuietState())
    session.undo()
    before = snapshot(session.doc)
    assert not session.apply_map(job, result)
    assert snapshot(session.doc) == before


def test_a_result_for_another_document_is_dropped(tiny_encoder):
    session, _ = mapped_session(tiny_encoder)
    job = session.map_job()
    result = pipeline.run(job.request, tiny_encoder, session.doc.embeddings, pipeline.QuietState())
    session.replace(MapDocument(instruction=TASK))
    assert not session.apply_map(job, result) and not session.doc.placements[2].positions


def test_a_cancelled_map_leaves_the_previous_one(tiny_encoder):
    session, _ = mapped_session(tiny_encoder)
    before = snapshot(session.doc)
    session.set_instruction(OTHER_TASK)
    assert session.run_map(tiny_encoder, state=Recorder(stop_after=-1)) is None
    assert snapshot(session.doc)[3:] == before[3:]  # places and clusters as they were


def test_a_discarded_partial_map_is_taken_back(tiny_encoder):
    session, _ = mapped_session(tiny_encoder)
    before = snapshot(session.doc)
    session.set_instruction(OTHER_TASK)
    job = session.map_job()
    state = Recorder()
    pipeline.run(job.request, tiny_encoder, session.doc.embeddings, state)
    partial = state.partials[-1]
    assert partial.complete and partial.clusters is None  # the whole map is shown before its clusters
    assert session.apply_map(job, partial)
    assert snapshot(session.doc)[3] != before[3]
    session.discard_map(job)
    assert snapshot(session.doc)[3:] == before[3:]


def test_the_pipeline_reports_progress_and_stops_when_asked(tiny_encoder):
    doc = MapDocument(instruction=TASK)
    session = Session(doc)
    session.import_notes([Note(f"n{i}", f"note number {i} about travel") for i in range(40)])
    state = Recorder()
    assert session.run_map(tiny_encoder, state=state) is not None
    assert state.progress[-1] == (40, 40)
    stopping = Recorder(stop_after=-1)
    session.set_instruction(OTHER_TASK)
    assert pipeline.run(session.map_job().request, tiny_encoder, doc.embeddings, stopping) is None


@pytest.mark.parametrize("clusters", ["none", 2])
def test_the_number_of_clusters_is_the_callers(tiny_encoder, clusters):
    session = Session(MapDocument(instruction=TASK))
    result = import_text(NOTES, fmt="text", doc=session.doc)
    session.import_notes(result.notes, groups=result.groups)
    session.run_map(tiny_encoder, clusters=clusters)
    assert len(set(session.doc.clusters.values())) == (0 if clusters == "none" else 2)


def test_imported_groups_that_exist_already_stay_on_undo():
    session = Session()
    session.doc.groups["g1"] = Group("g1", "Beach")
    session.import_notes([Note("a", "sand", group="g1")], groups=[Group("g1", "Beach")])
    session.undo()
    assert "g1" in session.doc.groups


def test_a_result_for_an_undone_import_is_dropped_even_after_its_partial_map(tiny_encoder):
    session = Session(MapDocument(instruction=TASK))
    session.import_notes([Note(f"n{i}", f"travel note {i}") for i in range(6)])
    job = session.map_job()
    state = Recorder()
    result = pipeline.run(job.request, tiny_encoder, session.doc.embeddings, state)
    assert session.apply_map(job, state.partials[-1])  # the partial map shows
    session.undo()
    assert not session.apply_map(job, result) and not session.doc.placements[2].positions
    events = []
    session.changed.connect(events.append)
    session.redo()  # the import comes back with only its partial map: it must be mapped again
    assert events[-1].remap


def test_undo_to_a_map_that_was_never_finished_maps_again(tiny_encoder):
    session = Session(MapDocument(instruction=TASK))
    session.import_notes([Note(f"n{i}", f"travel note {i}") for i in range(6)])
    job = session.map_job()
    state = Recorder()
    pipeline.run(job.request, tiny_encoder, session.doc.embeddings, state)
    partial = copy.copy(state.partials[-1])
    partial.layouts = {d: layout for d, layout in partial.layouts.items()}
    session.apply_map(job, partial)  # a job replaced halfway: its map has no clusters
    session.set_instruction(OTHER_TASK)
    session.run_map(tiny_encoder)
    events = []
    session.changed.connect(events.append)
    session.undo()
    assert events[-1].remap  # back to a map without clusters: computed again


def test_a_map_that_no_edit_asked_for_is_not_undone_with_the_newest_edit(tiny_encoder):
    session, _ = mapped_session(tiny_encoder)
    note = next(iter(session.doc.notes))
    session.push(MoveNotes(2, {note: (1.0, 2.0)}))
    session.doc.placements[2].positions.clear()  # as if the map were lost: computed again on request
    job = session.map_job(for_edit=False)
    result = pipeline.run(job.request, tiny_encoder, session.doc.embeddings, pipeline.QuietState())
    assert session.apply_map(job, result)
    session.undo()  # takes back the move only
    assert len(session.doc.placements[2].positions) == 6 and note not in session.doc.placements[2].pins
