"""A time limit for one piece of a test, so a hang fails that test instead of the whole run."""
from __future__ import annotations

import signal
from contextlib import contextmanager


class Hang(BaseException):
    """Raised by the alarm; a BaseException, so no `except Exception` in the code under test swallows it."""


@contextmanager
def time_limit(seconds: float, what: str):
    def expire(signum, frame):
        raise Hang(f"{what} took over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
