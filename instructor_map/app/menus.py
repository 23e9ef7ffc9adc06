"""The menu bar and its shortcuts."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from instructor_map.app import dialogs
from instructor_map.core.document import LINK_KINDS
from instructor_map.core.errors import InputError
from instructor_map.core.models import BUNDLED, DEVICES, INSTRUCTOR_MODELS


def _action(menu, text, slot, shortcut=None):
    action = QAction(text, menu)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda *_: slot())
    menu.addAction(action)
    return action


def export_view(w) -> None:
    """Export the project (CSV, JSON, Canvas, GraphML) or the visible map (PNG, SVG)."""
    from instructor_map.core.exporters import export

    path = dialogs.save_path(w, "Export", dialogs.EXPORT_FILTER, (w.path.stem if w.path else "map") + ".csv")
    if not path:
        return
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".png", ".svg"):
            w.canvas.export_image(path) if w.tabs.currentIndex() == 0 else w.view3d.grabFramebuffer().save(path)
        else:
            export(w.doc, path, dims=2 if w.tabs.currentIndex() == 0 else 3)
    except (InputError, OSError) as exc:
        dialogs.error(w, "Could not export", str(exc))
        return
    w.statusBar().showMessage(f"Exported {Path(path).name}", 4000)


def build_menus(w) -> None:
    bar = w.menuBar()
    file = bar.addMenu("&File")
    _action(file, "&New", w.new, QKeySequence.New)
    _action(file, "&Open…", lambda: [w.open_path(p) for p in dialogs.open_paths(
        w, "Open", dialogs.PROJECT_FILTER + ";;" + dialogs.IMPORT_FILTER)[:1]], QKeySequence.Open)
    recent = file.addMenu("Open &Recent")
    recent.aboutToShow.connect(lambda: _fill_recent(w, recent))
    _action(file, "&Import notes…", lambda: w.import_paths(dialogs.open_paths(w, "Import notes", dialogs.IMPORT_FILTER)),
            "Ctrl+I")
    _action(file, "&Paste notes…", w.paste_notes, "Ctrl+Shift+V")
    file.addSeparator()
    _action(file, "&Save", w.save, QKeySequence.Save)
    _action(file, "Save &As…", w.save_as, QKeySequence.SaveAs)
    _action(file, "&Export…", lambda: export_view(w), "Ctrl+E")
    file.addSeparator()
    _action(file, "&Quit", w.close, QKeySequence.Quit)

    edit = bar.addMenu("&Edit")
    undo = w.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcut(QKeySequence.Undo)
    redo = w.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.Redo])
    edit.addActions([undo, redo])
    edit.addSeparator()
    _action(edit, "&Add note…", w.actions.add_note, "Ctrl+Shift+N")
    _action(edit, "&Delete", w.actions.delete, QKeySequence.Delete)
    _action(edit, "&Pin selected", lambda: w.actions.set_pinned(w.selection(), True), "Ctrl+P")
    _action(edit, "&Unpin selected", lambda: w.actions.set_pinned(w.selection(), False), "Ctrl+Shift+P")
    _action(edit, "&Find…", lambda: w.notes_panel.search.setFocus(), QKeySequence.Find)
    _action(edit, "Find notes &like…", w.map_actions.find_like, "Ctrl+Shift+F")

    view = bar.addMenu("&View")
    _action(view, "&Fit all", lambda: (w.canvas.fit_all(), w.view3d.fit_all()), "Ctrl+0")
    _action(view, "&2D map", lambda: w.tabs.setCurrentIndex(0), "Ctrl+1")
    _action(view, "&3D map", lambda: w.tabs.setCurrentIndex(1), "Ctrl+2")
    clusters = _action(view, "Show &clusters", lambda: _show_clusters(w, clusters.isChecked()))
    clusters.setCheckable(True)
    clusters.setChecked(True)
    sizing = _action(view, "Size by &relevance", lambda: w.map_actions.set_sizing(sizing.isChecked()))
    sizing.setCheckable(True)

    mapping = bar.addMenu("&Map")
    _action(mapping, "&Recompute map", w.recompute, "F5")
    _action(mapping, "&Cancel embedding, or hide overlays", w.escape, "Esc")
    mapping.addSeparator()
    layouts = QActionGroup(mapping)
    modes = {mode: _action(mapping, text, lambda m=mode: w.map_actions.set_mode(m))
             for mode, text in (("semantic", "&Semantic layout"), ("argument", "&Argument layout"))}
    for action in modes.values():
        action.setCheckable(True)
        layouts.addAction(action)
    mapping.aboutToShow.connect(lambda: modes[w.map_actions.arrangement().mode].setChecked(True))
    _action(mapping, "A&xes…", w.map_actions.choose_axes)
    compare = mapping.addMenu("Compare with previous &task")
    compare.aboutToShow.connect(lambda: _fill_compare(w, compare))
    mapping.addSeparator()
    kinds = mapping.addMenu("New links are")
    group = QActionGroup(kinds)
    for kind in LINK_KINDS:
        act = _action(kinds, kind, lambda k=kind: setattr(w.actions, "link_kind", k))
        act.setCheckable(True)
        act.setChecked(kind == w.actions.link_kind)
        group.addAction(act)
    _model_menu(w, mapping.addMenu("&Model"))


def _fill_compare(w, menu) -> None:
    """Earlier tasks, newest first; the one compared now is checked, and choosing it again stops comparing."""
    menu.clear()
    for instruction in reversed(w.doc.instruction_history):
        if instruction != w.doc.instruction:
            action = _action(menu, instruction.strip().replace("&", "&&"), lambda i=instruction: w.map_actions.compare(i))
            action.setCheckable(True)
            action.setChecked(instruction == w.map_actions.comparing)
    if menu.isEmpty():
        menu.addAction("No earlier task yet").setEnabled(False)
    else:
        menu.addSeparator()
        _action(menu, "Stop comparing", w.map_actions.stop_comparing).setEnabled(w.map_actions.comparing is not None)


def _show_clusters(w, on: bool) -> None:
    w.canvas.clusters.visible = on
    w.canvas.refresh()


def _model_menu(w, menu) -> None:
    group = QActionGroup(menu)
    choices = [("Default (instructor-large, offline: bundled)", None)] + [(m, m) for m in INSTRUCTOR_MODELS]
    choices.append(("Bundled all-MiniLM-L6-v2 (offline, not instruction-tuned)", BUNDLED))
    for label, value in choices:
        act = _action(menu, label, lambda v=value: _set_model(w, v))
        act.setCheckable(True)
        act.setChecked(value == w.model)
        group.addAction(act)
    _action(menu, "Model folder…", lambda: _choose_folder(w))
    devices = menu.addMenu("&Device")
    device_group = QActionGroup(devices)
    for device in DEVICES:
        act = _action(devices, device, lambda d=device: _set_device(w, d))
        act.setCheckable(True)
        act.setChecked(device == w.device)
        device_group.addAction(act)
    menu.addSeparator()
    fast = _action(menu, "Fast CPU mode (int8, approximate)", lambda: _set_fast(w, fast.isChecked()))
    fast.setCheckable(True)
    fast.setChecked(w.fast)


def _set_model(w, value) -> None:
    w.model = value
    w.settings.setValue("model", value or "")
    w.recompute()


def _set_device(w, device: str) -> None:
    w.device = device
    w.settings.setValue("device", device)
    w.recompute()


def _set_fast(w, on: bool) -> None:
    w.fast = on
    w.settings.setValue("fast", on)
    w.recompute()


def _choose_folder(w) -> None:
    from PySide6.QtWidgets import QFileDialog

    folder = QFileDialog.getExistingDirectory(w, "Model folder (hub layout)")
    if folder:
        _set_model(w, folder)


def _fill_recent(w, menu) -> None:
    menu.clear()
    for path in w.recent_files():
        _action(menu, path, lambda p=path: w.open_path(p))
    if menu.isEmpty():
        menu.addAction("No recent projects").setEnabled(False)
