"""Colours of notes, links, cluster regions and text, shared by the 2D and 3D views and the exported image."""
from __future__ import annotations

import colorsys

from instructor_map.core.document import MapDocument

# Okabe-Ito plus a few: distinct for most colour-blind viewers, readable on a light background.
CLUSTER_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7f3c8d",
                  "#11a579", "#3969ac", "#f2b701", "#e73f74"]
UNCLUSTERED = "#7a7a7a"
LINK_STYLES = {  # kind -> (colour, dashed)
    "supports": ("#1b9e3a", False),
    "opposes": ("#d62728", True),
    "related": ("#8c8c8c", False),
}
SELECTED = "#ff2d95"
BACKGROUND = "#fbfbf8"
TEXT = "#2b2b2b"  # note labels
PIN = "#3d3d3d"
COLOR_BY = ("cluster", "group")  # what a note's colour says when the user gave it none
HULL_ALPHA, NAME_ALPHA = 30, 235


def cluster_color(cluster: int) -> str:
    return UNCLUSTERED if cluster < 0 else CLUSTER_COLORS[cluster % len(CLUSTER_COLORS)]


def darker(color: str, factor: float = 1.5) -> str:
    """`color` ("#rrggbb") with its HSV value divided by `factor`, like QColor.darker(150)."""
    r, g, b = (int(color[k:k + 2], 16) / 255 for k in (1, 3, 5))
    h, s, v = colorsys.rgb_to_hsv(r, g, b)
    return "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hsv_to_rgb(h, s, v / factor))


def name_color(cluster: int) -> str:
    """A cluster's name: its colour, darker, nearly opaque ("#rrggbbaa")."""
    return f"{darker(cluster_color(cluster))}{NAME_ALPHA:02x}"


def region_color(cluster: int) -> str:
    """A cluster's region: its colour, faint ("#rrggbbaa")."""
    return f"{cluster_color(cluster)}{HULL_ALPHA:02x}"


def group_colors(doc: MapDocument) -> dict[str, str]:
    """Each group's colour: its own, else one of the palette's in group order."""
    n = len(CLUSTER_COLORS)
    return {key: group.color or CLUSTER_COLORS[k % n] for k, (key, group) in enumerate(doc.groups.items())}


def note_color(doc: MapDocument, note_id: str) -> str:
    """The note's own colour, else its group's, else its cluster's."""
    return note_colors(doc, [note_id])[0]


def note_colors(doc: MapDocument, ids, by: str = "cluster") -> list[str]:
    """note_color for many notes at once (a map's worth). By "cluster": the note's own colour, else its group's
    own colour, else its cluster's. By "group": the note's own colour, else its group's (own or from the
    palette), grey outside groups."""
    notes, clusters, n = doc.notes, doc.clusters, len(CLUSTER_COLORS)
    if by == "group":
        by_group = group_colors(doc)
        return [note.color or by_group.get(note.group) or UNCLUSTERED for note in map(notes.__getitem__, ids)]
    by_group = {key: group.color for key, group in doc.groups.items() if group.color}
    return [note.color or by_group.get(note.group) or
            (CLUSTER_COLORS[c % n] if (c := clusters.get(i, -1)) >= 0 else UNCLUSTERED)
            for i, note in zip(ids, map(notes.__getitem__, ids))]
