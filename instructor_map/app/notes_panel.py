"""The side panel: every note in a searchable list, with add, edit and delete."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from instructor_map.app.palette import note_color
from instructor_map.core.document import MapDocument

LABEL_CHARS = 90


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


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
        self.list = QListWidget()
        self.list.setSelectionMode(QListWidget.ExtendedSelection)
        self.list.setWordWrap(True)
        self.list.itemSelectionChanged.connect(self._on_list_selection_changed)
        self.list.itemDoubleClicked.connect(lambda item: self.editRequested.emit(item.data(Qt.UserRole)))
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
        selected = set(self.selection())
        self._quiet = True
        self.list.clear()
        query = self.search.text().strip().lower()
        for note_id, note in self.doc.notes.items():
            if query and query not in note.text.lower() and query not in note.title.lower():
                continue
            label = note.title or note.text
            item = QListWidgetItem(_swatch(note_color(self.doc, note_id)),
                                   label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…")
            item.setData(Qt.UserRole, note_id)
            item.setToolTip(note.text[:2000])
            self.list.addItem(item)
            item.setSelected(note_id in selected)
        self._quiet = False

    def selection(self) -> list[str]:
        return [item.data(Qt.UserRole) for item in self.list.selectedItems()]

    def set_selection(self, ids: list[str]) -> None:
        wanted = set(ids)
        self._quiet = True
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setSelected(item.data(Qt.UserRole) in wanted)
        items = self.list.selectedItems()
        if items:
            self.list.scrollToItem(items[0])
        self._quiet = False

    def matches(self) -> set[str] | None:
        """Ids the search finds, or None when there is no search."""
        if not self.search.text().strip():
            return None
        return {self.list.item(r).data(Qt.UserRole) for r in range(self.list.count())}

    def _on_search_changed(self, text: str) -> None:
        self.refresh()
        self.searchChanged.emit(text)

    def _on_list_selection_changed(self) -> None:
        if not self._quiet:
            self.selectionChanged.emit(self.selection())

    def _on_edit_clicked(self) -> None:
        if self.selection():
            self.editRequested.emit(self.selection()[0])
