import json

import numpy as np
import pytest
from scipy.stats import ortho_group

from instructor_map.core.errors import InputError
from instructor_map.core.pca import PIN_WEIGHT, SPAN, axis_layout, pca_layout


def clustered(n_per=15, k=4, d=32, spread=0.3, seed=0):
    """Unit vectors in k Gaussian clusters, and each row's cluster."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d))
    X = np.concatenate([c + spread * rng.standard_normal((n_per, d)) for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), np.repeat(np.arange(k), n_per)


def unit(X):
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)


def ids_for(n, start=0):
    return [f"n{i}" for i in range(start, start + n)]


def places(layout):
    return {k: tuple(map(float, p)) for k, p in zip(layout.ids, layout.coords)}


def span(coords):
    return float(np.ptp(coords, axis=0).max())


def test_rerunning_gives_identical_places():
    X, _ = clustered()
    a, b = pca_layout(X, ids_for(60)), pca_layout(X, ids_for(60))
    assert a.coords.dtype == np.float32 and a.coords.shape == (60, 2)
    np.testing.assert_array_equal(a.coords, b.coords)


def test_map_fills_a_fixed_range_unless_scale_is_given():
    X, _ = clustered()
    layout = pca_layout(X, ids_for(60))
    assert np.abs(layout.coords).max() == pytest.approx(SPAN, rel=1e-5)
    halved = pca_layout(X, ids_for(60), scale=layout.basis["scale"] / 2)
    np.testing.assert_allclose(halved.coords, layout.coords / 2, atol=1e-3)


def test_notes_of_one_topic_are_neighbours_on_the_map():
    X, topic = clustered()
    layout = pca_layout(X, ids_for(60), dims=3)  # four topics span three axes
    dist = np.linalg.norm(layout.coords[:, None] - layout.coords[None], axis=2)
    np.fill_diagonal(dist, np.inf)
    assert (topic[dist.argmin(axis=1)] == topic).mean() >= 0.95
    ratio = layout.explained_variance_ratio
    assert ratio.shape == (3,) and ratio[0] >= ratio[1] >= ratio[2] > 0


def test_orientation_ignores_note_order_and_the_embedding_axes():
    X, _ = clustered()
    base = places(pca_layout(X, ids_for(60)))
    order = np.random.default_rng(1).permutation(60)
    turned = X[order] @ ortho_group.rvs(32, random_state=2).astype(np.float32)
    again = places(pca_layout(turned, [f"n{i}" for i in order]))
    for note_id, pos in base.items():
        np.testing.assert_allclose(again[note_id], pos, atol=1e-2)


def test_adding_a_note_barely_moves_the_others():
    X, _ = clustered()
    old = pca_layout(X, ids_for(60))
    for seed in range(5):  # some of these would flip an axis without alignment
        extra = unit(X[10 * seed : 10 * seed + 1] + 0.2 * np.random.default_rng(seed).standard_normal((1, 32)))
        new = pca_layout(np.vstack([X, extra]), ids_for(61), previous=places(old))
        moved = np.linalg.norm(new.coords[:60] - old.coords, axis=1)
        assert moved.max() <= 0.05 * span(old.coords)


def test_small_change_of_vectors_keeps_the_map_the_same_way_round():
    X, _ = clustered()
    rng = np.random.default_rng(4)
    for dims in (2, 3):
        old = pca_layout(X, ids_for(60), dims=dims)
        for _ in range(5):
            nudged = unit(X + 0.05 * rng.standard_normal(X.shape))
            new = pca_layout(nudged, ids_for(60), dims=dims, previous=places(old))
            for axis in range(dims):
                assert np.corrcoef(old.coords[:, axis], new.coords[:, axis])[0, 1] > 0.9


def test_alignment_follows_a_turned_mirrored_moved_previous_map(basis_places):
    X, _ = clustered()
    layout = pca_layout(X, ids_for(60))
    turn = np.array([[0.0, -1.0], [-1.0, 0.0]])  # a mirror across the diagonal
    shown = layout.coords @ turn * 2.5 + np.array([40.0, -7.0])
    previous = {k: tuple(p) for k, p in zip(layout.ids, shown)}
    again = pca_layout(X, ids_for(60), previous=previous)
    np.testing.assert_allclose(again.coords, shown, atol=1e-2)
    np.testing.assert_allclose(basis_places(X, again.basis), again.coords, atol=1e-3)


def test_malformed_earlier_places_are_skipped_and_the_rest_still_align():
    X, _ = clustered()
    layout = pca_layout(X, ids_for(60))
    shown = layout.coords * -1.5 + np.array([3.0, 4.0])
    previous = {k: tuple(p) for k, p in zip(layout.ids, shown)}
    broken = dict(previous, n0=(1.0, 2.0, 3.0), n1=(float("nan"), 0.0), n2=())
    pins = {"n3": (9.0,)}  # a pin of the wrong length is left out, and so is that note's earlier place
    again = pca_layout(X, ids_for(60), previous=broken, pins=pins)
    np.testing.assert_allclose(again.coords[4:], shown[4:], atol=1e-2)


def test_too_few_shared_notes_means_no_alignment():
    X, _ = clustered()
    plain = pca_layout(X, ids_for(60))
    previous = {"n0": (500.0, 500.0), "n1": (-500.0, 3.0), "gone": (1.0, 1.0)}
    np.testing.assert_array_equal(pca_layout(X, ids_for(60), previous=previous).coords, plain.coords)


def test_pins_outweigh_previous_places():
    X, _ = clustered()
    layout = pca_layout(X, ids_for(60))
    x = layout.coords[:, 0]
    mirrored = {f"n{i}": (-x[i], layout.coords[i, 1]) for i in range(0, 60, 6)}  # ten notes
    pinned = {f"n{i}": tuple(layout.coords[i]) for i in (1, 21, 41, 55)}  # four notes, as they were
    assert 4 * PIN_WEIGHT > 10
    assert np.corrcoef(pca_layout(X, ids_for(60), previous=mirrored).coords[:, 0], x)[0, 1] < -0.9
    held = pca_layout(X, ids_for(60), previous=mirrored, pins=pinned).coords[:, 0]
    assert np.corrcoef(held, x)[0, 1] > 0.9


def test_pins_alone_orient_a_fresh_map():
    X, _ = clustered()
    layout = pca_layout(X, ids_for(60))
    pins = {f"n{i}": (-layout.coords[i, 0], layout.coords[i, 1]) for i in (0, 15, 30, 45)}
    fresh = pca_layout(X, ids_for(60), pins=pins)
    np.testing.assert_allclose(fresh.coords[:, 0], -layout.coords[:, 0], atol=1e-2)


def test_basis_survives_json_and_gives_the_places_back(basis_places):
    X, _ = clustered()
    for dims in (2, 3):
        layout = pca_layout(X[1:], ids_for(59, 1), dims=dims)
        basis = json.loads(json.dumps(layout.basis))
        assert set(basis) >= {"mean", "components", "scale", "offset", "explained_variance_ratio"}
        np.testing.assert_allclose(basis_places(X[1:], basis), layout.coords, atol=1e-3)
        np.testing.assert_allclose(basis["explained_variance_ratio"], layout.explained_variance_ratio)


@pytest.mark.parametrize("dims", [2, 3])
def test_tiny_and_degenerate_inputs_give_finite_places(dims):
    X, _ = clustered()
    assert pca_layout(np.zeros((0, 32), np.float32), [], dims=dims).coords.shape == (0, dims)
    np.testing.assert_array_equal(pca_layout(X[:1], ["a"], dims=dims).coords, np.zeros((1, dims)))
    two = pca_layout(X[:2], ["a", "b"], dims=dims).coords
    assert two[0, 0] == pytest.approx(-two[1, 0], rel=1e-5) and two[0, 0] != 0 and not two[:, 1:].any()
    same = pca_layout(np.tile(X[:1], (5, 1)), list("abcde"), dims=dims)
    assert not same.coords.any() and np.isfinite(same.explained_variance_ratio).all()
    narrow = pca_layout(unit(np.random.default_rng(5).standard_normal((8, 2))), ids_for(8), dims=dims)
    assert narrow.coords.shape == (8, dims) and not narrow.coords[:, 2:].any()
    for layout in (two, same.coords, narrow.coords):
        assert np.isfinite(layout).all()


def test_rejects_vectors_that_do_not_match_the_notes():
    X, _ = clustered()
    with pytest.raises(ValueError):
        pca_layout(X, ids_for(59))
    with pytest.raises(ValueError):
        pca_layout(np.full((3, 4), np.nan, np.float32), list("abc"))


def test_named_axis_puts_notes_between_its_poles(basis_places):
    X, topic = clustered()
    low, high = X[topic == 0], X[topic == 1]
    layout = axis_layout(X, ids_for(60), x_axis=(low, high))
    x = layout.coords[:, 0]
    assert x[topic == 1].min() > x[topic == 0].max()
    assert np.abs(layout.coords).max() == pytest.approx(SPAN, rel=1e-5)
    np.testing.assert_allclose(basis_places(X, layout.basis), layout.coords, atol=1e-3)
    y_named = axis_layout(X, ids_for(60), x_axis=(low, high), y_axis=(X[topic == 3], X[topic == 2]))
    y = y_named.coords[:, 1]
    assert y[topic == 2].min() > y[topic == 3].max()
    # a free axis shows what the named one leaves out: orthogonal to it
    components = np.array(axis_layout(X, ids_for(60), x_axis=(low, high), dims=3).basis["components"])
    np.testing.assert_allclose(components @ components.T, np.eye(3), atol=1e-5)


def test_named_axis_with_identical_poles_is_a_clear_error():
    X, _ = clustered()
    with pytest.raises(InputError, match="axis"):
        axis_layout(X, ids_for(60), x_axis=(X[0], X[0]))


def test_map_keeps_its_size_when_the_new_vectors_differ_a_lot():
    def rms_radius(coords):
        return np.sqrt(((coords - coords.mean(axis=0)) ** 2).sum(axis=1).mean())

    X, _ = clustered()
    first = pca_layout(X, ids_for(60))
    layout = first
    for seed in range(3):  # e.g. a very different instruction, again and again
        other, _ = clustered(seed=10 + seed)
        layout = pca_layout(other, ids_for(60), previous=places(layout))
    assert rms_radius(layout.coords) == pytest.approx(rms_radius(first.coords), rel=1e-3)


def test_wide_vectors_get_the_exact_principal_axes():
    """Beyond 512 features the top axes come from an iteration that stops early: they still match a full
    eigendecomposition."""
    X, _ = clustered(n_per=150, k=12, d=640, spread=0.8, seed=3)
    layout = pca_layout(X, ids_for(len(X)), dims=3)
    centred = X.astype(np.float64) - X.astype(np.float64).mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    exact = vectors[:, ::-1][:, :3].T
    cosines = np.abs(np.sum(np.asarray(layout.basis["components"]) * exact, axis=1))
    assert cosines.min() > 1 - 1e-6
    np.testing.assert_allclose(layout.explained_variance_ratio, values[::-1][:3] / values.sum(), rtol=1e-4)
