"""The first start: no model chosen yet and no INSTRUCTOR model on this computer. When the hub answers (asked off
the GUI thread), ask once which model to download, or to stay with the offline model for now, and remember the
answer. The bundled model maps the notes while the chosen one downloads; once it is in, the map switches to it.
Without network nothing is asked: the default falls back to the bundled model with its notice, as always."""
from __future__ import annotations

import contextlib

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QCommandLinkButton, QDialog, QLabel, QVBoxLayout, QWidget

from instructor_map.app.download_worker import DownloadWorker
from instructor_map.core import downloads
from instructor_map.core.errors import InputError
from instructor_map.core.models import BUNDLED, INSTRUCTOR_MODELS, MODEL_SIZES, resolve_model

ANSWER = "first_run/model"  # QSettings: what the first start chose, a hub id or "bundled"
LARGE, BASE = "hkunlp/instructor-large", "hkunlp/instructor-base"


def ask_first_model(parent: QWidget) -> str:
    """The model to download (a hub id), or BUNDLED to use the offline model for now (also on Esc)."""
    dialog = QDialog(parent, windowTitle="Choose a model", minimumWidth=480)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel(
        "<b>Which model should place your notes?</b><br>INSTRUCTOR models read the task you type, so the map "
        "follows it. None is on this computer yet.<br>Map → Model → Model manager… changes this any time.",
        wordWrap=True))
    answer = [BUNDLED]
    choices = ((LARGE, f"Download instructor-large (about {downloads.format_size(MODEL_SIZES[LARGE])}, best maps)",
                "The offline model maps your notes until it is in; then the map is made again with it."),
               (BASE, f"Download instructor-base (about {downloads.format_size(MODEL_SIZES[BASE])})",
                "Quicker to download and to map; task-aware maps."),
               (BUNDLED, "Use the offline model for now",
                "all-MiniLM-L6-v2 comes with the app; it is not instruction-tuned: the task changes the map only a "
                "little."))
    buttons = []
    for model, text, description in choices:
        buttons.append(QCommandLinkButton(text, description))
        buttons[-1].clicked.connect(lambda _=False, m=model: (answer.__setitem__(0, m), dialog.accept()))
        layout.addWidget(buttons[-1])
    buttons[0].setDefault(True)  # Enter: the best maps
    buttons[0].setFocus()
    dialog.exec()
    return answer[0]


class FirstRun(QObject):
    message = Signal(str, int)  # for the status bar

    def __init__(self, mapping, settings: QSettings, worker: DownloadWorker, parent: QWidget):
        super().__init__(parent)
        self.mapping, self.settings, self.worker, self.parent_widget = mapping, settings, worker, parent
        self.waiting: str | None = None  # the model whose download the map waits for

    def chosen(self) -> bool:
        """A model was chosen: on the command line, in the menus or the manager, or by an earlier first start."""
        return self.mapping.choice.model is not None or self.settings.contains("model")

    def start(self) -> None:
        """Before the window loads its model: else the default would fetch instructor-large unseen."""
        if self.chosen() or any(downloads.cached_snapshot(m) for m in INSTRUCTOR_MODELS):
            return
        from huggingface_hub import constants

        if constants.HF_HUB_OFFLINE:  # downloads are off: the default's fallback and notice, as always
            return
        self.mapping.set_model(model=BUNDLED, remember=False)
        self.worker.checked.connect(self._on_checked)
        self.worker.check_hub()

    def _on_checked(self, reachable: bool) -> None:
        self.worker.checked.disconnect(self._on_checked)
        if self.settings.contains("model"):
            return  # chosen meanwhile
        if not reachable:
            with contextlib.suppress(InputError):  # no bundled model either: said when the window loads it
                self.message.emit(resolve_model(None, allow_download=False).message, 15000)
            return
        answer = self.settings.value(ANSWER)
        if answer is None:
            answer = ask_first_model(self.parent_widget)
            self.settings.setValue(ANSWER, answer)
        if answer not in INSTRUCTOR_MODELS:
            self.mapping.set_model(model=BUNDLED)
            return
        self.waiting = answer
        self.worker.cancelled.connect(self._on_cancelled)
        if not self.worker.start(answer):
            return
        self.message.emit(f"Downloading {answer}; the offline model maps your notes until it is in", 15000)

    def downloaded(self, model: str) -> bool:
        """A download finished: when the map waits for it, switch to it (the map is made again); True then."""
        if model != self.waiting:
            return False
        self.waiting = None
        if self.settings.contains("model"):
            return False  # another model was chosen meanwhile
        self.mapping.set_model(model=model)
        self.mapping.preload()
        self.message.emit(f"{model} is downloaded: the map is made again with it", 15000)
        return True

    def stop(self) -> None:
        """The window closes: quitting is no cancel, so the next start resumes the download."""
        self.waiting = None

    def _on_cancelled(self, model: str) -> None:
        if model == self.waiting:  # stopped on purpose: the offline model stays, until chosen otherwise
            self.waiting = None
            self.settings.setValue(ANSWER, BUNDLED)
            if not self.settings.contains("model"):
                self.mapping.set_model(model=BUNDLED)
