"""The Suggestions tab: pairs of notes worth a link, and near-duplicates above a similarity threshold.

Each row can be accepted or dismissed; a dismissed pair stays hidden until another project is opened.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from instructor_map.core.document import MapDocument, short_label

ROW_CHARS = 40  # of a note's label in a row

SHOWN_MAX = 30  # rows per list
Pair = tuple[str, str, float]


class _Row(QWidget):
    """One pair: its two notes, their similarity, and a small button per thing to do with it."""

    def __init__(self, first: str, second: str, buttons: dict[str, Callable[[], None]]):
        super().__init__()
        label = QLabel(f"{first}\n{second}", textFormat=Qt.PlainText)
        label.setToolTip(f"{first}\n{second}")
        self.buttons = {}
        row = QHBoxLayout()
        row.setSpacing(3)
        row.addStretch(1)
        for name, slot in buttons.items():
            button = self.buttons[name] = QToolButton(text=name)
            button.clicked.connect(slot)
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(1)
        layout.addWidget(label)
        layout.addLayout(row)


class _PairList(QListWidget):
    def __init__(self, sign: str):
        super().__init__()
        self.sign = sign
        self.shown: list[tuple] = []
        self.rows: dict[frozenset, _Row] = {}
        self.dismissed: set[frozenset] = set()  # hidden until another document is opened
        self.setSelectionMode(QListWidget.NoSelection)
        self.setVerticalScrollMode(QListWidget.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)

    def show_pairs(self, doc: MapDocument, pairs: list[Pair], buttons: Callable[[str, str], dict]) -> None:
        pairs = [p for p in pairs if p[0] in doc.notes and p[1] in doc.notes
                 and frozenset(p[:2]) not in self.dismissed][:SHOWN_MAX]
        if pairs == self.shown:
            return  # unchanged: keep the rows (and the scroll position) as they are
        self.clear()
        self.rows, self.shown = {}, pairs
        for a, b, score in pairs:
            second = f"{self.sign} {short_label(doc.notes[b], ROW_CHARS)}   {score:.2f}"
            row = self.rows[frozenset((a, b))] = _Row(short_label(doc.notes[a], ROW_CHARS), second, buttons(a, b))
            item = QListWidgetItem(self)
            item.setData(Qt.UserRole, (a, b))
            item.setSizeHint(row.sizeHint())
            self.setItemWidget(item, row)

    def dismiss(self, a: str, b: str) -> None:
        self.dismissed.add(frozenset((a, b)))
        self.remove(a, b)

    def remove(self, a: str, b: str) -> None:
        for index in range(self.count()):
            if self.item(index).data(Qt.UserRole) == (a, b):
                self.takeItem(index)
                break
        self.rows.pop(frozenset((a, b)), None)
        self.shown = [p for p in self.shown if p[:2] != (a, b)]

    def pairs(self) -> list[tuple[str, str]]:
        return [self.item(i).data(Qt.UserRole) for i in range(self.count())]


class SuggestionsPanel(QWidget):
    linkAccepted = Signal(str, str)
    selectRequested = Signal(list)
    deleteRequested = Signal(list)
    thresholdChanged = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.doc = MapDocument()
        self.links = _PairList("↔")
        self.duplicates = _PairList("≈")
        self.slider = QSlider(Qt.Horizontal, minimum=80, maximum=99, value=95)
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.threshold_label = QLabel()
        self.more = QLabel(wordWrap=True)
        self.more.setStyleSheet("color: #777;")
        threshold = QHBoxLayout()
        threshold.addWidget(self.threshold_label)
        threshold.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QLabel("<b>Suggested links</b>"))
        layout.addWidget(self.links, 3)
        layout.addWidget(QLabel("<b>Near-duplicates</b>"))
        layout.addLayout(threshold)
        layout.addWidget(self.duplicates, 2)
        layout.addWidget(self.more)
        self.threshold_label.setText(f"Similarity ≥ {self.threshold:.2f}")

    @property
    def threshold(self) -> float:
        return self.slider.value() / 100

    def reset(self, doc: MapDocument) -> None:
        """A new document: nothing dismissed, nothing shown."""
        for pairs in (self.links, self.duplicates):
            pairs.dismissed.clear()
        self.show_suggestions(doc, [], [], 0, answered=False)

    def show_suggestions(self, doc: MapDocument, links: list[Pair], duplicates: list[Pair], total: int,
                         answered: bool = True) -> None:
        """Show what the worker found, leaving out dismissed pairs and notes deleted meanwhile."""
        self.doc = doc
        self.links.show_pairs(doc, links, lambda a, b: {
            "Link": lambda: self._on_link_accepted(a, b), "Dismiss": lambda: self.links.dismiss(a, b)})
        self.duplicates.show_pairs(doc, duplicates, lambda a, b: {
            "Select both": lambda: self.selectRequested.emit([a, b]),
            "Delete second": lambda: self.deleteRequested.emit([b]),
            "Dismiss": lambda: self.duplicates.dismiss(a, b)})
        if total > SHOWN_MAX:
            self.more.setText(f"The {SHOWN_MAX} closest of {total} pairs; raise the threshold to see fewer.")
        elif answered and not total:
            self.more.setText(f"No two notes are this similar (≥ {self.threshold:.2f}); lower the threshold to "
                              "see near-duplicates.")
        else:
            self.more.setText("")

    def _on_link_accepted(self, a: str, b: str) -> None:
        self.links.remove(a, b)
        self.linkAccepted.emit(a, b)

    def _on_slider_changed(self, value: int) -> None:
        self.threshold_label.setText(f"Similarity ≥ {value / 100:.2f}")
        self.thresholdChanged.emit(value / 100)
