"""Map > Axes…: each axis of the 2D map is either the main variation (PCA) or a named axis between two words."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from instructor_map.core.arrangement import Arrangement, Poles

CHOICES = ("PCA (main variation)", "Named axis")
EXAMPLES = {"x": ("relaxing", "adventurous"), "y": ("cheap", "expensive")}


class AxesDialog(QDialog):
    def __init__(self, parent: QWidget | None, arrangement: Arrangement):
        super().__init__(parent)
        self.setWindowTitle("Axes")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        grid = QGridLayout()
        self.kinds: dict[str, QComboBox] = {}
        self.poles: dict[str, tuple[QLineEdit, QLineEdit]] = {}
        for row, (axis, title) in enumerate((("x", "X (left → right)"), ("y", "Y (bottom → top)"))):
            kind = self.kinds[axis] = QComboBox()
            kind.addItems(CHOICES)
            low, high = self.poles[axis] = tuple(QLineEdit(placeholderText=word) for word in EXAMPLES[axis])
            grid.addWidget(QLabel(title), row, 0)
            grid.addWidget(kind, row, 1)
            grid.addWidget(low, row, 2)
            grid.addWidget(QLabel("← →"), row, 3)
            grid.addWidget(high, row, 4)
        for axis, kind in self.kinds.items():
            self.set_axis(axis, getattr(arrangement, axis))
            for signal in (kind.currentIndexChanged, self.poles[axis][0].textChanged, self.poles[axis][1].textChanged):
                signal.connect(self._on_choice_changed)
        note = QLabel("A named axis runs from the first word to the second; notes are placed by how much more "
                      "they mean the second than the first, under the current task.", wordWrap=True)
        note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._on_choice_changed()

    def set_axis(self, axis: str, poles: Poles | None) -> None:
        self.kinds[axis].setCurrentIndex(1 if poles else 0)
        for edit, word in zip(self.poles[axis], poles or ("", "")):
            edit.setText(word)

    def value(self) -> tuple[Poles | None, Poles | None]:
        """(x, y): each None for PCA or a (low, high) pair of words."""
        out = []
        for axis in ("x", "y"):
            words = tuple(edit.text().strip() for edit in self.poles[axis])
            out.append(words if self.kinds[axis].currentIndex() == 1 else None)
        return out[0], out[1]

    def _on_choice_changed(self, *_) -> None:
        for axis, kind in self.kinds.items():
            for edit in self.poles[axis]:
                edit.setEnabled(kind.currentIndex() == 1)
        ok = all(poles is None or (all(poles) and poles[0] != poles[1]) for poles in self.value())
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ok)


def ask_axes(parent: QWidget, arrangement: Arrangement) -> tuple[Poles | None, Poles | None] | None:
    """The axes the user chose, or None when cancelled."""
    dialog = AxesDialog(parent, arrangement)
    return dialog.value() if dialog.exec() == QDialog.Accepted else None
