"""Writing the user's files: never through a FIFO or a device by surprise, through a symlink to its target, a full
disk leaving the earlier file as it was, errors naming the user's path on one line, CSV without NUL characters."""
from __future__ import annotations

import csv
import errno
import os
import stat

import pytest
from limits import time_limit

from instructor_map.core.document import MapDocument, Note
from instructor_map.core.errors import InputError, OutputError
from instructor_map.core.exporters import export
from instructor_map.core.project_file import atomic, atomic_write, check_writable, load_project, save_project
from instructor_map.launch import main

HANG_GUARD_S = 30  # opening a FIFO for writing would wait for a reader; the test fails instead of hanging


@pytest.fixture
def doc() -> MapDocument:
    doc = MapDocument()
    for i in range(3):
        doc.insert_note(Note(f"n{i}", f"note {i}"))
    doc.placements[2].positions = {"n0": (0.0, 1.0)}
    return doc


def refused(call, *words) -> str:
    with time_limit(HANG_GUARD_S, "writing"), pytest.raises(InputError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and ".tmp" not in message, message
    assert all(word in message for word in words), message
    return message


def leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def device_node(tmp_path):
    """A character device to write to: as root, a node made here with /dev/null's numbers (so a failure replaces
    only this node); otherwise /dev/null itself, which a user cannot replace."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        node = tmp_path / "null"
        os.mknod(node, 0o666 | stat.S_IFCHR, os.stat("/dev/null").st_rdev)
        return node
    return "/dev/null"


# ---- symlinks, FIFOs, devices, folders --------------------------------------------------------------------
def test_a_symlink_is_written_through_to_its_target(doc, tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "map.csv"
    target.write_text("old")
    link = tmp_path / "map.csv"
    link.symlink_to(os.path.join("real", "map.csv"))  # relative, as links usually are
    export(doc, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "map.csv")
    assert target.read_text().startswith("id,text")
    assert leftovers(tmp_path) == leftovers(tmp_path / "real") == []


def test_a_dangling_symlink_creates_its_target(doc, tmp_path):
    link = tmp_path / "map.json"
    link.symlink_to(tmp_path / "new.json")
    export(doc, link)
    assert link.is_symlink() and (tmp_path / "new.json").read_text().startswith("{")


def test_a_loop_of_symlinks_is_refused(doc, tmp_path):
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    refused(lambda: export(doc, tmp_path / "a.csv"), "a.csv", "loop")


def test_a_fifo_is_refused_and_kept(doc, tmp_path):
    fifo = tmp_path / "map.csv"
    os.mkfifo(fifo)
    refused(lambda: export(doc, fifo), str(fifo), "FIFO", "-o - writes to standard output")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and leftovers(tmp_path) == []


def test_a_device_is_refused_and_kept(doc, tmp_path):
    node = device_node(tmp_path)
    refused(lambda: export(doc, node, fmt="csv"), "is a device")
    refused(lambda: save_project(doc, node), "is a device")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_a_symlink_to_a_device_is_refused(doc, tmp_path):
    link = tmp_path / "out.csv"
    link.symlink_to(device_node(tmp_path))
    refused(lambda: export(doc, link), "out.csv", "is a device")
    assert link.is_symlink()


def test_a_folder_is_refused_with_its_name_not_a_temp_name(doc, tmp_path):
    folder = tmp_path / "exports.csv"
    folder.mkdir()
    refused(lambda: export(doc, folder), str(folder), "is a folder", "choose a file name inside it")
    assert list(folder.iterdir()) == [] and leftovers(tmp_path) == []


def test_dash_writes_to_standard_output(doc, capsysbinary):
    export(doc, "-", fmt="csv")
    assert capsysbinary.readouterr().out.startswith(b"id,text")


# ---- a full disk ---------------------------------------------------------------------------------------------
def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_full_disk_keeps_the_earlier_file_and_names_the_users_path(doc, tmp_path, monkeypatch, failing):
    path = tmp_path / "trip.imap"
    save_project(doc, path)
    before = path.read_bytes()
    doc.insert_note(Note("n9", "never reaches the disk"))

    def write(fh):
        fh.write(b"part of the new file")
        if failing == "write":
            full_disk()

    if failing != "write":
        monkeypatch.setattr(atomic.os, failing, full_disk)
    message = refused(lambda: atomic_write(path, write), str(path), "the disk is full",
                      "the earlier file is unchanged", "free some space")
    assert path.read_bytes() == before and leftovers(tmp_path) == []
    assert len(load_project(path).notes) == 3
    assert "trip.imap." not in message  # the temp file's name never shows


def test_a_full_disk_is_also_an_os_error_with_its_errno(tmp_path):
    with pytest.raises(OSError) as info:
        atomic_write(tmp_path / "new.csv", lambda fh: full_disk())
    assert isinstance(info.value, OutputError) and info.value.errno == errno.ENOSPC
    assert "nothing was written" in str(info.value) and leftovers(tmp_path) == []


def test_command_line_full_disk_is_one_line_with_exit_2(doc, tmp_path, monkeypatch, capsys):
    project, out = tmp_path / "trip.imap", tmp_path / "notes.csv"
    save_project(doc, project)
    out.write_text("earlier export")
    monkeypatch.setattr(atomic.os, "fsync", full_disk)
    code = main(["export", str(project), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(out) in err and "the disk is full" in err, err
    assert out.read_text() == "earlier export" and leftovers(tmp_path) == []


# ---- checked before long work ---------------------------------------------------------------------------------
def test_check_writable_refuses_what_a_save_would_refuse(tmp_path):
    os.mkfifo(tmp_path / "fifo.npy")
    refused(lambda: check_writable(tmp_path / "fifo.npy"), "FIFO")
    refused(lambda: check_writable(tmp_path), "is a folder")
    refused(lambda: check_writable(tmp_path / "missing" / "v.npy"), "the folder does not exist")
    check_writable(tmp_path / "v.npy")
    check_writable("-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.npy"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_check_writable_refuses_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    try:
        refused(lambda: check_writable(folder / "v.npy"), "cannot write here", "ermission")
    finally:
        folder.chmod(0o700)


# ---- one line ------------------------------------------------------------------------------------------------
def test_a_newline_in_an_output_name_stays_on_one_line(doc, tmp_path, capsys):
    project = tmp_path / "trip.imap"
    save_project(doc, project)
    code = main(["export", str(project), "-o", str(tmp_path / "no\nsuch" / "map.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no\\nsuch" in err, err


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
