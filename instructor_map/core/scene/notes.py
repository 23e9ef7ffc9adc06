"""Each note's text beside its point: a card (title and wrapped text) where there is room, else a one-line
label, else none; most important notes first, never over another text."""
from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from instructor_map.core.palette import TEXT
from instructor_map.core.scene.grid import FREE, POINT, Occupancy
from instructor_map.core.scene.model import RIM, Box, Text
from instructor_map.core.scene.text import Measure, clean, elide, wrap

STYLES = ("auto", "cards", "dots")  # View → Cards / Dots / Auto
LABEL_SIZE, CARD_SIZE = 12.0, 12.0  # font pixels
CARD_WIDTH, CARD_MIN = 190.0, 80.0  # a card's text width, pixels: at most, at least
CARD_LINES = 5  # title and text together
CARD_PAD = 5.0
LABEL_CHARS = (40, 24, 14)  # a label is cut to this many characters, else shorter where it does not fit
AUTO_CARDS = 120  # Auto shows cards while the view holds at most this many notes
CARD_ROOM = 6000  # and the notes in view spread over at least this many square pixels each
CROWDED = 300  # beyond this many notes worth a text in view, labels may cover points
TRIES = 600  # notes tried for a text at most
CARD_CAP, LABEL_CAP = 300, 200  # texts shown at most
GAP = RIM + 3  # pixels from a point's centre to its text
FADED = "#2b2b2b46"
CARD_FILL, LABEL_FILL = "#ffffff", "#fbfbf8e6"


class Rows(Protocol):
    """What each row's note says, read when asked."""

    def __getitem__(self, row: int) -> NoteText: ...


@dataclass(frozen=True)
class NoteText:
    """What a note could say: its title (may be "") and its text."""

    title: str
    body: str


def note_text(title: str, text: str) -> NoteText:
    return NoteText(clean(title), clean(text))


def place_note_texts(ids: Sequence[str], px: np.ndarray, order: Sequence[int], notes: Rows,
                     colors: Sequence[str], style: str, bold: Container[int], faded: Container[int], grid: Occupancy,
                     measure: Measure, in_view: int) -> list[Text]:
    """Texts for the notes at rows `order` (best first; pixels `px`, `colors`), placed in `grid`, with `in_view`
    notes in view. `bold` rows are the selected notes' (their labels may cover points), `faded` rows are drawn
    faint.

    "cards": each note a card where it fits, else a label. "auto": first a label for as many notes as fit, then,
    where the view has room for cards, each label that can grow into a card does. "dots": labels only."""
    order = list(order[:TRIES])
    crowded = in_view > CROWDED  # points everywhere: labels may cover points, never texts

    def card(row: int) -> Text | None:
        x, y = px[row]
        return _card(ids[row], notes[row], x, y, grid, measure, row in faded, colors[row])

    def label(row: int) -> Text | None:
        x, y = px[row]
        return _label(ids[row], notes[row], x, y, grid, measure, row in bold, row in faded, crowded)

    placed: dict[int, Text] = {}
    if style == "cards":
        for row in order:
            text = (card(row) if len(placed) < CARD_CAP else None) or label(row)
            if text is not None:
                grid.take(text.box)
                placed[row] = text
        return list(placed.values())
    for row in order:
        if len(placed) == LABEL_CAP:
            break
        text = label(row)
        if text is not None:
            grid.take(text.box)
            placed[row] = text
    if style == "auto" and in_view <= AUTO_CARDS and _roomy(px[order]):
        for row, text in list(placed.items())[:CARD_CAP]:
            grid.remove(text.box)
            bigger = card(row)
            placed[row] = bigger or text
            grid.take(placed[row].box)
    return list(placed.values())


def _roomy(px: np.ndarray) -> bool:
    """The notes spread over enough of the canvas for cards: zoomed far out, they huddle and stay dots."""
    if len(px) < 2:
        return True
    w, h = np.ptp(px, axis=0)
    return (w + CARD_WIDTH) * (h + 60) / len(px) >= CARD_ROOM


