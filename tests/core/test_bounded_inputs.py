"""Every input bounded: notes files, projects and model weights are read only from regular files (or standard input
for "-"), never block on a FIFO, never stream a device, and large but empty-handed inputs fail at once with one
line. Times and memory are measured in tests/perf/bench_inputs.py; these tests check what the user sees."""
from __future__ import annotations

import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest
from limits import time_limit
from project_fixtures import npy, read_members, refused, rich_document, saved_fixture  # noqa: F401

from instructor_map.core import bounded
from instructor_map.core.errors import InputError, printable
from instructor_map.core.importers import decoding, import_file, import_text, json_notes, parsed
from instructor_map.core.project_file import container, load_project, read_summary, store
from instructor_map.core.weights import check_weights, load_weights
from instructor_map.launch import main

HANG_GUARD_S = 30  # a blocked open() fails the test instead of the whole run; no test comes near it


def one_line_error(call, *words) -> str:
    with time_limit(HANG_GUARD_S, "reading the input"), pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, message
    assert all(word in message for word in words), message
    return message


def cli(capsys, *argv) -> tuple[int, str]:
    with time_limit(HANG_GUARD_S, "the command"):
        code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def write_zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "notes.fifo"
    os.mkfifo(path)
    return path


# ---- only regular files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("read", [import_file, load_project, read_summary])
def test_a_fifo_is_refused_without_waiting_for_a_writer(fifo, read):
    one_line_error(lambda: read(fifo), str(fifo), "FIFO")
    assert fifo.is_fifo()


@pytest.mark.parametrize("read", [import_file, load_project, read_summary])
def test_a_device_is_refused_before_it_is_read(read):
    one_line_error(lambda: read("/dev/zero"), "/dev/zero", "device")


def test_a_symlink_to_a_device_or_a_folder_is_refused(tmp_path):
    (tmp_path / "zero.md").symlink_to("/dev/zero")
    one_line_error(lambda: import_file(tmp_path / "zero.md"), "device")
    (tmp_path / "dir.imap").symlink_to(tmp_path)
    one_line_error(lambda: load_project(tmp_path / "dir.imap"), "folder")


def test_command_line_refuses_fifos_and_devices_with_exit_2(capsys, fifo):
    for argv in (["info", fifo], ["export", fifo, "-o", fifo.with_suffix(".csv")], ["info", "/dev/zero"],
                 ["export", "/dev/zero", "-o", fifo.with_suffix(".json")]):
        code, err = cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1 and ("FIFO" in err or "device" in err), err
    assert fifo.is_fifo() and not fifo.with_suffix(".csv").exists()


def test_a_file_replaced_by_a_fifo_after_its_check_does_not_block(fifo, monkeypatch):
    """The open itself never blocks: a FIFO slipped in between os.stat and open is caught by fstat."""
    real_stat = os.stat
    monkeypatch.setattr(bounded.os, "stat", lambda path, *a, **k: real_stat(__file__))
    one_line_error(lambda: import_file(fifo), "FIFO")


def test_standard_input_is_read_for_dash(monkeypatch, saved):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'[{"text": "from a pipe"}]')))
    assert [n.text for n in import_file("-").notes] == ["from a pipe"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(saved.read_bytes())))
    assert len(load_project("-").notes) == 4


