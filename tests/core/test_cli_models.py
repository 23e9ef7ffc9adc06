"""`instructor-map models list|download|remove` against a local stand-in for the hub: the list a user reads, the
progress bar, Ctrl+C during a download, and one clear line for every bad id."""
from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from hub_server import TINY_ID

from instructor_map.core import downloads
from instructor_map.launch import main


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines() if line.strip()}


def test_list_download_and_remove(hub, capsys):
    code, out, _ = run(capsys, "models", "list")
    listed = rows(out)
    assert code == 0 and "in the package" in listed["bundled"] and "not instruction-tuned" in listed["bundled"]
    for repo_id, size in (("hkunlp/instructor-base", "~0.4 GB"), ("hkunlp/instructor-large", "~1.3 GB"),
                          ("hkunlp/instructor-xl", "~5.0 GB")):
        assert size in listed[repo_id] and "not downloaded" in listed[repo_id]
    assert TINY_ID not in listed

    code, _, err = run(capsys, "models", "download", TINY_ID)
    size = downloads.format_size(sum(f.size for f in downloads.needed_files(TINY_ID)))
    assert code == 0 and f"downloaded {TINY_ID} ({size}) into " in err
    code, out, _ = run(capsys, "models", "list")
    assert code == 0 and size in rows(out)[TINY_ID] and rows(out)[TINY_ID].endswith("downloaded")
    code, _, err = run(capsys, "models", "download", TINY_ID)
    assert code == 0 and "already downloaded" in err

    code, _, err = run(capsys, "models", "remove", TINY_ID)
    assert code == 0 and err.strip() == f"removed {TINY_ID} ({size})"
    assert TINY_ID not in rows(run(capsys, "models", "list")[1])


def test_download_draws_one_bar_in_place_on_a_terminal(hub, capsys, monkeypatch):
    hub.rate = 1_000_000  # bytes a second, so that the bar moves
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run(capsys, "models", "download", TINY_ID)
    assert code == 0
    first, bar, last = err.split("\n")[:3]
    assert first.startswith(f"downloading {TINY_ID} (") and last.startswith(f"downloaded {TINY_ID}")
    frames = bar.split("\r")[1:]  # one line, redrawn
    assert len(frames) >= 3 and all(f.startswith("[") and "%" in f and " of " in f for f in frames)
    assert any("/s" in f and "left" in f for f in frames) and "100%" in frames[-1]


def test_ctrl_c_stops_the_download_with_one_line_and_a_new_run_resumes(hub, capsys, tiny_checkpoint):
    weights = (tiny_checkpoint / "model.safetensors").stat().st_size
    started: list[subprocess.Popen] = []
    # the server stops part way through the weights; once the download asks for the rest (so it kept the first
    # part), Ctrl+C
    hub.on_hold = lambda start: start and started[0].send_signal(signal.SIGINT)
    hub.hold(TINY_ID, "model.safetensors", after=weights // 2)
    started.append(subprocess.Popen([sys.executable, "-m", "instructor_map.cli", "models", "download", TINY_ID],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    _, err = started[0].communicate(timeout=120)
    hub.release()
    assert started[0].returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == (f"instructor-map: the download of {TINY_ID} stopped; run "
                                            f"`instructor-map models download {TINY_ID}` again to resume it")
    assert downloads.cached_snapshot(TINY_ID) is None

    code, _, err = run(capsys, "models", "download", TINY_ID)
    ranges = [s.range for s in hub.requests if s.path == "model.safetensors" and s.method == "GET"]
    assert code == 0 and ranges[-1] == f"bytes={weights // 2}-"
    assert downloads.cached_snapshot(TINY_ID) is not None


@pytest.mark.parametrize("argv, message", [
    (("models", "download", "nonsense"), "'nonsense' is not a hub model id"),
    (("models", "download", "tests/missing"), "model 'tests/missing' was not found on the hub"),
    (("models", "download", "a/b/c"), "is not a hub model id"),
    (("models", "remove", "tests/missing"), "tests/missing is not in the cache"),
    (("models", "remove", "bundled"), "part of the package and cannot be removed"),
    (("models",), "choose what to do with models"),
    (("models", "download"), "arguments are required: id"),
    (("models", "fetch", "x/y"), "invalid choice"),
])
def test_bad_ids_and_actions_are_one_line_and_exit_2(hub, capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err
    assert err.startswith("instructor-map: error: ")


def test_a_hub_that_does_not_answer_is_one_line(hub, capsys):
    hub.stop()
    code, _, err = run(capsys, "models", "download", TINY_ID)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot be reached" in err


def test_the_bundled_model_needs_no_download(hub, capsys):
    code, _, err = run(capsys, "models", "download", "bundled")
    assert code == 0 and "nothing to download" in err