def _card(note_id: str, note: NoteText, x: float, y: float, grid: Occupancy, measure: Measure,
          faded: bool, color: str) -> Text | None:
    size = CARD_SIZE
    title = wrap(note.title, measure, CARD_WIDTH, size, 2, bold=True) if note.title else []
    body = wrap(note.body, measure, CARD_WIDTH, size, CARD_LINES - len(title)) if note.body else []
    if note.title and note.body == note.title:
        body = []
    lines = title + body
    if not lines:
        return None
    widths = [measure.width(line, size, k < len(title)) for k, line in enumerate(lines)]
    w = max(CARD_MIN, max(widths)) + 2 * CARD_PAD
    line = measure.line_height(size)
    h = len(lines) * line + 2 * CARD_PAD - 2
    first = CARD_PAD + line / 2  # the first line's middle, level with the point
    for left, top in ((x + GAP, y - first), (x - GAP - w, y - first), (x + GAP, y - h + first),
                      (x - GAP - w, y - h + first), (x - w / 2, y + GAP), (x - w / 2, y - GAP - h)):
        box = Box(left, top, w, h)
        if grid.fits(box, FREE):
            return Text("note", box, tuple(lines), size, FADED if faded else TEXT, CARD_FILL, len(title),
                        owner=note_id, card=True, accent=color)
    return None


def _label(note_id: str, note: NoteText, x: float, y: float, grid: Occupancy, measure: Measure, bold: bool,
           faded: bool, crowded: bool) -> Text | None:
    """A one-line label beside the point: the longest cut of the note that fits at one of the spots around it, in
    their order; `crowded`: two spots and one length are tried, over points."""
    size = LABEL_SIZE
    whole = note.title or note.body
    h = measure.line_height(size) + 2
    lengths = [c for c in (min(len(whole), LABEL_CHARS[0]), *LABEL_CHARS[1:]) if c <= len(whole)]
    if crowded:
        lengths = [min(len(whole), LABEL_CHARS[1])]
    tries: list[tuple[str, float, float, float]] = []  # text, width, left, top: in the order they are tried
    for chars in lengths:
        text = whole if len(whole) <= chars else whole[: chars - 1].rstrip() + "…"
        text = elide(text, measure, CARD_WIDTH, size, bold)
        if not text:
            break
        w = measure.width(text, size, bold) + 4
        spots = ((x + GAP, y - h / 2), (x - GAP - w, y - h / 2), (x + GAP, y - 1.5 * h), (x + GAP, y + 0.5 * h),
                 (x - GAP - w, y - 1.5 * h), (x - GAP - w, y + 0.5 * h), (x - w / 2, y - GAP - h), (x - w / 2, y + GAP),
                 (x - 6, y - GAP - h), (x - w + 6, y - GAP - h), (x - 6, y + GAP), (x - w + 6, y + GAP))
        tries += [(text, w, left, top) for left, top in (spots[:2] if crowded else spots)]
    if not tries:
        return None
    if bold or crowded:  # may cover points
        clear = [True] * len(tries)
    else:  # the points under every spot at once; texts and the canvas's edges one spot at a time below
        _, widths, lefts, tops = zip(*tries)
        clear = grid.free_of_points(np.array(lefts), np.array(tops), np.array(widths), h).tolist()
    for (text, w, left, top), free in zip(tries, clear):
        if free and grid.fits(Box(left, top, w, h), POINT):
            return Text("note", Box(left, top, w, h), (text,), size, FADED if faded else TEXT, LABEL_FILL, int(bold),
                        owner=note_id)
    return None


def label_order(px: np.ndarray, first: Sequence[int], weight: np.ndarray, width: float, height: float,
                spread_over: int = 300, cell: tuple[float, float] = (130, 18)) -> tuple[list[int], int]:
    """Rows of the notes in view, most worth a text first: `first` (selected, pinned, search hits), then by
    `weight` (higher first); and how many notes are in view. Beyond `spread_over` notes in view, one note per
    label-sized cell, spread evenly."""
    x, y = px[:, 0], px[:, 1]
    inside = np.flatnonzero((x >= 0) & (x < width) & (y >= 0) & (y < height))
    in_view = len(inside)
    head = [r for r in first if 0 <= x[r] < width and 0 <= y[r] < height]
    if len(inside) > spread_over:
        cells = (x[inside] // cell[0]).astype(np.int64) * 1_000_003 + (y[inside] // cell[1]).astype(np.int64)
        _, firsts = np.unique(cells, return_index=True)
        inside = inside[np.sort(firsts)]
    rest = inside[np.argsort(-weight[inside], kind="stable")]
    return list(dict.fromkeys([*head, *rest.tolist()])), in_view
