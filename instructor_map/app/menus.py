"""The menu bar and its shortcuts: each entry calls one of the window's controllers."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMainWindow

from instructor_map import __version__
from instructor_map.app import dialogs
from instructor_map.app.canvas2d import MapCanvas2D
from instructor_map.app.canvas3d import MapView3D
from instructor_map.app.cluster_actions import ClusterActions
from instructor_map.app.files import ProjectFiles
from instructor_map.app.group_actions import GroupActions
from instructor_map.app.map_actions import MapActions
from instructor_map.app.map_display import MapDisplay
from instructor_map.app.mapping import Mapping
from instructor_map.app.model_manager import Models
from instructor_map.app.note_actions import NoteActions
from instructor_map.core.document import LINK_KINDS
from instructor_map.core.errors import InputError
from instructor_map.core.models import BUNDLED, DEVICES, INSTRUCTOR_MODELS
from instructor_map.core.session import Session


def _action(menu, text, slot, shortcut=None):
    action = QAction(text, menu)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda *_: slot())
    menu.addAction(action)
    return action


@dataclass
class MenuTargets:
    """What the menus act on."""

    window: QMainWindow
    session: Session
    files: ProjectFiles
    notes: NoteActions
    clusters: ClusterActions
    maps: MapActions
    mapping: Mapping
    display: MapDisplay
    canvas: MapCanvas2D
    view3d: MapView3D
    search: QLineEdit
    escape: Callable[[], None]
    groups: GroupActions | None = None


def export_view(t: MenuTargets) -> None:
    """Export the project (CSV, JSON, Canvas, GraphML) or the visible map (PNG, SVG)."""
    from instructor_map.core.exporters import export

    stem = t.files.path.stem if t.files.path else "map"
    path = dialogs.save_path(t.window, "Export", dialogs.EXPORT_FILTER, stem + ".csv")
    if not path:
        return
    try:
        if Path(path).suffix.lower() in (".png", ".svg"):
            if t.display.dims == 2:
                t.canvas.export_image(path)
            else:
                t.view3d.grabFramebuffer().save(path)
        else:
            export(t.session.doc, path, dims=t.display.dims)
    except (InputError, OSError) as exc:
        dialogs.error(t.window, "Could not export", str(exc))
        return
    t.window.statusBar().showMessage(f"Exported {Path(path).name}", 4000)


def build_menus(t: MenuTargets) -> tuple[QAction, QAction]:
    """Fills the window's menu bar; returns the Undo and Redo actions, which the window keeps up to date."""
    bar, files, notes, maps = t.window.menuBar(), t.files, t.notes, t.maps
    file = bar.addMenu("&File")
    _action(file, "&New", files.new, QKeySequence.New)
    _action(file, "&Open…", lambda: [files.open_path(p) for p in dialogs.open_paths(
        t.window, "Open", dialogs.PROJECT_FILTER + ";;" + dialogs.IMPORT_FILTER)[:1]], QKeySequence.Open)
    recent = file.addMenu("Open &Recent")
    recent.aboutToShow.connect(lambda: _fill_recent(files, recent))
    _action(file, "&Import notes…", files.import_chosen, "Ctrl+I")
    _action(file, "&Paste notes…", files.paste_notes, "Ctrl+Shift+V")
    file.addSeparator()
    _action(file, "&Save", files.save, QKeySequence.Save)
    _action(file, "Save &As…", files.save_as, QKeySequence.SaveAs)
    _action(file, "&Export…", lambda: export_view(t), "Ctrl+E")
    file.addSeparator()
    _action(file, "&Quit", t.window.close, QKeySequence.Quit)

    edit = bar.addMenu("&Edit")
    undo = _action(edit, "&Undo", t.session.undo, QKeySequence.Undo)
    redo = _action(edit, "&Redo", t.session.redo)
    # Ctrl+Shift+Z everywhere, and the platform's own Redo; one key twice would make both ambiguous (X11)
    keys = [QKeySequence("Ctrl+Shift+Z")]
    keys += [k for k in QKeySequence.keyBindings(QKeySequence.Redo) if k not in keys]
    redo.setShortcuts(keys)
    edit.addSeparator()
    _action(edit, "&Add note…", notes.add_note, "Ctrl+Shift+N")
    _action(edit, "&Delete", notes.delete, QKeySequence.Delete)
    _action(edit, "&Pin selected", lambda: notes.set_pinned(notes.selection(), True), "Ctrl+P")
    _action(edit, "&Unpin selected", lambda: notes.set_pinned(notes.selection(), False), "Ctrl+Shift+P")
    if t.groups is not None:
        _action(edit, "&Group selection…", t.groups.group_selection, "Ctrl+G")
        _action(edit, "Take selection out of its &group", t.groups.ungroup, "Ctrl+Shift+G")
    _action(edit, "&Find…", t.search.setFocus, QKeySequence.Find)
    _action(edit, "Find notes &like…", maps.find_like, "Ctrl+Shift+F")

    view = bar.addMenu("&View")
    _action(view, "&Fit all", lambda: (t.canvas.fit_all(), t.view3d.fit_all()), "Ctrl+0")
    _action(view, "&2D map", lambda: t.display.tabs.setCurrentIndex(0), "Ctrl+1")
    _action(view, "&3D map", lambda: t.display.tabs.setCurrentIndex(1), "Ctrl+2")
    clusters = _action(view, "Show &clusters", lambda: _show_clusters(t, clusters.isChecked()))
    clusters.setCheckable(True)
    clusters.setChecked(True)
    frames = _action(view, "Show &group frames", lambda: t.canvas.set_frames_shown(frames.isChecked()))
    frames.setCheckable(True)
    frames.setChecked(True)
    view.addSeparator()
    _radio(view, (("&Auto: cards where there is room", "auto"), ("&Cards", "cards"), ("&Dots", "dots")),
           t.canvas.note_style, t.canvas.set_note_style)
    colours = view.addMenu("C&olour by")
    _radio(colours, (("&Cluster", "cluster"), ("&Group", "group")), t.canvas.color_by, t.canvas.set_color_by)
    view.addSeparator()
    sizing = _action(view, "Size by &relevance", lambda: maps.set_sizing(sizing.isChecked()))
    sizing.setCheckable(True)

    mapping = bar.addMenu("&Map")
    _action(mapping, "&Recompute map", t.mapping.recompute, "F5")
    _action(mapping, "&Cancel embedding, or clear search and overlays", t.escape, "Esc")
    mapping.addSeparator()
    layouts = QActionGroup(mapping)
    modes = {mode: _action(mapping, text, lambda m=mode: maps.set_mode(m))
             for mode, text in (("semantic", "&Semantic layout"), ("argument", "&Argument layout"))}
    for action in modes.values():
        action.setCheckable(True)
        layouts.addAction(action)
    mapping.aboutToShow.connect(lambda: modes[maps.arrangement().mode].setChecked(True))
    _action(mapping, "A&xes…", maps.choose_axes)
    counts = mapping.addMenu("C&lusters")
    counts.aboutToShow.connect(lambda: _fill_counts(t, counts))
    compare = mapping.addMenu("Compare with previous &task")
    compare.aboutToShow.connect(lambda: _fill_compare(t.session, maps, compare))
    mapping.addSeparator()
    kinds = mapping.addMenu("New links are")
    group = QActionGroup(kinds)
    for kind in LINK_KINDS:
        act = _action(kinds, kind, lambda k=kind: setattr(notes, "link_kind", k))
        act.setCheckable(True)
        act.setChecked(kind == notes.link_kind)
        group.addAction(act)
    _model_menu(t, mapping.addMenu("&Model"))

    helping = bar.addMenu("&Help")
    _action(helping, "&Keyboard shortcuts", lambda: dialogs.inform(t.window, "Keyboard shortcuts", shortcuts(bar)))
    _action(helping, "&About Instructor Map", lambda: dialogs.inform(t.window, "About Instructor Map", ABOUT))
    return undo, redo


