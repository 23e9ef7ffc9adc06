"""The 2D map's scene, without Qt (texts measured by an estimate): what a user would notice on the map. No text
covers another or leaves the canvas; after Fit all most notes say what they are; zoomed in notes become cards,
zoomed out dots; selected notes always speak; groups are framed and named; link kinds are in the legend; the
notes fill the canvas; text is cut with an ellipsis at its end and never runs wider than its room."""
from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from instructor_map.core.document import Group, Link, MapDocument, Note
from instructor_map.core.project_file import load_project
from instructor_map.core.scene import EstimatedMeasure, Scene, SceneInput, View, build_scene, fit_view
from instructor_map.core.scene.notes import CARD_LINES, CARD_PAD, CARD_WIDTH, LABEL_CHARS
from instructor_map.core.scene.text import ELLIPSIS, elide, wrap
from instructor_map.core.scene.view import MAX_STRETCH

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"
SIZES = {"1600x1000": (1600, 1000), "1024x700": (1024, 700)}
MEASURE = EstimatedMeasure()
SHARE = {  # notes with a text after Fit all: measured (in brackets), less a margin
    ("vacation", "1600x1000"): 0.93,  # (44 of 44)
    ("vacation", "1024x700"): 0.85,  # (42 of 44)
    ("research_notes", "1600x1000"): 0.78,  # (61 of 72)
    ("research_notes", "1024x700"): 0.55,  # (44 of 72)
    ("argument_map", "1600x1000"): 0.9,  # (39 of 39)
    ("argument_map", "1024x700"): 0.9,  # (39 of 39)
}


@cache
def sample(name: str) -> MapDocument:
    return load_project(SAMPLES / f"{name}.imap")


def fitted(doc: MapDocument, size: tuple[int, int], **how) -> tuple[Scene, SceneInput, View]:
    inp = SceneInput.of(doc, **how)
    view = fit_view(inp.places, *size)
    return build_scene(inp, view, MEASURE), inp, view


def zoomed(inp: SceneInput, fit: View, factor: float, centre: tuple[float, float] | None = None) -> View:
    """`fit` zoomed by `factor` (above 1: in) around `centre` (map), else the middle of the canvas."""
    cx, cy = centre if centre is not None else fit.to_map(fit.width / 2, fit.height / 2)
    sx, sy = fit.sx * factor, fit.sy * factor
    return View(cx - fit.width / 2 / sx, cy + fit.height / 2 / sy, sx, sy, fit.width, fit.height)


def in_view(inp: SceneInput, view: View) -> list[str]:
    px = view.to_pixels(inp.places)
    return [i for i, (x, y) in zip(inp.ids, px) if 0 <= x < view.width and 0 <= y < view.height]


def assert_readable(scene: Scene) -> None:
    """No two texts overlap, none covers the legend, and every text and frame lies inside the canvas."""
    texts = scene.texts()
    for a, b in itertools.combinations(texts, 2):
        assert not a.box.overlaps(b.box), (a, b)
    if scene.legend is not None:
        assert scene.legend.box.inside(scene.width, scene.height)
        legend = set(map(id, scene.legend.texts))
        assert not [t for t in texts if id(t) not in legend and t.box.overlaps(scene.legend.box)]
        assert all(t.box.x >= scene.legend.box.x and t.box.right <= scene.legend.box.right for t in scene.legend.texts)
    assert [t for t in texts if not t.box.inside(scene.width, scene.height)] == []
    assert [f for f in scene.frames if not f.box.inside(scene.width, scene.height)] == []


def covers_a_point(scene: Scene, box) -> bool:
    return any(abs(n.x - box.x - box.w / 2) < box.w / 2 + n.size / 2 and
               abs(n.y - box.y - box.h / 2) < box.h / 2 + n.size / 2 for n in scene.notes)


