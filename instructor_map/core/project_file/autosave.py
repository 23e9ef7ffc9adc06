"""Autosave: a hidden side file beside the project, offered for recovery while it is newer than the project."""
from __future__ import annotations

from pathlib import Path

from instructor_map.core.document import MapDocument
from instructor_map.core.project_file.store import save_project


def autosave_path(path) -> Path:
    """The hidden side file beside `path`: trip.imap -> .trip.imap.autosave."""
    path = Path(path)
    return path.with_name(f".{path.name}.autosave")


def write_autosave(doc: MapDocument, path) -> Path:
    target = autosave_path(path)
    save_project(doc, target)
    return target


def recovery_for(path) -> Path | None:
    """The autosave of `path` when it is worth offering: it exists and is newer than the saved file."""
    path, side = Path(path), autosave_path(path)
    if not side.is_file():
        return None
    if not path.exists() or side.stat().st_mtime > path.stat().st_mtime:
        return side
    return None


def discard_autosave(path) -> None:
    autosave_path(path).unlink(missing_ok=True)
