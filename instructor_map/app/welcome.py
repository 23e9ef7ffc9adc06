"""The first screen: import, paste, or open a sample project. Never a blank window."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from instructor_map.app import SAMPLES as SAMPLES_DIR

SAMPLES = [
    ("vacation.imap", "Vacation planning", "44 notes: destinations, activities, constraints, budget"),
    ("argument_map.imap", "Argument map", "Free public transport: claims with supports and objections"),
    ("research_notes.imap", "Research notes", "72 reading notes on six topics, ready to cluster"),
]


class WelcomePage(QWidget):
    importRequested = Signal()
    pasteRequested = Signal()
    openRequested = Signal(object)  # the sample's path

    def __init__(self):
        super().__init__()
        title = QLabel("<h1>Instructor Map</h1><p>Type a task, and your notes arrange themselves for it.</p>")
        title.setAlignment(Qt.AlignCenter)
        grid = QGridLayout()
        import_button = QPushButton("Import notes…")
        import_button.clicked.connect(self.importRequested)
        paste_button = QPushButton("Paste notes…")
        paste_button.clicked.connect(self.pasteRequested)
        grid.addWidget(import_button, 0, 0)
        grid.addWidget(paste_button, 0, 1)
        hint = QLabel("Text, Markdown, CSV, JSON, JSONL and Obsidian canvas files; or drop files here.")
        hint.setAlignment(Qt.AlignCenter)
        self.sample_buttons = {}
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(hint)
        samples = [s for s in SAMPLES if (SAMPLES_DIR / s[0]).exists()]
        if samples:
            layout.addWidget(QLabel("<h3>Or open a sample</h3>"), alignment=Qt.AlignCenter)
        for name, label, blurb in samples:
            button = QPushButton(f"{label}\n{blurb}")
            button.setMinimumHeight(52)
            button.clicked.connect(lambda *_, n=name: self.openRequested.emit(SAMPLES_DIR / n))
            self.sample_buttons[name] = button
            layout.addWidget(button)
        layout.addStretch(2)
        self.setMaximumWidth(16777215)
        for i in range(layout.count()):
            item = layout.itemAt(i)
            if item.widget() is not None:
                item.widget().setMaximumWidth(560)
        layout.setAlignment(Qt.AlignHCenter)
