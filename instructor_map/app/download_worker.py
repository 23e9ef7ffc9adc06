"""Model downloads in the background: one at a time, in a thread of their own, with progress and cancel; the same
thread also asks whether the hub answers, so the window never waits on the network. DownloadBar shows a download.

core.downloads does the work; this file carries requests in and reports out, as signals on the GUI thread."""
from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QToolButton, QWidget

from instructor_map.core import downloads
from instructor_map.core.errors import InputError

log = logging.getLogger(__name__)
HUB_TIMEOUT = 2.0  # seconds to wait for the hub's answer before calling it unreachable


def describe(p: downloads.Progress) -> str:
    """'312 MB of 1.3 GB · 12 MB/s · 2 min left' (speed and time once they are known)."""
    parts = [f"{downloads.format_size(p.done_bytes)} of {downloads.format_size(p.total_bytes)}"]
    if p.bytes_per_s > 0:
        parts.append(f"{downloads.format_size(p.bytes_per_s)}/s")
    if p.seconds_left is not None:
        left = p.seconds_left
        parts.append("less than a minute left" if left < 60 else
                     f"{round(left / 60)} min left" if left < 3600 else f"{left / 3600:.1f} h left")
    return " · ".join(parts)


class _Runner(QObject):
    """Lives in the download thread."""

    progress = Signal(str, object)  # model, Progress
    finished = Signal(str, str)  # model, its folder
    failed = Signal(str, str)  # model, one line
    cancelled = Signal(str)
    checked = Signal(bool)  # whether the hub answers

    def __init__(self):
        super().__init__()
        self.stop = threading.Event()

    @Slot(str)
    def download(self, repo_id: str) -> None:
        try:
            path = downloads.download(repo_id, progress=lambda p: self.progress.emit(repo_id, p),
                                      cancelled=self.stop.is_set)
        except downloads.Cancelled:
            self.cancelled.emit(repo_id)
        except InputError as exc:
            self.failed.emit(repo_id, str(exc))
        except Exception as exc:  # a bug: keep the app alive and say what happened
            log.exception("the download of %s failed", repo_id)
            self.failed.emit(repo_id, f"the download of {repo_id} failed: {type(exc).__name__}: {exc}")
        else:
            self.finished.emit(repo_id, str(path))

    @Slot(float)
    def check(self, timeout: float) -> None:
        self.checked.emit(downloads.hub_reachable(timeout))


