"""Reliability with odd text: a 1 MB note, a hundred thousand notes, empty notes, right-to-left and emoji text,
Windows-1252 bytes and CRLF line endings go through import, the map, save, load and export as meant.

Every test prints how many trials it ran.
"""
from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest

from instructor_map.core.commands import AddNotes, CommandStack
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.exporters import FORMATS as EXPORT_FORMATS
from instructor_map.core.exporters import export
from instructor_map.core.importers import import_file
from instructor_map.core.project_file import load_project, save_project


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
