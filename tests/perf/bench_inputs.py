"""Inputs and outputs at their bounds: every case runs in its own process and prints one table row.

    python tests/perf/bench_inputs.py [--quick] [--only NAME,NAME] [--timeout 60]

Columns: the case, what should happen (refused / loads / written), the exit code (2: refused with one line; "hang"
when the process outlived --timeout and was killed), wall seconds, the process's peak memory (max RSS), whether
stderr was one line, whether the input (or the FIFO, device or link written to) is unchanged, and the start of
the message. Targets: every case ends within 10 s and 2 GB on a 2-core machine; MET or MISSED per row.

Notes imports run `import_file`, as `instructor-map embed` and `map` read their input, without embedding what
loads; projects run the real `instructor-map info` and `export`. The 100,000-note project takes about a minute
to build (--quick: 20,000). The full-disk case mounts a 1 MB tmpfs (root only; otherwise skipped). Device cases
write to a node made in the temporary folder with /dev/null's numbers, never to /dev/null itself.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TIME_TARGET_S, MEMORY_TARGET_MIB = 10.0, 2048
CLI = [sys.executable, "-m", "instructor_map"]


@dataclass
class Run:
    argv: list[str]
    expect: str  # "refused", "loads" or "written"
    watched: list[Path] = field(default_factory=list)  # must be unchanged afterwards
    check: Callable[[], str] | None = None  # a further word on the outcome
    cleanup: Callable[[], None] | None = None


def child(kind: str, path: str) -> int:
    """What the command line does with an input, without what follows (embedding, a model)."""
    from instructor_map.core.errors import InputError

    try:
        if kind == "import":
            from instructor_map.core.importers import import_file

            print(f"{len(import_file(path).notes):,} notes", file=sys.stderr)
        else:
            from instructor_map.core.weights import load_weights

            print(f"{len(load_weights(path))} tensors", file=sys.stderr)
    except InputError as exc:
        print(f"instructor-map: error: {exc}", file=sys.stderr)
        return 2
    return 0


def importing(path: Path) -> list[str]:
    return [sys.executable, __file__, "--child", "import", str(path)]


# ---- inputs: each is written by a forked process, so this one stays small (a child's peak memory counts the
# memory its parent held when it was forked) -------------------------------------------------------------------
def made(path: Path, write: Callable, *args) -> Path:
    """`path`, once `write(path, *args)` has run in a forked process (its prints silenced)."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            write(path, *args)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"could not make {path}")
    return path


def content(path: Path, make_bytes: Callable[[], bytes]) -> None:
    path.write_bytes(make_bytes())