def test_standard_input_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(decoding, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x" * 101)))
    one_line_error(lambda: import_file("-"), "standard input", "too large", "100 bytes")


# ---- sizes checked before reading ---------------------------------------------------------------------
def test_notes_file_size_limit_is_100_mb_and_named(tmp_path, monkeypatch):
    assert decoding.MAX_FILE_BYTES == 100 * 2**20
    monkeypatch.setattr(decoding, "MAX_FILE_BYTES", 2**20)
    big = tmp_path / "big.md"
    big.write_bytes(b"note\n\n" * (2**20 // 6 + 1))
    one_line_error(lambda: import_file(big), "big.md", "1.0 MB, too large", "the limit for notes files is 1 MB")


def test_project_size_limit_is_checked_before_the_zip_is_read(saved, monkeypatch):
    assert container.MAX_PROJECT_BYTES >= 302 * 2**20  # 100,000 notes with 768-d vectors, as measured
    monkeypatch.setattr(container, "MAX_PROJECT_BYTES", saved.stat().st_size - 1)
    monkeypatch.setattr(zipfile, "ZipFile", None)  # never reached
    refused(saved, "too large", "the limit for projects")


def test_a_zip_with_more_members_than_a_project_is_refused_before_listing_them(tmp_path, monkeypatch):
    monkeypatch.setattr(container, "MAX_MEMBERS", 5)
    path = tmp_path / "many.imap"
    write_zip(path, {f"embeddings/{i}.npy": b"" for i in range(6)} | {"project.json": b"{}"})
    refused(path, "7 members", "at most 5")


# ---- large but degenerate notes files ----------------------------------------------------------------
def test_ten_million_empty_objects_fail_at_the_first_ten_thousand(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"{}\n" * 10_000_000)
    one_line_error(lambda: import_file(path), 'no "text" in 10,001 objects from line 1 on', "keys are: none")


def test_objects_without_text_are_still_skipped_among_notes(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"text": "a note"}\n' + '{"other": 1}\n' * 500 + '{"text": "another"}\n')
    result = import_file(path)
    assert [n.text for n in result.notes] == ["a note", "another"]
    assert 'skipped 500 objects without "text"' in result.warnings


@pytest.mark.parametrize("name, content", [
    ("blank.jsonl", b'{"text": ""}\n' * 200_000),
    ("dashes.md", b"-\n" * 2_000_000),
    ("empty.csv", b"text,other\n" + b",x\n" * 200_000),
    ("blank.json", b"[" + b",".join([b'""'] * 200_000) + b"]"),
])
def test_files_of_empty_notes_fail_at_once(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    one_line_error(lambda: import_file(path), "10,001 empty notes and only 0 with text")


def test_json_with_too_many_values_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    path = tmp_path / "empty.json"
    path.write_bytes(b"[" + b",".join([b"{}"] * 13_000_000) + b"]")  # 38 MB: 13 M objects, 3.6 GB parsed
    monkeypatch.setattr(json_notes.json, "loads", None)  # never reached
    one_line_error(lambda: import_file(path), "too many JSON values (26,000,001", "8,000,000")


def test_commas_inside_notes_do_not_count_as_values(tmp_path, monkeypatch):
    monkeypatch.setattr(json_notes, "MAX_JSON_VALUES", 50)
    path = tmp_path / "commas.json"
    path.write_text(json.dumps([{"text": "a, b: c, [d], {e}" * 20}, {"text": "f"}]))
    assert len(import_file(path).notes) == 2
    path.write_text(json.dumps([{"text": str(i)} for i in range(20)]))
    one_line_error(lambda: import_file(path), "too many JSON values (61; at most 50")


@pytest.mark.parametrize("name", ["notes", "notes.dat"])
def test_json_found_without_a_suffix_is_measured_before_it_is_parsed(tmp_path, monkeypatch, name):
    """The same bound as a .json file, whether read from a file with no known suffix or pasted."""
    monkeypatch.setattr(json_notes, "MAX_JSON_VALUES", 50)
    path = tmp_path / name
    path.write_text(json.dumps([{"text": str(i)} for i in range(20)]))
    with monkeypatch.context() as patched:
        patched.setattr(json_notes.json, "loads", None)  # never reached
        one_line_error(lambda: import_file(path), name, "too many JSON values (61; at most 50")
        one_line_error(lambda: import_text(path.read_text()), "pasted text", "too many JSON values (61; at most 50")
    path.write_text(json.dumps([{"text": str(i)} for i in range(10)]))  # 31 values: read
    assert len(import_file(path).notes) == 10 and len(import_text(path.read_text()).notes) == 10
    lines = "\n".join(json.dumps({"text": f"note {i}", "k": i}) for i in range(30))  # too many as a whole
    path.write_text(lines)
    assert len(import_file(path).notes) == 30 and len(import_text(lines).notes) == 30  # JSON Lines: each line


def test_more_notes_than_one_import_takes_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(parsed, "MAX_NOTES", 100)
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps({"text": f"note {i}"}) for i in range(100)))
    assert len(import_file(path).notes) == 100
    path.write_text("\n".join(json.dumps({"text": f"note {i}"}) for i in range(101)))
    one_line_error(lambda: import_file(path), "notes.jsonl", "more than 100 notes")
    one_line_error(lambda: import_text("\n".join(f"line {i}" for i in range(101)), fmt="lines"), "more than 100")


def test_a_note_with_thousands_of_fields_is_refused(tmp_path):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps([{"text": "a", **{f"k{i}": 0 for i in range(999)}}]))
    assert len(import_file(path).notes[0].metadata) == 999
    path.write_text(json.dumps([{"text": "a", **{f"k{i}": 0 for i in range(1000)}}]))
    one_line_error(lambda: import_file(path), "item 1 has 1,001 fields; a note has at most 1,000")
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["text", *(f"c{i}" for i in range(1000))]) + "\nnote" + "," * 1000 + "\n")
    one_line_error(lambda: import_file(path), "wide.csv", "has notes with 1,001 fields")


