"""The mapping loop: when the session says the map no longer fits, a job goes to the worker; its progress,
partial maps and result come back here and go into the session. Also which model, device and mode to use."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from instructor_map.app.worker import ModelChoice, Worker
from instructor_map.core.events import Aspect, Change
from instructor_map.core.session import MapJob, Session

RECOMPUTE_DELAY_MS = 250


class Mapping(QObject):
    progressChanged = Signal(int, int, str)  # done, total (0, 0: busy with no count), what is happening
    busyChanged = Signal(bool)
    started = Signal(bool)  # a map is asked for; True while the model it needs has still to load
    failed = Signal(str)  # one line, for a dialog
    message = Signal(str, int)  # status bar text, how long to show it (ms)
    modelLoaded = Signal(object)  # the Encoder
    modelChosen = Signal(object)  # the model asked for: hub id, folder, "bundled", or None for the default

    def __init__(self, session: Session, worker: Worker, settings: QSettings, model: str | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.session, self.worker, self.settings = session, worker, settings
        self.choice = ModelChoice(model if model is not None else (settings.value("model") or None),
                                  str(settings.value("device") or "auto"), settings.value("fast", False, type=bool))
        self._job: MapJob | None = None
        self.delay = QTimer(self, singleShot=True, interval=RECOMPUTE_DELAY_MS)  # edits in a row: one map
        self.delay.timeout.connect(lambda: self.recompute(for_edit=True))
        runner = worker.runner
        runner.progress.connect(self._on_progress)
        runner.partial.connect(self._on_partial)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._on_cancelled)
        runner.modelLoaded.connect(self.modelLoaded)
        session.changed.connect(self._on_changed)

    # ---- state ---------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A map is being computed."""
        return self._job is not None

    @property
    def settled(self) -> bool:
        """No map is being computed or about to be."""
        return not self.busy and not self.delay.isActive()

    def preload(self) -> None:
        self.worker.preload(self.choice)

    def set_model(self, model: str | None = None, device: str | None = None, fast: bool | None = None,
                  remember: bool = True) -> None:
        """Choose the model, device or CPU mode (remembered, unless the model is only for now), and map again."""
        # a new choice, not a changed one: a job still queued keeps the model it was sent with
        if model is not None:
            self.choice = replace(self.choice, model=model or None)
            if remember:
                self.settings.setValue("model", model)
            self.modelChosen.emit(self.choice.model)
        if device is not None:
            self.choice = replace(self.choice, device=device)
            self.settings.setValue("device", device)
        if fast is not None:
            self.choice = replace(self.choice, fast=fast)
            self.settings.setValue("fast", fast)
        self.recompute()

    # ---- asking --------------------------------------------------------------------------------------
    def _on_changed(self, change: Change) -> None:
        if change.command is None:
            self.delay.stop()
            self.worker.cancel()
            self._set_job(None)
        if not change.remap:
            return
        if change.touches(Aspect.TASK):
            self.recompute(for_edit=True)  # a task applied on purpose: nothing to wait for
        else:
            self.delay.start()

    def recompute(self, for_edit: bool = False) -> None:
        """Compute the map again. `for_edit`: it follows the newest edit and is undone with it; otherwise
        (F5, another model or device) it is no edit of its own."""
        self.delay.stop()
        if not self.session.doc.notes:
            self.worker.cancel()  # e.g. an import undone while it embedded
            self._set_job(None)
            return
        job = self.session.map_job(for_edit=for_edit)
        self.worker.submit(job, self.session.doc.embeddings, self.choice)
        self._set_job(job)
        loading = not self.worker.has_model(self.choice)
        self.started.emit(loading)
        self.progressChanged.emit(0, 0, "Loading model…" if loading else "Embedding…")

    def cancel(self) -> None:
        """Stop the map being computed, at once: the map before it comes back (the worker stops soon after)."""
        self.worker.cancel()
        if self.busy:
            self._discard()
            doc = self.session.doc
            if any(doc.placements[2].position(i) is not None for i in doc.notes):
                self.message.emit("Cancelled; the previous map is kept", 5000)
            else:
                self.message.emit("Cancelled; no map yet: Map > Recompute map (F5) makes one", 10000)

    def stop(self) -> None:
        """The window closes: the model stops, and reports still on their way (a map's clusters) are dropped."""
        self.delay.stop()
        self.worker.stop()
        self._job = None

    def _set_job(self, job: MapJob | None) -> None:
        was = self.busy
        self._job = job
        if self.busy != was:
            self.busyChanged.emit(self.busy)

    # ---- answers -------------------------------------------------------------------------------------
    def _current(self, number: int) -> bool:
        return number == self.worker.latest and self._job is not None

    def _on_progress(self, number: int, done: int, total: int) -> None:
        if self._current(number) and total:
            self.progressChanged.emit(done, total, "Embedding %v/%m")

    def _on_partial(self, number: int, result) -> None:
        if self._current(number):
            self.session.apply_map(self._job, result)

    def _on_finished(self, number: int, result) -> None:
        if not self._current(number):
            return
        job, encoder = self._job, self.worker.runner.encoder
        self._set_job(None)
        self.session.apply_map(job, result, (encoder.model_id, encoder.kind))
        if encoder.truncated:
            self.message.emit(f"{encoder.truncated} long note(s) were truncated to {encoder.max_seq_length} tokens",
                              8000)

    def _on_failed(self, number: int, message: str) -> None:
        if self._current(number):
            self._discard()
            self.failed.emit(message)

    def _on_cancelled(self, number: int) -> None:
        if self._current(number):
            self._discard()
            self.message.emit("Cancelled; the previous map is kept", 5000)

    def _discard(self) -> None:
        job = self._job
        self._set_job(None)
        self.session.discard_map(job)