def zipped(path: Path, members: Callable[[], dict[str, bytes]], compression=zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(path, "w", compression, compresslevel=1) as zf:
        for name, data in members().items():
            zf.writestr(name, data)


def notes_project(path: Path, n: int) -> None:
    from instructor_map.core.document import MapDocument, Note
    from instructor_map.core.project_file import save_project

    doc = MapDocument(model="bench", instruction="Represent the note: ")
    for i in range(n):
        doc.insert_note(Note(f"n{i}", f"note {i} about a quiet beach with sand and a long walk at sunset"))
    doc.embeddings.put("bench", doc.instruction, doc.texts(), np.random.default_rng(0).random((n, 64)))
    save_project(doc, path)


def vectors_project(path: Path, n: int) -> None:
    from bench_scale import clustered_vectors, make_doc

    from instructor_map.core.project_file import save_project

    X, topic = clustered_vectors(n)
    save_project(make_doc(n, X, topic), path)


def positions(n: int) -> dict[str, bytes]:
    places = b",".join(b'"%x":[0,0]' % i for i in range(n))  # 150 MB: under the 200 MB project.json limit
    return {"project.json": b'{"schema_version":1,"notes":[{"id":"n1","text":"a"}],"views":{"2":{"positions":{'
            + places + b"}}}}"}


def notes_and_links(n: int) -> dict[str, bytes]:
    notes = b",".join(b'{"id":"n%x","text":"a"}' % i for i in range(n))
    links = b",".join(b'{"id":"l%x","source":"n%x","target":"n%x"}' % (i, i, (i + 1) % n) for i in range(n))
    return {"project.json": b'{"schema_version":1,"notes":[' + notes + b'],"links":[' + links + b"]}"}


def wide_note(fields: int) -> bytes:
    return b'{"text": "a", ' + b", ".join(b'"k%d": 0' % i for i in range(fields)) + b"}"


def empty_notes(n: int) -> dict[str, bytes]:
    return {"project.json": b'{"schema_version":1,"notes":[' + b",".join([b"{}"] * n) + b"]}"}


def array_bomb() -> dict[str, bytes]:
    import io

    buf = io.BytesIO()
    np.save(buf, np.zeros((1, 2**26), np.float32), allow_pickle=False)  # 256 MB of zeros, 250 KB deflated
    entry = {"model": "m", "instruction": "", "file": "embeddings/0.npy", "rows": [["n1", "h"]]}
    data = json.dumps({"schema_version": 1, "notes": [{"id": "n1", "text": "a"}], "embeddings": [entry]})
    return {"project.json": data.encode(), "embeddings/0.npy": buf.getvalue()}


def many_members(n: int) -> dict[str, bytes]:
    return {"project.json": b"{}"} | {f"embeddings/{i}.npy": b"" for i in range(n)}


def paragraphs(n: int, words: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    vocab = np.array(["beach", "sand", "quiet", "family", "hotel", "budget", "flight", "museum", "hiking", "trail",
                      "mountain", "lake", "reef", "kids", "pool", "market", "dinner", "sunset", "island", "ferry"])
    picks = rng.choice(vocab, size=(n, words))
    return "\n\n".join(" ".join(row) + f" ({i})." for i, row in enumerate(picks)).encode()


def rich_jsonl(n: int) -> bytes:
    line = ('{"id": "n%d", "text": "note number %d about the beach and the sea", "title": "Note %d", "group": '
            '"g%d", "color": "#aabbcc", "cluster": %d, "x": 0.123456, "y": -0.5, "pinned": false, '
            '"metadata": {"src": "a.md", "row": "%d"}}\n')
    return "".join(line % (i, i, i, i % 50, i % 12, i) for i in range(n)).encode()


class _Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def pickled_model(path: Path) -> None:
    import torch
    from checkpoints import build_instructor_checkpoint

    build_instructor_checkpoint(path, weights="bin")
    torch.save({"shared.weight": _Payload(path.parent / "payload-ran")}, path / "pytorch_model.bin")


def bad_dense(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "pytorch_model.bin").write_bytes(b"PK\x03\x04 not a checkpoint " * 40)


def device_node(path: Path) -> Path | None:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.stat("/dev/null").st_rdev)
    except (OSError, AttributeError):
        return None
    return path


def tmpfs(path: Path) -> Path | None:
    path.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], capture_output=True)
    return path if done.returncode == 0 else None


