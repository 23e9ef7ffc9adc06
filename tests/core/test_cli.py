"""The command line: real runs on small inputs, and every bad input ends with exit 2 and one clear line."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from instructor_map.core.project_file import load_project
from instructor_map.launch import main  # the installed command: the app or the command line

NOTES = ["A sunny beach with warm sand", "Skiing on fresh snow", "A museum of modern art",
         "Swimming in the sea", "Snowboarding in the Alps", "Old town walking tour"]
TASK = "Represent the travel note for planning a beach trip: "


@pytest.fixture
def notes_file(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps({"text": t}) for t in NOTES), encoding="utf-8")
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_embed_writes_normalised_rows_in_input_order(capsys, notes_file, tmp_path, tiny_checkpoint, tiny_encoder):
    out = tmp_path / "v.npy"
    code, _, err = run(capsys, "embed", notes_file, "-o", out, "--instruction", TASK, "--model", tiny_checkpoint)
    assert code == 0, err
    vectors = np.load(out, allow_pickle=False)
    assert vectors.dtype == np.float32 and vectors.shape == (6, tiny_encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(vectors, tiny_encoder.encode(NOTES, TASK), atol=1e-5)


def test_map_info_export_round(capsys, notes_file, tmp_path, tiny_checkpoint):
    project = tmp_path / "trip.imap"
    before = notes_file.read_bytes()
    code, _, err = run(capsys, "map", notes_file, "-o", project, "--instruction", TASK, "--model", tiny_checkpoint,
                       "--dims", "3", "--clusters", "2")
    assert code == 0, err
    assert "PCA 3D explains" in err and notes_file.read_bytes() == before
    doc = load_project(project)
    assert len(doc.notes) == 6 and doc.instruction == TASK and set(doc.clusters.values()) == {0, 1}
    assert all(len(doc.placements[3].position(i)) == 3 for i in doc.notes)
    code, out, _ = run(capsys, "info", project)
    assert code == 0 and "notes: 6" in out and TASK.strip() in out
    assert "2D map: 6 notes placed" in out and "{" not in out  # plain lines, no Python structures
    code, _, _ = run(capsys, "export", project, "-o", tmp_path / "trip.csv", "--dims", "3")
    with open(tmp_path / "trip.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["text"] for r in rows] == NOTES and {"x", "y", "z", "cluster", "group"} <= set(rows[0])


def test_map_without_clusters(capsys, notes_file, tmp_path, tiny_checkpoint):
    code, _, _ = run(capsys, "map", notes_file, "-o", tmp_path / "a.imap", "--model", tiny_checkpoint,
                     "--clusters", "none")
    assert code == 0 and load_project(tmp_path / "a.imap").clusters == {}


def _bad_inputs(tmp_path, tiny_checkpoint):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    no_text = tmp_path / "table.csv"
    no_text.write_text("name,price\nhotel,90\n")
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)))
    good = tmp_path / "good.txt"
    good.write_text("one note\n\nanother note")
    truncated = tmp_path / "cut.imap"
    main(["map", str(good), "-o", str(truncated), "--model", str(tiny_checkpoint)])
    truncated.write_bytes(truncated.read_bytes()[:200])
    foreign = tmp_path / "foreign.imap"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    newer = tmp_path / "newer.imap"
    with zipfile.ZipFile(newer, "w") as zf:
        zf.writestr("project.json", json.dumps({"schema_version": 99, "notes": []}))
    out = str(tmp_path / "out.npy")
    return {
        "empty file": (["embed", empty, "-o", out], "no notes"),
        "csv without text column": (["embed", no_text, "-o", out], "text"),
        "binary file": (["embed", binary, "-o", out], "binary"),
        "missing model folder": (["embed", good, "-o", out, "--model", tmp_path / "nope"], "does not exist"),
        "model folder without files": (["embed", good, "-o", out, "--model", tmp_path], "config.json"),
        "truncated project": (["info", truncated], "cut.imap"),
        "foreign zip": (["export", foreign, "-o", tmp_path / "x.csv"], "foreign.imap"),
        "newer schema": (["info", newer], "newer"),
        "unknown option": (["map", good, "-o", tmp_path / "x.imap", "--dims", "4"], "--dims"),
        "bad cluster count": (["map", good, "-o", tmp_path / "x.imap", "--clusters", "many"], "--clusters"),
        "unknown export format": (["export", newer, "-o", tmp_path / "x.docx"], ""),
        "not a file or command": (["nothere.md"], "no such file"),
    }


def test_every_bad_input_exits_2_with_one_line(capsys, tmp_path, tiny_checkpoint):
    cases = _bad_inputs(tmp_path, tiny_checkpoint)
    capsys.readouterr()
    for name, (argv, needle) in cases.items():
        code, out, err = run(capsys, *argv)
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 2, f"{name}: exit {code}, {err}"
        assert len(lines) == 1 and lines[0].startswith("instructor-map: error: "), f"{name}: {err!r}"
        assert needle in lines[0], f"{name}: {lines[0]!r}"
        assert "Traceback" not in err
    assert not (tmp_path / "out.npy").exists()


def test_offline_default_falls_back_to_bundled_in_a_real_process(tmp_path):
    notes = tmp_path / "n.txt"
    notes.write_text("beach\n\nsnow\n\nmuseum")
    proc = subprocess.run([sys.executable, "-m", "instructor_map", "embed", str(notes), "-o", str(tmp_path / "v.npy")],
                          capture_output=True, text=True, timeout=120, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "using the bundled all-MiniLM-L6-v2, which is not instruction-tuned" in proc.stderr
    assert np.load(tmp_path / "v.npy").shape == (3, 384)
