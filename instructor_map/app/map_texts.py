"""The 2D map's texts, frames and legend, as its scene (instructor_map.core.scene): how notes are shown (cards,
dots, colours, frames), building the scene for the view a moment after each change, reading it back, and
exporting it. Mixed into MapCanvas2D, whose notes (`_ids`, `_pos`, `_colors`, …) and view box it reads."""
from __future__ import annotations

import html
import textwrap

from instructor_map.app.scene_layer import ShownLabel
from instructor_map.core.scene import Scene, SceneInput, View, build_scene
from instructor_map.paint.render import render_map

TIP_WIDTH = 60


class MapTexts:
    def view(self) -> View:
        """The part of the map shown now, in pixels of the view box."""
        return View.of_ranges(*self.vb.viewRange(), max(int(self.vb.width()), 1), max(int(self.vb.height()), 1))

    def export_image(self, path) -> None:
        """Save what the canvas shows as PNG or SVG: the scene of this view, points and links included."""
        render_map(self._doc, path, scene=self.full_scene())

    def full_scene(self) -> Scene:
        """Everything the canvas shows now as one scene: points, links and regions as well as texts."""
        return build_scene(self._scene_input(), self.view(), self._measure)

    def set_note_style(self, style: str) -> None:
        """"auto" (cards where there is room), "cards" or "dots" (one-line labels)."""
        self._note_style = style
        self._update_labels()

    def note_style(self) -> str:
        return self._note_style

    def set_color_by(self, what: str) -> None:
        """Colour notes without a colour of their own by "cluster" or by "group"."""
        self._color_by = what
        self.recolor()

    def color_by(self) -> str:
        return self._color_by

    def set_frames_shown(self, on: bool) -> None:
        """Draw the user's groups as named frames, or not."""
        self._frames = on
        self._update_labels()

    def frames_shown(self) -> bool:
        return self._frames

    def shown_labels(self) -> list[ShownLabel]:
        """The notes' texts on the map (cards and one-line labels), with their boxes now."""
        return self.texts.shown_labels()

    def map_scene(self) -> Scene | None:
        """The texts, frames and legend drawn over the points now."""
        return self.texts.scene_shown

    def names_shown(self, cls: str = "cluster-name") -> dict:
        """Cluster -> (its name, x, y of the name's middle on the map) for each name shown; with `cls`
        "part-name", "cluster.part" -> the same for the parts of clusters (zoomed in), "group-name" for groups."""
        return self.texts.names_shown(self.view(), cls)

    def link_label_texts(self) -> list[str]:
        return [t.text for t, _ in self.texts.texts_now() if t.cls == "link-label"]

    def labels_pending(self) -> bool:
        """The labels are about to be fitted again (a moment after a pan, zoom or partial refresh)."""
        return self._label_timer.isActive()

    def tooltip(self, note_id: str) -> str:
        """The tooltip of a note's point: its title and full text, wrapped, as rich text."""
        note = self._doc.notes.get(note_id)
        if note is None:
            return ""
        body = "<br>".join(html.escape(line) for line in textwrap.wrap(" ".join(note.text.split()), TIP_WIDTH))
        return f"<qt><b>{html.escape(note.title)}</b><br>{body}</qt>" if note.title else f"<qt>{body}</qt>"

    def _scene_input(self) -> SceneInput:
        """What the scene shows, apart from the view: read from the document once per refresh."""
        if self._input is None or self._input.ids is not self._ids:
            self._input = SceneInput(self._doc, self._ids, self._pos, self._colors)
        inp = self._input
        inp.places, inp.colors, inp.selection, inp.highlight = self._pos, self._colors, self._selection, self._highlight
        inp.scales, inp.note_style, inp.color_by = self._scale, self._note_style, self._color_by
        inp.frames = self._frames
        inp.clusters = self.clusters.visible and not self.no_regions and self._regions
        return inp

    def _update_labels(self) -> None:
        if not self._ids or self.vb.width() < 1 or self.vb.height() < 1:
            self.texts.show_scene(None, None, {}, self._pos)
            return
        view = self.view()
        scene = build_scene(self._scene_input(), view, self._measure, marks=False)
        self.texts.show_scene(scene, view, self._row, self._pos)
