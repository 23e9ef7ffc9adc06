"""The .imap project file: round trip, atomic save, hostile and damaged files, migrations, autosave."""
from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instructor_map.core import project_file
from instructor_map.core.cache import text_key
from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.project_file import (
    SCHEMA_VERSION,
    autosave_path,
    container,
    discard_autosave,
    load_project,
    read_summary,
    recovery_for,
    save_project,
    write_autosave,
)

DATA = Path(__file__).parent / "data"


def rich_document() -> MapDocument:
    doc = MapDocument(model="hkunlp/instructor-large", model_kind="instructor")
    doc.set_instruction("Represent the travel note for grouping by activity: ")
    doc.set_instruction("Represent the travel note for choosing by budget: ")
    doc.groups["g1"] = Group("g1", "Sommer ☀", "#ff8800")
    doc.groups["g2"] = Group("g2", "Winter", "")
    doc.insert_note(Note("n1", "Strand mit warmem Wasser 🏖️", "Strand", "g1", "#00aaff", {"source": "liste.md"}))
    doc.insert_note(Note("n2", "رحلة إلى الجبال الثلجية", "جبال", "g2", "", {"lang": "ar", "row": "2"}))
    doc.insert_note(Note("n3", "京都の古いお寺\nwith a second line", "", "", "#123456"))
    doc.insert_note(Note("n4", 'Quotes "and" <tags> & commas, too'))
    for link in (Link("l1", "n1", "n2", "opposes", "sun or snow"), Link("l2", "n3", "n1", "supports"),
                 Link("l3", "n4", "n3", "related", "see also")):
        doc.add_link(link)
    doc.clusters = {"n1": 0, "n2": 1, "n3": 1, "n4": 0}
    doc.cluster_labels = {0: "beach", 1: "culture & mountains"}
    doc.cluster_renamed = {1}
    doc.placements[2].positions = {"n1": (0.125, -0.5), "n2": (-1.75, 0.3000000119), "n3": (2.0, 1e-7),
                                   "n4": (0.0, 0.0)}
    doc.placements[2].pins = {"n2": (-3.0, 4.5)}
    doc.placements[2].basis = {"mean": [0.1, 0.2, 0.3], "components": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
                          "explained_variance_ratio": [0.6, 0.3]}
    doc.placements[3].positions = {"n1": (1.0, 2.0, -3.0), "n3": (0.5, 0.25, 0.125)}
    doc.placements[3].pins = {"n3": (9.0, 8.0, 7.0)}
    rng = np.random.default_rng(7)
    doc.embeddings.put(doc.model, doc.instruction_history[0], doc.texts(), rng.standard_normal((4, 8)))
    doc.embeddings.put("bundled", "", doc.texts()[:2] + ["an old text no note has now"], rng.random((3, 5)))
    return doc


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


def read_members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_members(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def edit_json(path, change) -> None:
    members = read_members(path)
    data = json.loads(members["project.json"])
    members["project.json"] = json.dumps(change(data) or data).encode()
    write_members(path, members)


def npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "trip.imap"
    save_project(rich_document(), path)
    return path


def refused(path, *words) -> str:
    with pytest.raises(InputError) as info:
        load_project(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message
    return message


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


# ---- hostile files --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../evil.npy", "/etc/project.json", "embeddings\\0.npy", "embeddings/../0.npy",
                                  "embeddings/sub/0.npy", "notes.txt", "embeddings/0.npy.exe"])
def test_refuses_members_outside_the_layout(saved, name):
    members = read_members(saved)
    members[name] = b"x"
    write_members(saved, members)
    refused(saved, "unexpected member")


def test_refuses_a_zip_bomb_before_reading_it(saved, monkeypatch):
    members = read_members(saved)
    members["embeddings/0.npy"] = bytes(50 * 2**20)  # 50 MB of zeros squeezes into ~50 kB
    write_members(saved, members)
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a: pytest.fail("read before checking"))
    refused(saved, "zip bomb")


def test_refuses_members_declared_too_large(saved, monkeypatch):
    monkeypatch.setattr(container, "MAX_JSON_BYTES", 100)
    refused(saved, "project.json", "too large")


