"""The status bar on a small window: its parts never overlap, and a text that does not fit ends with "…" and
shows whole in a tooltip, never cut mid-word."""
from __future__ import annotations

from itertools import combinations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from travel_notes import NOTES

MESSAGE = "12 long notes were cut to the model's 256 tokens; their ends do not count for the map"


def busy_with_a_long_model_name(qtbot, make_window, size):
    """The bundled model (the longest name it shows) embedding 300 notes, a long message shown, at `size`."""
    window = make_window(model="bundled")
    window.resize(*size)
    qtbot.waitUntil(lambda: window.model_label.text().startswith("⚠ Model: all-MiniLM"), timeout=60_000)
    window.files.paste_notes("\n".join(f"Note {i} about {NOTES[i % len(NOTES)]}" for i in range(300)))
    qtbot.waitUntil(lambda: window.mapping.busy and window.progress.value() > 0, timeout=30_000)
    window.statusBar().showMessage(MESSAGE)
    parts = (window.model_label, window.progress, window.cancel_button)
    qtbot.waitUntil(lambda: all(p.isVisible() for p in parts) and window.width() == size[0], timeout=5_000)
    return window, parts


def fits(widget, text: str, margin: int = 0) -> bool:
    return widget.fontMetrics().horizontalAdvance(text) + margin <= widget.contentsRect().width()


def between_words(text: str, shown: str) -> bool:
    """`shown` is `text`, or its start up to the end of a word, then "…"."""
    head = shown[:-1]
    return shown == text or (shown.endswith("…") and text.startswith(head) and not text[len(head)].isalnum())


def shown_whole_or_ellipsis_and_tooltip(label) -> bool:
    if fits(label, label.text()):
        return label.shown_text() == label.text()
    return between_words(label.text(), label.shown_text()) and label.toolTip().startswith(label.text())


def test_at_1024x700_the_parts_do_not_overlap_and_every_text_fits_or_says_so(qtbot, make_window):
    window, parts = busy_with_a_long_model_name(qtbot, make_window, (1024, 700))
    bar = window.statusBar()
    label, progress, cancel = parts
    for a, b in combinations(parts, 2):
        assert not a.geometry().intersects(b.geometry()), (a, b)
    assert all(bar.rect().contains(p.geometry()) for p in parts)
    assert shown_whole_or_ellipsis_and_tooltip(label)
    assert "not instruction-tuned" in label.toolTip()  # the explanation stays with the name
    assert fits(progress, progress.text(), margin=8) and progress.text().startswith("Embedding")
    assert cancel.width() >= cancel.sizeHint().width()

    # the message has its own room, at least for a typical one, and a longer one ends with "…" and a tooltip
    room = bar.message_rect()
    assert room.right() < min(p.x() for p in parts) and room.width() >= 300
    assert bar.message_elided() and between_words(MESSAGE, bar.shown_message())
    QApplication.sendEvent(bar, QHelpEvent(QEvent.ToolTip, room.center(), bar.mapToGlobal(room.center())))
    assert QToolTip.text() == MESSAGE
    QToolTip.hideText()
    bar.showMessage("Cancelled; the previous map is kept")
    assert not bar.message_elided()
    window.mapping.cancel()


def test_on_a_wide_window_nothing_is_shortened(qtbot, make_window):
    window, parts = busy_with_a_long_model_name(qtbot, make_window, (1600, 1000))
    label = window.model_label
    assert fits(label, label.text()) and label.shown_text() == label.text()
    assert not label.toolTip().startswith(label.text())  # only the explanation
    assert not window.statusBar().message_elided()
    window.mapping.cancel()
    qtbot.waitUntil(lambda: not window.progress.isVisible())
    window.resize(1024, 700)  # with no map computed, the model's whole name fits at 1024 too
    qtbot.waitUntil(lambda: window.width() == 1024 and fits(label, label.text()), timeout=5_000)
