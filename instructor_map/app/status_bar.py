"""The window's status bar: messages on the left; the model, a map's progress and its Cancel button on the right.

Nothing in it overlaps or is cut mid-word on a narrow window: the model's name leaves room for messages and
ends with "…" when it does not fit, and so does a long message; the whole text is then in a tooltip.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QProgressBar,
    QPushButton,
    QStatusBar,
    QStyle,
    QStyleOption,
    QToolTip,
)

MESSAGE_ROOM = 360  # pixels kept for messages before the model's name takes them
MESSAGE_LEFT = 6  # where QStatusBar starts its message
SPACING = 12  # between the parts, the size grip included


def elide(metrics: QFontMetrics, text: str, width: int) -> str:
    """`text`, or as many of its whole words as fit with "…" after them (letters only where one word is
    already too long)."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    head = metrics.elidedText(text, Qt.ElideRight, width)[:-1]
    if head and not text[len(head)].isspace() and " " in head.strip():
        head = head[:head.rstrip().rindex(" ")]
    return head.rstrip(" ,;:(-") + "…"


class ElidedLabel(QLabel):
    """A one-line label that ends with "…" where it is narrower than its text; its tooltip then holds the whole
    text, above any explanation the label carries."""

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.explanation = ""

    def set_text(self, text: str, explanation: str = "") -> None:
        self.explanation = explanation
        self.setText(text)
        self._update_tip()

    def elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()

    def shown_text(self) -> str:
        return elide(self.fontMetrics(), self.text(), self.contentsRect().width())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("Model: …") + 4), hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def _update_tip(self) -> None:
        parts = [self.text()] if self.elided() else []
        self.setToolTip("\n\n".join(parts + ([self.explanation] if self.explanation else [])))

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()), self.palette(),
                                  self.isEnabled(), self.shown_text(), QPalette.WindowText)


class StatusBar(QStatusBar):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.model_label = ElidedLabel("Model: loading…")
        self.progress = QProgressBar(maximumWidth=220, minimumWidth=150, textVisible=True)
        self.cancel_button = QPushButton("Cancel")
        for widget in (self.model_label, self.progress, self.cancel_button):
            self.addPermanentWidget(widget)
        self.show_progress(False)

    # ---- the permanent parts -------------------------------------------------------------------------
    def show_progress(self, visible: bool) -> None:
        self.progress.setVisible(visible)
        self.cancel_button.setVisible(visible)
        self._fit_model()

    def set_progress(self, done: int, total: int, text: str) -> None:
        # QProgressBar repaints at once on every new value (13 ms each here): let it join the next frame
        self.progress.setUpdatesEnabled(False)
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(text)
        self.progress.setUpdatesEnabled(True)
        self.progress.update()

    def set_model(self, encoder) -> None:
        """Say which model maps the notes, and its note for the user, if any, for a while."""
        text, why = f"Model: {encoder.description}", ""
        if not encoder.spec.instruction_tuned:
            text = f"⚠ {text}"
            why = ("This offline model is not instruction-tuned: the task changes the map only a little. "
                   "Install hkunlp/instructor-large for task-aware maps.")
        self.model_label.set_text(text, why)
        if encoder.spec.message:
            self.showMessage(encoder.spec.message, 15000)

    def resizeEvent(self, event) -> None:
        self._fit_model(event.size().width())
        super().resizeEvent(event)

    def _fit_model(self, width: int | None = None) -> None:
        """The model's name takes what the progress and messages leave."""
        free = (width or self.width()) - MESSAGE_ROOM - 2 * SPACING
        if not self.progress.isHidden():
            free -= self.progress.maximumWidth() + self.cancel_button.sizeHint().width() + 2 * SPACING
        self.model_label.setMaximumWidth(max(self.model_label.minimumSizeHint().width(), free))

    # ---- the message ---------------------------------------------------------------------------------
    def message_rect(self) -> QRect:
        """Where the message is drawn: left of the first permanent part shown (as QStatusBar does)."""
        right = self.width() - 12
        shown = [w for w in (self.model_label, self.progress, self.cancel_button) if w.isVisible()]
        if shown:
            right = min(w.x() for w in shown) - 2
        return QRect(MESSAGE_LEFT, 0, max(0, right - MESSAGE_LEFT), self.height())

    def message_elided(self) -> bool:
        return self.shown_message() != self.currentMessage()

    def shown_message(self) -> str:
        return elide(self.fontMetrics(), self.currentMessage(), self.message_rect().width())

    def paintEvent(self, event) -> None:
        message = self.currentMessage()
        if not message:
            super().paintEvent(event)
            return
        # QStatusBar would cut a long message anywhere, even mid-letter: draw it here, ending with "…"
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PE_PanelStatusBar, option, painter, self)
        for widget in (self.model_label, self.progress, self.cancel_button):
            if widget.isVisible():
                item = QStyleOption()
                item.rect, item.palette = widget.geometry().adjusted(-2, -1, 2, 1), self.palette()
                self.style().drawPrimitive(QStyle.PE_FrameStatusBarItem, item, painter, widget)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(self.message_rect(), Qt.AlignLeading | Qt.AlignVCenter | Qt.TextSingleLine,
                         self.shown_message())

    def event(self, event) -> bool:
        if event.type() == QEvent.ToolTip and self.message_rect().contains(event.pos()) and self.message_elided():
            QToolTip.showText(event.globalPos(), self.currentMessage(), self)
            return True
        return super().event(event)
