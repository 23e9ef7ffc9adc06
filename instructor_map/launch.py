"""`instructor-map`: a command (embed, map, export, info) runs the command line; a file or nothing opens the app."""
from __future__ import annotations

import sys
from pathlib import Path

from instructor_map import cli


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and (argv[0] in cli.COMMANDS or argv[0].startswith("-")):
        return cli.main(argv)
    if argv and not Path(argv[0]).exists():
        print(f"instructor-map: error: {argv[0]}: no such file, and not a command ({', '.join(cli.COMMANDS)})",
              file=sys.stderr)
        return 2
    from instructor_map.app.main import run

    return run(argv[:1])
