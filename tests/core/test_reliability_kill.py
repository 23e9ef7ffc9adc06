"""Reliability: a save killed with SIGKILL at a random moment leaves the old project or the new one, never a broken
file, and its leftovers do not stand in the way of the next save.

The test prints how many trials it ran. IMAP_KILL_TRIALS sets the number of kills (100 by default).
"""
from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from instructor_map.core.document import MapDocument, Note
from instructor_map.core.errors import InputError
from instructor_map.core.project_file import load_project, recovery_for, save_project

ROOT = Path(__file__).resolve().parents[2]
KILL_TRIALS = int(os.environ.get("IMAP_KILL_TRIALS", 100))
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="uses fork and SIGKILL")


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
