"""What the user asks of the map as a whole: the semantic or argument layout, named axes, a comparison with an
earlier task, notes like a text, relevance to the task, and suggested links and near-duplicates.

Each question goes to the worker with a snapshot of the document (core.queries); the answer comes back here and
is pushed to the session as an undoable command, or handed on as a signal for the map and the panels to show.
Only the newest answer of each kind is used.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from instructor_map.app import axes_dialog, dialogs
from instructor_map.app.mapping import Mapping
from instructor_map.core import queries
from instructor_map.core.analysis import moved_most, relevance_scales, task_objective, top
from instructor_map.core.arrangement import Arrangement
from instructor_map.core.document import MapDocument
from instructor_map.core.events import Change
from instructor_map.core.map_commands import SetArrangement
from instructor_map.core.session import Session

REFRESH_DELAY_MS = 120
RANKED = 15  # rows in the relevance and movement rankings
LIKE = 10  # notes highlighted by "Find notes like…"
MESSAGE_MS = 8000


class MapActions(QObject):
    """A QObject in the GUI thread, so that the worker's answers arrive there.

    `wanted()` says which answers the side panel shows now ("relevance", "suggest" -> bool); `threshold()`
    is the near-duplicate threshold the suggestions use."""

    trailsChanged = Signal(object)  # note id -> earlier place, or None to hide the arrows
    highlightChanged = Signal(object)  # the notes found like a text, or None for no such highlight
    sizesChanged = Signal(object)  # note id -> point scale, or None for plain sizes
    rowsChanged = Signal(str, str, list)  # insights section, its subtitle, [(note id, score)]
    suggestionsChanged = Signal(tuple)  # (suggested links, near-duplicates, how many near-duplicates)
    selectRequested = Signal(list)
    insightsRequested = Signal()  # show the insights panel
    message = Signal(str, int)

    def __init__(self, session: Session, mapping: Mapping, parent: QWidget, wanted: Callable[[], dict[str, bool]],
                 threshold: Callable[[], float]):
        super().__init__(parent)
        self.session, self.mapping, self.parent_widget = session, mapping, parent
        self.wanted, self.threshold = wanted, threshold
        self.latest: dict[str, int] = {}  # kind -> the newest question of that kind not yet answered
        self.comparing: str | None = None  # the earlier instruction whose places show as arrows
        self.like: set[str] | None = None  # notes highlighted by the last "Find notes like…"
        self.sizing = False  # points sized by relevance
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        runner = mapping.worker.runner
        runner.answered.connect(self._on_answered)
        runner.questionFailed.connect(self._on_question_failed)
        session.changed.connect(self._on_changed)

    @property
    def doc(self) -> MapDocument:
        return self.session.doc

    @property
    def pending(self) -> bool:
        """Questions asked and not yet answered, or about to be asked."""
        return bool(self.latest) or self._refresh_timer.isActive()

    def arrangement(self) -> Arrangement:
        return Arrangement.of(self.doc.placements[2].basis)

    def _on_changed(self, change: Change) -> None:
        if change.command is None:  # a new document: forget answers on their way and what was shown
            self.latest.clear()
            self.comparing = self.like = None
            self.trailsChanged.emit(None)
        self.schedule_refresh()

    # ---- asking ----------------------------------------------------------------------------------------
    def _ask(self, kind: str, work) -> None:
        self.latest[kind] = self.mapping.worker.ask(kind, work, self.mapping.choice)

    def schedule_refresh(self) -> None:
        self._refresh_timer.start()

    def refresh(self) -> None:
        """Ask again for what the open panel, the point sizes and the comparison show, for the map as it is now."""
        if not self.doc.notes or not self.mapping.settled:
            return  # a finished map asks again
        snap, wanted = queries.MapSnapshot.of(self.doc), self.wanted()
        if (self.sizing or wanted["relevance"]) and self.doc.instruction.strip():
            self._ask("relevance", lambda encoder, memo, _: queries.relevance(snap, encoder, memo))
        if wanted["suggest"]:
            threshold = self.threshold()
            self._ask("suggest", lambda encoder, memo, _: queries.suggestions(snap, encoder, threshold))
        if self.comparing is not None:
            self._ask_compare(snap, self.comparing)

    def _ask_compare(self, snap: queries.MapSnapshot, instruction: str) -> None:
        def work(encoder, memo, cancelled):
            places = queries.earlier_places(snap, encoder, memo, instruction, cancelled)
            return None if places is None else (instruction, places)

        self._ask("compare", work)

    def _on_answered(self, number: int, kind: str, answer) -> None:
        if self.latest.get(kind) != number:
            return  # a newer question of this kind is on its way, or the document changed
        del self.latest[kind]
        if answer is not None:
            getattr(self, f"_show_{kind}")(answer)

    def _on_question_failed(self, number: int, kind: str, message: str) -> None:
        if self.latest.get(kind) == number:
            del self.latest[kind]
            self.message.emit(f"Could not answer ({kind}): {message}", MESSAGE_MS)

    # ---- layout: semantic, argument, named axes --------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Map > Semantic layout / Argument layout."""
        current = self.arrangement()
        if mode != current.mode:
            self._arrange(replace(current, mode=mode), "Argument layout" if mode == "argument" else "Semantic layout")

    def choose_axes(self) -> None:
        """Map > Axes…"""
        chosen = axes_dialog.ask_axes(self.parent_widget, self.arrangement())
        if chosen is not None:
            self.set_axes(*chosen)

    def set_axes(self, x, y) -> None:
        arrangement = Arrangement("semantic", x, y)
        if arrangement != self.arrangement():
            self._arrange(arrangement, "Named axes" if arrangement.named else "PCA axes")

    def _arrange(self, arrangement: Arrangement, label: str) -> None:
        if self.doc.notes:
            snap = queries.MapSnapshot.of(self.doc)
            self._ask("arrange", lambda encoder, memo, _: (queries.arranged(snap, encoder, memo, arrangement), label))

    def _show_arrange(self, answer) -> None:
        layout, label = answer
        self.session.push(SetArrangement(2, layout.places(self.doc.notes), layout.basis, label))

    # ---- comparison with an earlier task ---------------------------------------------------------------
    def compare(self, instruction: str) -> None:
        """Map > Compare with previous task: choosing the task shown now again stops comparing."""
        if instruction == self.comparing:
            self.stop_comparing()
        elif self.arrangement().mode == "argument":
            self.message.emit("Comparing tasks works on the semantic layout", MESSAGE_MS)
        elif self.doc.notes:
            self.comparing = instruction
            self._ask_compare(queries.MapSnapshot.of(self.doc), instruction)
            self.insightsRequested.emit()

    def stop_comparing(self) -> None:
        self.comparing = None
        self.latest.pop("compare", None)
        self.trailsChanged.emit(None)
        self.rowsChanged.emit("moved", "", [])

    def _show_compare(self, answer) -> None:
        instruction, places = answer
        if instruction != self.comparing:
            return
        self.trailsChanged.emit(places)
        placement = self.doc.placements[2]
        now = {i: placement.position(i) for i in self.doc.notes if placement.position(i) is not None}
        self.rowsChanged.emit("moved", f"since the task “{task_objective(instruction)}”",
                              moved_most(places, now, RANKED))
        self.message.emit("Arrows run from where each note was under the earlier task; Esc hides them", MESSAGE_MS)

    # ---- notes like a text -----------------------------------------------------------------------------
    def find_like(self, text: str | None = None) -> None:
        """Edit > Find notes like…"""
        if text is None:
            text = dialogs.get_text(self.parent_widget, "Find notes like", "Describe the notes you are looking for:")
        if text and text.strip() and self.doc.notes:
            snap, text = queries.MapSnapshot.of(self.doc), text.strip()
            self._ask("like", lambda encoder, memo, _: (text, queries.similar(snap, encoder, memo, text, LIKE)))

    def _show_like(self, answer) -> None:
        text, ranked = answer
        ranked = [(k, score) for k, score in ranked if k in self.doc.notes]
        self.like = {k for k, _ in ranked}
        self.highlightChanged.emit(self.like)
        if ranked:
            self.selectRequested.emit([ranked[0][0]])
        self.rowsChanged.emit("like", f"“{text}”", ranked)
        self.insightsRequested.emit()
        self.message.emit(f"The {len(ranked)} notes most like “{text}”; Esc clears", MESSAGE_MS)

    def clear_like(self) -> None:
        self.like = None
        self.rowsChanged.emit("like", "", [])
        self.highlightChanged.emit(None)  # back to the search's highlight, if any

    # ---- relevance and suggestions ---------------------------------------------------------------------
    def set_sizing(self, on: bool) -> None:
        """View > Size by relevance."""
        self.sizing = on
        if on:
            self.refresh()
        else:
            self.sizesChanged.emit(None)

    def _show_relevance(self, answer) -> None:
        objective, scores = answer
        scores = {k: v for k, v in scores.items() if k in self.doc.notes}
        self.rowsChanged.emit("relevant", f"for “{objective}”", top(list(scores), list(scores.values()), RANKED))
        if self.sizing:
            self.sizesChanged.emit(relevance_scales(scores))

    def _show_suggest(self, answer) -> None:
        self.suggestionsChanged.emit(answer)

    def escape(self) -> None:
        """Esc: hide the comparison and the notes found like a text."""
        if self.comparing is not None:
            self.stop_comparing()
        if self.like is not None:
            self.clear_like()