def test_a_file_of_millions_of_lines_is_refused(tmp_path):
    path = tmp_path / "a.md"
    path.write_bytes(b"a\n" * 11_000_000)
    one_line_error(lambda: import_file(path), "a.md", "11,000,000 lines", "10,000,000")


def test_markdown_lines_read_as_before():
    text = ("# Trip\n\nplain text\n  3. third item\n\u0663) arabic digit item\n- [x] done\n***\n"
            "```\n# not a heading\n\n```\n~~~\n- not an item\n~~~\n#Hashtag line\nlast")
    result = import_text(text, fmt="markdown")
    groups = {g.id: g.name for g in result.groups}
    assert [(n.text, groups[n.group]) for n in result.notes] == [
        ("plain text", "Trip"), ("third item", "Trip"), ("arabic digit item", "Trip"), ("done", "Trip"),
        ("```\n# not a heading\n\n```\n~~~\n- not an item\n~~~\n#Hashtag line\nlast", "Trip")]


def test_numbers_and_booleans_read_as_json_writes_them(tmp_path):
    path = tmp_path / "values.json"
    path.write_text('[{"text": "t", "n": 1e300, "f": -0.0, "i": 12345678901234567890, "b": true, "x": NaN}]')
    assert import_file(path).notes[0].metadata == {"n": "1e+300", "f": "-0.0", "i": "12345678901234567890",
                                                   "b": "true", "x": "NaN"}


# ---- large but degenerate projects --------------------------------------------------------------------
def test_a_project_of_millions_of_tiny_values_is_refused_before_parsing(saved, monkeypatch):
    members = read_members(saved)
    data = json.loads(members["project.json"])
    data["views"]["2"]["positions"] = {f"p{i}": [0.5, 0.25] for i in range(2_000_001)}  # 8 M values
    members["project.json"] = json.dumps(data).encode()
    write_zip(saved, members)
    monkeypatch.setattr(container.json, "loads", None)  # never reached
    refused(saved, "project.json holds too many values", "at most 8,000,000")


def test_a_project_of_empty_notes_is_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "empty.imap"
    notes = b",".join([b"{}"] * 10_000_000)  # 30 MB
    write_zip(path, {"project.json": b'{"schema_version": 1, "notes": [' + notes + b"]}"}, zipfile.ZIP_STORED)
    monkeypatch.setattr(container.json, "loads", None)
    refused(path, "too many values (20,000,00")


