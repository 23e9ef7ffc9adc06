"""Colours of notes, links and text, shared by the 2D and 3D views and the exported image. Pure Python."""
from __future__ import annotations

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


def cluster_color(cluster: int) -> str:
    return UNCLUSTERED if cluster < 0 else CLUSTER_COLORS[cluster % len(CLUSTER_COLORS)]


def note_color(doc: MapDocument, note_id: str) -> str:
    """The note's own colour, else its group's, else its cluster's."""
    return note_colors(doc, [note_id])[0]


def note_colors(doc: MapDocument, ids) -> list[str]:
    """note_color for many notes at once (a map's worth)."""
    notes, clusters, n = doc.notes, doc.clusters, len(CLUSTER_COLORS)
    by_group = {key: group.color for key, group in doc.groups.items() if group.color}
    return [note.color or by_group.get(note.group) or
            (CLUSTER_COLORS[c % n] if (c := clusters.get(i, -1)) >= 0 else UNCLUSTERED)
            for i, note in zip(ids, map(notes.__getitem__, ids))]
