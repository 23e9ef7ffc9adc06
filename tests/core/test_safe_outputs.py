"""Writing the user's files: never through a FIFO or a device by surprise, through a symlink to its target, a full
disk leaving the earlier file as it was, errors naming the user's path on one line, CSV without NUL characters."""
from __future__ import annotations

import csv

from instructor_map.core.document import MapDocument, Note
from instructor_map.core.exporters import export


def test_csv_export_holds_no_nul_characters(tmp_path):
    doc = MapDocument()
    doc.insert_note(Note("n\x001", "before\x00after", "ti\x00tle"))
    out = tmp_path / "notes.csv"
    export(doc, out)
    data = out.read_bytes()
    assert b"\x00" not in data
    with out.open(newline="", encoding="utf-8") as fh:
        row = list(csv.DictReader(fh))[0]
    assert (row["id"], row["text"], row["title"]) == ("n1", "beforeafter", "title")
