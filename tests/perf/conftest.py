"""Window fixtures for the window's timing tests (see tests/app_fixtures.py)."""
from app_fixtures import answers, heartbeat, make_window  # noqa: F401