# ---- the cases --------------------------------------------------------------------------------------------------
def cases(folder: Path, quick: bool) -> list[tuple[str, Callable[[], Run | None]]]:
    made_once: dict[str, Path] = {}

    def once(name: str, write: Callable, *args) -> Path:
        if name not in made_once:
            made_once[name] = made(folder / name, write, *args)
        return made_once[name]

    def fifo(name: str = "pipe.imap") -> Path:
        path = folder / name
        if not path.exists():
            os.mkfifo(path)
        return path

    def small() -> Path:
        return once("small.imap", notes_project, 2000)

    def notes(name: str, make_bytes: Callable[[], bytes], expect: str = "refused") -> Callable[[], Run]:
        return lambda: Run(importing(once(name, content, make_bytes)), expect)

    def info(name: str, make_members: Callable[[], dict], stored: bool = False,
             expect: str = "refused") -> Callable[[], Run]:
        compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        return lambda: Run([*CLI, "info", str(once(name, zipped, make_members, compression))], expect)

    def symlink_out() -> Run:
        (folder / "real").mkdir()
        target = folder / "real" / "out.csv"
        target.write_text("earlier")
        link = folder / "link.csv"
        link.symlink_to(target)

        def kept() -> str:
            written = link.is_symlink() and target.read_text().startswith("id,text")
            return "link kept, target written" if written else "LINK OR TARGET WRONG"

        return Run([*CLI, "export", str(small()), "-o", str(link)], "written", check=kept)

    def device_out() -> Run | None:
        node = device_node(folder / "null-device.csv")
        return None if node is None else Run([*CLI, "export", str(small()), "-o", str(node)], "refused", [node])

    def folder_out() -> Run:
        (folder / "out-dir.csv").mkdir()
        return Run([*CLI, "export", str(small()), "-o", str(folder / "out-dir.csv")], "refused",
                   [folder / "out-dir.csv"])

    def disk_full() -> Run | None:
        medium = once("medium.imap", notes_project, 20_000)  # its CSV is 2 MB
        mount = tmpfs(folder / "full")
        if mount is None:
            return None
        earlier = mount / "notes.csv"
        earlier.write_text("earlier export")

        def after() -> str:
            temps = [p.name for p in mount.iterdir() if p.name.endswith(".tmp")]
            return "earlier file kept, no temp file" if not temps else f"TEMP LEFT: {temps}"

        return Run([*CLI, "export", str(medium), "-o", str(earlier)], "refused", [earlier], after,
                   lambda: subprocess.run(["umount", str(mount)], check=False))

    n_big = 20_000 if quick else 100_000

    def big_run(tail: list[str], expect: str) -> Callable[[], Run]:
        def make() -> Run:
            big = once("big.imap", vectors_project, n_big)
            return Run([*CLI, tail[0], str(big), *tail[1:]], expect, [big])
        return make

    def weights_run(name: str, write: Callable, check: Callable[[], str] | None = None) -> Callable[[], Run]:
        return lambda: Run([sys.executable, __file__, "--child", "weights", str(once(name, write))], "refused",
                           check=check)

    def payload_check() -> str:
        return "payload never ran" if not (folder / "payload-ran").exists() else "PAYLOAD RAN"

    def embed_pickled() -> Run:
        one = once("one.txt", content, lambda: b"a note")
        model = once("pickled-model", pickled_model)
        return Run([*CLI, "embed", str(one), "-o", str(folder / "v.npy"), "--model", str(model)], "refused",
                   check=payload_check)

    return [
        ("info: a FIFO as the project", lambda: Run([*CLI, "info", str(fifo())], "refused", [fifo()])),
        ("export: a FIFO as the project", lambda: Run([*CLI, "export", str(fifo()), "-o", str(folder / "x.csv")],
                                                      "refused", [fifo()])),
        ("import: a FIFO as the notes file", lambda: Run(importing(fifo()), "refused", [fifo()])),
        ("info: /dev/zero", lambda: Run([*CLI, "info", "/dev/zero"], "refused")),
        ("import: /dev/zero", lambda: Run(importing(Path("/dev/zero")), "refused")),
        ("info: 10 M positions (150 MB project)", info("positions.imap", lambda: positions(10_000_000), True)),
        ("info: 2 M places (just under 8 M values)", info("places.imap", lambda: positions(1_999_000), True,
                                                           "loads")),
        ("info: 500 k notes + 500 k links (under limits)", info("records.imap", lambda: notes_and_links(499_999),
                                                              True, "loads")),
        ("info: 10 M empty notes (30 MB project)", info("empty-notes.imap", lambda: empty_notes(10_000_000), True)),
        ("export: 256 MB array of zeros, deflated", lambda: Run(
            [*CLI, "export", str(once("bomb.imap", zipped, array_bomb)), "-o", str(folder / "bomb.csv")], "refused")),
        ("info: a zip of 200,000 members (22 MB)", info("members.imap", lambda: many_members(200_000), True)),
        ("import: JSONL of 10 M {} lines (30 MB)", notes("empty.jsonl", lambda: b"{}\n" * 10_000_000)),
        ("import: one note of 4 M fields (58 MB)", notes("wide.json", lambda: wide_note(3_999_990))),
        ("import: JSON of 13 M {} (40 MB)", notes("empty.json", lambda: b"[" + b",".join([b"{}"] * 13_000_000)
                                                  + b"]")),
        ("import: JSONL of 2 M empty texts (24 MB)", notes("blank.jsonl", lambda: b'{"text":""}\n' * 2_000_000)),
        ("import: Markdown of 9 M '-' items (18 MB)", notes("dashes.md", lambda: b"-\n" * 9_000_000)),
        ("import: CSV of 5 M rows, text empty (15 MB)", notes("empty.csv", lambda: b"text,other\n" + b",x\n" *
                                                              5_000_000)),
        ("import: 100 MB of newlines", notes("newlines.txt", lambda: b"\n" * (100 * 2**20))),
        ("import: 100 MB of one-letter notes", notes("letters.md", lambda: b"a\n\n" * 34_000_000)),
        ("import: 100 MB of 460 k paragraphs", notes("paras.md", lambda: paragraphs(460_000, 34))),
        ("import: 100 MB Markdown, 199,999 notes", notes("notes200k.md", lambda: paragraphs(199_999, 78), "loads")),
        ("import: 47 MB JSONL, 199,999 rich notes", notes("rich.jsonl", lambda: rich_jsonl(199_999), "loads")),
        (f"info: {n_big:,} notes with vectors", big_run(["info"], "loads")),
        (f"export csv: {n_big:,} notes with vectors", big_run(["export", "-o", str(folder / "big.csv")], "loads")),
        ("export -o a symlink", symlink_out),
        ("export -o a FIFO", lambda: Run([*CLI, "export", str(small()), "-o", str(fifo("out.csv"))], "refused",
                                         [fifo("out.csv")])),
        ("export -o a device (node like /dev/null)", device_out),
        ("export -o - (standard output)", lambda: Run([*CLI, "export", str(small()), "-o", "-", "--format", "csv"],
                                                      "written")),
        ("export -o a folder", folder_out),
        ("export onto a full disk (1 MB tmpfs)", disk_full),
        ("info: a name with a newline", lambda: Run([*CLI, "info", str(folder / "trip\nplan.imap")], "refused")),
        ("weights: pickled payload in pytorch_model.bin", weights_run("pickled-model", pickled_model, payload_check)),
        ("weights: a bad 2_Dense file", weights_run("2_Dense", bad_dense)),
        ("embed --model FOLDER, pickled payload", embed_pickled),
    ]


