"""The .imap project file kept whole: round trip, atomic save, migrations of older schemas, autosave and the summary
read without the arrays. Hostile, damaged and repaired files are in test_project_file_damaged.py."""
from __future__ import annotations

import dataclasses
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from project_fixtures import (
    read_members,
    rich_document,
    saved_fixture,  # noqa: F401  (the fixture "saved")
)

from instructor_map.core import project_file
from instructor_map.core.cache import text_key
from instructor_map.core.document import MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.project_file import (
    SCHEMA_VERSION,
    autosave_path,
    discard_autosave,
    load_project,
    read_summary,
    recovery_for,
    save_project,
    write_autosave,
)

DATA = Path(__file__).parent / "data"


def assert_same(a: MapDocument, b: MapDocument) -> None:
    for field in dataclasses.fields(MapDocument):
        if field.name != "embeddings":
            assert getattr(a, field.name) == getattr(b, field.name), field.name
    assert list(a.notes) == list(b.notes)
    assert set(a.embeddings.keys()) == set(b.embeddings.keys())
    for key in sorted(a.embeddings.keys()):
        block_a, block_b = a.embeddings.block(*key), b.embeddings.block(*key)
        assert block_a.keys() == block_b.keys()
        for h, vector in block_a.items():
            assert block_b[h].dtype == np.float32
            np.testing.assert_array_equal(block_b[h], vector)


# ---- round trip -----------------------------------------------------------------------------------------
def test_round_trip_keeps_everything(saved):
    warnings: list[str] = []
    assert_same(rich_document(), load_project(saved, warnings))
    assert warnings == []


def test_file_is_a_zip_of_json_and_float32_arrays(saved):
    members = read_members(saved)
    assert sorted(members) == ["embeddings/0.npy", "embeddings/1.npy", "project.json"]
    data = json.loads(members["project.json"])
    assert data["schema_version"] == SCHEMA_VERSION and data["app"].startswith("instructor-map ")
    block = next(e for e in data["embeddings"] if e["model"] == "bundled")
    assert [row[0] for row in block["rows"]] == ["n1", "n2", ""]  # the old text belongs to no note
    assert block["rows"][2][1] == text_key("an old text no note has now")
    array = np.load(io.BytesIO(members[block["file"]]), allow_pickle=False)
    assert array.dtype == np.float32 and array.shape == (3, 5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=4), st.text())
def test_any_text_round_trips(texts, title):
    doc = MapDocument(instruction=title)
    for i, text in enumerate(texts):
        doc.insert_note(Note(f"n{i}", text, title, metadata={title: text}))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.imap"
        save_project(doc, path)
        assert_same(doc, load_project(path))


# ---- atomic save --------------------------------------------------------------------------------------
def test_failed_save_keeps_old_file_and_leaves_no_temp_file(saved, monkeypatch):
    before = saved.read_bytes()
    changed = rich_document()
    changed.insert_note(Note("n9", "a note that never reaches the disk"))

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_project(changed, saved)
    assert saved.read_bytes() == before
    assert os.listdir(saved.parent) == ["trip.imap"]
    monkeypatch.undo()
    assert_same(rich_document(), load_project(saved))


def test_saving_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="cannot write here"):
        save_project(MapDocument(), tmp_path / "no such folder" / "trip.imap")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saving_over_a_file_keeps_its_permissions(saved):
    saved.chmod(0o640)
    save_project(MapDocument(), saved)
    assert saved.stat().st_mode & 0o777 == 0o640


# ---- migrations ---------------------------------------------------------------------------------------
def test_schema_0_file_is_migrated():
    warnings: list[str] = []
    doc = load_project(DATA / "schema0_trip.imap", warnings)
    assert warnings == []
    assert list(doc.notes) == ["n1", "n2", "n3"] and doc.notes["n1"].metadata == {"source": "list.md"}
    assert doc.placements[2].positions == {"n1": (0.25, -0.5), "n2": (-1.5, 0.75)}
    assert doc.placements[2].pins == {"n2": (-1.5, 0.75)}
    assert doc.placements[3].positions == {} and doc.placements[2].basis is None
    assert doc.instruction_history == [doc.instruction]
    assert doc.links["l1"].kind == "opposes" and doc.groups["g1"].name == "Summer"
    vectors = doc.embeddings.matrix(doc.model, doc.instruction, doc.texts())
    np.testing.assert_array_equal(vectors, np.arange(12, dtype=np.float32).reshape(3, 4) / 16)
    assert read_summary(DATA / "schema0_trip.imap")["schema_version"] == 0


def test_every_older_schema_has_a_migration():
    assert sorted(project_file.MIGRATIONS) == list(range(SCHEMA_VERSION))


# ---- autosave -------------------------------------------------------------------------------------------
def test_autosave_lives_beside_the_project(tmp_path):
    assert autosave_path(tmp_path / "trip.imap") == tmp_path / ".trip.imap.autosave"


def test_recovery_is_offered_only_when_the_autosave_is_newer(saved):
    assert recovery_for(saved) is None
    edited = rich_document()
    edited.notes["n1"].text = "edited after the last save"
    side = write_autosave(edited, saved)
    os.utime(saved, (1_000_000, 1_000_000))
    assert recovery_for(saved) == side
    assert load_project(side).notes["n1"].text == "edited after the last save"
    os.utime(side, (500_000, 500_000))  # the project was saved after the autosave
    assert recovery_for(saved) is None
    discard_autosave(saved)
    assert not side.exists()
    discard_autosave(saved)  # nothing left to discard is fine


def test_recovery_for_a_project_never_saved(tmp_path):
    path = tmp_path / "untitled.imap"
    write_autosave(rich_document(), path)
    assert recovery_for(path) == autosave_path(path)


# ---- summary --------------------------------------------------------------------------------------------
def test_summary_counts_without_reading_arrays(saved, monkeypatch):
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("arrays were read"))
    summary = read_summary(saved)
    assert summary["notes"] == 4 and summary["links"] == 3 and summary["groups"] == 2
    assert summary["clusters"] == 2 and summary["model"] == "hkunlp/instructor-large"
    assert summary["instruction"].startswith("Represent the travel note for choosing")
    assert summary["views"][2] == {"placed": 4, "pinned": 1, "basis": True}
    assert summary["views"][3] == {"placed": 2, "pinned": 1, "basis": False}
    assert sorted(e["rows"] for e in summary["embeddings"]) == [3, 4]
