"""The Insights tab: the notes most relevant to the task, the notes most like a search, and the notes that
moved most against an earlier task. Clicking a row selects its note on the map."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFrame,
    QLabel,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from instructor_map.core.document import MapDocument, short_label

ROW_CHARS = 40  # of a note's label in a row

SECTIONS = {  # name -> (title, how a score reads)
    "relevant": ("Most relevant to the task", "{:.2f}"),
    "like": ("Notes like your search", "{:.2f}"),
    "moved": ("Moved most", "{:.1f}"),
}
HINT = "Relevance to the task appears here once the map is built."


class _Section(QWidget):
    def __init__(self, title: str, score_format: str):
        super().__init__()
        self.score_format = score_format
        self.title = QLabel(f"<b>{title}</b>")
        self.detail = QLabel(wordWrap=True)
        self.detail.setStyleSheet("color: #555;")
        self.tree = QTreeWidget(columnCount=2, headerHidden=True, rootIsDecorated=False, uniformRowHeights=True)
        self.tree.setSelectionMode(QTreeWidget.ExtendedSelection)
        self.tree.setSizeAdjustPolicy(QAbstractScrollArea.AdjustToContents)  # as tall as its rows; the tab scrolls
        self.tree.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        for widget in (self.title, self.detail, self.tree):
            layout.addWidget(widget)

    def show_rows(self, doc: MapDocument, detail: str, ranked: list[tuple[str, float]]) -> None:
        self.tree.clear()
        for note_id, score in ranked:
            if note_id in doc.notes:
                item = QTreeWidgetItem([short_label(doc.notes[note_id], ROW_CHARS), self.score_format.format(score)])
                item.setData(0, Qt.UserRole, note_id)
                item.setToolTip(0, doc.notes[note_id].text[:2000])
                item.setTextAlignment(1, Qt.AlignRight | Qt.AlignVCenter)
                self.tree.addTopLevelItem(item)
        self.tree.resizeColumnToContents(1)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.detail.setText(detail)
        self.setVisible(self.tree.topLevelItemCount() > 0)

    def ids(self) -> list[str]:
        return [self.tree.topLevelItem(r).data(0, Qt.UserRole) for r in range(self.tree.topLevelItemCount())]


class InsightsPanel(QWidget):
    selectionChanged = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.hint = QLabel(HINT, wordWrap=True)
        self.hint.setStyleSheet("color: #777;")
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.hint)
        self.sections = {name: _Section(*spec) for name, spec in SECTIONS.items()}
        for section in self.sections.values():
            section.tree.itemSelectionChanged.connect(lambda s=section: self._on_rows_selection_changed(s))
            section.hide()
            column.addWidget(section)
        column.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def show_rows(self, name: str, doc: MapDocument, detail: str, ranked: list[tuple[str, float]]) -> None:
        """Fill one section; a section with no rows is hidden."""
        self.sections[name].show_rows(doc, detail, ranked)
        self.hint.setVisible(not any(s.ids() for s in self.sections.values()))

    def ids(self, name: str) -> list[str]:
        """The notes a section lists, in order."""
        return self.sections[name].ids()

    def clear(self) -> None:
        for name in self.sections:
            self.show_rows(name, MapDocument(), "", [])

    def _on_rows_selection_changed(self, section: _Section) -> None:
        ids = [item.data(0, Qt.UserRole) for item in section.tree.selectedItems()]
        if ids:
            self.selectionChanged.emit(ids)
