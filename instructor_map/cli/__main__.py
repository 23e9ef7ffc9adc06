"""`python -m instructor_map.cli`: the command line alone."""
import sys

from instructor_map.cli import main

sys.exit(main())
