"""What a file said of a link or group beyond the map's own fields (Link.extra, Group.extra) is saved in the
project and read back; it is optional, so projects from before it load, and links and groups without it are
saved as before."""
from __future__ import annotations

import json
import zipfile

from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.project_file import PROJECT_JSON, load_project, save_project

EDGE = {"at": 3, "edge": {"id": "e1", "fromNode": "a", "toNode": "b", "toEnd": "none", "styleAttributes": {}}}
BOX = {"at": 0, "node": {"id": "g1", "type": "group", "x": -10, "y": 5.5, "width": 300, "height": 200}}


def document() -> MapDocument:
    doc = MapDocument()
    doc.groups["g1"] = Group("g1", "Coast", "#53dfdd", {"canvas": BOX})
    doc.groups["g2"] = Group("g2", "Plain")
    doc.insert_note(Note("a", "Beach", group="g1"))
    doc.insert_note(Note("b", "Tide"))
    doc.add_link(Link("e1", "a", "b", "related", "", {"canvas": EDGE}))
    doc.add_link(Link("l2", "b", "a", "supports"))
    return doc


def project_json(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(PROJECT_JSON))


def test_extra_fields_of_links_and_groups_are_saved_and_read_back(tmp_path):
    save_project(document(), tmp_path / "map.imap")
    doc = load_project(tmp_path / "map.imap")
    assert doc.links["e1"].extra == {"canvas": EDGE} and doc.groups["g1"].extra == {"canvas": BOX}
    assert doc.links["l2"].extra == {} and doc.groups["g2"].extra == {}


def test_links_and_groups_without_extra_fields_are_saved_as_before(tmp_path):
    save_project(document(), tmp_path / "map.imap")
    data = project_json(tmp_path / "map.imap")
    links, groups = {ln["id"]: ln for ln in data["links"]}, {g["id"]: g for g in data["groups"]}
    assert set(links["l2"]) == {"id", "source", "target", "kind", "label"}
    assert set(groups["g2"]) == {"id", "name", "color"}
    assert links["e1"]["extra"] == {"canvas": EDGE}


def test_a_project_from_before_extra_fields_loads(tmp_path):
    save_project(document(), tmp_path / "map.imap")
    data = project_json(tmp_path / "map.imap")
    for item in data["links"] + data["groups"]:
        item.pop("extra", None)
    with zipfile.ZipFile(tmp_path / "map.imap") as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members[PROJECT_JSON] = json.dumps(data).encode("utf-8")
    with zipfile.ZipFile(tmp_path / "old.imap", "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    doc = load_project(tmp_path / "old.imap")
    assert [ln.extra for ln in doc.links.values()] == [{}, {}]
    assert [g.extra for g in doc.groups.values()] == [{}, {}]
    assert doc.notes["a"].group == "g1"
