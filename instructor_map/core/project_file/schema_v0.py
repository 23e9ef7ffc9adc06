"""Schema 0 kept one 2-D place per note ("x", "y", "pinned") and had no views or instruction history."""
from __future__ import annotations


def to_v1(data: dict) -> dict:
    """Schema 0 project.json as schema 1: the places become the 2-D view, the instruction its history."""
    positions, pins = {}, {}
    notes = data.get("notes")
    for note in notes if isinstance(notes, list) else []:
        if not isinstance(note, dict):
            continue
        x, y, pinned = note.pop("x", None), note.pop("y", None), note.pop("pinned", False)
        if isinstance(note.get("id"), str) and x is not None and y is not None:
            positions[note["id"]] = [x, y]
            if pinned is True:
                pins[note["id"]] = [x, y]
    data["views"] = {"2": {"positions": positions, "pins": pins, "basis": None},
                     "3": {"positions": {}, "pins": {}, "basis": None}}
    instruction = data.get("instruction")
    if isinstance(instruction, str) and instruction:
        data.setdefault("instruction_history", [instruction])
    data["schema_version"] = 1
    return data
