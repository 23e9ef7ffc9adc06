"""The startup benchmark's paths work, without timing anything: the real app logs its startup events and quits by
itself, and no heavy library is loaded before the window's first paint.

    xvfb-run -a -s "-screen 0 1600x1000x24" python -m pytest tests/perf/test_start_paths.py
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_start  # noqa: E402

from instructor_map.app.startup import LOG_ENV, StartupLog, since_start  # noqa: E402

pytestmark = pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="the app needs a display (xvfb-run)")

# Imported before the first paint, these would hold the window back by seconds (torch, transformers), about one
# (scikit-learn) or a few tenths (scipy's spatial and sparse, networkx); they load in the model's process, or in the
# background once the window shows.
HEAVY = ("torch", "transformers", "sklearn", "scipy.spatial", "scipy.sparse", "networkx")
FIRST_PAINT = f"""
import sys
from instructor_map.app import startup

def mark(self, event, mark=startup.StartupLog.mark):
    if event == "window":
        print("loaded:", *[name for name in {HEAVY!r} if name in sys.modules])
    mark(self, event)

startup.StartupLog.mark = mark
from instructor_map.app.main import run
sys.exit(run([]))
"""


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    env, cases = bench_start.prepare(tmp_path_factory.mktemp("start"))
    return env, {case.name: case for case in cases}


def test_the_log_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv(LOG_ENV, raising=False)
    assert StartupLog.install(object()) is None  # nothing is installed on the window
    assert 0 < since_start() < 24 * 3600


@pytest.mark.parametrize("name", ["floor", "a", "b", "c"])
def test_each_case_logs_its_event_and_quits_by_itself(bench, tmp_path, name):
    env, cases = bench
    run = bench_start.launch(cases[name], env, tmp_path / "startup.log", timeout=240)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    seconds = run.events[cases[name].event]
    assert 0 < seconds < 240
    assert run.events.get("window", 0) <= seconds  # the map is never painted before the window
    if name == "c":  # the import is mapped by the model, loaded in its own process
        assert run.events["model"] <= seconds


def test_no_heavy_library_loads_before_the_first_paint(bench, tmp_path):
    env, _ = bench
    env = dict(env, INSTRUCTOR_MAP_STARTUP_LOG=str(tmp_path / "startup.log"), INSTRUCTOR_MAP_STARTUP_QUIT="window")
    done = subprocess.run([sys.executable, "-c", FIRST_PAINT], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.split() == ["loaded:"], done.stdout
