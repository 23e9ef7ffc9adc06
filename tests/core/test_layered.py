"""The layered argument layout: few crossing arrows, rows far enough apart to read, fitted to the canvas."""
from __future__ import annotations

import itertools
import random
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from instructor_map.core.arrangement import Arrangement, arrange
from instructor_map.core.document import Link, MapDocument, Note
from instructor_map.core.graph import ARGUMENT_KINDS, argument_places
from instructor_map.core.layered import layered_places
from instructor_map.core.project_file import load_project

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "samples" / "argument_map.imap"
CANVAS = (1600, 1000)


def crossings(places, segments) -> int:
    """Pairs of straight arrows, sharing no end, that cross as drawn."""
    def turn(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    count = 0
    for (a, b), (c, d) in itertools.combinations(segments, 2):
        if {a, b} & {c, d}:
            continue
        pa, pb, pc, pd = (places[k] for k in (a, b, c, d))
        count += turn(pa, pb, pc) * turn(pa, pb, pd) < 0 and turn(pc, pd, pa) * turn(pc, pd, pb) < 0
    return count


def on_canvas(places, size=CANVAS):
    """Places in pixels, the map's bounding box fitted into a canvas of `size`; and the rows, top first."""
    xy = np.array(list(places.values()), dtype=float)
    extent = xy.max(axis=0) - xy.min(axis=0)
    scale = min(s / e for s, e in zip(size, extent) if e > 0)
    pixels = {k: (x * scale, y * scale) for k, (x, y) in places.items()}
    rows = defaultdict(list)
    for k, (x, y) in pixels.items():
        rows[round(y, 6)].append((x, k))
    return pixels, [sorted(rows[y]) for y in sorted(rows, reverse=True)]


def neighbour_gaps(rows) -> list[float]:
    return [b[0] - a[0] for row in rows for a, b in zip(row, row[1:])]


def aspect_of(places) -> float:
    xy = np.array(list(places.values()), dtype=float)
    width, height = xy.max(axis=0) - xy.min(axis=0)
    return width / height


def test_a_planar_argument_is_drawn_without_crossings_whatever_the_note_order():
    rows = [["A", "B", "C"], ["c1", "x", "a1", "b1", "c2", "a2", "b2"], ["q3", "q2", "q1"]]
    edges = [("A", "a1"), ("A", "a2"), ("B", "b1"), ("B", "b2"), ("C", "c1"), ("C", "c2"), ("A", "x"), ("B", "x"),
             ("a1", "q1"), ("x", "q2"), ("b2", "q3")]
    assert crossings({k: (i, -r) for r, row in enumerate(rows) for i, k in enumerate(row)}, edges) > 5  # as given
    places = layered_places(rows, edges)
    assert crossings(places, edges) == 0
    x = {k: p[0] for k, p in places.items()}
    assert x["a1"] < x["x"] < x["b1"] or x["b1"] < x["x"] < x["a1"]  # the shared reason between its two claims


def test_crossings_that_cannot_be_avoided_are_kept_to_the_least():
    both = [("A", "r"), ("A", "s"), ("B", "r"), ("B", "s")]  # two claims, two reasons for both: one crossing
    assert crossings(layered_places([["A", "B"], ["r", "s"]], both), both) == 1
    # a reason two levels under its claim passes the middle row beside the other reasons, not across them
    rows = [["top"], ["m1", "m2", "m3"], ["d1", "far", "d2", "d3"]]
    edges = [("top", "m1"), ("top", "m2"), ("top", "m3"), ("m1", "d1"), ("m2", "d2"), ("m3", "d3"), ("top", "far")]
    assert crossings(layered_places(rows, edges), edges) == 0


def fewest_crossings(rows, edges) -> int:
    """The least crossings of any ordering of the rows, tried one by one."""
    return min(crossings({k: (i, -r) for r, row in enumerate(perm) for i, k in enumerate(row)}, edges)
               for perm in itertools.product(*(itertools.permutations(row) for row in rows)))


@pytest.mark.parametrize("seed", [*range(12), 20, 40, 92, 107])  # the last ones need every step of the ordering
def test_crossings_are_as_few_as_any_ordering_gives(seed):
    rng = random.Random(seed)
    rows = [[f"{r}.{i}" for i in range(rng.randint(2, 4))] for r in range(3)]
    edges = {(rng.choice(above), k) for above, row in zip(rows, rows[1:]) for k in row}
    edges |= {(rng.choice(above), rng.choice(row)) for above, row in zip(rows, rows[1:]) for _ in range(3)}
    edges = sorted(edges)
    assert crossings(layered_places(rows, edges), edges) == fewest_crossings(rows, edges)


def test_each_claim_sits_over_the_middle_of_its_reasons():
    rows = [["A", "B"], ["a1", "a2", "a3", "a4", "b1"]]
    edges = [("A", "a1"), ("A", "a2"), ("A", "a3"), ("A", "a4"), ("B", "b1")]
    x = {k: p[0] for k, p in layered_places(rows, edges).items()}
    assert x["A"] == pytest.approx(np.mean([x[k] for k in ("a1", "a2", "a3", "a4")]))
    assert x["B"] == pytest.approx(x["b1"])


def test_the_argument_sample_fits_the_canvas_and_every_row_reads():
    doc = load_project(SAMPLE)
    places = argument_places(doc)
    assert set(places) == set(doc.notes)
    assert abs(aspect_of(places) / 1.6 - 1) <= 0.25
    for link in doc.links.values():
        assert link.kind in ARGUMENT_KINDS and places[link.target][1] > places[link.source][1], link
    pixels, rows = on_canvas(places)
    assert max(len(row) for row in rows) <= 8  # 23 reasons of the second level wrap into rows of eight or fewer
    assert min(neighbour_gaps(rows)) >= 220  # room for a card 200 px wide beside each note
    tops = sorted({y for _, y in pixels.values()})
    assert min(b - a for a, b in zip(tops, tops[1:])) >= 110  # room for cards 60-90 px tall
    assert argument_places(load_project(SAMPLE)) == places  # the same every time it opens


@pytest.mark.parametrize("aspect", [0.8, 1.0, 1.6, 2.4])
def test_the_layout_takes_the_shape_of_the_canvas(aspect):
    doc = load_project(SAMPLE)
    assert abs(aspect_of(argument_places(doc, aspect=aspect)) / aspect - 1) <= 0.25
    ids = doc.note_ids
    layout = arrange(Arrangement("argument"), np.zeros((len(ids), 1)), ids, {}, doc, aspect=aspect)
    assert abs(aspect_of(dict(zip(ids, layout.coords.tolist()))) / aspect - 1) <= 0.25


def random_argument(seed: int) -> MapDocument:
    """Up to four levels of claims and reasons with a few reasons for two claims, and some unlinked notes."""
    rng = random.Random(seed)
    doc, levels = MapDocument(), [["n0"]]
    for depth in range(1, rng.randint(2, 4)):
        levels.append([f"n{depth}_{i}" for i in range(rng.randint(2, 10))])
    loose = [f"loose{i}" for i in range(rng.randint(2, 6))]
    names = [k for level in levels for k in level] + loose
    rng.shuffle(names)
    for k in names:
        doc.insert_note(Note(k, f"text of {k}"))
    links = [(k, rng.choice(above)) for above, level in zip(levels, levels[1:]) for k in level]
    links += [(rng.choice(level), rng.choice(above)) for above, level in zip(levels, levels[1:]) for _ in range(2)]
    for i, (source, target) in enumerate(dict.fromkeys(links)):
        doc.add_link(Link(f"l{i}", source, target, rng.choice(ARGUMENT_KINDS)))
    return doc


@pytest.mark.parametrize("seed", range(12))
def test_notes_of_a_row_keep_their_distance(seed):
    doc = random_argument(seed)
    places = argument_places(doc)
    for link in doc.links.values():
        assert places[link.target][1] > places[link.source][1]
    pixels, rows = on_canvas(places)
    loose = neighbour_gaps([row for row in rows if row[0][1].startswith("loose")])
    if loose:  # the loose notes' rows show the least gap between neighbours: nobody is closer
        assert min(neighbour_gaps(rows)) >= min(loose) * (1 - 1e-9)
    if max(len(row) for row in rows) <= 7 and len(rows) <= 10:
        assert min(neighbour_gaps(rows)) >= 220
        ys = sorted({y for _, y in pixels.values()})
        assert min(b - a for a, b in zip(ys, ys[1:])) >= 110
    assert abs(aspect_of(places) / 1.6 - 1) <= 0.25


def test_a_big_map_wraps_into_rows_that_fit():
    rng = random.Random(7)
    rows = [[f"r{d}_{i}" for i in range(n)] for d, n in enumerate([3, 40, 200, 400])]
    edges = [(rng.choice(above), k) for above, row in zip(rows, rows[1:]) for k in row]
    edges += [(rng.choice(rows[0]), rng.choice(rows[3])) for _ in range(50)]
    places = layered_places(rows, edges, [f"x{i}" for i in range(1000)])
    assert len(places) == 1643 and abs(aspect_of(places) / 1.6 - 1) <= 0.25
    _, drawn = on_canvas(places)
    assert len({x for row in drawn for x, _ in row}) > 60  # wrapped into many columns, not one long band
