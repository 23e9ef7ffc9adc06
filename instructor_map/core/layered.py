"""A layered (Sugiyama-style) drawing of ranked rows of nodes, fitted to a canvas's aspect ratio.

Rows run top to bottom and edges join nodes of different rows. An edge that skips rows passes through a dummy
node in each row between. Crossings: from several starts, barycenter sweeps down and up, then single nodes move
to the place in their row where they cross least; the ordering with the fewest crossings wins. x places sit
each node near the mean of its neighbours, at least a gap apart. A row too wide for the canvas wraps into
staggered sub-rows (every k-th node of the row in the same sub-row), so its left-to-right order, and with it
the crossings, stay the same.

Units while laying out: one row spacing vertically; neighbours in a row at least GAP apart. Cards about 200 px
wide and 60-90 px tall are drawn beside the nodes, so on a canvas 1000 px tall a map at most READABLE row
spacings tall and READABLE * aspect wide keeps neighbours >= 220 px and rows >= 110 px apart. Rows wrap only
when the map would otherwise not fit that; then into as few sub-rows as fit it, or as fit it best.
"""
from __future__ import annotations

import math
import random
from collections.abc import Hashable, Sequence
from typing import NamedTuple

import numpy as np

GAP = 2.0  # least distance between neighbours in a row, in row spacings (220 px / 110 px)
READABLE = 1000 / 110  # the most row spacings a map may span to keep rows 110 px apart on a 1000 px canvas
DUMMY = 0.5  # room an edge passing through a row takes there, as a share of a node's
SWEEPS = 12  # barycenter rounds (down, then up) at most
RESTARTS = 24  # starts of the ordering at most, shuffled ones after the first three
RESTART_ITEMS = 5_000  # fewer starts for big graphs: about this many items in all
SIFT_PASSES = 8  # passes of moving single items to their best place at most
SIFT_MOST = 500  # rows with more items than this are only swept
SIFT_ITEMS = 3_000  # so are graphs with more items than this (dummies included), to stay within seconds
X_SWEEPS = 8  # rounds of centring nodes on their neighbours