# ---- running and reporting ---------------------------------------------------------------------------------
def fingerprint(path: Path) -> tuple:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ("missing",)
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path))
    if stat.S_ISREG(info.st_mode):
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(2**24):
                digest.update(chunk)
        return ("file", info.st_size, digest.hexdigest())
    return ("special", stat.S_IFMT(info.st_mode), info.st_rdev)


def measure(argv: list[str], timeout: float, cwd: Path) -> tuple[str, float, float, str]:
    """Exit code (or "hang"), seconds, peak MiB, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    code = "hang" if killed.is_set() else str(proc.returncode)
    return code, seconds, usage.ru_maxrss / 1024, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 20,000-note project instead of 100,000")
    parser.add_argument("--only", default="", help="comma-separated words; runs the cases whose name has one")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before a case counts as a hang")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.exit(child(*args.child))
    wanted = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    header = f"{'case':46} {'expect':8} {'exit':>4} {'s':>6} {'MiB':>6}  {'1 line':6} {'unchanged':9}  result"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory(prefix="imap-inputs-") as tmp:
        folder = Path(tmp)
        for name, make in cases(folder, args.quick):
            if wanted and not any(w in name.lower() for w in wanted):
                continue
            run = make()
            if run is None:
                print(f"{name:46} skipped (needs root: mknod or mount)")
                continue
            before = [fingerprint(p) for p in run.watched]
            try:
                code, seconds, mib, err = measure(run.argv, args.timeout, folder)
                unchanged = all(fingerprint(p) == b for p, b in zip(run.watched, before))
                lines = err.strip().splitlines()
                last = lines[-1] if lines else ""
                note = run.check() if run.check else ""
            finally:
                if run.cleanup:
                    run.cleanup()
            ok = {"refused": code == "2", "loads": code == "0", "written": code == "0"}[run.expect]
            met = ok and seconds <= TIME_TARGET_S and mib <= MEMORY_TARGET_MIB
            one = ("yes" if len(lines) == 1 else f"no ({len(lines)})") if run.expect == "refused" else "-"
            message = last.removeprefix("instructor-map: error: ").replace(str(folder) + "/", "")
            print(f"{name:46} {run.expect:8} {code:>4} {seconds:6.2f} {mib:6.0f}  {one:6} "
                  f"{('yes' if unchanged else 'NO') if run.watched else '-':9}  {'MET' if met else 'MISSED'}: "
                  f"{(note + '; ') if note else ''}{message[:150]}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