def test_refuses_encrypted_or_unusually_compressed_members(saved):
    members = read_members(saved)
    with zipfile.ZipFile(saved, "w") as zf:
        zf.writestr("project.json", members["project.json"], compress_type=zipfile.ZIP_BZIP2)
    refused(saved, "compression method")
    with zipfile.ZipFile(saved, "w") as zf:
        info = zipfile.ZipInfo("project.json")
        info.flag_bits |= 0x1
        zf.writestr(info, members["project.json"])
    refused(saved, "encrypted")


def test_refuses_a_pickled_object_array(saved):
    members = read_members(saved)
    members["embeddings/0.npy"] = npy(np.array([{"run": "code"}] * 4, dtype=object), allow_pickle=True)
    write_members(saved, members)
    refused(saved, "embeddings/0.npy", "pickle")


def test_refuses_a_file_that_is_not_an_array(saved):
    members = read_members(saved)
    members["embeddings/1.npy"] = b"not numpy at all"
    write_members(saved, members)
    refused(saved, "embeddings/1.npy", "not a valid array")


def test_nan_vectors_drop_their_block_with_a_warning(saved):
    members = read_members(saved)
    data = json.loads(members["project.json"])
    bad = np.load(io.BytesIO(members["embeddings/0.npy"]))
    bad[1, 2] = np.nan
    members["embeddings/0.npy"] = npy(bad)
    write_members(saved, members)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert len(doc.notes) == 4
    kept = doc.embeddings.keys()
    assert (data["embeddings"][0]["model"], data["embeddings"][0]["instruction"]) not in kept
    assert len(kept) == 1
    assert any("NaN" in w for w in warnings)


@pytest.mark.parametrize("array", [np.zeros((2, 8), np.float32), np.zeros((4,), np.float32),
                                   np.zeros((4, 8), np.int64)])
def test_wrong_array_shape_or_type_drops_the_block_with_a_warning(saved, array):
    members = read_members(saved)
    members["embeddings/0.npy"] = npy(array)
    write_members(saved, members)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert len(doc.embeddings.keys()) == 1
    assert len(warnings) == 1 and "embeddings/0.npy" in warnings[0]


def test_refuses_an_index_naming_a_missing_array(saved):
    members = read_members(saved)
    del members["embeddings/1.npy"]
    write_members(saved, members)
    refused(saved, "embeddings/1.npy")


# ---- repairs --------------------------------------------------------------------------------------------
def test_duplicate_note_ids_are_renamed(saved):
    def twin(data):
        data["notes"].append({"id": "n1", "text": "a twin"})
        data["notes"].append({"id": "n1", "text": "another twin"})
        data["notes"].append({"id": "n1-2", "text": "already called n1-2"})
    edit_json(saved, twin)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert doc.notes["n1"].text.startswith("Strand")
    assert doc.notes["n1-2"].text == "already called n1-2"
    assert {doc.notes["n1-3"].text, doc.notes["n1-4"].text} == {"a twin", "another twin"}
    assert sum("appeared twice" in w for w in warnings) == 2


def test_links_to_missing_notes_are_dropped_and_unknown_kinds_become_related(saved):
    def links(data):
        data["links"] += [{"id": "x1", "source": "n1", "target": "gone"},
                          {"id": "x2", "source": "n2", "target": "n3", "kind": "contradicts"}]
    edit_json(saved, links)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert "x1" not in doc.links and doc.links["x2"].kind == "related"
    assert any("1 link to notes that do not exist" in w for w in warnings)
    assert any("unknown kind" in w for w in warnings)


def test_places_of_missing_notes_and_non_finite_places_are_dropped(saved):
    def places(data):
        data["views"]["2"]["positions"]["ghost"] = [1, 2]
        data["views"]["3"]["pins"]["n2"] = [float("nan"), 0, 0]
        data["views"]["2"]["pins"]["n4"] = [1e400, 0]
        data["clusters"]["ghost"] = 3
    edit_json(saved, places)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert "ghost" not in doc.placements[2].positions and "ghost" not in doc.clusters
    assert "n2" not in doc.placements[3].pins and "n4" not in doc.placements[2].pins
    assert doc.placements[2].pins["n2"] == (-3.0, 4.5)
    assert len(warnings) == 4


