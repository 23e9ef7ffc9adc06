"""The side panel: every note in a searchable list, with add, edit and delete.

The list is a model/view pair: rows are drawn on demand, so 100,000 notes list as fast as ten.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListView, QPushButton, QVBoxLayout, QWidget

from instructor_map.core.document import MapDocument, short_label
from instructor_map.core.palette import note_color

LABEL_CHARS = 200  # the view elides to its width; this only bounds the text it measures


class NotesModel(QAbstractListModel):
    """The notes a search finds, in document order; colour swatches are made once per colour."""

    def __init__(self):
        super().__init__()
        self.doc: MapDocument | None = None
        self.ids: list[str] = []
        self._swatches: dict[str, QIcon] = {}

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's own signature)
        return 0 if parent.isValid() else len(self.ids)

    def data(self, index, role=Qt.DisplayRole):
        note = self.doc.notes.get(self.ids[index.row()]) if index.isValid() else None
        if note is None:
            return None
        if role == Qt.DisplayRole:
            return short_label(note, LABEL_CHARS)
        if role == Qt.ToolTipRole:
            return note.text[:2000]
        if role == Qt.DecorationRole:
            return self._swatch(note_color(self.doc, note.id))
        if role == Qt.UserRole:
            return note.id
        return None

    def _swatch(self, color: str) -> QIcon:
        if color not in self._swatches:
            pixmap = QPixmap(12, 12)
            pixmap.fill(QColor(color))
            self._swatches[color] = QIcon(pixmap)
        return self._swatches[color]

    def show(self, doc: MapDocument, ids: list[str]) -> bool:
        """Show these notes: a full reset only when the rows change (True), else a repaint of what is visible."""
        if doc is self.doc and ids == self.ids:
            if ids:
                self.dataChanged.emit(self.index(0), self.index(len(ids) - 1))
            return False
        self.beginResetModel()
        self.doc, self.ids = doc, ids
        self.endResetModel()
        return True


class NotesPanel(QWidget):
    selectionChanged = Signal(list)
    searchChanged = Signal(str)
    addRequested = Signal()
    editRequested = Signal(str)
    deleteRequested = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.doc: MapDocument | None = None
        self.search = QLineEdit(placeholderText="Search notes…", clearButtonEnabled=True)
        self.search.textChanged.connect(self._on_search_changed)
        self.model = NotesModel()
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setSelectionMode(QListView.ExtendedSelection)
        self.list.setUniformItemSizes(True)  # no per-row measuring: long lists lay out at once
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.selectionModel().selectionChanged.connect(self._on_list_selection_changed)
        self.list.doubleClicked.connect(lambda index: self.editRequested.emit(self.model.ids[index.row()]))
        buttons = QHBoxLayout()
        for label, slot in (("Add", self.addRequested.emit), ("Edit", self._on_edit_clicked),
                            ("Delete", lambda: self.deleteRequested.emit(self.selection()))):
            button = QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._quiet = False

    def set_document(self, doc: MapDocument) -> None:
        self.doc = doc
        self.refresh()

    def refresh(self) -> None:
        query = self.search.text().strip().lower()
        notes = self.doc.notes
        ids = list(notes) if not query else [
            i for i, n in notes.items() if query in n.text.lower() or query in n.title.lower()]
        selected = self.selection()
        self._quiet = True
        if self.model.show(self.doc, ids):  # new rows: select again what was selected
            self._select(selected)
        self._quiet = False

    def selection(self) -> list[str]:
        rows = sorted(index.row() for index in self.list.selectionModel().selectedRows())
        return [self.model.ids[r] for r in rows]

    def set_selection(self, ids: list[str]) -> None:
        self._quiet = True
        first = self._select(ids)
        if first is not None:
            self.list.scrollTo(self.model.index(first))
        self._quiet = False

    def _select(self, ids: list[str]) -> int | None:
        """Select these notes (contiguous rows as one range); returns the first row selected."""
        wanted = set(ids)
        rows = [r for r, i in enumerate(self.model.ids) if i in wanted] if wanted else []
        selection = QItemSelection()
        start = None
        for k, row in enumerate(rows):
            start = row if start is None else start
            if k + 1 == len(rows) or rows[k + 1] != row + 1:
                selection.select(self.model.index(start), self.model.index(row))
                start = None
        self.list.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)
        return rows[0] if rows else None

    def matches(self) -> set[str] | None:
        """Ids the search finds, or None when there is no search."""
        if not self.search.text().strip():
            return None
        return set(self.model.ids)

    def _on_search_changed(self, text: str) -> None:
        self.refresh()
        self.searchChanged.emit(text)

    def _on_list_selection_changed(self) -> None:
        if not self._quiet:
            self.selectionChanged.emit(self.selection())

    def _on_edit_clicked(self) -> None:
        if self.selection():
            self.editRequested.emit(self.selection()[0])
