"""Measuring, wrapping and cutting text for the scene, given a measure (the painter's fonts, or an estimate)."""
from __future__ import annotations

import re
from typing import Protocol

ELLIPSIS = "…"
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class Measure(Protocol):
    def width(self, text: str, size: float, bold: bool = False) -> float:
        """Pixels `text` takes on one line in a sans-serif font of `size` pixels."""

    def line_height(self, size: float) -> float:
        """Pixels from one line to the next."""


class EstimatedMeasure:
    """Widths from an average character: for tests and for exports with no fonts at hand."""

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return len(text) * size * (0.6 if bold else 0.55)

    def line_height(self, size: float) -> float:
        return round(size * 1.25)


def clean(text: str) -> str:
    """One line: control characters and runs of white space become single spaces."""
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def elide(text: str, measure: Measure, width: float, size: float, bold: bool = False) -> str:
    """`text` cut with an ellipsis to fit `width` pixels; "" when not even a letter and the ellipsis fit."""
    if measure.width(text, size, bold) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
    while low < high:
        mid = (low + high + 1) // 2
        if measure.width(text[:mid].rstrip() + ELLIPSIS, size, bold) <= width:
            low = mid
        else:
            high = mid - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


def wrap(text: str, measure: Measure, width: float, size: float, max_lines: int, bold: bool = False) -> list[str]:
    """`text` wrapped at spaces into lines of at most `width` pixels, at most `max_lines` of them; when it goes on
    beyond them, the last line ends with an ellipsis. A word wider than a line is cut into pieces."""
    lines: list[str] = []
    words = text.split(" ")
    line = ""
    k = 0
    while k < len(words) and len(lines) < max_lines:
        word = words[k]
        candidate = f"{line} {word}" if line else word
        if measure.width(candidate, size, bold) <= width:
            line, k = candidate, k + 1
        elif line:
            lines.append(line)
            line = ""
        else:  # one word wider than the line: as much of it as fits
            cut = max(1, len(elide(word, measure, width, size, bold)) - 1)
            lines.append(word[:cut])
            words[k] = word[cut:]
    if line and len(lines) < max_lines:
        lines.append(line)
        line = ""
    if k < len(words) or line:
        lines[-1] = elide(lines[-1] + ELLIPSIS, measure, width, size, bold) or ELLIPSIS
    return lines