def test_notes_in_a_missing_group_lose_the_group(saved):
    edit_json(saved, lambda data: data["notes"][0].update(group="nowhere"))
    warnings: list[str] = []
    assert load_project(saved, warnings).notes["n1"].group == ""
    assert warnings and "group" in warnings[0]


# ---- wrong or damaged files -----------------------------------------------------------------------------
@pytest.mark.parametrize("change, words", [
    (lambda d: [d], ["should hold an object", "a list"]),
    (lambda d: d.update(notes={"n1": "text"}), ["'notes' should be a list"]),
    (lambda d: d["notes"][1].update(text=42), ["note 2 'text' should be text, not a number"]),
    (lambda d: d["notes"][0].__delitem__("id"), ["note 1 has no 'id'"]),
    (lambda d: d["notes"][0].update(metadata={"year": 2020}), ["metadata 'year'"]),
    (lambda d: d["links"][0].update(source=["n1"]), ["link 1 'source'"]),
    (lambda d: d["views"]["2"]["positions"].update(n1=["a", "b"]), ["list of 2 numbers"]),
    (lambda d: d["views"]["3"]["positions"].update(n1=[1, 2]), ["list of 3 numbers"]),
    (lambda d: d.update(clusters={"n1": "zero"}), ["cluster of 'n1'"]),
    (lambda d: d.update(cluster_labels={"one": "x"}), ["cluster label key 'one'"]),
    (lambda d: d.update(schema_version="1"), ["schema_version"]),
    (lambda d: d.update(embeddings={"0": 1}), ["'embeddings' should be a list"]),
    (lambda d: d["embeddings"][0].update(rows=[["n1"]]), ["embedding block 1 'rows'"]),
])
def test_wrong_types_are_refused_with_one_clear_line(saved, change, words):
    edit_json(saved, change)
    refused(saved, *words)


def test_refuses_a_newer_schema(saved):
    edit_json(saved, lambda d: d.update(schema_version=SCHEMA_VERSION + 1))
    refused(saved, f"newer Instructor Map (schema {SCHEMA_VERSION + 1}); please update")
    with pytest.raises(InputError, match="please update"):
        read_summary(saved)


def test_refuses_invalid_json(saved):
    members = read_members(saved)
    members["project.json"] = b'{"schema_version": 1, "notes": ['
    write_members(saved, members)
    refused(saved, "not valid JSON")


def test_refuses_a_zip_without_project_json(tmp_path):
    path = tmp_path / "photos.imap"
    write_members(path, {"embeddings/0.npy": npy(np.zeros((1, 2), np.float32))})
    refused(path, "no project.json")


def test_refuses_a_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "notes.imap"
    path.write_text("just some notes\n")
    assert refused(path).endswith("not an Instructor Map project (not a zip file)")


def test_refuses_a_truncated_file(saved):
    saved.write_bytes(saved.read_bytes()[:-200])
    refused(saved, "damaged")


def test_refuses_a_damaged_member(saved):
    data = bytearray(saved.read_bytes())
    data[60:90] = bytes(30)  # inside the compressed project.json
    saved.write_bytes(bytes(data))
    refused(saved, "damaged")


@functools.cache
def saved_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        save_project(rich_document(), Path(folder) / "trip.imap")
        return (Path(folder) / "trip.imap").read_bytes()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6),
       st.integers(0, 10**6) | st.none())
def test_corrupted_bytes_give_a_project_or_an_input_error(flips, cut):
    data = bytearray(saved_bytes())
    for where, value in flips:
        data[where % len(data)] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trip.imap"
        path.write_bytes(bytes(data if cut is None else data[:cut % len(data)]))
        for read in (load_project, read_summary):
            try:
                read(path)
            except InputError as exc:
                assert "\n" not in str(exc)


def test_refuses_a_missing_file(tmp_path):
    refused(tmp_path / "nowhere.imap", "file not found")


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
