"""Build the scene: what the 2D map draws for a document at one view (size and zoom)."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from instructor_map.core.arrangement import Arrangement
from instructor_map.core.document import MapDocument
from instructor_map.core.hull import core_hull
from instructor_map.core.palette import BACKGROUND, LINK_STYLES, group_colors, name_color, note_colors, region_color
from instructor_map.core.scene.grid import Occupancy
from instructor_map.core.scene.model import (
    POINT_SIZE,
    RIM,
    SELECTED_SIZE,
    LegendEntry,
    LinkMark,
    NoteMark,
    Region,
    Scene,
)
from instructor_map.core.scene.names import (
    NAME_SIZE,
    PART_SIZE,
    group_frames,
    place_group_names,
    place_legend,
    place_link_labels,
    place_names,
)
from instructor_map.core.scene.notes import NoteText, label_order, note_text, place_note_texts
from instructor_map.core.scene.text import Measure
from instructor_map.core.scene.view import View

FRAME_GREY = "#6f6f66"
ZOOM_IN = 0.5  # the view's width against the map's, below which the parts of clusters are named


@dataclass
class SceneInput:
    """What the map shows, apart from the view: the notes drawn (`ids`, map places (N, 2), colours) and how."""

    doc: MapDocument
    ids: list[str]
    places: np.ndarray
    colors: list[str]
    selection: Collection[str] = ()
    highlight: Collection[str] | None = None  # a search's hits; the others fade
    scales: np.ndarray | None = None  # point size factors, e.g. by relevance
    note_style: str = "auto"  # "auto", "cards" or "dots"
    color_by: str = "cluster"
    clusters: bool = True  # cluster regions and names
    frames: bool = True  # group frames and names
    _memo: dict = field(default_factory=dict, repr=False)  # what is read from the document once per input

    def text(self, row: int) -> NoteText:
        """What the note at `row` says, read from the document when first asked."""
        texts = self._memo.setdefault("texts", {})
        if row not in texts:
            note = self.doc.notes[self.ids[row]]
            texts[row] = note_text(note.title, note.text)
        return texts[row]

    def rows(self) -> dict[str, int]:
        """Note id -> its row."""
        if "rows" not in self._memo:
            self._memo["rows"] = {note_id: r for r, note_id in enumerate(self.ids)}
        return self._memo["rows"]

    def members(self, what: str) -> dict:
        """Each cluster ("clusters") or group ("groups") -> the rows of its notes, largest first."""
        key = ("members", what)
        if key not in self._memo:
            self._memo[key] = _members(*self.keys(what))
        return self._memo[key]

    def keys(self, what: str) -> tuple[np.ndarray, list]:
        """Each row's cluster ("clusters") or group ("groups") as an index into the returned keys, -1 for none."""
        if what not in self._memo:
            if what == "clusters":
                of = self.doc.clusters
                values: list = [of.get(i, -1) for i in self.ids] if len(of) else []
            else:
                groups, notes = self.doc.groups, self.doc.notes
                values = [g if (g := notes[i].group) in groups else -1 for i in self.ids] if groups else []
            keys = list(dict.fromkeys(v for v in values if v != -1))
            index = {k: n for n, k in enumerate(keys)}
            self._memo[what] = (np.array([index.get(v, -1) for v in values], dtype=np.int64)
                                if values else np.full(len(self.ids), -1, dtype=np.int64), keys)
        return self._memo[what]

    @classmethod
    def of(cls, doc: MapDocument, note_style: str = "auto", color_by: str = "cluster",
           clusters: bool | None = None) -> SceneInput:
        """Every note with a 2D place, as the canvas would show it with nothing selected."""
        ids = list(doc.notes)
        places = doc.placements[2].array(ids).astype(float)
        drawn = np.isfinite(places).all(axis=1)
        ids = [i for i, ok in zip(ids, drawn) if ok]
        if clusters is None:
            clusters = Arrangement.of(doc.placements[2].basis).mode != "argument"  # rows, not topics
        return cls(doc, ids, places[drawn], note_colors(doc, ids, color_by), note_style=note_style,
                   color_by=color_by, clusters=clusters)


