"""What the 2D map draws at one size and zoom, in pixels (y down): a Qt-free scene.

The canvas paints it over its points, and the PNG and SVG exports draw all of it, so that what a user sees and
what a file holds are one layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

TEXT_CLASSES = ("note", "cluster-name", "part-name", "group-name", "link-label", "legend")
POINT_SIZE, SELECTED_SIZE = 12, 15  # a note's mark, pixels across
RIM = POINT_SIZE / 2 + 1.5  # a point's outline; arrow tips touch it
PIN_REACH = 10  # pixels a pin stands above a point's rim


class Box(NamedTuple):
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom

    def inside(self, width: float, height: float) -> bool:
        return self.x >= 0 and self.y >= 0 and self.right <= width and self.bottom <= height

    def moved(self, dx: float, dy: float) -> Box:
        return Box(self.x + dx, self.y + dy, self.w, self.h)


@dataclass(frozen=True)
class Text:
    """A block of text: its lines top to bottom in `box`, the first `bold` of them bold."""

    cls: str  # one of TEXT_CLASSES
    box: Box
    lines: tuple[str, ...]
    size: float  # font size, pixels
    color: str  # "#rrggbb" or "#rrggbbaa"
    fill: str = ""  # the box's background; "" for none
    bold: int = 0
    italic: bool = False
    owner: str = ""  # the note, cluster ("3", or "3.1" for a part), group or link it names
    card: bool = False  # a note's card (title and wrapped text in a framed box), not its one-line label
    accent: str = ""  # a card's edge: its note's colour

    @property
    def text(self) -> str:
        return " ".join(self.lines)


@dataclass(frozen=True)
class NoteMark:
    id: str
    x: float
    y: float
    color: str
    size: float  # diameter, pixels
    selected: bool = False
    pinned: bool = False
    faded: bool = False


@dataclass(frozen=True)
class LinkMark:
    id: str
    source: str
    target: str
    kind: str
    color: str
    dashed: bool
    start: tuple[float, float]  # on the source's rim
    tip: tuple[float, float]  # the arrow's tip, on the target's rim


@dataclass(frozen=True)
class Region:
    cluster: int
    corners: tuple[tuple[float, float], ...]  # the core hull, pixels; drawn rounded, PAD beyond
    color: str


@dataclass(frozen=True)
class Frame:
    group: str
    box: Box
    color: str


@dataclass(frozen=True)
class LegendEntry:
    label: str
    color: str
    kind: str  # "swatch" (a colour) or a link kind (a line in its style)
    dashed: bool = False


@dataclass
class Legend:
    box: Box
    entries: list[LegendEntry]
    marks: list[Box]  # each entry's swatch or line, beside its text
    texts: list[Text]  # its title first, then one per entry


@dataclass
class Scene:
    width: int
    height: int
    background: str
    notes: list[NoteMark] = field(default_factory=list)
    links: list[LinkMark] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    note_texts: list[Text] = field(default_factory=list)  # cards and labels, owner = note id
    names: list[Text] = field(default_factory=list)  # cluster, part and group names
    link_labels: list[Text] = field(default_factory=list)
    legend: Legend | None = None
    message: str = ""  # said in the middle when there is nothing to draw

    def texts(self) -> list[Text]:
        """Every text drawn, in drawing order."""
        return [*self.names, *self.link_labels, *self.note_texts, *(self.legend.texts if self.legend else ())]
