"""Typed access to project.json values, shared by every schema version: a wrong type is a BadProject that
names the field; ids met twice are renamed."""
from __future__ import annotations

import math
from collections.abc import Callable

MAX_COORD = 1e30  # maps are drawn and laid out in float32; a place beyond this breaks the layout of every note
Warn = Callable[[str], None]
MISSING = object()
_NAMES = {str: "text", int: "a whole number", float: "a number", list: "a list", dict: "an object"}


class BadProject(Exception):
    """The project file is wrong in a way that cannot be repaired; the message says how, in one line."""


def kind_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "text" if isinstance(value, str) else "a list" if isinstance(value, list) else "an object"


def is_a(value, kind) -> bool:
    """isinstance that takes no bool for a number, and any number for float."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float) if kind is float else kind)


def check(value, kind, where: str):
    if not is_a(value, kind):
        raise BadProject(f"project.json: {where} should be {_NAMES[kind]}, not {kind_of(value)}")
    return value


def get(obj: dict, key: str, kind, where: str, default=MISSING):
    """obj[key] checked to be of `kind`; a field with a default may also be missing or null."""
    value = obj.get(key)
    if value is None and default is not MISSING:
        return default
    if key not in obj:
        raise BadProject(f"project.json: {where or 'the project'} has no {key!r}")
    return check(value, kind, f"{where} {key!r}" if where else repr(key))


def records(items: list, what: str) -> list[tuple[str, dict]]:
    """Each item checked to be an object, with where it is ("note 3") for messages."""
    return [(f"{what} {i}", check(item, dict, f"{what} {i}")) for i, item in enumerate(items, 1)]


def unique_ids(found: list[tuple[str, dict]], what: str, warn: Warn) -> list[str]:
    """The records' ids in order; an id met before becomes a fresh "id-2" style one."""
    wanted_ids = [get(item, "id", str, where) for where, item in found]
    reserved, taken, out = set(wanted_ids), set(), []
    for (where, _), wanted in zip(found, wanted_ids):
        if not wanted:
            raise BadProject(f"project.json: {where} has an empty id")
        new, k = wanted, 1
        while new in taken or (new != wanted and new in reserved):
            k += 1
            new = f"{wanted}-{k}"
        if new != wanted:
            warn(f"{what} id {wanted!r} appeared twice; the later one is now {new!r}")
        taken.add(new)
        out.append(new)
    return out


def count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def number(value) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer too long for a float
        return math.inf
