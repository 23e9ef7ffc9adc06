"""The command line: embed, map, export and info drive the same core session and pipeline as the app; models
(cli/models.py) lists, downloads and removes the models in the Hugging Face cache.

It never imports the app (instructor_map.launch starts the app when no command is given); PNG and SVG are drawn
by instructor_map.paint, the painting the app's canvas shares."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from instructor_map import __version__
from instructor_map.core.errors import InputError, printable

COMMANDS = ("embed", "map", "export", "info", "models")
DEFAULT_INSTRUCTION = "Represent the note for clustering: "
IMAGE_FORMATS = ("png", "svg")  # drawn with Qt, which only these load


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, no usage dump
        raise InputError(f"{message} (see {self.prog} --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="instructor-map", description="Semantic maps of notes that follow the task you type. "
                "`instructor-map` alone opens the app; `instructor-map FILE` opens a project or imports notes in it.")
    p.add_argument("--version", action="version", version=f"instructor-map {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens, and tracebacks of failures")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    def model_args(q, what):
        q.add_argument("input", help="notes: .txt .md .csv .tsv .json .jsonl .canvas")
        q.add_argument("-o", "--output", required=True, help=what)
        q.add_argument("--instruction", default=DEFAULT_INSTRUCTION,
                       help='the task, e.g. "Represent the travel note for planning a beach trip: "')
        q.add_argument("--model", default=None, help="hkunlp/instructor-base|large|xl, a hub id, a folder, or bundled")
        q.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
        q.add_argument("--batch-size", type=int, default=None)
        q.add_argument("--fast", action="store_true", help="int8 dynamic quantisation on CPU (approximate, faster)")
        q.add_argument("--text-column", default=None, help="CSV/TSV column holding the note text")

    model_args(sub.add_parser("embed", help="embed notes into an .npy file (one L2-normalised row per note)"),
               "output .npy file")
    m = sub.add_parser("map", help="build a project: notes, embeddings, PCA layout and clusters")
    model_args(m, "output .imap project")
    m.set_defaults(instruction=None)  # None: no task given, so a canvas keeps its arrangement (see cmd_map)
    m.add_argument("--dims", type=int, choices=(2, 3), default=2, help="which view the summary reports")
    m.add_argument("--clusters", default="auto", help="auto, a number, or none")
    e = sub.add_parser("export", help="export a project to csv, json, canvas or graphml, or draw it as png or svg")
    e.add_argument("project")
    e.add_argument("-o", "--output", required=True)
    e.add_argument("--format", default=None,
                   help="csv, json, canvas, graphml, png or svg (default: by extension)")
    e.add_argument("--dims", type=int, choices=(2, 3), default=2, help="png and svg draw the 2D map")
    e.add_argument("--width", type=int, default=None, help="png and svg width in pixels (default 1600)")
    e.add_argument("--height", type=int, default=None, help="png and svg height in pixels (default 1000)")
    i = sub.add_parser("info", help="summarise a project")
    i.add_argument("project")
    models = sub.add_parser("models", help="list, download or remove the models in the Hugging Face cache")
    actions = models.add_subparsers(dest="action", parser_class=_Parser)
    actions.add_parser("list", help="the models you can use, with their sizes and whether they are downloaded")
    actions.add_parser("download", help="download a hub model, e.g. hkunlp/instructor-large (Ctrl+C stops; "
                       "running it again resumes)").add_argument("id")
    actions.add_parser("remove", help="delete a downloaded model from the cache").add_argument("id")
    return p


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() and total:
        end = "\n" if done >= total else ""
        print(f"\rEmbedding {done}/{total} notes", end=end, file=sys.stderr, flush=True)


def _download_progress(p) -> None:
    """A model being downloaded: one line on stderr, updated in place."""
    from instructor_map.core.downloads import format_size

    left = f", {p.seconds_left:.0f} s left" if p.seconds_left is not None else ""
    end = "\n" if p.done_bytes >= p.total_bytes and not p.file else ""
    print(f"\rDownloading the model: {format_size(p.done_bytes)} of {format_size(p.total_bytes)}, "
          f"{format_size(p.bytes_per_s)}/s{left}   ", end=end, file=sys.stderr, flush=True)


def _check_output(args) -> None:
    source, out = Path(args.input).resolve(), Path(args.output).resolve()
    if source == out:
        raise InputError("the output would overwrite the input; choose another -o", args.output)
    from instructor_map.core.project_file import check_writable

    check_writable(args.output)  # before the notes are read and embedded


def _import(args):
    from instructor_map.core.importers import import_file

    try:
        result = import_file(args.input, text_column=args.text_column)
    except InputError as exc:
        if getattr(exc, "path", None):
            raise
        raise InputError(str(exc), args.input) from None  # name the file
    for warning in result.warnings:
        _say(f"warning: {warning}")
    return result


def _model_spec(args):
    """The model asked for, downloaded first when it must be (with its bar here)."""
    from instructor_map.core.models import resolve_model

    if args.batch_size is not None and args.batch_size < 1:
        raise InputError("--batch-size must be at least 1")
    spec = resolve_model(args.model, progress=_download_progress)
    if spec.message:
        _say(spec.message)
    return spec


def _encoder(args):
    from instructor_map.core.encoders import Encoder

    return Encoder(_model_spec(args), device=args.device, fast=args.fast, batch_size=args.batch_size)


def _model_process(args):
    """The model, loading in its own process (forked before torch is imported) while this one reads the notes and
    loads the libraries the map computes with; `ready()` waits for it. The clusters are found here: each process
    keeps one library's thread pool (torch there, scikit-learn's and numpy's here), so neither waits on the other's
    spinning threads."""
    from instructor_map.core.encoder_process import EncoderProcess

    return EncoderProcess(_model_spec(args).model_id, device=args.device, fast=args.fast, batch_size=args.batch_size,
                          wait=False, fork=True, work_here=True)


def _warn_truncated(encoder) -> None:
    if encoder.truncated:
        _say(f"warning: {encoder.truncated} note(s) longer than {encoder.max_seq_length} tokens were truncated")


def cmd_embed(args) -> None:
    import numpy as np

    from instructor_map.core.project_file import atomic_write

    _check_output(args)
    notes = _import(args).notes
    encoder = _encoder(args)
    vectors = encoder.encode([n.text for n in notes], args.instruction, progress=_progress)
    _warn_truncated(encoder)
    atomic_write(args.output, lambda f: np.save(f, vectors.astype(np.float32), allow_pickle=False))
    _say(f"wrote {len(notes)} x {vectors.shape[1]} vectors to {args.output}")


def _clusters_arg(value: str):
    if value in ("auto", "none"):
        return value
    try:
        k = int(value)
    except ValueError:
        raise InputError(f"--clusters must be auto, none or a number, not {value!r}") from None
    if k < 1:
        raise InputError("--clusters must be at least 1")
    return k


def cmd_map(args) -> None:
    _check_output(args)
    k = _clusters_arg(args.clusters)
    encoder = _model_process(args)
    try:
        _map(args, k, encoder)
    finally:
        encoder.close()


def _map(args, k, encoder) -> None:
    from instructor_map.core.cache import QueryMemo
    from instructor_map.core.pipeline import QuietState, warm_imports
    from instructor_map.core.project_file import save_project
    from instructor_map.core.session import Session

    result = _import(args)
    warm_imports()  # while the model loads
    encoder.ready()
    session = Session()
    session.doc.cluster_count = k  # remembered in the project, for the app's Map > Clusters
    instruction = DEFAULT_INSTRUCTION if args.instruction is None else args.instruction
    session.set_instruction(instruction)  # what the notes are embedded for
    session.import_notes(result.notes, result.links, result.places, result.groups)
    if args.instruction is not None:  # a task given is applied: a canvas's arrangement gives way to its map
        session.set_instruction(instruction)
    memo = QueryMemo()
    outcome = session.run_map(encoder, k, QuietState(_progress),
                              lambda poles: memo.vectors(encoder, instruction, poles))
    _warn_truncated(encoder)
    assert outcome is not None  # a QuietState never interrupts
    doc = session.doc
    save_project(doc, args.output)
    layout = outcome.layouts[args.dims]
    variance = ", ".join(f"{v:.0%}" for v in layout.explained_variance_ratio)
    clusters = f", {len(set(doc.clusters.values()))} clusters" if doc.clusters else ""
    _say(f"wrote {args.output}: {len(doc.notes)} notes{clusters}; PCA {args.dims}D explains {variance}")


def cmd_export(args) -> None:
    from instructor_map.core.exporters import FORMATS, export
    from instructor_map.core.project_file import load_project

    out = Path(args.output)
    if Path(args.project).resolve() == out.resolve():
        raise InputError("the output would overwrite the project; choose another -o", args.output)
    fmt, known = (args.format or out.suffix[1:]).lower(), (*FORMATS, *IMAGE_FORMATS)
    if fmt not in known:
        raise InputError(f"cannot export as {fmt or 'a name without suffix'}; use one of {', '.join(known)}", out)
    image = fmt in IMAGE_FORMATS
    if image and args.dims != 2:
        raise InputError("png and svg draw the 2D map; leave out --dims 3")
    if not image and (args.width, args.height) != (None, None):
        raise InputError("--width and --height are for png and svg")
    if args.output == "-" and not args.format:
        raise InputError("-o - writes to standard output: say which format with --format")
    from instructor_map.core.project_file import check_writable

    check_writable(out)
    warnings: list[str] = []
    doc = load_project(args.project, warnings)
    for warning in warnings:
        _say(f"warning: {warning}")
    if image:
        _gui_application()
        from instructor_map.paint.render import SIZE, render_map

        render_map(doc, out, fmt, tuple(v if v is not None else d for v, d in zip((args.width, args.height), SIZE)))
    else:
        export(doc, out, fmt=fmt, dims=args.dims)
    _say("wrote standard output" if args.output == "-" else f"wrote {args.output}")


def _gui_application() -> None:
    """Makes sure a QGuiApplication runs (painting text needs one): on the offscreen platform where there is
    no display, so no screen is needed."""
    import os

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        _made.append(QGuiApplication(["instructor-map"]))  # held until the process ends


_made: list = []


def cmd_info(args) -> None:
    from instructor_map.core.project_file import read_summary

    summary = read_summary(args.project)
    for key, value in summary.items():
        if key == "views":
            for dims, view in value.items():
                basis = ", with its PCA basis" if view["basis"] else ""
                print(f"{dims}D map: {view['placed']} notes placed, {view['pinned']} pinned{basis}")
        elif key == "embeddings":
            for block in value:
                print(f"vectors: {block['rows']} from {block['model']} for “{block['instruction'].strip()}”")
        else:
            print(f"{key}: {value}")


def _logging(verbose: bool) -> None:
    """Warnings from the core on stderr as "instructor-map: ..."; with --verbose, everything, with tracebacks."""
    logging.basicConfig(level=logging.WARNING, format="instructor-map: %(message)s", stream=sys.stderr)
    if verbose:
        logging.getLogger("instructor_map").setLevel(logging.DEBUG)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
        _logging(args.verbose)
        if args.command is None:
            raise InputError("choose a command: embed, map, export, info or models (see instructor-map --help)")
        from instructor_map.cli.models import cmd_models

        commands = {"embed": cmd_embed, "map": cmd_map, "export": cmd_export, "info": cmd_info, "models": cmd_models}
        code = commands[args.command](args)
    except InputError as exc:
        logging.getLogger(__name__).debug("refused", exc_info=True)
        _say(f"instructor-map: error: {exc}")
        return 2
    except OSError as exc:  # e.g. an output folder without write permission
        where = f"{printable(exc.filename)}: " if exc.filename else ""
        _say(f"instructor-map: error: {where}{printable(exc.strerror or exc)}")
        return 2
    except MemoryError:
        _say("instructor-map: error: not enough memory for this input; try a smaller file")
        return 2
    except KeyboardInterrupt:
        _say("instructor-map: interrupted")
        return 130
    return code or 0
