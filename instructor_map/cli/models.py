"""`instructor-map models list | download ID | remove ID`: the models in the Hugging Face cache, with a download's
progress bar on stderr."""
from __future__ import annotations

import sys

from instructor_map.cli import _say
from instructor_map.core.errors import InputError


def _bar(p, width: int = 24) -> str:
    """One line: a bar, the percentage, bytes of the total, the speed and the time left."""
    from instructor_map.core.downloads import format_size

    share = p.done_bytes / p.total_bytes if p.total_bytes else 1.0
    filled = int(share * width)
    line = f"[{'#' * filled}{'-' * (width - filled)}] {share:4.0%}  {format_size(p.done_bytes)} of " \
           f"{format_size(p.total_bytes)}"
    if p.bytes_per_s > 0:
        line += f"  {format_size(p.bytes_per_s)}/s"
    if p.seconds_left is not None and p.done_bytes < p.total_bytes:
        s = max(1, int(p.seconds_left + 0.5))
        line += "  " + (f"{s // 3600} h {s % 3600 // 60} min" if s >= 3600 else
                        f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s") + " left"
    return line


class _ProgressLine:
    """The download's progress bar on stderr, redrawn in place on a terminal; nothing when stderr is a file."""

    def __init__(self, repo_id: str) -> None:
        self.repo_id, self.shown, self.started = repo_id, 0, False

    def __call__(self, p) -> None:
        if not self.started:  # the model was found and the files listed
            from instructor_map.core.downloads import cache_dir, format_size

            _say(f"downloading {self.repo_id} ({format_size(p.total_bytes)}) into {cache_dir()}")
            self.started = True
        if sys.stderr.isatty():
            import shutil

            line = _bar(p)[: shutil.get_terminal_size().columns - 1]
            print("\r" + line.ljust(self.shown), end="", file=sys.stderr, flush=True)
            self.shown = len(line)

    def end(self) -> None:
        if self.shown:
            print(file=sys.stderr, flush=True)
            self.shown = 0


def _models_list() -> None:
    from instructor_map.core import downloads
    from instructor_map.core.models import BUNDLED_NAME, INSTRUCTOR_MODELS, MODEL_SIZES, bundled_path

    cached = {m.repo_id: m for m in downloads.cached_models()}
    bundled = sum(f.stat().st_size for f in bundled_path().rglob("*") if f.is_file())
    rows = [("bundled", downloads.format_size(bundled), f"in the package ({BUNDLED_NAME}, offline, "
                                                         "not instruction-tuned)")]
    for repo_id in (*INSTRUCTOR_MODELS, *sorted(set(cached) - set(INSTRUCTOR_MODELS))):
        model = cached.get(repo_id)
        expected = MODEL_SIZES.get(repo_id)
        if model is None:
            rows.append((repo_id, f"~{downloads.format_size(expected or 0)}", "not downloaded"))
        elif model.complete:
            rows.append((repo_id, downloads.format_size(model.size_bytes), "downloaded"))
        else:
            rows.append((repo_id, downloads.format_size(model.size_bytes),
                         f"partly downloaded{f' (of ~{downloads.format_size(expected)})' if expected else ''}; "
                         f"`instructor-map models download {repo_id}` resumes it"))
    width = max(len(r[0]) for r in rows) + 2
    for name, size, state in rows:
        print(f"{name:<{width}}{size:>8}  {state}")
    print(f"models are kept in {downloads.cache_dir()}")


def _models_download(repo_id: str) -> int:
    from huggingface_hub import constants

    from instructor_map.core import downloads

    if repo_id == "bundled":
        _say("the bundled model is part of the package: there is nothing to download")
        return 0
    downloads.check_id(repo_id)
    if (folder := downloads.cached_snapshot(repo_id)) is not None:
        _say(f"{repo_id} is already downloaded, in {folder}")
        return 0
    if constants.HF_HUB_OFFLINE:
        raise InputError(f"cannot download {repo_id}: downloads are off (HF_HUB_OFFLINE is set)")
    if not downloads.hub_reachable():
        raise InputError(f"cannot download {repo_id}: the hub at {constants.ENDPOINT} cannot be reached "
                         "(check the network, or HF_ENDPOINT)")
    line = _ProgressLine(repo_id)
    try:
        folder = downloads.download(repo_id, progress=line)
    except KeyboardInterrupt:
        line.end()
        _say(f"instructor-map: the download of {repo_id} stopped; run `instructor-map models download {repo_id}` "
             "again to resume it")
        return 130
    finally:
        line.end()
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    _say(f"downloaded {repo_id} ({downloads.format_size(size)}) into {folder}")
    return 0


def cmd_models(args) -> int:
    from instructor_map.core import downloads

    if args.action is None:
        raise InputError("choose what to do with models: list, download ID or remove ID")
    if args.action == "list":
        _models_list()
    elif args.action == "download":
        return _models_download(args.id)
    else:
        if args.id == "bundled":
            raise InputError("the bundled model is part of the package and cannot be removed")
        size = downloads.remove(args.id)
        _say(f"removed {args.id} ({downloads.format_size(size)})")
    return 0
