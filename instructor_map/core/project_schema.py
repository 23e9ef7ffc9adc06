"""The former home of the project.json schema names, which now live in the instructor_map.core.project_file
package (fields, schema_v1, migrations); kept so that imports from here keep working."""
from __future__ import annotations

from instructor_map.core.project_file.fields import MAX_COORD, BadProject, Warn
from instructor_map.core.project_file.migrations import MIGRATIONS, upgrade
from instructor_map.core.project_file.schema_v1 import SCHEMA_VERSION, build_document

__all__ = ["MAX_COORD", "MIGRATIONS", "SCHEMA_VERSION", "BadProject", "Warn", "build_document", "upgrade"]
