"""Reliability and safety: saves killed with SIGKILL, crafted project files, odd text, nothing executed from a file.

Every test prints how many trials it ran. IMAP_KILL_TRIALS sets the number of kills (100 by default).
"""
from __future__ import annotations

import ast
import contextlib
import csv
import io
import json
import os
import random
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import instructor_map
from instructor_map.core.commands import AddNotes, CommandStack
from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.exporters import FORMATS as EXPORT_FORMATS
from instructor_map.core.exporters import export
from instructor_map.core.importers import import_file
from instructor_map.core.pipeline import MapRequest, layout_map
from instructor_map.core.project_file import load_project, recovery_for, save_project

ROOT = Path(__file__).resolve().parents[2]
KILL_TRIALS = int(os.environ.get("IMAP_KILL_TRIALS", 100))
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses fork and SIGKILL")




def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_members(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def refused(path, *words) -> str:
    with pytest.raises(InputError) as info:
        load_project(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message, message
    assert all(word in message for word in words), message
    return message


# ---- kill -9 during save ---------------------------------------------------------------------------------
KILL_NOTES, KILL_DIMS = 3000, 384
SAVER = r"""
import os, sys
from instructor_map.core.project_file import load_project, save_project

target, a_path, b_path = sys.argv[1:4]
versions = {"A": load_project(a_path), "B": load_project(b_path)}
server = os.getpid()
print("ready", flush=True)
for line in sys.stdin:  # one line per trial: the version to save first; then they alternate
    first = line.strip()
    pid = os.fork()
    if pid == 0:
        order = [first, "B" if first == "A" else "A"]
        print(f"saving {os.getpid()}", flush=True)
        for i in range(1000):
            if os.getppid() != server:  # the test is gone: stop
                break
            save_project(versions[order[i % 2]], target)
            print(f"saved {order[i % 2]}", flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
    print("reaped", flush=True)
"""


def kill_version(label: str) -> MapDocument:
    """A project of KILL_NOTES notes with KILL_DIMS-d vectors; B differs from A in its instruction and texts."""
    doc = MapDocument(model="hkunlp/instructor-large", model_kind="instructor")
    doc.set_instruction(f"Represent the travel note for plan {label}: ")
    for i in range(KILL_NOTES):
        text = f"Note {i}: a beach, a mountain hut or a museum, and what it costs per night"
        if label == "B" and i % 7 == 0:
            text += f" (changed in B, {i})"
        doc.notes[f"n{i}"] = Note(f"n{i}", text, metadata={"row": str(i)})
        doc.placements[2].positions[f"n{i}"] = (float(i % 100), float(i // 100))
    vectors = np.random.default_rng(ord(label)).standard_normal((KILL_NOTES, KILL_DIMS)).astype(np.float32)
    doc.embeddings.put(doc.model, doc.instruction, doc.texts(), vectors)
    return doc


@posix_only
@pytest.mark.timeout(60 + 3 * KILL_TRIALS)
def test_kill_9_during_save_leaves_the_old_or_the_new_project(tmp_path):
    versions = {label: kill_version(label) for label in "AB"}
    (tmp_path / "versions").mkdir()
    for label, doc in versions.items():
        save_project(doc, tmp_path / "versions" / f"{label}.imap")
    folder = tmp_path / "work"
    folder.mkdir()
    target = folder / "trip.imap"
    save_project(versions["A"], target)

    def which(doc: MapDocument) -> str:
        for label, version in versions.items():
            if doc.instruction == version.instruction and doc.texts() == version.texts():
                return label
        raise AssertionError("the project after a kill is neither version A nor version B")

    def temp_files() -> list[Path]:
        return sorted(folder.glob(f".{target.name}.*.tmp"))

    rng = random.Random(2024)
    counts = {"old": 0, "new": 0}
    saves = 0
    current, leftovers = "A", 0
    server = subprocess.Popen([sys.executable, "-c", SAVER, str(target), *(str(tmp_path / "versions" / f"{x}.imap")
                                                                             for x in "AB")],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        assert server.stdout.readline().strip() == "ready"
        for _ in range(KILL_TRIALS):
            first = "B" if current == "A" else "A"
            server.stdin.write(first + "\n")
            server.stdin.flush()
            line = server.stdout.readline()
            assert line.startswith("saving "), f"the saving process said {line!r}"
            pid = line.split()[1]
            time.sleep(rng.uniform(0, 0.3))  # the kill lands at a random moment of a save
            os.kill(int(pid), signal.SIGKILL)
            reported = current
            while (line := server.stdout.readline().strip()) != "reaped":
                assert line.startswith("saved "), line
                reported = line.split()[1]
                saves += 1
            found = which(load_project(target))
            counts["old" if found == reported else "new"] += 1  # "new": killed after the replace
            current = found
            now = len(temp_files())
            assert now - leftovers <= 1, "one killed save left more than one temporary file"
            leftovers = now
    finally:
        server.stdin.close()
        server.kill()
        server.wait()
    assert recovery_for(target) is None  # a leftover temporary file is never offered as recovered work
    for temp in temp_files():  # opened by hand, what a killed save left is a project or one clear error
        with contextlib.suppress(InputError):
            load_project(temp)
    save_project(versions["B"], target)  # and does not stand in the way of the next save
    assert which(load_project(target)) == "B"
    print(f"kill -9 during save: {KILL_TRIALS} trials, {KILL_TRIALS} loaded "
          f"({counts['old']} old, {counts['new']} new); "
          f"{saves} saves completed between kills; "
          f"{leftovers} temporary files left by killed saves")
    assert counts["old"] + counts["new"] == KILL_TRIALS


# ---- crafted project files ------------------------------------------------------------------------------
def small_doc() -> MapDocument:
    doc = MapDocument(model="bundled", model_kind="sentence", instruction="Represent the note: ")
    for i, text in enumerate(["Beach", "Ski slopes", "Museums"], 1):
        doc.notes[f"n{i}"] = Note(f"n{i}", text)
        doc.placements[2].positions[f"n{i}"] = (float(i), -float(i))
    doc.embeddings.put(doc.model, doc.instruction, doc.texts(), np.eye(3, 8, dtype=np.float32))
    return doc


@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "trip.imap"
    save_project(small_doc(), path)
    return path


class RunsCode:
    """Unpickling this makes a folder: proof that code from the file ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


@pytest.mark.parametrize("dtype", ["object", "record with an object field"])
def test_a_pickled_array_that_would_run_code_is_refused_and_never_run(saved, tmp_path, dtype):
    marker = tmp_path / "code-ran"
    if dtype == "object":
        array = np.array([RunsCode(marker)] * 3, dtype=object)
    else:
        array = np.array([(1.0, RunsCode(marker))] * 3, dtype=[("x", "f4"), ("payload", "O")])
    payload = npy(array, allow_pickle=True)
    np.load(io.BytesIO(payload), allow_pickle=True)  # the payload is real: unpickling it runs code
    assert marker.is_dir()
    marker.rmdir()
    members = members_of(saved)
    members["embeddings/0.npy"] = payload
    write_members(saved, members)
    refused(saved, "embeddings/0.npy", "pickled")
    assert not marker.exists()
    print(f"pickled {dtype} array: 1 trial, refused, code not run")


def patch_sizes(raw: bytes, name: str, file_size: int | None = None, compress_size: int | None = None) -> bytes:
    """Rewrite the sizes a zip's headers (local and central) declare for one member."""
    raw, wanted = bytearray(raw), name.encode()
    for signature, sizes_at, name_length_at, name_at in ((b"PK\x03\x04", 18, 26, 30), (b"PK\x01\x02", 20, 28, 46)):
        at = raw.find(signature)
        while at >= 0:
            length = struct.unpack_from("<H", raw, at + name_length_at)[0]
            if raw[at + name_at:at + name_at + length] == wanted:
                if compress_size is not None:
                    struct.pack_into("<I", raw, at + sizes_at, compress_size)
                if file_size is not None:
                    struct.pack_into("<I", raw, at + sizes_at + 4, file_size)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def peak_while(read) -> int:
    tracemalloc.start()
    try:
        read()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_zip_bomb_that_understates_its_size_is_refused_without_inflating(saved):
    bomb = b'{"schema_version": 1, "notes": [' + b" " * (64 * 2**20) + b"]}"
    members = members_of(saved)
    members["project.json"] = bomb
    write_members(saved, members)
    compressed = saved.stat().st_size
    saved.write_bytes(patch_sizes(saved.read_bytes(), "project.json", file_size=4000))
    peak = peak_while(lambda: refused(saved, "damaged"))
    print(f"zip bomb understating its size: 1 trial, {compressed // 1024} kB that inflates to 64 MB, refused, "
          f"peak {peak / 2**20:.1f} MB")
    assert peak < 8 * 2**20


@pytest.mark.parametrize("case", ["project.json", "all members"])
def test_declared_sizes_over_the_limits_are_refused_before_reading(saved, monkeypatch, case):
    members = members_of(saved)
    if case == "project.json":
        raw = patch_sizes(saved.read_bytes(), "project.json", file_size=300 * 2**20, compress_size=2 * 2**20)
        words = ("project.json", "too large")
    else:
        for i in range(3):
            members[f"embeddings/{i}.npy"] = b"x"
        write_members(saved, members, zipfile.ZIP_STORED)
        raw = saved.read_bytes()
        for i in range(3):
            raw = patch_sizes(raw, f"embeddings/{i}.npy", file_size=1_500_000_000, compress_size=1_500_000_000)
        words = ("unpacks to too much data",)
    saved.write_bytes(raw)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("read before the sizes were checked"))
    refused(saved, *words)
    print(f"declared size over the limit ({case}): 1 trial, refused before reading")


@pytest.mark.parametrize("shape", [(3, 500_000_000), (10**6, 10**6), (3, -8)])
def test_an_array_header_promising_more_than_the_member_holds_is_refused_before_allocating(saved, shape):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": shape})
    members = members_of(saved)
    members["embeddings/0.npy"] = header.getvalue() + bytes(96)
    write_members(saved, members)
    peak = peak_while(lambda: refused(saved, "embeddings/0.npy"))
    print(f"array header claiming {shape}: 1 trial, refused, peak {peak / 2**20:.1f} MB")
    assert peak < 8 * 2**20


@pytest.mark.parametrize("bad", ["inf", "-inf", "3-D", "float16"])
def test_infinite_vectors_and_odd_arrays_drop_their_block_with_a_warning(saved, bad):
    members = members_of(saved)
    vectors = np.load(io.BytesIO(members["embeddings/0.npy"]))
    if bad in ("inf", "-inf"):
        vectors[1, 3] = float(bad)
    elif bad == "3-D":
        vectors = vectors.reshape(3, 2, 4)
    else:
        vectors = vectors.astype(np.float16)
    members["embeddings/0.npy"] = npy(vectors)
    write_members(saved, members)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert doc.texts() == small_doc().texts() and len(doc.embeddings) == 0
    assert len(warnings) == 1 and "computed again" in warnings[0]
    print(f"{bad} vectors: 1 trial, loaded without them, warned: {warnings[0]!r}")


@pytest.mark.parametrize("version", [-1, 0.5, 1.0, True, None, "1", 10**30])
def test_an_unknown_schema_version_is_refused_with_one_line(saved, version):
    members = members_of(saved)
    data = json.loads(members["project.json"])
    data["schema_version"] = version
    members["project.json"] = json.dumps(data).encode()
    write_members(saved, members)
    message = refused(saved, "schema")
    print(f"schema_version {version!r}: 1 trial, refused: {message.split(': ', 1)[1]!r}")


def test_places_too_far_out_for_the_map_are_dropped_and_the_map_still_lays_out(saved):
    members = members_of(saved)
    data = json.loads(members["project.json"])
    data["views"]["2"]["pins"] = {"n1": [1e39, 0.0], "n2": [-2e30, 5.0], "n3": [1e29, -1e29]}
    members["project.json"] = json.dumps(data).encode()
    write_members(saved, members)
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert doc.placements[2].pins == {"n3": (1e29, -1e29)}
    assert any("dropped pins of 2 notes" in w for w in warnings)
    vectors = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    layout_map(MapRequest.from_document(doc, clusters="none"), vectors).apply(doc)
    assert np.isfinite(doc.placements[2].array(doc.note_ids)).all()
    print("pins beyond ±1e30: 1 trial, 2 of 3 dropped with a warning, layout finite")


# ---- odd text ---------------------------------------------------------------------------------------------
def test_a_one_megabyte_note_imports_embeds_with_truncation_saves_and_loads(tmp_path, tiny_encoder):
    line = "A quiet beach with white sand, a cosy chalet in the alps, and a museum café for the rain.\n"
    big = (line * (2**20 // len(line) + 1))[:2**20].strip()
    path = tmp_path / "long.txt"
    path.write_text(big + "\n\nA short note\n", encoding="utf-8")
    result = import_file(path)
    assert [len(n.text) for n in result.notes] == [len(big), len("A short note")]
    vectors = tiny_encoder.encode([n.text for n in result.notes], "Represent the note: ")
    assert tiny_encoder.truncated == 1
    assert np.isfinite(vectors).all() and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    doc = MapDocument(model=tiny_encoder.model_id, instruction="Represent the note: ")
    AddNotes(result.notes).do(doc)
    doc.embeddings.put(doc.model, doc.instruction, doc.texts(), vectors)
    save_project(doc, tmp_path / "long.imap")
    again = load_project(tmp_path / "long.imap")
    assert again.texts() == doc.texts()
    np.testing.assert_array_equal(again.embeddings.matrix(doc.model, doc.instruction, doc.texts()), vectors)
    print(f"1 MB note: 1 trial, imported whole, embedded with {tiny_encoder.truncated} truncated "
          f"to {tiny_encoder.max_seq_length} tokens, saved and loaded unchanged")


HUNDRED_K = 100_000


# speed is for tests/perf to measure; here work that blows up (quadratic in the notes, say) hits the timeout
@pytest.mark.timeout(120)
@pytest.mark.parametrize("suffix", [".txt", ".csv"])
def test_a_hundred_thousand_one_word_notes_import_whole(tmp_path, suffix):
    words = [f"w{i}" for i in range(HUNDRED_K)]
    path = tmp_path / f"words{suffix}"
    path.write_text("\n\n".join(words) if suffix == ".txt" else "text\n" + "\n".join(words), encoding="utf-8")
    result = import_file(path)
    assert [n.text for n in result.notes] == words
    print(f"{HUNDRED_K} one-word notes from {suffix}: 1 trial, imported whole")


@pytest.mark.timeout(120)
def test_a_hundred_thousand_notes_enter_a_map_and_undo():
    notes = [Note(f"n{i}", f"w{i}") for i in range(HUNDRED_K)]
    stack = CommandStack(MapDocument())
    stack.push(AddNotes(notes))
    assert len(stack.doc.notes) == HUNDRED_K
    stack.undo()
    assert not stack.doc.notes
    print(f"{HUNDRED_K} notes into a map and back out: 1 trial")


@pytest.mark.timeout(120)
def test_a_project_of_a_hundred_thousand_notes_saves_and_loads(tmp_path):
    doc = MapDocument(instruction="Represent the word: ")
    doc.notes = {f"n{i}": Note(f"n{i}", f"w{i}") for i in range(HUNDRED_K)}
    path = tmp_path / "words.imap"
    save_project(doc, path)
    again = load_project(path)
    assert again.texts() == doc.texts() and again.note_ids == doc.note_ids
    print(f"project of {HUNDRED_K} notes: 1 trial, saved and loaded unchanged")


EMPTY_NOTES = {
    "notes.md": "# Trip\n\n- Beach\n- \n-    \n- Ski\n",
    "notes.tsv": "text\tn\nBeach\t1\n \t2\n\t3\nSki\t4\n",
    "notes.json": json.dumps(["Beach", "", "   ", {"text": "Ski"}]),
    "notes.jsonl": '{"text": "Beach"}\n{"text": ""}\n"  \\t "\n{"text": "Ski"}\n',
    "notes.canvas": json.dumps({"nodes": [{"id": "a", "type": "text", "text": "Beach"},
                                          {"id": "b", "type": "text", "text": ""},
                                          {"id": "c", "type": "text", "text": " \n "},
                                          {"id": "d", "type": "text", "text": "Ski"}]}),
}


@pytest.mark.parametrize("name", list(EMPTY_NOTES))
def test_empty_notes_are_skipped_with_a_warning(tmp_path, name):
    path = tmp_path / name
    path.write_text(EMPTY_NOTES[name], encoding="utf-8")
    result = import_file(path)
    assert [n.text for n in result.notes] == ["Beach", "Ski"]
    assert "skipped 2 empty notes (no text)" in result.warnings
    print(f"empty notes in {name}: 1 trial, 2 skipped with a warning")


RTL_AND_EMOJI = [
    ("רחצה בים המלח עם הילדים", "ים המלח"),
    ("שָׁלוֹם עוֹלָם: מנוקד, with English inside", ""),
    ("رحلة إلى الجبال الثلجية مع العائلة", "الجبال"),
    ("مَرْحَبًا بِكُمْ in Marrakech ١٢٣", ""),
    ("Family 👩‍👩‍👧‍👦 at the beach 🏖️, thumbs 👍🏽, flag 🇮🇱, sun ☀️", "Emoji ✨"),
    ("Bidi controls \u200f\u202bمقلوب\u202c \u2067עברית\u2069 end", "\u200emarks"),
    ("Zero width\u200bspace and joiner\u200d, BOM-like \ufeff inside", ""),
]


def test_right_to_left_and_emoji_text_round_trips_through_every_format(tmp_path):
    source = tmp_path / "notes.md"
    source.write_text("# קבוצה עברית 🌍\n\n" + "\n\n".join(t for t, _ in RTL_AND_EMOJI) + "\n", encoding="utf-8")
    result = import_file(source)
    texts = [t for t, _ in RTL_AND_EMOJI]
    assert [n.text for n in result.notes] == texts
    doc = MapDocument(instruction="פתקים לפי נושא: ")
    doc.groups.update({g.id: g for g in result.groups})
    AddNotes(result.notes).do(doc)
    for note, (_, title) in zip(doc.notes.values(), RTL_AND_EMOJI):
        note.title = title
    ids = doc.note_ids
    doc.add_link(Link("l1", ids[0], ids[2], "opposes", "نعم או לא 🤔"))
    doc.placements[2].positions = {k: (float(i), float(-i)) for i, k in enumerate(ids)}
    save_project(doc, tmp_path / "notes.imap")
    doc = load_project(tmp_path / "notes.imap")
    assert doc.texts() == texts and [n.title for n in doc.notes.values()] == [t for _, t in RTL_AND_EMOJI]
    assert [g.name for g in doc.groups.values()] == ["קבוצה עברית 🌍"] and doc.instruction == "פתקים לפי נושא: "
    for fmt in EXPORT_FORMATS:
        export(doc, tmp_path / f"out.{fmt}")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["text"] for r in rows] == texts and rows[0]["group"] == "קבוצה עברית 🌍"
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [n["text"] for n in data["notes"]] == texts and data["links"][0]["label"] == "نعم או לא 🤔"
    graph = nx.read_graphml(tmp_path / "out.graphml")
    assert [graph.nodes[k]["text"] for k in ids] == texts
    assert ET.parse(tmp_path / "out.graphml").getroot() is not None
    for exported in ("out.csv", "out.json", "out.canvas"):  # what the map exports, it imports again
        back = import_file(tmp_path / exported)
        assert [n.text for n in back.notes] == texts, exported
    print(f"right-to-left and emoji text: {len(texts)} notes through import, save, load, "
          f"{len(EXPORT_FORMATS)} exports and 3 re-imports, unchanged")


def test_windows_1252_and_stray_bytes_in_utf8_are_read_as_meant(tmp_path):
    latin = tmp_path / "old.csv"
    latin.write_bytes("text;price\nCafé crème;€3\nNaïve “quotes” – ß\n".encode("cp1252"))
    result = import_file(latin)
    assert [n.text for n in result.notes] == ["Café crème", "Naïve “quotes” – ß"]
    assert result.notes[0].metadata == {"price": "€3"} and any("Windows-1252" in w for w in result.warnings)
    mixed = tmp_path / "mixed.md"  # UTF-8, but one pasted line came from a Windows-1252 file
    mixed.write_bytes("- שלום עולם\n- البحر والرمل\n- ".encode() + "Crème brûlée".encode("cp1252") + b"\n")
    result = import_file(mixed)
    assert [n.text for n in result.notes] == ["שלום עולם", "البحر والرمل", "Crème brûlée"]
    assert any("3 stray bytes" in w for w in result.warnings)
    doc = MapDocument()
    AddNotes(result.notes).do(doc)
    save_project(doc, tmp_path / "mixed.imap")
    assert load_project(tmp_path / "mixed.imap").texts() == ["שלום עולם", "البحر والرمل", "Crème brûlée"]
    print("Windows-1252 file and UTF-8 with stray Windows-1252 bytes: 2 trials, read as meant")


CRLF_FILES = {
    "notes.csv": 'text,tag\r\n"Two lines\r\nin one cell",a\r\nPlain,b\r\n',
    "notes.tsv": "text\ttag\r\nTab separated\ta\r\nPlain\tb\r\n",
    "notes.md": "# Group\r\n\r\n- Item one\r\n- Item two\r\n\r\nA block\r\nover two lines\r\n",
    "notes.txt": "First note\r\n\r\nSecond note\r\nwith a second line\r\n\r\n\r\n",
    "notes.jsonl": '{"text": "One", "tag": "a"}\r\n{"text": "Two", "tag": "b"}\r\n',
    "notes.json": '[\r\n  {"text": "One"},\r\n  {"text": "Two\\r\\nlines"}\r\n]\r\n',
}


@pytest.mark.parametrize("name", list(CRLF_FILES))
def test_crlf_line_endings_leave_no_carriage_returns(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(CRLF_FILES[name].encode("utf-8"))
    result = import_file(path)
    assert len(result.notes) >= 2
    for note in result.notes:
        assert "\r" not in note.text and all("\r" not in v for v in note.metadata.values()), note
    if name == "notes.csv":
        assert result.notes[0].text == "Two lines\nin one cell" and result.notes[1].metadata == {"tag": "b"}
    print(f"CRLF {name}: 1 trial, {len(result.notes)} notes, no carriage returns")


# ---- nothing executed from a file ---------------------------------------------------------------------------
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__"}


def product_files() -> list[Path]:
    return sorted(Path(instructor_map.__file__).parent.rglob("*.py"))


def test_product_code_never_unpickles_evaluates_or_trusts_remote_code():
    problems, calls = [], 0
    for path in product_files():
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        for pattern in ("allow_pickle=True", "trust_remote_code=True", "weights_only=False"):
            if pattern in source.replace(" ", ""):
                problems.append(f"{where}: {pattern}")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                for name in names:
                    if name and name.split(".")[0] in UNSAFE_MODULES:
                        problems.append(f"{where}:{node.lineno}: imports {name}")
            elif isinstance(node, (ast.Name, ast.Attribute)):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name == "pickle":
                    problems.append(f"{where}:{node.lineno}: uses pickle")
            if not isinstance(node, ast.Call):
                continue
            calls += 1
            func = node.func
            if isinstance(func, ast.Name) and func.id in UNSAFE_CALLS:
                problems.append(f"{where}:{node.lineno}: calls {func.id}()")
            keywords = {k.arg: k.value for k in node.keywords}

            def flag(key, keywords=keywords):
                return isinstance(keywords.get(key), ast.Constant) and keywords[key].value

            if "trust_remote_code" in keywords and flag("trust_remote_code") is not False:
                problems.append(f"{where}:{node.lineno}: trust_remote_code is not False")
            dotted = ast.unparse(func)
            if dotted == "torch.load" and flag("weights_only") is not True:
                problems.append(f"{where}:{node.lineno}: torch.load without weights_only=True")
            if dotted in ("np.load", "numpy.load") and flag("allow_pickle") is not False:
                problems.append(f"{where}:{node.lineno}: np.load without allow_pickle=False")
    assert not problems, problems
    print(f"nothing executed from a file: {len(product_files())} product files, {calls} calls checked, none unsafe")


CSV_RISKS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
             "\t=1+1", "\r=1+1", "=cmd|' /C notepad'!A1"]


def test_csv_export_escapes_formulas_in_every_text_column(tmp_path):
    doc = MapDocument()
    for i, risk in enumerate(CSV_RISKS):
        doc.groups[f"g{i}"] = Group(f"g{i}", risk)
        doc.notes[risk] = Note(risk, risk, title=risk, group=f"g{i}")
        doc.placements[2].positions[risk] = (-1.5, -0.25)
    export(doc, tmp_path / "map.csv")
    with open(tmp_path / "map.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    cells = 0
    for row, risk in zip(rows, CSV_RISKS):
        for column in ("id", "text", "title", "group"):
            assert row[column] == "'" + risk, (column, row[column])
            cells += 1
        assert (row["x"], row["y"]) == ("-1.5", "-0.25")  # numbers stay numbers
    print(f"CSV formula injection: {len(CSV_RISKS)} payloads in {cells} cells, every one escaped")


XML_RISKS = ['</data><data key="d0">injected</data>', "]]><![CDATA[x", '<!DOCTYPE x [<!ENTITY e "boom">]>&e;',
             "a & b < c > d \" e ' f", "control\x01\x08\x0bchars\x1f kept out", "<?xml-stylesheet href='x'?>"]


def test_graphml_export_escapes_what_it_carries(tmp_path):
    doc = MapDocument()
    doc.groups["g"] = Group("g", XML_RISKS[0])
    for i, risk in enumerate(XML_RISKS):
        doc.notes[f"id{i}{risk}"] = Note(f"id{i}{risk}", risk, title=risk, group="g")
    ids = doc.note_ids
    for i in range(len(ids) - 1):
        doc.add_link(Link(f"l{i}{XML_RISKS[i]}", ids[i], ids[i + 1], "supports", XML_RISKS[-1 - i]))
    export(doc, tmp_path / "map.graphml")
    clean = lambda text: "".join(c for c in text if c in "\t\n\r" or c >= " ")  # noqa: E731
    root = ET.parse(tmp_path / "map.graphml").getroot()
    tag = lambda name: f"{{http://graphml.graphdrawing.org/xmlns}}{name}"  # noqa: E731
    assert len(root.findall(f".//{tag('node')}")) == len(XML_RISKS)
    assert len(root.findall(f".//{tag('edge')}")) == len(XML_RISKS) - 1
    graph = nx.read_graphml(tmp_path / "map.graphml")
    assert sorted(graph.nodes) == sorted(clean(k) for k in ids)
    for k in ids:
        node = graph.nodes[clean(k)]
        assert node["text"] == clean(doc.notes[k].text) and node["title"] == clean(doc.notes[k].title)
        assert node["group"] == XML_RISKS[0]
    labels = sorted(d["label"] for _, _, d in graph.edges(data=True))
    assert labels == sorted(clean(XML_RISKS[-1 - i]) for i in range(len(ids) - 1))
    print(f"GraphML escaping: {len(XML_RISKS)} payloads in ids, texts, titles, a group and link labels; "
          "read back unchanged by ElementTree and networkx")
