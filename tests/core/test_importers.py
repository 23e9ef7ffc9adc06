"""Importing notes from every supported format, and refusing bad input with one clear line."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instructor_map.core.commands import AddGroup, AddNotes, CommandStack
from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.importers import SUPPORTED_SUFFIXES, decoding, import_file, import_text


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def texts(result):
    return [n.text for n in result.notes]


def group_names(result):
    names = {g.id: g.name for g in result.groups}
    return [names.get(n.group, "") for n in result.notes]


# ---- Markdown and plain text --------------------------------------------------------------------------------
MARKDOWN = """\
Loose thought before any heading.

# Beach
- Quiet cove with white sand
* Snorkelling over the reef
+ [x] Pack sunscreen
  and a hat

## Mountains ##
1. Ski slopes with fresh powder
2) Hut with a fireplace

A longer paragraph
over two lines.

---
```
# not a heading
```
"""


def test_markdown_blocks_lists_and_headings(tmp_path):
    result = import_file(write(tmp_path, "trip.md", MARKDOWN))
    assert texts(result) == [
        "Loose thought before any heading.",
        "Quiet cove with white sand",
        "Snorkelling over the reef",
        "Pack sunscreen\n  and a hat",
        "Ski slopes with fresh powder",
        "Hut with a fireplace",
        "A longer paragraph\nover two lines.",
        "```\n# not a heading\n```",
    ]
    assert group_names(result) == ["", "Beach", "Beach", "Beach"] + ["Mountains"] * 4
    assert [g.name for g in result.groups] == ["Beach", "Mountains"]
    assert result.warnings == []


def test_text_file_blocks_with_crlf_and_cr(tmp_path):
    for ending in ("\r\n", "\r"):
        content = ending.join(["first note", "still first", "", "", "second note", ""])
        result = import_file(write(tmp_path, "notes.txt", content))
        assert texts(result) == ["first note\nstill first", "second note"]


def test_heading_without_notes_makes_no_group():
    result = import_text("# Trip\n## Beach\nsand\n", fmt="markdown")
    assert [g.name for g in result.groups] == ["Beach"]
    assert result.notes[0].group == result.groups[0].id


def test_a_one_megabyte_note_is_kept_whole(tmp_path):
    big = "word " * 200_000
    assert texts(import_file(write(tmp_path, "big.txt", big))) == [big.strip()]
    csv_result = import_file(write(tmp_path, "big.csv", f'text\n"{big}"\nsmall\n'))
    assert texts(csv_result) == [big.strip(), "small"]


# ---- CSV and TSV ------------------------------------------------------------------------------------------
def test_csv_columns_become_fields_and_metadata(tmp_path):
    content = ('ID,Title,Text,Group,Rating,Colour\r\n'
               'a1,Cove,"Quiet cove, white sand\r\nand no crowds",Beach,5,#FB464C\r\n'
               "a2,,Ski slopes,Snow,4,\r\n,Third,Old town walk,Beach,,\r\n")
    path = write(tmp_path, "notes.csv", content)
    before = path.read_bytes(), os.stat(path).st_mtime_ns
    result = import_file(path)
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before  # the input file is left alone
    assert texts(result) == ["Quiet cove, white sand\nand no crowds", "Ski slopes", "Old town walk"]
    first, second, third = result.notes
    assert (first.id, first.title, first.color, first.metadata) == ("a1", "Cove", "#fb464c", {"Rating": "5"})
    assert (second.id, second.title, second.metadata) == ("a2", "", {"Rating": "4"})
    assert third.id not in ("a1", "a2", "")
    assert group_names(result) == ["Beach", "Snow", "Beach"]


def test_csv_from_elsewhere_keeps_its_leading_apostrophes(tmp_path):
    """Only a CSV with the header the map exports has its formula escape undone."""
    content = "id,text\n'=a,'=SUM(A1)\nb,'quoted\n"
    result = import_file(write(tmp_path, "notes.csv", content))
    assert [(n.id, n.text) for n in result.notes] == [("'=a", "'=SUM(A1)"), ("b", "'quoted")]
    exported = "id,text,x,y,cluster,cluster_name,group,title\n'=a,'=SUM(A1),,,,,,\nb,'quoted,,,,,,\n"
    result = import_file(write(tmp_path, "map.csv", exported))
    assert [(n.id, n.text) for n in result.notes] == [("=a", "=SUM(A1)"), ("b", "'quoted")]


def test_csv_text_column_option_and_semicolons(tmp_path):
    path = write(tmp_path, "export.csv", "name;body\nCove;Quiet cove\nSlopes;Ski slopes\n")
    result = import_file(path, text_column="Body")
    assert texts(result) == ["Quiet cove", "Ski slopes"]
    assert result.notes[0].metadata == {"name": "Cove"}


def test_csv_without_text_column_names_its_columns(tmp_path):
    path = write(tmp_path, "notes.csv", "name,body\nCove,Quiet cove\n")
    with pytest.raises(InputError) as err:
        import_file(path)
    message = str(err.value)
    assert str(path) in message and "name, body" in message and "--text-column" in message
    assert "\n" not in message
    with pytest.raises(InputError, match="no column 'content'"):
        import_file(path, text_column="content")


def test_tsv_and_pasted_tsv(tmp_path):
    content = "text\ttags\nQuiet cove, white sand\tbeach\nSki slopes\tsnow\n"
    for result in (import_file(write(tmp_path, "notes.tsv", content)), import_text(content, fmt="tsv"),
                   import_text(content, fmt="csv"), import_text(content)):
        assert texts(result) == ["Quiet cove, white sand", "Ski slopes"]
        assert [n.metadata for n in result.notes] == [{"tags": "beach"}, {"tags": "snow"}]


# ---- JSON and JSON Lines --------------------------------------------------------------------------------------
def test_json_list_of_strings_and_objects(tmp_path):
    assert texts(import_file(write(tmp_path, "a.json", '["Quiet cove", "  ", "Ski slopes"]'))) == \
        ["Quiet cove", "Ski slopes"]
    objects = [{"id": 7, "text": "Quiet cove", "title": "Cove", "group": "Beach", "color": "4",
                "stars": 5, "tags": ["sand"], "extra": None},
               {"Text": "Ski slopes", "colour": "#123"}]
    result = import_file(write(tmp_path, "b.json", json.dumps(objects)))
    cove, slopes = result.notes
    assert (cove.id, cove.title, cove.color) == ("7", "Cove", "#44cf6e")
    assert cove.metadata == {"stars": "5", "tags": '["sand"]', "extra": ""}
    assert slopes.color == "#112233"
    exported = {"notes": [{"id": "x", "text": "Cove", "metadata": {"source": "trip", "stars": 5}}], "links": []}
    assert import_text(json.dumps(exported)).notes[0].metadata == {"source": "trip", "stars": "5"}
    assert group_names(result) == ["Beach", ""]


def test_json_notes_object_with_links(tmp_path):
    data = {"notes": [{"id": "a", "text": "Cove"}, {"id": "b", "text": "Reef"}, "Slopes"],
            "links": [{"source": "a", "target": "b", "kind": "supports", "label": "near"},
                      {"source": "a", "target": "gone"}]}
    result = import_file(write(tmp_path, "project.json", json.dumps(data)))
    assert texts(result) == ["Cove", "Reef", "Slopes"]
    assert [(ln.source, ln.target, ln.kind, ln.label) for ln in result.links] == [("a", "b", "supports", "near")]
    assert any("1 link" in w for w in result.warnings)


@pytest.mark.parametrize("content, expected", [
    ('[\n  "Cove",\n  oops\n]', "line 3, column 3"),
    ("42", "a number"),
    ('[["nested"]]', "item 1 is a list"),
    ('[{"text": {"deep": 1}}]', "item 1"),
    ('{"title": "no notes here"}', "expected a list of notes"),
    ('[{"title": "Cove"}]', 'no "text"'),
    ("[" * 100_000, "nested too deeply"),
    ("[1" + "0" * 5000 + "]", "too long"),
], ids=["syntax", "number", "nested-list", "text-object", "no-notes-key", "no-text-key", "too-deep", "long-int"])
def test_bad_json_is_one_clear_line(tmp_path, content, expected):
    path = write(tmp_path, "bad.json", content)
    with pytest.raises(InputError) as err:
        import_file(path)
    assert expected in str(err.value) and str(path) in str(err.value) and "\n" not in str(err.value)


def test_jsonl_lines_blank_lines_and_a_bad_line(tmp_path):
    good = '{"text": "Cove", "id": "c"}\n\n"Slopes"\r\n{"text": "Reef", "depth": 12}\n'
    result = import_file(write(tmp_path, "notes.jsonl", good))
    assert texts(result) == ["Cove", "Slopes", "Reef"]
    assert result.notes[2].metadata == {"depth": "12"}
    assert texts(import_file(write(tmp_path, "notes.ndjson", good))) == ["Cove", "Slopes", "Reef"]
    with pytest.raises(InputError, match=r"bad\.jsonl: .*line 3"):
        import_file(write(tmp_path, "bad.jsonl", '{"text": "a"}\n{"text": "b"}\n{"text": \n'))
    with pytest.raises(InputError, match="line 2 is a list"):
        import_file(write(tmp_path, "bad2.jsonl", '{"text": "a"}\n[1, 2]\n'))


# ---- JSON Canvas ----------------------------------------------------------------------------------------------
CANVAS = {
    "nodes": [
        {"id": "grp", "type": "group", "label": "Beach", "x": 0, "y": 0, "width": 1000, "height": 600, "color": "5"},
        {"id": "inner", "type": "group", "label": "Reef", "x": 500, "y": 300, "width": 400, "height": 250},
        {"id": "cove", "type": "text", "text": "Quiet cove", "x": 100, "y": 100, "width": 200, "height": 100,
         "color": "1"},
        {"id": "reef", "type": "text", "text": "Snorkelling", "x": 600, "y": 350, "width": 100, "height": 60},
        {"id": "ski", "type": "text", "text": "Ski slopes", "x": 2000, "y": -300, "width": 250, "height": 50,
         "color": "#A882FF"},
        {"id": "pdf", "type": "file", "file": "guide.pdf", "x": 0, "y": 900, "width": 10, "height": 10},
        {"id": "web", "type": "link", "url": "https://example.org", "x": 0, "y": 990, "width": 10, "height": 10},
    ],
    "edges": [
        {"id": "e1", "fromNode": "cove", "toNode": "reef", "label": "Supports"},
        {"id": "e2", "fromNode": "ski", "toNode": "cove", "label": "opposes"},
        {"id": "e3", "fromNode": "reef", "toNode": "ski", "label": "far away"},
        {"id": "e4", "fromNode": "ski", "toNode": "reef", "kind": "opposes", "label": "cold"},
        {"id": "e5", "fromNode": "cove", "toNode": "pdf"},
    ],
}


def test_canvas_positions_colours_groups_and_links(tmp_path):
    result = import_file(write(tmp_path, "board.canvas", json.dumps(CANVAS)))
    assert [n.id for n in result.notes] == ["cove", "reef", "ski", "pdf", "web"]
    assert [n.text for n in result.notes[3:]] == ["guide.pdf", "https://example.org"]  # file and link nodes
    assert result.places == {2: {"cove": (200.0, -150.0), "reef": (650.0, -380.0), "ski": (2125.0, 275.0),
                                 "pdf": (5.0, -905.0), "web": (5.0, -995.0)}}
    assert [n.color for n in result.notes] == ["#fb464c", "", "#a882ff", "", ""]
    assert group_names(result) == ["Beach", "Reef", "", "", ""]  # the smallest group around a note wins
    assert {(g.id, g.name, g.color) for g in result.groups} == {("grp", "Beach", "#53dfdd"), ("inner", "Reef", "")}
    kinds = {ln.id: (ln.source, ln.target, ln.kind, ln.label) for ln in result.links}
    assert kinds == {"e1": ("cove", "reef", "supports", "Supports"), "e2": ("ski", "cove", "opposes", "opposes"),
                     "e3": ("reef", "ski", "related", "far away"), "e4": ("ski", "reef", "opposes", "cold"),
                     "e5": ("cove", "pdf", "related", "")}
    assert not result.warnings
    doc = MapDocument()
    AddNotes(result.notes, result.links, result.places).do(doc)  # the result fits the document as it is
    assert doc.placements[2].position("ski") == (2125.0, 275.0)


def test_canvas_groups_hold_the_nodes_inside_their_box_and_are_all_kept():
    canvas = {"nodes": [
        {"id": "a", "type": "group", "label": "Ideas", "x": 0, "y": 0, "width": 500, "height": 500, "color": "2"},
        {"id": "b", "type": "group", "label": "Ideas", "x": 600, "y": 0, "width": 500, "height": 500},
        {"id": "c", "type": "group", "x": 2000, "y": 0, "width": 100, "height": 100},  # no label, no notes
        {"id": "in", "type": "text", "text": "Inside", "x": 100, "y": 100, "width": 100, "height": 100},
        {"id": "across", "type": "text", "text": "Across the edge", "x": 450, "y": 100, "width": 100, "height": 50},
        {"id": "right", "type": "link", "url": "https://example.org", "x": 700, "y": 100, "width": 100, "height": 50},
    ]}
    result = import_text(json.dumps(canvas), fmt="canvas")
    assert group_names(result) == ["Ideas", "", "Ideas (2)"]  # a box across a group's edge is not in it
    assert [(g.id, g.name, g.color) for g in result.groups] == \
        [("a", "Ideas", "#e9973f"), ("b", "Ideas (2)", ""), ("c", "Group 3", "")]
    assert [g.extra["canvas"]["node"]["id"] for g in result.groups] == ["a", "b", "c"]


def test_canvas_nodes_not_on_the_map_are_reported():
    canvas = {"nodes": [{"id": "a", "type": "text", "text": "Beach", "x": 0, "y": 0},
                        {"id": "b", "type": "text", "text": "  ", "x": 0, "y": 0},
                        {"id": "w", "type": "widget", "x": 0, "y": 0},
                        {"id": "g", "type": "group", "x": -10, "y": -10, "width": 50, "height": 50}],
              "edges": [{"id": "e1", "fromNode": "a", "toNode": "g"}, {"id": "e2", "fromNode": "a", "toNode": "x"}]}
    result = import_text(json.dumps(canvas), fmt="canvas")
    assert texts(result) == ["Beach"] and result.links == []
    assert result.warnings == ["skipped 1 empty note (no text)",
                               "not shown on the map, but kept for a canvas export: 1 widget node",
                               "not shown on the map, but kept for a canvas export: 1 edge to a group or to a "
                               "node not on the map",
                               "skipped 1 edge to nodes the file does not have"]


def test_canvas_groups_get_ids_free_in_the_document():
    doc = MapDocument()
    AddNotes([Note("grp", "Old note")]).do(doc)
    canvas = {"nodes": [{"id": "grp", "type": "group", "label": "Empty", "x": 0, "y": 0, "width": 9, "height": 9},
                        {"id": "t", "type": "text", "text": "Far away", "x": 50, "y": 50}]}
    result = import_text(json.dumps(canvas), fmt="canvas", doc=doc)
    assert [g.name for g in result.groups] == ["Empty"]
    assert result.groups[0].id not in set(doc.notes) | {n.id for n in result.notes}


def test_canvas_card_heading_becomes_the_title():
    canvas = {"nodes": [{"id": "a", "type": "text", "text": "# Cove\n\nQuiet and sandy", "x": 0, "y": 0,
                         "width": 10, "height": 10},
                        {"id": "b", "type": "text", "text": "# Only a heading", "x": 0, "y": 0}]}
    result = import_text(json.dumps(canvas), fmt="canvas")
    assert [(n.title, n.text) for n in result.notes] == [("Cove", "Quiet and sandy"), ("", "# Only a heading")]


def test_canvas_with_a_json_suffix_and_a_canvas_without_nodes(tmp_path):
    assert texts(import_file(write(tmp_path, "board.json", json.dumps(CANVAS)))) == \
        ["Quiet cove", "Snorkelling", "Ski slopes", "guide.pdf", "https://example.org"]
    with pytest.raises(InputError, match='no "nodes"'):
        import_file(write(tmp_path, "empty.canvas", '["just a list"]'))


# ---- ids, groups and an existing document ---------------------------------------------------------------------
def test_ids_taken_in_the_document_are_replaced_and_links_follow(tmp_path):
    doc = MapDocument()
    stack = CommandStack(doc)
    stack.push(AddNotes([Note("cove", "Old cove note"), Note("n1", "Old note")]))
    stack.push(AddGroup(Group("g1", "Beach"), ["cove"]))
    result = import_file(write(tmp_path, "board.canvas", json.dumps(CANVAS)), doc=doc)
    ids = [n.id for n in result.notes]
    assert "cove" not in ids and ids[1:] == ["reef", "ski", "pdf", "web"]
    assert len(set(ids) | set(doc.notes) | {g.id for g in result.groups}) == 5 + 2 + len(result.groups)
    supports = next(ln for ln in result.links if ln.kind == "supports")
    assert (supports.source, supports.target) == (ids[0], "reef")
    assert result.notes[0].group == "g1" and [g.name for g in result.groups] == ["Reef"]  # "Beach" is reused
    assert any("replaced 1 id already used in the map" in w for w in result.warnings)
    stack.push(AddNotes(result.notes, result.links, result.places))
    for g in result.groups:
        doc.groups[g.id] = g
    assert len(doc.notes) == 7 and doc.placements[2].position(ids[0]) == (200.0, -150.0)


def test_duplicate_ids_in_one_file_get_fresh_ids(tmp_path):
    data = [{"id": "n2", "text": "first"}, {"id": "n2", "text": "second"}, {"text": "third"}]
    result = import_file(write(tmp_path, "dup.json", json.dumps(data)))
    ids = [n.id for n in result.notes]
    assert ids[0] == "n2" and len(set(ids)) == 3
    assert any("replaced 1 id repeated" in w for w in result.warnings)


def test_fresh_ids_avoid_every_id_in_the_document():
    doc = MapDocument()
    AddNotes([Note("n1", "a"), Note("n2", "b")], []).do(doc)
    doc.groups["g1"] = Group("g1", "Other")
    doc.links["n3"] = Link("n3", "n1", "n2")
    result = import_text("# New\nx\n\ny\n", doc=doc)
    taken = set(doc.notes) | set(doc.links) | set(doc.groups)
    new = [n.id for n in result.notes] + [g.id for g in result.groups]
    assert len(set(new)) == 3 and not taken & set(new)


# ---- encodings and refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_unicode_encodings(tmp_path, encoding):
    content = "text\r\nCafé über Straße ☕\r\n日本の海辺\r\n"
    data = content.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # a byte order mark tells UTF-16 apart from binary
        data = "\ufeff".encode(encoding) + data
    result = import_file(write(tmp_path, "notes.csv", data))
    assert texts(result) == ["Café über Straße ☕", "日本の海辺"]
    assert result.warnings == []


def test_latin1_is_read_with_a_warning(tmp_path):
    result = import_file(write(tmp_path, "old.txt", "Café – naïve €5".encode("cp1252")))
    assert texts(result) == ["Café – naïve €5"]
    assert any("Windows-1252" in w for w in result.warnings)


@pytest.mark.parametrize("name, content", [
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("data.csv", b"text\nabc\x00def\n"),
    ("noise.md", bytes(range(1, 9)) * 20 + b"some words"),
    ("archive.bin", b"PK\x03\x04\x14\x00\x00\x00"),
])
def test_binary_files_are_refused(tmp_path, name, content):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError, match="looks like a binary file, not text") as err:
        import_file(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("name, content", [("empty.txt", b""), ("blank.md", b"\n  \r\n\t\n"), ("head.csv", b"text\n"),
                                           ("none.json", b"[]"), ("blank.jsonl", b"\n\n")])
def test_no_notes_found(tmp_path, name, content):
    with pytest.raises(InputError, match="no notes found"):
        import_file(write(tmp_path, name, content))


def test_missing_path_folder_and_unknown_suffix(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_file(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a folder"):
        import_file(tmp_path)
    assert texts(import_file(write(tmp_path, "notes.log", "one\n\ntwo\n"))) == ["one", "two"]
    assert texts(import_file(write(tmp_path, "data", '[{"text": "from json"}]'))) == ["from json"]


def test_files_over_the_size_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(decoding, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="too large"):
        import_file(write(tmp_path, "huge.txt", "x" * 1001))
    assert texts(import_file(write(tmp_path, "fits.txt", "x" * 1000))) == ["x" * 1000]


def test_empty_texts_are_skipped_and_counted(tmp_path):
    result = import_file(write(tmp_path, "notes.csv", "text,n\nkeep,1\n  ,2\n,3\n"))
    assert texts(result) == ["keep"]
    assert "skipped 2 empty notes (no text)" in result.warnings


# ---- pasted text --------------------------------------------------------------------------------------------
def test_pasted_lines_and_auto():
    assert texts(import_text("  beach \n\n- ski\r\ncity", fmt="lines")) == ["beach", "- ski", "city"]
    assert texts(import_text('["a", "b"]')) == ["a", "b"]
    assert texts(import_text('{"text": "a"}\n{"text": "b"}\n')) == ["a", "b"]
    assert texts(import_text(json.dumps(CANVAS)))[0] == "Quiet cove"
    assert texts(import_text("[draft] idea one\n\n{braces} idea two")) == ["[draft] idea one", "{braces} idea two"]
    assert texts(import_text("- beach\n- ski")) == ["beach", "ski"]
    with pytest.raises(InputError, match="^pasted text: no notes found$"):
        import_text("   \n")
    with pytest.raises(ValueError):
        import_text("x", fmt="docx")


# ---- anything at all is either notes or an InputError -----------------------------------------------------------
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from(SUPPORTED_SUFFIXES + (".dat",)), data=st.one_of(
    st.binary(max_size=300),
    st.text(alphabet='{}[]",:\n\r\t #-*1abcé\x00\x01', max_size=120).map(lambda s: s.encode("utf-8")),
))
def test_random_bytes_give_notes_or_an_input_error(tmp_path, suffix, data):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        result = import_file(path)
    except InputError as err:
        assert str(path) in str(err) and "\n" not in str(err)
    else:
        assert result.notes and all(n.text == n.text.strip() and n.text for n in result.notes)
        assert len({n.id for n in result.notes}) == len(result.notes)
