"""App fixtures: a real main window under Xvfb (see tests/app_fixtures.py)."""
from app_fixtures import answers, heartbeat, make_window  # noqa: F401