def build_scene(inp: SceneInput, view: View, measure: Measure, marks: bool = True) -> Scene:
    """The scene at `view`. Without `marks`, only what the canvas paints over its own points, links and regions:
    texts, frames and the legend."""
    doc, ids = inp.doc, inp.ids
    scene = Scene(view.width, view.height, BACKGROUND)
    if not ids:
        scene.message = "No notes on the 2D map yet"
        return scene
    px = view.to_pixels(inp.places)
    row = inp.rows()
    scales = inp.scales if inp.scales is not None else np.ones(len(ids))
    chosen = {row[i] for i in inp.selection if i in row}
    hits = None if inp.highlight is None else {row[i] for i in inp.highlight if i in row}
    faded = _Faded(hits)
    pinned = doc.placements[2].pins

    grid = Occupancy(view.width, view.height)
    grid.mark_points(px, RIM + 1)
    links = [ln for ln in doc.links.values() if ln.source in row and ln.target in row and ln.source != ln.target]
    if marks:
        sizes = np.full(len(ids), float(POINT_SIZE))
        sizes[list(chosen)] = SELECTED_SIZE
        sizes *= scales
        scene.notes = [NoteMark(i, float(x), float(y), c, float(s), r in chosen, i in pinned, r in faded)
                       for r, (i, (x, y), c, s) in enumerate(zip(ids, px, inp.colors, sizes))]
        scene.links = [_link_mark(ln, px[row[ln.source]], px[row[ln.target]]) for ln in links]
    scene.legend = place_legend(*_legend(inp, links), grid, measure)

    texts = _Texts(inp)
    first = [*sorted(chosen), *sorted(row[i] for i in pinned if i in row), *sorted(hits or ())]
    order, in_view = label_order(px, first, _weights(inp, px, row, links, scales), view.width, view.height)
    head = [r for r in order[: len(chosen)] if r in chosen]
    scene.note_texts = place_note_texts(ids, px, head, texts, inp.colors, inp.note_style, chosen, faded, grid, measure,
                                        in_view)

    clusters = {c: px[rows] for c, rows in inp.members("clusters").items()} if inp.clusters else {}
    if marks:
        scene.regions = [Region(c, tuple(map(tuple, core_hull(xy).tolist())), region_color(c))
                         for c, xy in clusters.items()]
    colors = group_colors(doc)
    groups = {g: px[rows] for g, rows in inp.members("groups").items()} if inp.frames else {}
    by_group = inp.color_by == "group"  # else frames stay grey, beside the colours of clusters
    framed = group_frames([(g, doc.groups[g].name, colors[g] if by_group else FRAME_GREY, xy)
                           for g, xy in groups.items()], view.width, view.height)
    scene.frames = [frame for frame, _ in framed]
    scene.names = place_group_names(framed, grid, measure)  # the user's own names before computed ones
    scene.names += place_names(_cluster_names(inp, view, px, clusters), "cluster-name", NAME_SIZE, grid, measure)
    scene.names += place_names(_part_names(inp, view, px, clusters), "part-name", PART_SIZE, grid, measure)
    scene.link_labels = place_link_labels([(ln.id, ln.label, px[row[ln.source]], px[row[ln.target]])
                                           for ln in links if ln.label.strip() and ln.label != ln.kind], grid, measure)
    rest = [r for r in order if r not in chosen]
    scene.note_texts += place_note_texts(ids, px, rest, texts, inp.colors, inp.note_style, chosen, faded, grid,
                                         measure, in_view)
    return scene


class _Faded:
    """The rows outside a search's hits (none without a search), without listing them."""

    def __init__(self, hits: set[int] | None):
        self.hits = hits

    def __contains__(self, row: object) -> bool:
        return self.hits is not None and row not in self.hits


class _Texts:
    """The notes' texts as a sequence, read when asked."""

    def __init__(self, inp: SceneInput):
        self.inp = inp

    def __getitem__(self, row: int) -> NoteText:
        return self.inp.text(row)