# ---- the samples after Fit all -------------------------------------------------------------------------------
@pytest.mark.parametrize("name, size", list(SHARE), ids=lambda v: v)
def test_samples_at_fit_are_readable_and_most_notes_say_what_they_are(name, size):
    doc = sample(name)
    scene, inp, _ = fitted(doc, SIZES[size])
    assert len(scene.notes) == len(doc.notes)
    assert_readable(scene)
    owners = [t.owner for t in scene.note_texts]
    assert len(owners) == len(set(owners)) and set(owners) <= set(doc.notes)  # one text a note at most
    share = len(owners) / len(doc.notes)
    print(f"{name} at {size}: {len(owners)} of {len(doc.notes)} notes have a text ({share:.0%}), "
          f"{sum(t.card for t in scene.note_texts)} of them cards")
    assert share >= SHARE[name, size]
    assert not [t for t in scene.note_texts if covers_a_point(scene, t.box)]  # no text hides a note
    for text in scene.note_texts:  # a card holds a few lines of the note; a label, one
        assert len(text.lines) <= (CARD_LINES if text.card else 1)
        assert text.box.w <= CARD_WIDTH + 2 * CARD_PAD + 4
        assert all(ELLIPSIS not in line[:-1] for line in text.lines)
    names = {t.text for t in scene.names if t.cls == "cluster-name"}
    if inp.clusters:  # every cluster is named
        assert names == {doc.cluster_name(c) for c in set(doc.clusters.values())}
    else:  # an argument's rows: clusters cut across them, so none is drawn
        assert names == set() and scene.regions == []


def test_a_text_sits_beside_its_point_wherever_the_point_falls_between_pixels():
    doc = MapDocument()
    doc.insert_note(Note("n1", "A note at the right edge of the canvas, with room on its left"))
    doc.placements[2].positions["n1"] = (0.0, 0.0)
    inp = SceneInput.of(doc, note_style="cards")
    for dx in np.arange(0, 4, 0.25):  # the point 100 pixels (and a fraction) from the right edge
        view = View(-(900 + dx), 300.0, 1.0, 1.0, 1000, 600)
        scene = build_scene(inp, view, MEASURE)
        (text,), note = scene.note_texts, scene.notes[0]
        assert text.card and text.box.right < note.x - note.size / 2  # on its left, clear of it
        assert text.box.y < note.y < text.box.bottom, dx  # level with it


# ---- zoom and style -----------------------------------------------------------------------------------------
def test_zoomed_far_out_notes_are_dots_and_zoomed_in_cards():
    scene, inp, fit = fitted(sample("vacation"), SIZES["1600x1000"])
    far = build_scene(inp, zoomed(inp, fit, 1 / 20), MEASURE)
    assert len(in_view(inp, zoomed(inp, fit, 1 / 20))) == len(inp.ids)
    assert [t for t in far.note_texts if t.card] == []
    assert all(len(t.text) <= LABEL_CHARS[0] for t in far.note_texts)
    assert_readable(far)
    clusters = inp.doc.clusters
    biggest = max(set(clusters.values()), key=list(clusters.values()).count)
    centre = inp.places[[clusters.get(i) == biggest for i in inp.ids]].mean(axis=0)
    view = zoomed(inp, fit, 4, tuple(centre))
    near = build_scene(inp, view, MEASURE)
    cards = [t for t in near.note_texts if t.card]
    assert len(cards) >= 3 and len(cards) >= len(in_view(inp, view)) / 2
    assert_readable(near)


def crowd(n: int, seed: int = 5) -> MapDocument:
    """`n` notes with titles and longer texts in five clusters of a normal cloud."""
    rng = np.random.default_rng(seed)
    doc = MapDocument()
    for k in range(n):
        doc.insert_note(Note(f"n{k}", f"what note {k} says at some length, to be wrapped on a card", title=f"Note {k}"))
        doc.placements[2].positions[f"n{k}"] = tuple(rng.normal(size=2))
        doc.clusters[f"n{k}"] = k % 5
    return doc


