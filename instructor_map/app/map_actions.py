"""What the user asks of the map as a whole: the semantic or argument layout, named axes, a comparison with an
earlier task, notes like a text, relevance to the task, and suggested links and near-duplicates.

Each question goes to the worker with a snapshot of the document (core.queries); the answer comes back here and
is shown, or pushed as an undoable command. Only the newest answer of each kind is used.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QTimer

from instructor_map.app import axes_dialog, dialogs
from instructor_map.core import commands as cmds
from instructor_map.core import queries
from instructor_map.core.analysis import moved_most, relevance_scales, task_objective, top
from instructor_map.core.arrangement import Arrangement

REFRESH_DELAY_MS = 120
RANKED = 15  # rows in the relevance and movement rankings
LIKE = 10  # notes highlighted by "Find notes like…"
MESSAGE_MS = 8000


class MapActions(QObject):
    """A QObject in the GUI thread, so that the worker's answers arrive there."""

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.latest: dict[str, int] = {}  # kind -> the newest question of that kind not yet answered
        self.comparing: str | None = None  # the earlier instruction whose places show as arrows
        self.like: set[str] | None = None  # notes highlighted by the last "Find notes like…"
        self.sizing = False  # points sized by relevance
        self._refresh_timer = QTimer(window, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        window.worker.worker.answered.connect(self._on_answered)
        window.worker.worker.taskFailed.connect(self._on_task_failed)
        suggestions = window.suggestions_panel
        suggestions.linkAccepted.connect(lambda a, b: window.actions.link(a, b, "related"))
        suggestions.selectRequested.connect(window.select)
        suggestions.deleteRequested.connect(window.actions.delete)
        suggestions.thresholdChanged.connect(self._on_threshold_changed)
        window.side.currentChanged.connect(lambda _: self.schedule_refresh())

    @property
    def doc(self):
        return self.w.doc

    @property
    def pending(self) -> bool:
        """Questions asked and not yet answered, or about to be asked."""
        return bool(self.latest) or self._refresh_timer.isActive()

    def arrangement(self) -> Arrangement:
        return Arrangement.of(self.doc.placements[2].basis)

    def reset(self) -> None:
        """A new document: forget answers still on their way and what the panels showed."""
        self.latest.clear()
        self.comparing = self.like = None
        self.w.insights_panel.clear()
        self.w.suggestions_panel.reset(self.doc)
        self.schedule_refresh()

    # ---- asking ----------------------------------------------------------------------------------------
    def _ask(self, kind: str, work) -> None:
        self.latest[kind] = self.w.worker.ask(kind, work, self.w.model, self.w.device, self.w.fast)

    def schedule_refresh(self) -> None:
        self._refresh_timer.start()

    def refresh(self) -> None:
        """Ask again for what the open tab, the point sizes and the comparison show, for the map as it is now."""
        if not self.doc.notes or not self.w.settled:
            return  # a finished map asks again
        snap = queries.MapSnapshot.of(self.doc)
        side = self.w.side.currentWidget()
        if (self.sizing or side is self.w.insights_panel) and self.doc.instruction.strip():
            self._ask("relevance", lambda encoder, memo, _: queries.relevance(snap, encoder, memo))
        if side is self.w.suggestions_panel:
            threshold = self.w.suggestions_panel.threshold
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

    def _on_task_failed(self, number: int, kind: str, message: str) -> None:
        if self.latest.get(kind) == number:
            del self.latest[kind]
            self.w.statusBar().showMessage(f"Could not answer ({kind}): {message}", MESSAGE_MS)

    # ---- layout: semantic, argument, named axes --------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """Map > Semantic layout / Argument layout."""
        current = self.arrangement()
        if mode != current.mode:
            self._arrange(replace(current, mode=mode), "Argument layout" if mode == "argument" else "Semantic layout")

    def choose_axes(self) -> None:
        """Map > Axes…"""
        chosen = axes_dialog.ask_axes(self.w, self.arrangement())
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
        positions = layout.places(self.doc.notes)
        self.w.push(cmds.SetArrangement(2, positions, layout.basis, label))

    # ---- comparison with an earlier task ---------------------------------------------------------------
    def compare(self, instruction: str) -> None:
        """Map > Compare with previous task: choosing the task shown now again stops comparing."""
        if instruction == self.comparing:
            self.stop_comparing()
        elif self.arrangement().mode == "argument":
            self.w.statusBar().showMessage("Comparing tasks works on the semantic layout", MESSAGE_MS)
        elif self.doc.notes:
            self.comparing = instruction
            self._ask_compare(queries.MapSnapshot.of(self.doc), instruction)
            self.w.side.setCurrentWidget(self.w.insights_panel)

    def stop_comparing(self) -> None:
        self.comparing = None
        self.latest.pop("compare", None)
        self.w.canvas.set_trails(None)
        self.w.insights_panel.show_rows("moved", self.doc, "", [])

    def _show_compare(self, answer) -> None:
        instruction, places = answer
        if instruction != self.comparing:
            return
        self.w.canvas.set_trails(places)
        view = self.doc.placements[2]
        now = {i: view.position(i) for i in self.doc.notes if view.position(i) is not None}
        self.w.insights_panel.show_rows("moved", self.doc, f"since the task “{task_objective(instruction)}”",
                                        moved_most(places, now, RANKED))
        self.w.statusBar().showMessage("Arrows run from where each note was under the earlier task; Esc hides them",
                                       MESSAGE_MS)

    # ---- notes like a text -----------------------------------------------------------------------------
    def find_like(self, text: str | None = None) -> None:
        """Edit > Find notes like…"""
        if text is None:
            text = dialogs.get_text(self.w, "Find notes like", "Describe the notes you are looking for:")
        if text and text.strip() and self.doc.notes:
            snap, text = queries.MapSnapshot.of(self.doc), text.strip()
            self._ask("like", lambda encoder, memo, _: (text, queries.similar(snap, encoder, memo, text, LIKE)))

    def _show_like(self, answer) -> None:
        text, ranked = answer
        ranked = [(k, score) for k, score in ranked if k in self.doc.notes]
        self.like = {k for k, _ in ranked}
        self.w.canvas.set_highlight(self.like)
        self.w.view3d.set_highlight(self.like)
        if ranked:
            self.w.select([ranked[0][0]])
        self.w.insights_panel.show_rows("like", self.doc, f"“{text}”", ranked)
        self.w.side.setCurrentWidget(self.w.insights_panel)
        self.w.statusBar().showMessage(f"The {len(ranked)} notes most like “{text}”; Esc clears", MESSAGE_MS)

    def clear_like(self) -> None:
        self.like = None
        self.w.insights_panel.show_rows("like", self.doc, "", [])
        self.w._on_search_changed(self.w.notes_panel.search.text())  # back to the search's highlight, if any

    # ---- relevance and suggestions ---------------------------------------------------------------------
    def set_sizing(self, on: bool) -> None:
        """View > Size by relevance."""
        self.sizing = on
        if on:
            self.refresh()
        else:
            self.w.canvas.set_sizes(None)

    def _show_relevance(self, answer) -> None:
        objective, scores = answer
        scores = {k: v for k, v in scores.items() if k in self.doc.notes}
        self.w.insights_panel.show_rows("relevant", self.doc, f"for “{objective}”",
                                        top(list(scores), list(scores.values()), RANKED))
        if self.sizing:
            self.w.canvas.set_sizes(relevance_scales(scores))

    def _show_suggest(self, answer) -> None:
        self.w.suggestions_panel.show_suggestions(self.doc, *answer)

    def _on_threshold_changed(self, _threshold: float) -> None:
        self.schedule_refresh()  # once the slider rests

    def escape(self) -> None:
        """Esc: hide the comparison and the notes found like a text."""
        if self.comparing is not None:
            self.stop_comparing()
        if self.like is not None:
            self.clear_like()
