"""Plain text and Markdown: blocks and list items are notes, headings name groups; or one note a line."""
from __future__ import annotations

import re

from instructor_map.core.importers.parsed import Parsed, RawNote

_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?$")
_ITEM = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)(?:\[[ xX]\][ \t]+)?(.*)")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r" {0,3}(```|~~~)")
_MARKS = frozenset("`~-*_#+")  # a line can be a fence, rule, heading or list item only when it starts so (or a digit)


def parse_lines(text: str) -> Parsed:
    """One note of each non-empty line."""
    parsed = Parsed()
    for line in text.split("\n"):
        if line.strip():
            parsed.notes.append(RawNote(line))
    return parsed


def parse_markdown(text: str) -> Parsed:
    """Blank-line-separated blocks and list items are notes; a heading names the group of the notes below it."""
    parsed, group, fence = Parsed(), "", ""
    block: list[str] = []

    def flush():
        if block:
            parsed.notes.append(RawNote("\n".join(block), group=group))
            block.clear()

    for line in text.split("\n"):
        if fence:  # inside a code block everything is text
            block.append(line)
            fence = "" if line.strip().startswith(fence) else fence
            continue
        first = line.lstrip()[:1]
        if first and first not in _MARKS and not first.isdecimal():  # plain text, the common line: no pattern fits
            block.append(line)
        elif m := _FENCE.match(line):
            fence = m.group(1)
            block.append(line)
        elif not line.strip() or _RULE.match(line):
            flush()
        elif m := _HEADING.match(line):
            flush()
            group = _heading_text(m.group(2) or "")
        elif m := _ITEM.match(line):
            flush()
            block.append(m.group(1))
        else:
            block.append(line)
    flush()
    return parsed


def _heading_text(text: str) -> str:
    text = text.strip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):  # closing hashes: "## Beach ##"
        text = bare.strip()
    return text