ABOUT = (f"<h3>Instructor Map {__version__}</h3><p>Semantic maps of your notes that follow the task you type: "
         "each note is embedded with an instruction (INSTRUCTOR, “One Embedder, Any Task”) and placed by PCA.</p>"
         "<p>The bundled offline model (all-MiniLM-L6-v2) is not instruction-tuned: the task changes its map only a "
         "little. hkunlp/instructor-large gives task-aware maps.</p>")


def shortcuts(bar) -> str:
    """Every menu entry that has a key, read from the menus themselves, as an HTML table."""
    rows = []

    def walk(menu, path):
        for action in menu.actions():
            name = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            if action.menu() is not None:
                walk(action.menu(), [*path, name])
            elif keys := [k.toString(QKeySequence.NativeText) for k in action.shortcuts() if not k.isEmpty()]:
                rows.append(f"<tr><td>{' or '.join(keys)}</td><td>{' › '.join([*path, name])}</td></tr>")

    for action in bar.actions():
        if action.menu() is not None:
            walk(action.menu(), [action.text().replace("&", "")])
    return "<table cellspacing='6'>" + "".join(rows) + "</table>"


def _fill_compare(session: Session, maps: MapActions, menu) -> None:
    """Earlier tasks, newest first; the one compared now is checked, and choosing it again stops comparing."""
    menu.clear()
    doc = session.doc
    for instruction in reversed(doc.instruction_history):
        if instruction != doc.instruction:
            action = _action(menu, instruction.strip().replace("&", "&&"), lambda i=instruction: maps.compare(i))
            action.setCheckable(True)
            action.setChecked(instruction == maps.comparing)
    if menu.isEmpty():
        menu.addAction("No earlier task yet").setEnabled(False)
    else:
        menu.addSeparator()
        _action(menu, "Stop comparing", maps.stop_comparing).setEnabled(maps.comparing is not None)


