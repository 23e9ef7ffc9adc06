"""The .imap project file when it is not what it should be: hostile members and arrays are refused, small faults
are repaired with a warning, wrong types and damaged or foreign files are refused with one clear line."""
from __future__ import annotations

import functools
import io
import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from project_fixtures import (
    npy,
    read_members,
    refused,
    rich_document,
    saved_fixture,  # noqa: F401  (the fixture "saved")
)

from instructor_map.core.errors import InputError
from instructor_map.core.project_file import SCHEMA_VERSION, container, load_project, read_summary, save_project


def write_members(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def edit_json(path, change) -> None:
    members = read_members(path)
    data = json.loads(members["project.json"])
    members["project.json"] = json.dumps(change(data) or data).encode()
    write_members(path, members)


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
