"""Clusters in the window: Map > Clusters chooses how many, and a note's menu corrects them, with undo."""
from __future__ import annotations

from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples"


def wait_quiet(qtbot, window, timeout=90_000):
    qtbot.waitUntil(lambda: window.mapping.settled and not window.canvas.gliding(), timeout=timeout)


def open_sample(qtbot, make_window, name="research_notes"):
    window = make_window(model="bundled")
    assert window.files.open_path(SAMPLES / f"{name}.imap")
    wait_quiet(qtbot, window)
    return window


def submenu_action(menu, *path):
    """The action at a path below a menu, filled as when it opens."""
    actions = menu.actions()
    for name in path:
        action = next(a for a in actions if a.text().replace("&", "").startswith(name))
        if action.menu() is not None:
            action.menu().aboutToShow.emit()
            actions = action.menu().actions()
    return action


def test_map_clusters_off_number_and_automatic(qtbot, make_window, answers):
    window = open_sample(qtbot, make_window)
    automatic = len(set(window.doc.clusters.values()))
    submenu_action(window.menuBar(), "Map", "Clusters", "Off").trigger()
    wait_quiet(qtbot, window)
    assert not window.doc.clusters
    qtbot.waitUntil(lambda: not window.canvas.labels_pending() and not window.canvas.names_shown())
    answers["get_text"] = ["3"]
    submenu_action(window.menuBar(), "Map", "Clusters", "Number").trigger()
    wait_quiet(qtbot, window)
    assert len(set(window.doc.clusters.values())) == 3 and window.doc.cluster_count == 3
    qtbot.waitUntil(lambda: not window.canvas.labels_pending() and len(window.canvas.names_shown()) == 3)
    window.session.undo()  # back to no clusters, then to the automatic ones
    window.session.undo()
    wait_quiet(qtbot, window)
    assert len(set(window.doc.clusters.values())) == automatic and window.doc.cluster_count == "auto"


def test_a_note_moved_to_another_cluster_stays_there_when_the_map_is_computed_again(qtbot, make_window):
    window = open_sample(qtbot, make_window)
    note = window.doc.note_ids[0]
    own = window.doc.clusters[note]
    other = next(c for c in sorted(set(window.doc.clusters.values())) if c != own)
    name = window.doc.cluster_labels[other]
    menu = window.note_actions.menu_for([note])
    submenu_action(menu, "Cluster", "Move to", name).trigger()
    assert window.doc.clusters[note] == other and window.session.stack.undo_label.startswith("Move to")
    window.mapping.recompute()  # F5
    wait_quiet(qtbot, window)
    assert window.doc.clusters[note] == other
    window.session.undo()
    assert window.doc.clusters[note] == own and note not in window.doc.cluster_assigned


def test_make_group_from_a_cluster(qtbot, make_window):
    window = open_sample(qtbot, make_window)
    note = window.doc.note_ids[0]
    cluster = window.doc.clusters[note]
    members = {k for k, c in window.doc.clusters.items() if c == cluster}
    submenu_action(window.note_actions.menu_for([note]), "Cluster", "Make group from").trigger()
    group = window.doc.group_by_name(window.doc.cluster_labels[cluster])
    assert group is not None and {k for k, n in window.doc.notes.items() if n.group == group.id} == members


def test_a_note_dropped_on_another_cluster_joins_it_and_one_undo_takes_both_back(qtbot, make_window):
    import numpy as np

    window = open_sample(qtbot, make_window)
    doc = window.doc
    note = doc.note_ids[0]
    own, before = doc.clusters[note], doc.placements[2].position(note)
    other = next(c for c in sorted(set(doc.clusters.values())) if c != own)
    centre = np.mean([doc.placements[2].position(k) for k, c in doc.clusters.items() if c == other], axis=0)
    window.canvas.notesMoved.emit({note: tuple(float(v) for v in centre)})
    assert doc.clusters[note] == other and doc.cluster_assigned[note] == other
    window.session.undo()
    assert doc.clusters[note] == own and doc.placements[2].position(note) == before


def test_zoomed_in_the_map_names_the_parts_of_its_clusters(qtbot, make_window):
    window = open_sample(qtbot, make_window)
    window.mapping.recompute()  # F5: clusters and their parts from this version
    wait_quiet(qtbot, window)
    canvas, doc = window.canvas, window.doc

    def parts_shown() -> dict:
        return canvas.names_shown("part-name")

    qtbot.waitUntil(lambda: not canvas.labels_pending())
    assert doc.subcluster_names and not parts_shown() and canvas.names_shown()  # zoomed out
    cluster = doc.clusters[next(iter(doc.subclusters))]
    x, y = canvas.names_shown()[cluster][1:]
    (x0, x1), (y0, y1) = canvas.vb.viewRange()
    canvas.vb.setRange(xRange=(x - (x1 - x0) / 6, x + (x1 - x0) / 6), yRange=(y - (y1 - y0) / 6, y + (y1 - y0) / 6),
                       padding=0)
    qtbot.waitUntil(lambda: not canvas.labels_pending() and bool(parts_shown()))
    assert cluster not in canvas.names_shown()  # its parts are named instead
    names = {name for key, (name, *_) in parts_shown().items() if key.startswith(f"{cluster}.")}
    assert len(names) >= 2
    canvas.fit_all()
    qtbot.waitUntil(lambda: not canvas.labels_pending() and not parts_shown() and cluster in canvas.names_shown())