def _members(index: np.ndarray, keys: list) -> dict:
    """Key -> its rows (`index` holds each row's key number, -1 for none), largest first."""
    if not keys:
        return {}
    order = np.argsort(index, kind="stable")
    found, starts = np.unique(index[order], return_index=True)
    parts = dict(zip(found.tolist(), np.split(order, starts[1:])))
    parts.pop(-1, None)
    return {keys[k]: rows for k, rows in sorted(parts.items(), key=lambda kv: -len(kv[1]))}


def _zoomed_in(inp: SceneInput, view: View) -> bool:
    if not inp.doc.subcluster_names or not len(inp.places):
        return False
    return view.width / view.sx < ZOOM_IN * float(np.ptp(inp.places, axis=0).max())


def _cluster_names(inp: SceneInput, view: View, px: np.ndarray, clusters: dict) -> list:
    divided = {int(k.split(".")[0]) for k in inp.doc.subcluster_names} if _zoomed_in(inp, view) else set()
    return [(str(c), inp.doc.cluster_name(c), name_color(c), xy) for c, xy in clusters.items() if c not in divided]


def _part_names(inp: SceneInput, view: View, px: np.ndarray, clusters: dict) -> list:
    if not clusters or not _zoomed_in(inp, view):
        return []
    doc = inp.doc
    values = [f"{c}.{doc.subclusters[i]}" if (c := doc.clusters.get(i, -1)) in clusters and i in doc.subclusters
              else -1 for i in inp.ids]
    keys = list(dict.fromkeys(v for v in values if v != -1))
    index = {k: n for n, k in enumerate(keys)}
    parts = _members(np.array([index.get(v, -1) for v in values], dtype=np.int64), keys)
    return [(key, doc.subcluster_names[key], name_color(int(key.split(".")[0])), px[rows])
            for key, rows in parts.items() if key in doc.subcluster_names]


def _weights(inp: SceneInput, px: np.ndarray, row: dict, links: list, scales: np.ndarray) -> np.ndarray:
    """How much each note deserves a text: its relevance (point size), its links, and how central it sits in
    its cluster (a cluster's most typical notes speak for it)."""
    degree = np.zeros(len(inp.ids))
    for ln in links:
        degree[row[ln.source]] += 1
        degree[row[ln.target]] += 1
    central = np.zeros(len(inp.ids))
    if len(inp.ids) <= 5000:
        clusters = inp.keys("clusters")[0]
        for c in set(clusters.tolist()) - {-1}:
            rows = np.flatnonzero(clusters == c)
            d = np.linalg.norm(px[rows] - px[rows].mean(axis=0), axis=1)
            central[rows] = 1 / (1 + d / max(float(np.median(d)), 1.0))
    return 4 * scales + np.minimum(degree, 3) + central


def _legend(inp: SceneInput, links: list) -> tuple[str, list[LegendEntry]]:
    entries = []
    if inp.color_by == "group" and inp.doc.groups:
        colors = group_colors(inp.doc)
        used = {inp.doc.notes[i].group for i in inp.ids}
        entries += [LegendEntry(g.name, colors[k], "swatch") for k, g in inp.doc.groups.items() if k in used]
    kinds = [k for k in LINK_STYLES if any(ln.kind == k for ln in links)]
    entries += [LegendEntry(k, LINK_STYLES[k][0], k, LINK_STYLES[k][1]) for k in kinds]
    title = "Key" if kinds and len(entries) > len(kinds) else "Links" if kinds else "Groups"
    return title, entries


def _link_mark(link, a: np.ndarray, b: np.ndarray) -> LinkMark:
    color, dashed = LINK_STYLES.get(link.kind, LINK_STYLES["related"])
    d = b - a
    length = float(np.hypot(*d)) or 1.0
    unit = d / length
    start, tip = a + unit * RIM, b - unit * RIM
    return LinkMark(link.id, link.source, link.target, link.kind, color, dashed, (float(start[0]), float(start[1])),
                    (float(tip[0]), float(tip[1])))
