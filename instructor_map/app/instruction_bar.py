"""The task bar on top: an editable instruction with history and templates, applied with Enter; beside it, how
the model in use reads the task when it wraps it in words of its own (Qwen3, e5-instruct)."""
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
        self.template_label = QLabel(visible=False)  # e.g. "Instruct: … Query:", for models that read it so
        self.template_label.setStyleSheet("color: gray")
        font = self.template_label.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.template_label.setFont(font)
        layout.addWidget(self.template_label)
        layout.addWidget(self.combo, 1)
        layout.addWidget(templates)
        layout.addWidget(self.apply_button)

    def text(self) -> str:
        return self.combo.currentText()

    def set_template(self, template: str | None) -> None:
        """Show the model's way of reading the task ("Instruct: {task}\nQuery:"), or nothing for models that read
        the task as it is typed ("{task}") or are not known (None)."""
        if not template or template.strip() == "{task}":
            self.template_label.hide()
            return
        self.template_label.setText(" ".join(template.replace("{task}", "…").split()))
        example = template.replace("{task}", "<your task>").rstrip()
        self.template_label.setToolTip(
            f"This model reads the task inside words of its own, before each note:\n\n{example} <the note>\n\n"
            "Type only the task, e.g. “Given travel notes, find those about the same activity”; "
            "the rest is added for you.")
        self.template_label.show()

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