def _fill_counts(t: MenuTargets, menu) -> None:
    """Map > Clusters: automatic, a number the user chooses, or none; the current choice is checked."""
    menu.clear()
    group, count = QActionGroup(menu), t.session.doc.cluster_count
    number = f"&Number… ({count})" if isinstance(count, int) else "&Number…"
    for text, value in (("&Automatic", "auto"), (number, None), ("&Off", "none")):
        action = _action(menu, text, lambda v=value: t.clusters.set_count(v))
        action.setCheckable(True)
        action.setChecked(count == value or (value is None and isinstance(count, int)))
        group.addAction(action)


def _show_clusters(t: MenuTargets, on: bool) -> None:
    t.canvas.clusters.visible = on
    t.canvas.refresh()
    t.view3d.set_cluster_names_visible(on)


def _radio(menu, choices, current: Callable[[], str], choose: Callable[[str], None]) -> None:
    """Checkable entries of which one is on: `choices` of (text, value); the one `current()` gives is checked."""
    group = QActionGroup(menu)
    actions = {}
    for text, value in choices:
        actions[value] = _action(menu, text, lambda v=value: choose(v))
        actions[value].setCheckable(True)
        group.addAction(actions[value])
    actions[current()].setChecked(True)


def _model_menu(t: MenuTargets, menu) -> None:
    choice, mapping = t.mapping.choice, t.mapping
    _action(menu, "Model &manager…", lambda: Models.of(t.window).open_manager())
    menu.addSeparator()
    group = QActionGroup(menu)
    choices = [("Default (instructor-large, offline: bundled)", "")] + [(m, m) for m in INSTRUCTOR_MODELS]
    choices.append(("Bundled all-MiniLM-L6-v2 (offline, not instruction-tuned)", BUNDLED))
    for label, value in choices:
        act = _action(menu, label, lambda v=value: mapping.set_model(model=v))
        act.setCheckable(True)
        act.setData(value)
        group.addAction(act)
    menu.aboutToShow.connect(lambda: [a.setChecked(a.data() == (mapping.choice.model or "")) for a in group.actions()])
    _action(menu, "Model folder…", lambda: _choose_folder(t))
    devices = menu.addMenu("&Device")
    device_group = QActionGroup(devices)
    for device in DEVICES:
        act = _action(devices, device, lambda d=device: mapping.set_model(device=d))
        act.setCheckable(True)
        act.setChecked(device == choice.device)
        device_group.addAction(act)
    menu.addSeparator()
    fast = _action(menu, "Fast CPU mode (int8, approximate)", lambda: mapping.set_model(fast=fast.isChecked()))
    fast.setCheckable(True)
    fast.setChecked(choice.fast)


def _choose_folder(t: MenuTargets) -> None:
    from PySide6.QtWidgets import QFileDialog

    folder = QFileDialog.getExistingDirectory(t.window, "Model folder (hub layout)")
    if folder:
        t.mapping.set_model(model=folder)


def _fill_recent(files: ProjectFiles, menu) -> None:
    menu.clear()
    for path in files.recent_files():
        _action(menu, path, lambda p=path: files.open_path(p))
    if menu.isEmpty():
        menu.addAction("No recent projects").setEnabled(False)