def test_dots_are_one_line_labels_and_cards_are_cards_on_a_map_too_big_for_auto():
    doc = crowd(200)
    auto, _, _ = fitted(doc, SIZES["1600x1000"])
    dots, _, _ = fitted(doc, SIZES["1600x1000"], note_style="dots")
    cards, _, _ = fitted(doc, SIZES["1600x1000"], note_style="cards")
    for scene in (auto, dots, cards):
        assert_readable(scene)
    assert [t for t in dots.note_texts if t.card] == [] and len(dots.note_texts) >= 40
    assert all(len(t.lines) == 1 and t.text.startswith("Note ") for t in dots.note_texts)  # the title
    assert [t for t in auto.note_texts if t.card] == []  # too many notes in view for cards
    shown = [t for t in cards.note_texts if t.card]
    assert len(shown) >= 10 and all(t.lines[0].startswith("Note ") and t.bold == 1 for t in shown)  # bold title
    assert all(len(t.lines) >= 2 for t in shown)  # and the start of the text under it


@pytest.mark.parametrize("style", ["auto", "cards", "dots"])
def test_selected_notes_always_get_a_text(style):
    doc = crowd(400)
    inp = SceneInput.of(doc, note_style=style)
    view = fit_view(inp.places, *SIZES["1024x700"])
    px = view.to_pixels(inp.places)
    rows: list[int] = []  # up to 15 notes across the map, crowded places too, each 60 pixels from the others
    for r in np.random.default_rng(6).permutation(len(px)):
        if len(rows) < 15 and all(np.hypot(*(px[r] - px[k])) >= 60 for k in rows):
            rows.append(r)
    chosen = [inp.ids[r] for r in rows]
    inp.selection = chosen
    scene = build_scene(inp, view, MEASURE)
    assert_readable(scene)
    texts = {t.owner: t for t in scene.note_texts}
    assert set(chosen) <= set(texts)
    assert all(texts[i].card or texts[i].bold for i in chosen)  # a one-line label of a selected note is bold
    marks = {n.id: n for n in scene.notes}
    assert all(marks[i].selected for i in chosen) and sum(n.selected for n in scene.notes) == len(chosen)


# ---- groups, links and the legend ---------------------------------------------------------------------------
def test_groups_are_framed_and_named():
    doc = sample("vacation")
    scene, inp, view = fitted(doc, SIZES["1600x1000"])
    grouped = {n.group for n in doc.notes.values() if n.group}
    assert grouped and {f.group for f in scene.frames} == grouped
    names = {t.owner: t.text for t in scene.names if t.cls == "group-name"}
    assert names == {g: doc.groups[g].name for g in grouped}
    px = dict(zip(inp.ids, view.to_pixels(inp.places)))
    for frame in scene.frames:  # around the core of its notes (outliers may stay outside)
        members = [px[i] for i, n in doc.notes.items() if n.group == frame.group]
        inside = [frame.box.x <= x <= frame.box.right and frame.box.y <= y <= frame.box.bottom for x, y in members]
        print(f"{doc.groups[frame.group].name}: {sum(inside)} of {len(members)} notes inside its frame")
        assert sum(inside) >= 0.5 * len(members)


def test_groups_in_the_legend_when_notes_are_coloured_by_group():
    doc = sample("vacation")
    scene, _, _ = fitted(doc, SIZES["1024x700"], color_by="group")
    assert scene.legend is not None and scene.legend.texts[0].text == "Groups"
    assert {e.label for e in scene.legend.entries} == {g.name for g in doc.groups.values()}
    assert {e.kind for e in scene.legend.entries} == {"swatch"}
    assert_readable(scene)


