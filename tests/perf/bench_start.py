"""How soon the app shows something: the real `instructor-map` as a process, timed by its own startup log.

    xvfb-run -a -s "-screen 0 1600x1000x24" python tests/perf/bench_start.py [--quick] [--rounds N]

Each round launches, side by side:
  floor    a bare PySide6 process: QApplication and an empty QMainWindow, quit on its first paint
  (a)      `instructor-map`: the window painted                                          target 1.5 s
  (b)      `instructor-map project.imap`: its saved map painted (vectors cached, no model)  target 2.0 s
  (c)      `instructor-map notes.md` (40 notes): the first whole map painted (bundled model)  target 3.0 s
Seconds count from the process's start (interpreter startup included), as the app logs them
(INSTRUCTOR_MAP_STARTUP_LOG, see instructor_map/app/startup.py). Each figure is the median of the rounds (5;
--quick: 1); the ratio to the floor's median follows it. The app runs with its settings in a temporary folder
(the model: bundled), offline, on copies of the samples.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "assets" / "samples"
PROJECT = SAMPLES / "vacation.imap"
NOTES_SOURCE = SAMPLES / "vacation.csv"
IMPORTED_NOTES = 40

# The floor: what any PySide6 window costs here. The same clock as the app's log (instructor_map/app/startup.py).
BARE = """
import os, sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
from PySide6.QtCore import QEvent, QObject, QTimer

def since_start():
    with open("/proc/self/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return time.clock_gettime(time.CLOCK_BOOTTIME) - int(fields[19]) / os.sysconf("SC_CLK_TCK")

def painted():
    with open(sys.argv[1], "a") as log:
        log.write(f"window {since_start():.4f}\\n")
    app.exit(0)

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, painted)
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1280, 820)
first = FirstPaint()
window.installEventFilter(first)
window.show()
sys.exit(app.exec())
"""


@dataclass
class Case:
    name: str
    label: str
    args: list[str]  # after the command
    event: str  # the app's startup event that ends the run
    target: float | None
    bare: bool = False


def app_command() -> list[str]:
    """The installed `instructor-map` beside this Python (no shell shim in between), else `python -m`."""
    script = Path(sys.executable).parent / "instructor-map"
    return [str(script)] if script.exists() else [sys.executable, "-m", "instructor_map"]


def write_notes(path: Path, count: int = IMPORTED_NOTES) -> Path:
    """A Markdown notes file: the first `count` sample vacation notes, as list items under their groups."""
    with NOTES_SOURCE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))[:count]
    lines: list[str] = []
    for group in dict.fromkeys(row["group"] for row in rows):
        lines += [f"## {group}", ""] + [f"- {row['text']}" for row in rows if row["group"] == group] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def check_project(path: Path) -> None:
    """The saved project must paint without a model: every note placed, every vector cached."""
    from instructor_map.core.project_file import load_project

    doc = load_project(path)
    placed = all(doc.placements[2].position(i) is not None for i in doc.notes)
    if not (placed and doc.embeddings.has_all(doc.model, doc.instruction, doc.texts())):
        sys.exit(f"{path.name}: not every note has its place and cached vector; the benchmark needs both")


def prepare(folder: Path) -> tuple[dict[str, str], list[Case]]:
    config = folder / "config"
    (config / "Instructor Map").mkdir(parents=True)
    (config / "Instructor Map" / "Instructor Map.conf").write_text("[General]\nmodel=bundled\n", encoding="utf-8")
    env = dict(os.environ, XDG_CONFIG_HOME=str(config), HF_HUB_OFFLINE="1")
    project = Path(shutil.copy(PROJECT, folder / PROJECT.name))
    check_project(project)
    notes = write_notes(folder / "notes.md")
    cases = [
        Case("floor", "bare PySide6 window painted", [], "window", None, bare=True),
        Case("a", "window painted (no file)", [], "window", 1.5),
        Case("b", f"saved map painted ({PROJECT.name})", [str(project)], "map", 2.0),
        Case("c", f"first map of a {IMPORTED_NOTES}-note import painted", [str(notes)], "map", 3.0),
    ]
    return env, cases


@dataclass
class Launch:
    events: dict[str, float]  # event -> seconds since the process started
    returncode: int | None  # None: killed after the timeout
    stderr: str


def launch(case: Case, env: dict[str, str], log: Path, timeout: float) -> Launch:
    """One process, which quits by itself after the case's event; the events its log holds."""
    log.unlink(missing_ok=True)
    if case.bare:
        argv = [sys.executable, "-c", BARE, str(log)]
    else:
        argv = [*app_command(), *case.args]
        env = dict(env, INSTRUCTOR_MAP_STARTUP_LOG=str(log), INSTRUCTOR_MAP_STARTUP_QUIT=case.event)
    try:
        done = subprocess.run(argv, env=env, cwd=log.parent, capture_output=True, text=True, timeout=timeout)
        returncode, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired as exc:
        said = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        returncode, stderr = None, f"no '{case.event}' within {timeout:.0f} s; {said}"
    events: dict[str, float] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        name, seconds = line.split()
        events.setdefault(name, float(seconds))
    if case.event not in events or returncode != 0:
        print(f"  {case.name}: exit code {returncode}; {str(stderr).strip()[-300:]}", file=sys.stderr)
    return Launch(events, returncode, str(stderr))


def report(cases: list[Case], runs: dict[str, list[dict[str, float]]]) -> None:
    floor = [r["window"] for r in runs["floor"] if "window" in r]
    floor_median = statistics.median(floor) if floor else None
    for case in cases:
        times = [r[case.event] for r in runs[case.name] if case.event in r]
        if not times:
            print(f"{case.name:5}  {case.label}: no result")
            continue
        median = statistics.median(times)
        parts = [f"{case.name:5}  {case.label}: median {median:.2f} s",
                 "(" + ", ".join(f"{t:.2f}" for t in times) + ")"]
        if floor_median and not case.bare:
            parts.append(f"{median / floor_median:.1f}x the floor")
        for event in ("window", "model"):  # on the way to a map
            if case.event == "map" and (seen := [r[event] for r in runs[case.name] if event in r]):
                parts.append(f"{event} at {statistics.median(seen):.2f} s")
        if case.target is not None:
            parts.append(f"target {case.target:.1f} s {'MET' if median <= case.target else 'MISSED'}")
        print("  ".join(parts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="cases to run, e.g. floor,a,b")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a launch counts as hung")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        print("bench_start.py: no display; run it under xvfb-run -a -s \"-screen 0 1600x1000x24\"", file=sys.stderr)
        return 2
    rounds = 1 if args.quick else max(1, args.rounds)
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        env, cases = prepare(Path(tmp))
        if args.only:
            cases = [c for c in cases if c.name in args.only.split(",")]
        print(f"{rounds} round(s), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, {' '.join(app_command())}")
        runs: dict[str, list[dict[str, float]]] = {case.name: [] for case in cases}
        runs.setdefault("floor", [])
        for _ in range(rounds):  # interleaved, so every case meets the same machine noise
            for case in cases:
                runs[case.name].append(launch(case, env, Path(tmp) / "startup.log", args.timeout).events)
        report(cases, runs)
    print(f"load average after: {os.getloadavg()[0]:.2f} (other work on the machine inflates every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
