"""A rich project document and a saved copy of it, shared by the .imap project file tests in tests/core."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.project_file import load_project, save_project


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


def read_members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(name="saved")
def saved_fixture(tmp_path) -> Path:
    """A rich project saved to trip.imap; test modules import it to use the fixture "saved"."""
    path = tmp_path / "trip.imap"
    save_project(rich_document(), path)
    return path


def npy(array, allow_pickle=False) -> bytes:
    """An .npy file's bytes."""
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def refused(path, *words) -> str:
    """Opening `path` fails with one line that names the file and says each of `words`."""
    with pytest.raises(InputError) as info:
        load_project(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message, message
    assert all(word in message for word in words), message
    return message