def test_more_notes_or_links_than_a_project_holds_are_refused_before_reading_them(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_RECORDS", 3)
    path = tmp_path / "many.imap"
    notes = [{"id": f"n{i}", "text": "a"} for i in range(3)]
    links = [{"id": f"l{i}", "source": "n0", "target": "n1"} for i in range(4)]
    write_zip(path, {"project.json": json.dumps({"schema_version": 1, "notes": notes}).encode()})
    assert len(load_project(path).notes) == 3
    write_zip(path, {"project.json": json.dumps({"schema_version": 1, "notes": notes, "links": links}).encode()})
    refused(path, "holds 4 links; a project has at most 3")


def test_a_project_just_under_the_value_limit_opens(saved, monkeypatch):
    monkeypatch.setattr(container, "MAX_JSON_VALUES", container.json_values(
        read_members(saved)["project.json"], 10**9))
    assert len(load_project(saved).notes) == 4


def test_an_array_that_is_not_its_blocks_vectors_is_never_read(saved, monkeypatch):
    members = read_members(saved)
    members["embeddings/0.npy"] = npy(np.zeros((3, 8), np.float32))  # the index says 4 rows
    members["embeddings/1.npy"] = npy(np.zeros((3, 5), np.int64))  # 3 rows, but not float vectors
    write_zip(saved, members, zipfile.ZIP_STORED)
    monkeypatch.setattr(np, "load", None)  # the data is never read
    warnings: list[str] = []
    doc = load_project(saved, warnings)
    assert len(doc.notes) == 4 and len(doc.embeddings) == 0
    assert any("embeddings/0.npy: expected 4 rows" in w and "(3, 8)" in w for w in warnings), warnings
    assert any("embeddings/1.npy: expected 3 rows" in w and "int64" in w for w in warnings), warnings


def test_a_compressed_array_of_zeros_is_refused_as_a_bomb(saved):
    members = read_members(saved)
    members["embeddings/0.npy"] = npy(np.zeros((4, 2**20), np.float32))  # 16 MB that deflates to 16 KB
    write_zip(saved, members)
    refused(saved, "embeddings/0.npy", "compressed suspiciously well")


def test_running_out_of_memory_is_one_line(saved, monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(container.json, "loads", no_memory)
    refused(saved, "too large to load (out of memory)")
    monkeypatch.setattr(bounded.os, "fdopen", lambda fd, mode: _FailingFile(fd))
    one_line_error(lambda: import_file(saved), "too large to read into memory")


class _FailingFile(io.FileIO):
    def read(self, size=-1):
        raise MemoryError


# ---- model weights ---------------------------------------------------------------------------------------
class _Payload:
    def __reduce__(self):
        return (os.system, ("echo ran > ran.txt",))


def test_a_pickled_payload_is_refused_in_one_line_naming_folder_and_file(tmp_path, monkeypatch):
    import torch

    monkeypatch.chdir(tmp_path)
    torch.save({"weight": _Payload()}, tmp_path / "pytorch_model.bin")
    for read in (load_weights, check_weights):
        message = one_line_error(lambda read=read: read(tmp_path), str(tmp_path), "pytorch_model.bin",
                                 "pickled Python code (posix.system)", "never run")
        assert "In PyTorch" not in message
    assert not (tmp_path / "ran.txt").exists()


@pytest.mark.parametrize("content", [b"PK\x03\x04 broken" * 10, b"not weights", pickle.dumps([1, 2])])
def test_a_bad_dense_file_is_one_line(tmp_path, content):
    dense = tmp_path / "2_Dense"
    dense.mkdir()
    (dense / "pytorch_model.bin").write_bytes(content)
    message = one_line_error(lambda: load_weights(dense), "2_Dense: pytorch_model.bin:")
    assert len(message) < 300 and "checkpoint was not saved properly" not in message


def test_damaged_safetensors_and_fifos_are_one_line(tmp_path, fifo):
    (tmp_path / "model.safetensors").write_bytes(b"\xff" * 64)
    one_line_error(lambda: load_weights(tmp_path), "model.safetensors: is damaged or not a safetensors file")
    os.replace(fifo, tmp_path / "model.safetensors")
    one_line_error(lambda: check_weights(tmp_path), "model.safetensors is a FIFO")


def test_good_weights_load_as_named_tensors(tmp_path):
    import torch
    from safetensors.torch import save_file

    tensors = {"linear.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    torch.save(tensors, tmp_path / "pytorch_model.bin")
    assert torch.equal(load_weights(tmp_path)["linear.weight"], tensors["linear.weight"])
    check_weights(tmp_path)
    save_file(tensors, str(tmp_path / "model.safetensors"))  # preferred over the .bin
    assert torch.equal(load_weights(tmp_path / "model.safetensors")["linear.weight"], tensors["linear.weight"])
    check_weights(tmp_path)


# ---- messages on one line ----------------------------------------------------------------------------------
def test_control_characters_in_names_are_escaped():
    assert printable("a\nb\tc\x1b[31m\u202etxt.exe") == "a\\nb\\tc\\x1b[31m\\u202etxt.exe"
    assert str(InputError("no such file", "notes\nmore.md")) == "notes\\nmore.md: no such file"


def test_a_newline_in_a_file_name_stays_on_one_line(capsys, tmp_path):
    code, err = cli(capsys, "info", tmp_path / "trip\nplan.imap")
    assert code == 2 and err.count("\n") == 1 and "trip\\nplan.imap" in err, err


def test_embed_with_a_pickled_model_folder_is_one_line_and_exit_2(tmp_path, monkeypatch, tiny_checkpoint, capsys):
    import shutil

    import torch

    from instructor_map.cli import main

    folder = tmp_path / "model"
    shutil.copytree(tiny_checkpoint, folder)
    (folder / "model.safetensors").unlink()
    torch.save({"weight": _Payload()}, folder / "pytorch_model.bin")
    notes = tmp_path / "notes.txt"
    notes.write_text("a beach\n\nthe mountains\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["embed", str(notes), "-o", str(tmp_path / "out.npy"), "--model", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pytorch_model.bin" in err[0] and "never run" in err[0]
    assert not (tmp_path / "ran.txt").exists() and not (tmp_path / "out.npy").exists()