def test_link_kinds_are_in_the_legend_and_link_labels_on_their_links():
    doc = sample("argument_map")
    scene, _, _ = fitted(doc, SIZES["1024x700"])
    assert scene.legend is not None and scene.legend.texts[0].text == "Links"
    assert [e.kind for e in scene.legend.entries] == ["supports", "opposes"]
    assert [e.label for e in scene.legend.entries] == ["supports", "opposes"]
    assert len(scene.links) == len(doc.links)
    assert_readable(scene)

    doc = crowd(12)
    doc.add_link(Link("l1", "n0", "n5", "supports", "only in summer"))
    doc.add_link(Link("l2", "n3", "n8", "opposes"))
    doc.groups["g"] = Group("g", "Trip")
    doc.notes["n1"].group = doc.notes["n2"].group = "g"
    scene, _, _ = fitted(doc, SIZES["1024x700"])
    assert [t.text for t in scene.link_labels] == ["only in summer"] and scene.link_labels[0].owner == "l1"
    assert {(m.source, m.target, m.kind) for m in scene.links} == {("n0", "n5", "supports"), ("n3", "n8", "opposes")}
    assert [e.kind for e in scene.legend.entries] == ["supports", "opposes"]
    assert [t.text for t in scene.names if t.cls == "group-name"] == ["Trip"]
    assert_readable(scene)


# ---- Fit all ----------------------------------------------------------------------------------------------------
def spans(view: View, places: np.ndarray) -> np.ndarray:
    """The share of the canvas's width and height between the outermost notes."""
    return np.ptp(view.to_pixels(places), axis=0) / (view.width, view.height)


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
@pytest.mark.parametrize("aspect", [1.0, 0.5, 2.0, 3.0])
def test_fit_makes_the_notes_fill_the_canvas(size, aspect):
    places = np.random.default_rng(1).normal(size=(60, 2)) * (aspect, 1.0) + (40.0, -7.0)
    view = fit_view(places, *size)
    x, y = spans(view, places)
    assert x >= 0.6 and y >= 0.5, (x, y)
    px = view.to_pixels(places)
    assert (px > 15).all() and (px < np.array(size) - 15).all()  # inside, clear of the edges
    assert max(view.sx / view.sy, view.sy / view.sx) <= MAX_STRETCH + 1e-9


@pytest.mark.parametrize("size", list(SIZES.values()), ids=list(SIZES))
@pytest.mark.parametrize("name", ["vacation", "research_notes", "argument_map"])
def test_fit_fills_the_canvas_with_each_sample(name, size):
    inp = SceneInput.of(sample(name))
    view = fit_view(inp.places, *size)
    x, y = spans(view, inp.places)
    print(f"{name} at {size[0]}x{size[1]}: the notes span {x:.0%} of the width, {y:.0%} of the height")
    assert x >= 0.6
    if y < 0.5:  # rows far wider than high (the argument map): stretched as far as fitting may
        assert view.sy == pytest.approx(MAX_STRETCH * view.sx)
    assert len(in_view(inp, view)) == len(inp.ids)


@pytest.mark.parametrize("places", [[], [(3.0, 4.0)], [(1.0, 1.0), (1.0, 1.0)], [(0.0, 0.0), (5.0, 0.0)],
                                    [(0.0, 0.0), (0.0, 5.0)], [(np.nan, 1.0), (2.0, 2.0)]])
def test_fit_of_few_notes_keeps_them_on_the_canvas(places):
    view = fit_view(np.array(places, dtype=float).reshape(-1, 2), 800, 500)
    assert view.sx > 0 and view.sy > 0 and np.isfinite([view.x0, view.y1, view.sx, view.sy]).all()
    finite = [p for p in places if np.isfinite(p).all()]
    if finite:
        px = view.to_pixels(finite)
        assert ((px >= 0) & (px <= (800, 500))).all()


# ---- wrapping and cutting text ------------------------------------------------------------------------------
class Proportional:
    """A measure whose letters differ in width, as a real font's do."""

    def width(self, text: str, size: float, bold: bool = False) -> float:
        narrow, wide = "iljtf.,' ", "mwMW@…"
        return sum(size * (0.3 if c in narrow else 0.9 if c in wide else 0.55) for c in text) * (1.1 if bold else 1)

    def line_height(self, size: float) -> float:
        return round(size * 1.25)


