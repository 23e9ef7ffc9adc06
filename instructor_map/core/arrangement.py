"""How the 2D map is arranged: by meaning (PCA), along named axes, or as an argument.

The choice is kept in the 2D view's basis ("mode" and "axes" keys), so it is saved with the project and a
command that swaps the view's places and basis also swaps the arrangement, and undo brings both back.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from instructor_map.core.document import MapDocument
from instructor_map.core.graph import argument_places
from instructor_map.core.pca import SPAN, Layout, axis_layout, pca_layout

MODES = ("semantic", "argument")
Poles = tuple[str, str]  # (low end, high end): left to right, or bottom to top


def _poles(value) -> Poles | None:
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(p, str) and p.strip() for p in value):
        return value[0].strip(), value[1].strip()
    return None


@dataclass(frozen=True)
class Arrangement:
    mode: str = "semantic"
    x: Poles | None = None  # a named x axis; None: PCA
    y: Poles | None = None

    @classmethod
    def of(cls, basis: Mapping | None) -> Arrangement:
        """Read from a view's basis; anything unknown there means the plain semantic map."""
        basis = basis if isinstance(basis, Mapping) else {}
        mode, axes = basis.get("mode"), basis.get("axes")
        mode = mode if isinstance(mode, str) and mode in MODES else "semantic"
        axes = axes if isinstance(axes, Mapping) else {}
        return cls(mode, _poles(axes.get("x")), _poles(axes.get("y")))

    def stamp(self, basis: Mapping | None) -> dict:
        """A copy of `basis` that records this arrangement."""
        out = {k: v for k, v in (basis or {}).items() if k not in ("mode", "axes")}
        if self.mode != "semantic":
            out["mode"] = self.mode
        if self.x or self.y:
            out["axes"] = {"x": list(self.x) if self.x else None, "y": list(self.y) if self.y else None}
        return out

    @property
    def named(self) -> bool:
        """Semantic, with at least one named axis."""
        return self.mode == "semantic" and bool(self.x or self.y)

    @property
    def plain(self) -> bool:
        """The PCA map that every recompute draws anyway."""
        return self.mode == "semantic" and not self.named

    def poles(self) -> list[str]:
        return [p for axis in (self.x, self.y) if axis and self.named for p in axis]

    def titles(self) -> tuple[str, str]:
        """Axis titles while named axes are shown, e.g. "relaxing ← → adventurous"; "" for a PCA axis."""
        x, y = (f"{axis[0]} ← → {axis[1]}" if axis and self.named else "" for axis in (self.x, self.y))
        return x, y


def arrange(
    arrangement: Arrangement,
    vectors,
    ids: Sequence[str],
    pole_vectors: Mapping[str, np.ndarray],
    graph: MapDocument,
    previous: Mapping | None = None,
    pins: Mapping | None = None,
    aspect: float = 1.6,
) -> Layout:
    """The 2D layout an arrangement asks for; its basis records the arrangement.

    `pole_vectors` maps each pole text to its vector (embedded under the same instruction as the notes),
    `graph` holds the notes and links for the argument layout. A named axis is stretched to span the map, so
    a reader sees the whole range from one pole to the other. `aspect` (width / height of the canvas) shapes
    the argument layout to fit it.
    """
    if arrangement.mode == "argument":
        places = argument_places(graph, aspect=aspect)
        coords = np.array([places.get(i, (np.nan, np.nan)) for i in ids], dtype=np.float32).reshape(-1, 2)
        layout = Layout(list(ids), coords, {}, np.zeros(2))
    elif arrangement.named:
        x, y = (None if a is None else (pole_vectors[a[0]], pole_vectors[a[1]]) for a in (arrangement.x, arrangement.y))
        layout = axis_layout(vectors, ids, x_axis=x, y_axis=y)
        _stretch(layout)
    else:
        layout = pca_layout(vectors, ids, 2, previous=previous, pins=pins)
    layout.basis = arrangement.stamp(layout.basis)
    return layout


def _stretch(layout: Layout) -> None:
    """Scale each axis on its own so that its farthest note sits SPAN from the centre."""
    extent = np.abs(layout.coords).max(axis=0) if len(layout.coords) else np.zeros(2)
    factor = np.where(extent > 1e-9, SPAN / np.maximum(extent, 1e-9), 1.0)
    layout.coords = (layout.coords * factor).astype(np.float32)
    scale = float(layout.basis.get("scale", 1.0)) or 1.0
    components = np.asarray(layout.basis["components"], dtype=np.float64) * (factor * scale)[:, None]
    layout.basis.update(components=components.tolist(), scale=1.0)