class DownloadWorker(QObject):
    """One download at a time (`start`), `cancel` stops it within about a second, keeping what arrived (the next
    `start` of the same model resumes it). The thread starts with the first request and ends with `stop`."""

    progress = Signal(str, object)  # model, core.downloads.Progress
    finished = Signal(str, str)  # model, its snapshot folder
    failed = Signal(str, str)  # model, one line for a dialog
    cancelled = Signal(str)  # model
    checked = Signal(bool)  # the hub answers
    busyChanged = Signal(bool)
    _download = Signal(str)
    _check = Signal(float)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.current: str | None = None  # the model being downloaded
        self.last: downloads.Progress | None = None  # its latest progress
        self._thread: QThread | None = None
        self._runner: _Runner | None = None

    @property
    def busy(self) -> bool:
        return self.current is not None

    def start(self, repo_id: str) -> bool:
        """Download `repo_id`; False (and nothing done) while another download runs."""
        if self.busy:
            return False
        runner = self._ensure()
        runner.stop.clear()
        self.current, self.last = repo_id, None
        self.busyChanged.emit(True)
        self._download.emit(repo_id)
        return True

    def check_hub(self, timeout: float = HUB_TIMEOUT) -> None:
        """Ask whether the hub answers; `checked(bool)` tells (after a download that runs, if any)."""
        self._ensure()
        self._check.emit(timeout)

    def cancel(self) -> None:
        if self._runner is not None:
            self._runner.stop.set()

    def stop(self) -> None:
        """Cancel what runs and end the thread (waits for the download to stop: about a second)."""
        if self._thread is None:
            return
        self.cancel()
        self._thread.quit()
        self._thread.wait()
        self._thread = self._runner = None

    def _ensure(self) -> _Runner:
        if self._runner is None:
            self._thread = QThread()
            self._thread.setObjectName("model downloads")
            self._runner = _Runner()
            self._runner.moveToThread(self._thread)
            self._download.connect(self._runner.download)
            self._check.connect(self._runner.check)
            self._runner.progress.connect(self._on_progress)
            self._runner.finished.connect(self._on_finished)  # slots of this object: run on the GUI thread
            self._runner.failed.connect(self._on_failed)
            self._runner.cancelled.connect(self._on_cancelled)
            self._runner.checked.connect(self.checked)
            self._thread.start()
        return self._runner

    @Slot(str, object)
    def _on_progress(self, repo_id: str, p: downloads.Progress) -> None:
        if repo_id == self.current:
            self.last = p
            self.progress.emit(repo_id, p)

    @Slot(str, str)
    def _on_finished(self, repo_id: str, path: str) -> None:
        self._end(self.finished, repo_id, path)

    @Slot(str, str)
    def _on_failed(self, repo_id: str, message: str) -> None:
        self._end(self.failed, repo_id, message)

    @Slot(str)
    def _on_cancelled(self, repo_id: str) -> None:
        self._end(self.cancelled, repo_id)

    def _end(self, signal, repo_id: str, *args) -> None:
        """The download is over: free for the next one before anyone hears of it."""
        self.current = None
        self.busyChanged.emit(False)
        signal.emit(repo_id, *args)


class DownloadBar(QWidget):
    """The download that runs: its model, a bar with bytes, speed and time left, and Cancel; hidden when idle.
    `compact` (the status bar): the model's short name inside the bar, the whole line in its tooltip."""

    def __init__(self, worker: DownloadWorker, compact: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.worker, self.compact = worker, compact
        self.label = QLabel()
        self.progress = QProgressBar(textVisible=True, minimumWidth=300)
        self.progress.setRange(0, 0)
        # in the status bar, beside the map's own Cancel, a small ✕ that cannot be taken for it
        self.cancel_button = QToolButton(text="✕", autoRaise=True) if compact else QPushButton("Cancel")
        self.cancel_button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        if compact:  # as wide as a typical line, beside the model's name
            sample = "instructor-large · 999 MB of 1.3 GB · 99 MB/s · 59 min left"
            self.progress.setFixedWidth(self.progress.fontMetrics().horizontalAdvance(sample) + 24)
            self.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Preferred)
        self.cancel_button.setToolTip("Cancel the download; what arrived is kept, and Download resumes it")
        self.cancel_button.clicked.connect(worker.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if not compact:
            layout.addWidget(self.label)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self.cancel_button)
        worker.busyChanged.connect(self._on_busy)
        worker.progress.connect(self._on_progress)
        self._on_busy(worker.busy)
        if worker.last is not None:
            self._on_progress(worker.current, worker.last)

    def _on_busy(self, busy: bool) -> None:
        self.setVisible(busy)
        if busy:
            self.label.setText(f"Downloading {self.worker.current}")
            self.progress.setRange(0, 0)  # busy until the first report
            self.progress.setFormat(self._name() + "starting…")
            self.setToolTip(f"Downloading {self.worker.current}")

    def _name(self) -> str:
        return f"{self.worker.current.rsplit('/', 1)[-1]} · " if self.compact and self.worker.current else ""

    def _on_progress(self, repo_id: str, p: downloads.Progress) -> None:
        self.progress.setRange(0, 1000)  # permille: sizes in bytes overflow a QProgressBar's int
        self.progress.setValue(int(1000 * p.done_bytes / p.total_bytes) if p.total_bytes else 0)
        self.progress.setFormat(self._name() + describe(p))
        self.setToolTip(f"Downloading {repo_id}: {describe(p)}")
