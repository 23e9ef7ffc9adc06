"""Groups from the window's side: group the selection under a name, rename, recolour, ungroup and delete, and a
group's menu, each one undo step, against a real session with the dialogs answered."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from instructor_map.app import dialogs, group_actions
from instructor_map.app.group_actions import GroupActions
from instructor_map.core.document import Group, MapDocument, Note
from instructor_map.core.events import Aspect
from instructor_map.core.session import Session


@pytest.fixture
def setup(qtbot):
    """GroupActions on a session of five notes (n0, n1 in "Beach"), with a selection the test sets."""
    doc = MapDocument(groups={"g1": Group("g1", "Beach")})
    for i in range(5):
        doc.insert_note(Note(f"n{i}", f"note {i}", group="g1" if i < 2 else ""))
    session = Session(doc)
    parent = QWidget()
    qtbot.addWidget(parent)
    selected: list[str] = []
    changes = []
    session.changed.connect(changes.append)
    return session, GroupActions(session, parent, lambda: list(selected)), selected, changes


def members(session, group_id):
    return [k for k, n in session.doc.notes.items() if n.group == group_id]


def action(menu, text):
    return next(a for a in menu.actions() if a.text() == text)


def test_grouping_the_selection_asks_a_name_offering_the_next_free_one(setup, monkeypatch):
    session, actions, selected, changes = setup
    asked = []
    monkeypatch.setattr(dialogs, "get_text", lambda parent, title, label, text="", **kw: asked.append(text) or "Food")
    session.doc.groups["g2"] = Group("g2", "Group 2")
    selected[:] = ["n1", "n3"]
    group_id = actions.group_selection()
    assert asked == ["Group 3"]
    assert session.doc.groups[group_id].name == "Food" and members(session, group_id) == ["n1", "n3"]
    assert members(session, "g1") == ["n0"]
    assert session.stack.undo_label == "Group 2 notes as “Food”"
    assert changes[-1].touches(Aspect.GROUPS) and not changes[-1].remap
    session.undo()
    assert group_id not in session.doc.groups and members(session, "g1") == ["n0", "n1"]


def test_grouping_under_an_existing_name_joins_that_group(setup, answers):
    session, actions, selected, _ = setup
    answers["get_text"] = ["Beach"]
    selected[:] = ["n4"]
    assert actions.group_selection() == "g1"
    assert members(session, "g1") == ["n0", "n1", "n4"] and len(session.doc.groups) == 1


def test_grouping_does_nothing_when_cancelled_blank_or_nothing_selected(setup, answers):
    session, actions, selected, _ = setup
    assert actions.group_selection() is None  # nothing selected: no question either
    selected[:] = ["n2"]
    answers["get_text"] = [None, "   "]
    assert actions.group_selection() is None
    assert actions.group_selection() is None
    assert not session.stack.can_undo and list(session.doc.groups) == ["g1"]


def test_rename_takes_the_answer_and_refuses_a_name_in_use(setup, answers):
    session, actions, _, _ = setup
    answers["get_text"] = ["Sea"]
    actions.rename("g1")
    assert session.doc.groups["g1"].name == "Sea"
    assert session.stack.undo_label == "Rename group “Beach” to “Sea”"
    session.doc.groups["g2"] = Group("g2", "Snow")
    answers["get_text"] = ["Snow"]
    answers["error"] = [None]
    actions.rename("g1")
    assert session.doc.groups["g1"].name == "Sea" and not answers["error"]  # told, and nothing changed
    session.undo()
    assert session.doc.groups["g1"].name == "Beach" and not session.stack.can_undo


def test_recolour_takes_the_chosen_colour_and_a_cancel_changes_nothing(setup, monkeypatch):
    session, actions, _, changes = setup
    chosen = [QColor("#3366ff"), QColor()]  # the second: the dialog cancelled
    monkeypatch.setattr(group_actions.QColorDialog, "getColor", lambda *a, **kw: chosen.pop(0))
    actions.recolor("g1")
    assert session.doc.groups["g1"].color == "#3366ff"
    assert changes[-1].touches(Aspect.GROUPS | Aspect.STYLE) and not changes[-1].remap
    actions.recolor("g1")
    assert session.doc.groups["g1"].color == "#3366ff" and len(changes) == 1
    actions.recolor("g1", "")
    assert session.doc.groups["g1"].color == ""
    session.undo()
    assert session.doc.groups["g1"].color == "#3366ff"


def test_ungroup_takes_the_selection_out_of_their_groups(setup):
    session, actions, selected, _ = setup
    selected[:] = ["n1", "n2"]
    actions.ungroup()
    assert members(session, "g1") == ["n0"] and session.stack.undo_label == "Ungroup 1 note"
    actions.ungroup(["n2", "n3"])  # in no group: nothing to do
    assert session.stack.undo_label == "Ungroup 1 note"
    session.undo()
    assert members(session, "g1") == ["n0", "n1"]


def test_a_drop_on_a_group_moves_and_groups_in_one_step(setup):
    session, actions, _, changes = setup
    actions.move_into(2, {"n3": (1.0, 2.0)}, "g1")
    assert members(session, "g1") == ["n0", "n1", "n3"] and session.doc.placements[2].pins == {"n3": (1.0, 2.0)}
    assert changes[-1].touches(Aspect.PLACES) and changes[-1].touches(Aspect.GROUPS) and not changes[-1].remap
    session.undo()
    assert members(session, "g1") == ["n0", "n1"] and not session.doc.placements[2].pins


def test_the_group_menu_selects_renames_recolours_and_deletes(setup, answers, qtbot, monkeypatch):
    session, actions, _, _ = setup
    menu = actions.menu_for_group("g1")
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == \
        ["Rename “Beach”…", "Colour…", "Select its 2 notes", "Delete group “Beach” (notes stay)"]
    with qtbot.waitSignal(actions.selectRequested) as blocker:
        action(menu, "Select its 2 notes").trigger()
    assert blocker.args == [["n0", "n1"]]
    answers["get_text"] = ["Sea"]
    action(menu, "Rename “Beach”…").trigger()
    assert session.doc.groups["g1"].name == "Sea"
    monkeypatch.setattr(group_actions.QColorDialog, "getColor", lambda *a, **kw: QColor("#00aa00"))
    action(menu, "Colour…").trigger()
    assert session.doc.groups["g1"].color == "#00aa00"
    assert "Clear colour" in [a.text() for a in actions.menu_for_group("g1").actions()]
    action(menu, "Delete group “Beach” (notes stay)").trigger()
    assert "g1" not in session.doc.groups and len(session.doc.notes) == 5 and not members(session, "g1")
    session.undo()
    assert session.doc.groups["g1"].name == "Sea" and members(session, "g1") == ["n0", "n1"]


def test_an_empty_group_has_nothing_to_select(setup):
    session, actions, _, _ = setup
    session.doc.groups["g2"] = Group("g2", "Snow & ice")
    menu = actions.menu_for_group("g2")
    select = action(menu, "Select its 0 notes")
    assert not select.isEnabled() and menu.title() == "Snow && ice"
    assert action(menu, "Rename “Snow && ice”…").isEnabled()  # shown as "Snow & ice", no shortcut made of it