WORDS = ("a", "map", "of", "notes", "where", "nearby", "ideas", "gather", "Mwmwmw", "illicit", "supercalifragilistic")


@pytest.mark.parametrize("measure", [EstimatedMeasure(), Proportional()], ids=["estimated", "proportional"])
def test_elide_cuts_at_the_end_and_never_runs_wider(measure):
    rng = np.random.default_rng(2)
    for _ in range(300):
        text = " ".join(rng.choice(WORDS, rng.integers(1, 12)))
        width = float(rng.uniform(20, 400))
        cut = elide(text, measure, width, 12.0)
        if measure.width(text, 12.0) <= width:
            assert cut == text
            continue
        assert measure.width(cut, 12.0) <= width
        if cut:
            assert cut.endswith(ELLIPSIS) and ELLIPSIS not in cut[:-1]
            assert text.startswith(cut[:-1]) and len(cut) > 1
    assert elide("notes", measure, 1.0, 12.0) == ""  # not even a letter fits


@pytest.mark.parametrize("measure", [EstimatedMeasure(), Proportional()], ids=["estimated", "proportional"])
def test_wrap_breaks_at_spaces_and_ends_with_an_ellipsis_only_when_cut(measure):
    rng = np.random.default_rng(4)
    for _ in range(300):
        text = " ".join(rng.choice(WORDS, rng.integers(1, 30)))
        width, max_lines, bold = float(rng.uniform(60, 300)), int(rng.integers(1, 6)), bool(rng.integers(2))
        lines = wrap(text, measure, width, 12.0, max_lines, bold)
        assert 1 <= len(lines) <= max_lines
        assert all(measure.width(line, 12.0, bold) <= width for line in lines), (lines, width)
        assert all(line and line == line.strip() for line in lines)
        assert all(ELLIPSIS not in line for line in lines[:-1]) and ELLIPSIS not in lines[-1][:-1]
        said = "".join(lines).removesuffix(ELLIPSIS).replace(" ", "")
        assert text.replace(" ", "").startswith(said)  # the text in order, none of it left out before the cut
        whole = "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert whole != lines[-1].endswith(ELLIPSIS), lines  # an ellipsis exactly when some of it is left out
        if whole and all(measure.width(w, 12.0, bold) <= width for w in text.split()):
            assert " ".join(lines) == text  # words that fit a line are never broken


def test_wrap_fills_each_line_before_the_next():
    lines = wrap("one two three four five six", MEASURE, MEASURE.width("one two three", 10.0), 10.0, 5)
    assert lines == ["one two three", "four five six"]
    assert wrap("one two three four five six", MEASURE, MEASURE.width("one two three", 10.0), 10.0, 1) == \
        [elide("one two three" + ELLIPSIS, MEASURE, MEASURE.width("one two three", 10.0), 10.0)]


def test_many_spots_are_judged_at_once_as_one_at_a_time():
    """A label's spots are checked for points together; the answer is the one box-by-box checking gives, at the
    canvas's edges and beyond them too."""
    from instructor_map.core.scene.grid import Occupancy
    from instructor_map.core.scene.model import Box

    rng = np.random.default_rng(5)
    grid = Occupancy(300, 200)
    grid.mark_points(rng.uniform(-20, 320, size=(60, 2)), 4)
    lefts, tops = rng.uniform(-80, 380, 500), rng.uniform(-60, 260, 500)
    widths, h = rng.uniform(1, 120, 500), 16.0
    together = grid.free_of_points(lefts, tops, widths, h)
    alone = [grid.count_points(Box(x, y, w, h)) == 0 for x, y, w in zip(lefts, tops, widths)]
    assert together.tolist() == alone
    assert 50 < sum(alone) < 450  # both kinds of answer were asked for
