"""Older project.json brought to the current schema, one version step at a time."""
from __future__ import annotations

from collections.abc import Callable

from instructor_map.core.project_file import schema_v0
from instructor_map.core.project_file.fields import BadProject, kind_of
from instructor_map.core.project_file.schema_v1 import SCHEMA_VERSION

MIGRATIONS: dict[int, Callable[[dict], dict]] = {0: schema_v0.to_v1}  # version N -> N + 1


def upgrade(data) -> tuple[dict, int]:
    """Bring parsed project.json to SCHEMA_VERSION; returns it and the version it was saved with."""
    if not isinstance(data, dict):
        raise BadProject(f"project.json should hold an object, not {kind_of(data)}")
    saved = data.get("schema_version")
    if isinstance(saved, bool) or not isinstance(saved, int):
        raise BadProject(f"project.json: 'schema_version' should be a whole number, not {kind_of(saved)}")
    if saved > SCHEMA_VERSION:
        raise BadProject(f"was saved by a newer Instructor Map (schema {saved}); please update")
    for version in range(saved, SCHEMA_VERSION):
        if version not in MIGRATIONS:
            raise BadProject(f"project.json: unknown schema_version {saved}")
        data = MIGRATIONS[version](data)
    return data, saved
