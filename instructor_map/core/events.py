"""Typed change events: what a change to the document touched, and a small emitter to subscribe to them.

The session emits one Change per command done, undone or redone, and one when a whole document replaces the
last. Views subscribe and redraw only what the change touched (napari's events, without Qt).
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from instructor_map.core.commands import Command

T = TypeVar("T")


class Aspect(enum.Flag):
    """One part of the document."""

    NONE = 0
    NOTES = enum.auto()  # notes added or removed, or their text or title changed
    STYLE = enum.auto()  # note colours
    PLACES = enum.auto()  # computed places, pins or a view's basis
    CLUSTERS = enum.auto()  # cluster membership and names
    LINKS = enum.auto()
    GROUPS = enum.auto()  # groups and which notes are in them
    TASK = enum.auto()  # the instruction
    MODEL = enum.auto()  # which model the vectors come from
    ALL = NOTES | STYLE | PLACES | CLUSTERS | LINKS | GROUPS | TASK | MODEL


@dataclass(frozen=True)
class Change:
    what: Aspect
    command: Command | None = None  # None: a whole new document
    undone: bool = False
    remap: bool = False  # the map no longer matches the notes and the task: it should be computed again

    def touches(self, aspect: Aspect) -> bool:
        return bool(self.what & aspect)


class Emitter(Generic[T]):
    """Callbacks in the order connected; each gets the emitted value."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[T], None]) -> None:
        self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        for callback in list(self._callbacks):
            callback(value)
