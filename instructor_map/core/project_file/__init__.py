"""The .imap project file: one zip holding project.json and embeddings/N.npy; atomic save and autosave.

Reading checks every member name and declared size before anything is decompressed, never unpickles, and turns
anything wrong into one InputError line. Damage that is safe to repair is repaired and reported as a warning.

Modules: atomic (atomic_write and check_writable: regular files only, symlinks written through), container (the
zip, and the bounds on what is read), fields (typed access to project.json), schema_v1 (the current schema's writer
and reader), schema_v0 and migrations (older schemas brought up to date), store (save, load, summary) and autosave.
"""
from __future__ import annotations

from instructor_map.core.project_file.atomic import STALE_TEMP_S, atomic_write, check_writable
from instructor_map.core.project_file.autosave import autosave_path, discard_autosave, recovery_for, write_autosave
from instructor_map.core.project_file.container import (
    MAX_ARRAY_BYTES,
    MAX_JSON_BYTES,
    MAX_JSON_VALUES,
    MAX_MEMBERS,
    MAX_PROJECT_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    PROJECT_JSON,
    RATIO_MIN_BYTES,
)
from instructor_map.core.project_file.fields import MAX_COORD, BadProject
from instructor_map.core.project_file.migrations import MIGRATIONS, upgrade
from instructor_map.core.project_file.schema_v1 import SCHEMA_VERSION, build_document
from instructor_map.core.project_file.store import load_project, read_summary, save_project

__all__ = ["MAX_ARRAY_BYTES", "MAX_COORD", "MAX_JSON_BYTES", "MAX_JSON_VALUES", "MAX_MEMBERS", "MAX_PROJECT_BYTES",
           "MAX_RATIO", "MAX_TOTAL_BYTES", "MIGRATIONS", "PROJECT_JSON", "RATIO_MIN_BYTES", "SCHEMA_VERSION",
           "STALE_TEMP_S", "BadProject", "atomic_write", "autosave_path", "build_document", "check_writable",
           "discard_autosave", "load_project", "read_summary", "recovery_for", "save_project", "upgrade",
           "write_autosave"]