class _Layers:
    """Rows of items (nodes, then dummies), top first, and each item's neighbours in the rows above and below."""

    def __init__(self, rows: Sequence[Sequence[Hashable]], edges):
        self.names: list[Hashable | None] = []  # None for a dummy
        index, row_of = {}, []
        self.rows: list[list[int]] = [[] for _ in rows]
        for r, row in enumerate(rows):
            for name in row:
                index[name] = len(self.names)
                self.names.append(name)
                row_of.append(r)
                self.rows[r].append(index[name])
        self.ups: list[list[int]] = [[] for _ in self.names]
        self.downs: list[list[int]] = [[] for _ in self.names]
        pairs = {tuple(sorted((index[a], index[b]), key=lambda i: (row_of[i], i))) for a, b in edges}
        for upper, lower in sorted(p for p in pairs if row_of[p[0]] < row_of[p[1]]):
            above = upper
            for r in range(row_of[upper] + 1, row_of[lower]):  # one dummy per row the edge passes
                dummy = len(self.names)
                self.names.append(None)
                self.ups.append([])
                self.downs.append([])
                self.rows[r].append(dummy)
                self._join(above, dummy)
                above = dummy
            self._join(above, lower)
        self.pos = [0] * len(self.names)  # index of each item in its row
        self._number()

    def _join(self, upper: int, lower: int) -> None:
        self.downs[upper].append(lower)
        self.ups[lower].append(upper)

    def _number(self) -> None:
        for row in self.rows:
            for i, item in enumerate(row):
                self.pos[item] = i

    def set_rows(self, rows: list[list[int]]) -> None:
        self.rows = [list(row) for row in rows]
        self._number()

    def packed_spans(self) -> list[float]:
        """Per row, the least distance from its first node to its last with neighbours 1 apart."""
        spans = []
        for row in self.rows:
            real = [i for i, item in enumerate(row) if self.names[item] is not None]
            run = row[real[0] : real[-1] + 1] if real else []
            spans.append(sum(self._room(a) + self._room(b) for a, b in zip(run, run[1:])) / 2)
        return spans

    def _room(self, item: int) -> float:
        return DUMMY if self.names[item] is None else 1.0

    def neighbours(self, item: int) -> list[int]:
        return self.ups[item] + self.downs[item]

    # ---- crossings ---------------------------------------------------------------------------------------
    def crossings(self) -> int:
        """Crossing pairs of edges between each two adjacent rows, all rows together."""
        total = 0
        for lower in self.rows[1:]:
            ends = sorted((self.pos[u], self.pos[v]) for v in lower for u in self.ups[v])
            total += _inversions([v for _, v in ends], len(lower))
        return total

    # ---- ordering ----------------------------------------------------------------------------------------
    def order(self) -> None:
        """From several starts (the given order, depth-first walks down and up, then shuffles): barycenter
        sweeps down and up, then each item moves to the place in its row where it crosses least; the ordering
        with the fewest crossings wins."""
        given = [list(r) for r in self.rows]
        shuffler = random.Random(0)  # the same shuffles every time: the layout is deterministic
        starts = [given, self._depth_first(self.downs), self._depth_first(self.ups, up=True)]
        restarts = max(len(starts), min(RESTARTS, RESTART_ITEMS // max(len(self.names), 1)))
        best, fewest = given, math.inf
        for k in range(restarts):
            self.set_rows(starts[k] if k < len(starts) else [shuffler.sample(r, len(r)) for r in given])
            rows, count = min(self._sweeps(), key=lambda seen: seen[1])
            self.set_rows(rows)
            if count and len(self.names) <= SIFT_ITEMS:
                self._sift()
                rows, count = [list(r) for r in self.rows], self.crossings()
            if count < fewest:
                best, fewest = rows, count
            if fewest == 0:
                break
        self.set_rows(best)

    def _sweeps(self):
        """The orderings seen while sweeping down and up, with their crossings, the first one included."""
        n, count = len(self.rows), self.crossings()
        yield [list(r) for r in self.rows], count
        for _ in range(SWEEPS):
            if count == 0:
                return
            for down in (True, False):
                for r in range(1, n) if down else range(n - 2, -1, -1):
                    self._by_barycenter(r, self.ups if down else self.downs)
                count = self.crossings()
                yield [list(r) for r in self.rows], count

    def _depth_first(self, side: list[list[int]], up: bool = False) -> list[list[int]]:
        """Rows in the order a depth-first walk meets their items, from the top row along `side` (or from the
        bottom row, `up`): a tree comes out planar."""
        met: dict[int, int] = {}
        rows = self.rows[::-1] if up else self.rows
        stack = list(reversed([i for row in rows for i in row]))  # the first row first; then anything unmet
        while stack:
            item = stack.pop()
            if item not in met:
                met[item] = len(met)
                stack.extend(reversed([d for d in side[item] if d not in met]))
        return [sorted(row, key=met.__getitem__) for row in self.rows]

    def _by_barycenter(self, r: int, side: list[list[int]]) -> None:
        """Sort row r by the mean place of each item's neighbours on `side`; one without any keeps its place."""
        row = self.rows[r]
        other = len(self.rows[r - 1 if side is self.ups else r + 1])
        stretch = (other - 1) / max(len(row) - 1, 1)

        def key(item: int) -> tuple[float, int]:
            near = side[item]
            at = sum(self.pos[u] for u in near) / len(near) if near else self.pos[item] * stretch
            return at, self.pos[item]

        self.rows[r] = sorted(row, key=key)
        for i, item in enumerate(self.rows[r]):
            self.pos[item] = i

    def _sift(self) -> None:
        """Move items, one at a time, to the place in their row with the fewest crossings, while that helps."""
        for _ in range(SIFT_PASSES):
            moved = False
            for r, row in enumerate(self.rows):
                if 1 < len(row) <= SIFT_MOST:
                    moved |= self._sift_row(r)
            if not moved:
                break

    def _sift_row(self, r: int) -> bool:
        """One pass over row r, each item in turn to its best place; whether any moved."""
        row, n = self.rows[r], len(self.rows[r])
        local = {item: i for i, item in enumerate(row)}
        sides = []  # per side: each edge's item (local number) and the place of its other end, fixed meanwhile
        for side in (self.ups, self.downs):
            own = np.array([local[u] for u in row for _ in side[u]], dtype=np.intp)
            sides.append((own, np.array([self.pos[b] for u in row for b in side[u]], dtype=float)))
        order, moved = list(range(n)), False
        for v in range(n):
            ahead = np.zeros(n)  # ahead[u]: crossings with v left of u; behind[u]: with u left of v
            behind = np.zeros(n)
            for own, ends in sides:
                mine = np.sort(ends[own == v])
                if len(mine):
                    ahead += np.bincount(own, len(mine) - np.searchsorted(mine, ends, "right"), n)
                    behind += np.bincount(own, np.searchsorted(mine, ends, "left"), n)
            others = [u for u in order if u != v]
            cost = np.concatenate([[0.0], np.cumsum(behind[others])])
            cost[:-1] += np.cumsum(ahead[others][::-1])[::-1]  # cost[k]: v with k of the others on its left
            at, here = int(np.argmin(cost)), order.index(v)
            if cost[at] < cost[here]:
                order, moved = others[:at] + [v] + others[at:], True
        self.rows[r] = [row[i] for i in order]
        for i, item in enumerate(self.rows[r]):
            self.pos[item] = i
        return moved

    # ---- x places ----------------------------------------------------------------------------------------
    def x_places(self, spacing: Sequence[float]) -> list[float]:
        """x of every item: near the mean of its neighbours, in row order, items of row r at least
        spacing[r] apart (a dummy takes DUMMY of that room)."""
        gaps = [[spacing[r] * (self._room(a) + self._room(b)) / 2 for a, b in zip(row, row[1:])]
                for r, row in enumerate(self.rows)]
        x = [0.0] * len(self.names)
        for r, row in enumerate(self.rows):
            packed = _pack([0.0] * len(row), gaps[r])
            shift = (packed[0] + packed[-1]) / 2 if row else 0.0
            for item, p in zip(row, packed):
                x[item] = p - shift

        def centre(r: int, near) -> None:
            row = self.rows[r]
            desired = []
            for item in row:
                around = near(item)
                desired.append(sum(x[u] for u in around) / len(around) if around else x[item])
            for item, p in zip(row, _pack(desired, gaps[r])):
                x[item] = p

        for r in range(1, len(self.rows)):  # first under the rows above
            centre(r, lambda item: self.ups[item])
        for _ in range(X_SWEEPS):  # then between both
            for r in range(len(self.rows) - 1, -1, -1):
                centre(r, self.neighbours)
            for r in range(len(self.rows)):
                centre(r, self.neighbours)
        return x


def layered_places(
    rows: Sequence[Sequence[Hashable]],
    edges,
    loose: Sequence[Hashable] = (),
    aspect: float = 1.6,
    width: float = 200.0,
) -> dict[Hashable, tuple[float, float]]:
    """Places for the nodes of ranked `rows` (top first; a row's order breaks ties) joined by `edges` (pairs of
    nodes of different rows), and `loose` nodes in bottom rows, in their order; y grows upward.

    The map is fitted to `aspect` (width / height of the canvas): its bounding box is `width` wide and
    width / aspect tall, centred on the origin, unless all nodes share one row or one column.
    """
    aspect = max(float(aspect), 1e-3)
    layers = _Layers(rows, edges)
    layers.order()
    ordered = [[i for i in row if layers.names[i] is not None] for row in layers.rows]
    sizes = [len(row) for row in ordered]
    spans = layers.packed_spans()
    plans = []
    for columns in range(max(sizes + [len(loose), 1]), 0, -1):  # the widest rows first: wrap no more than needed
        wraps = tuple(max(1, math.ceil(n / columns)) for n in sizes)
        tall = sum(w for w, n in zip(wraps, sizes) if n) + math.ceil(len(loose) / columns) - 1
        loose_wide = (min(columns, len(loose)) - 1) * GAP
        least = max([GAP / w * s for w, s in zip(wraps, spans)] + [loose_wide, 0.0])
        plans.append(_Plan(columns, wraps, tall, loose_wide, max(least / aspect, tall)))
    placed: dict[tuple[int, ...], tuple[list[float], float]] = {}

    def size(plan: _Plan) -> float:
        """How many row spacings the plan spans on the canvas: its height, or its width over the aspect."""
        if plan.wraps not in placed:
            x = layers.x_places([GAP / w for w in plan.wraps])
            real = [x[i] for row in ordered for i in row]
            placed[plan.wraps] = x, (max(real) - min(real) if real else 0.0)
        return max(max(placed[plan.wraps][1], plan.loose_wide) / aspect, plan.tall)

    chosen = next((p for p in plans if p.least <= READABLE and size(p) <= READABLE), None)
    if chosen is None:  # none readable on a 1000 px canvas: the plan that fits it best
        fewest = math.inf
        for plan in sorted(plans, key=lambda p: (p.least, -p.columns)):
            if plan.least >= fewest:
                break
            if size(plan) < fewest:
                chosen, fewest = plan, size(plan)
    assert chosen is not None  # plans is never empty
    x, span = placed[chosen.wraps]
    wide = max(span, chosen.loose_wide)
    return _fitted(layers.names, ordered, chosen, x, list(loose), wide, aspect, width)


class _Plan(NamedTuple):
    columns: int  # nodes per row at most; wider rows wrap
    wraps: tuple[int, ...]  # sub-rows of each row
    tall: int  # row spacings from the top row to the bottom one
    loose_wide: float  # width of the loose nodes' rows
    least: float  # row spacings the plan spans on the canvas at the least


def _fitted(names, ordered, plan: _Plan, x, loose, wide, aspect, width) -> dict:
    """Wrap rows into staggered sub-rows, put the loose nodes in rows below, and scale to the bounding box."""
    real = [x[i] for row in ordered for i in row]
    middle = (max(real) + min(real)) / 2 if real else 0.0
    natural: dict[Hashable, tuple[float, float]] = {}
    top = 0
    for row, k in zip(ordered, plan.wraps):
        for n, item in enumerate(row):
            natural[names[item]] = (x[item] - middle, -(top + n % k))
        top += k if row else 0
    for start in range(0, len(loose), plan.columns):
        part = loose[start : start + plan.columns]
        for n, name in enumerate(part):
            natural[name] = ((n - (len(part) - 1) / 2) * GAP, -top)
        top += 1
    sx = width / wide if wide > 1e-12 else 0.0
    sy = width / aspect / plan.tall if plan.tall > 0 else 0.0
    return {name: (float(px * sx), float((py + plan.tall / 2) * sy)) for name, (px, py) in natural.items()}


def _pack(desired: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """Places in order, gaps[i] or more between i and i + 1, nearest `desired` in least squares (pool adjacent
    violators on the places less the gaps before them)."""
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    blocks: list[list[float]] = []  # [sum, count] of runs pooled to one value
    for d, o in zip(desired, offsets):
        blocks.append([d - o, 1])
        while len(blocks) > 1 and blocks[-2][0] * blocks[-1][1] > blocks[-1][0] * blocks[-2][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    values = [total / count for total, count in blocks for _ in range(int(count))]
    return [v + o for v, o in zip(values, offsets)]


def _inversions(values: list[int], size: int) -> int:
    """Pairs i < j with values[i] > values[j], for values in range(size) (a Fenwick tree)."""
    tree = [0] * (size + 1)
    count = 0
    for seen, v in enumerate(values):
        i, below = v + 1, 0
        while i > 0:
            below += tree[i]
            i -= i & -i
        count += seen - below
        i = v + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return count
