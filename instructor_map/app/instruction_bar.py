"""The task bar on top: an editable instruction with history and templates, applied with Enter."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QPushButton, QToolButton, QWidget

TEMPLATES = [
    "Represent the [domain] [text type] for [objective]: ",
    "Represent the travel destination for planning a relaxing family beach vacation: ",
    "Represent the travel note for planning the trip by budget: ",
    "Represent the travel note for planning the trip by activity: ",
    "Represent the argument for finding claims that support or oppose it: ",
    "Represent the research note for clustering by topic: ",
    "Represent the meeting note for grouping by project: ",
]


class InstructionBar(QWidget):
    instructionApplied = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.combo = QComboBox(editable=True)
        self.combo.setInsertPolicy(QComboBox.NoInsert)
        self.combo.setMinimumContentsLength(60)
        self.combo.lineEdit().setPlaceholderText(
            "Type the task, e.g. Represent the travel note for planning a beach trip: ")
        self.combo.lineEdit().returnPressed.connect(self._on_apply)
        self.combo.activated.connect(self._on_apply)
        templates = QToolButton(text="Templates", popupMode=QToolButton.InstantPopup)
        menu = QMenu(templates)
        for template in TEMPLATES:
            menu.addAction(template.strip(), lambda t=template: self._on_template_chosen(t))
        templates.setMenu(menu)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self._on_apply)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(QLabel("<b>Task</b>"))
        layout.addWidget(self.combo, 1)
        layout.addWidget(templates)
        layout.addWidget(self.apply_button)

    def text(self) -> str:
        return self.combo.currentText()

    def set_instruction(self, text: str, history: list[str]) -> None:
        """Show the document's instruction and history without emitting anything."""
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems([h for h in reversed(history) if h])
        self.combo.setEditText(text)
        self.combo.blockSignals(False)

    def _on_template_chosen(self, template: str) -> None:
        self.combo.setEditText(template)
        start = template.find("[")
        if start >= 0:  # select the first placeholder so typing replaces it
            self.combo.lineEdit().setSelection(start, template.find("]") - start + 1)
        self.combo.setFocus(Qt.OtherFocusReason)

    def _on_apply(self, *_):
        text = self.text()
        if text.strip():
            self.instructionApplied.emit(text if text.endswith(" ") else text + " ")
