"""Map → Model → Model manager…: the models the app knows and those in the cache, each downloaded or not with its
size, and Download, Remove and Use; also the window's model controller (Models): it owns the background downloads,
shows their bar in the status bar, keeps the task bar's model hint up to date and runs the first-start question.

The download bar lives in the status bar (and in the manager while it is open), and the manager is not modal: a
download takes minutes, and the window keeps mapping with the current model meanwhile."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from instructor_map.app import dialogs
from instructor_map.app.download_worker import DownloadBar, DownloadWorker
from instructor_map.app.first_run import FirstRun
from instructor_map.core import downloads, families
from instructor_map.core.errors import InputError
from instructor_map.core.hub_cache import check_id
from instructor_map.core.models import BUNDLED, BUNDLED_NAME, DEFAULT_MODEL, MODEL_SIZES, bundled_path, detect_kind

READS_PROMPT = "reads the task as “Instruct: … Query:”"
# the models offered, what each is, and its approximate download size (None: comes with the app)
CATALOG = (
    (BUNDLED, "Comes with the app and works offline; not instruction-tuned: the task changes the map only a little",
     None),
    ("hkunlp/instructor-base", "INSTRUCTOR, the quickest: task-aware maps", MODEL_SIZES["hkunlp/instructor-base"]),
    ("hkunlp/instructor-large", "INSTRUCTOR: the best maps for most notes", MODEL_SIZES["hkunlp/instructor-large"]),
    ("hkunlp/instructor-xl", "INSTRUCTOR, the largest: slow without a GPU", MODEL_SIZES["hkunlp/instructor-xl"]),
    ("Qwen/Qwen3-Embedding-0.6B", f"Qwen3-Embedding, many languages; {READS_PROMPT}", 1.19e9),
    ("Qwen/Qwen3-Embedding-4B", "Qwen3-Embedding, many languages, larger; best with a GPU", 8.05e9),
    ("Qwen/Qwen3-Embedding-8B", "Qwen3-Embedding, many languages, the largest; needs a GPU", 15.1e9),
    ("intfloat/multilingual-e5-large-instruct", f"e5-instruct, about 100 languages; {READS_PROMPT}", 1.12e9),
)
DESCRIPTIONS = {model: (text, size) for model, text, size in CATALOG}


def is_folder(model: str) -> bool:
    """A model given as a folder rather than a hub id or the bundled model."""
    return model != BUNDLED and (model.count("/") != 1 or model.startswith((".", "/", "~")) or "\\" in model
                                 or Path(model).expanduser().is_dir())


def confirm_remove(parent: QWidget, model: str, size: str) -> bool:
    answer = QMessageBox.question(parent, "Remove the model",
                                  f"Remove {model} ({size}) from this computer? Downloading it again takes a while.",
                                  QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
    return answer == QMessageBox.Yes


def choose_folder(parent: QWidget) -> str:
    return QFileDialog.getExistingDirectory(parent, "Model folder (hub layout)")


class Models(QObject):
    """The window's models: downloads in the background, the manager, the first start and the task bar's hint."""

    def __init__(self, mapping, settings, task_bar, status: QStatusBar, window: QWidget):
        super().__init__(window)
        self.mapping, self.task_bar, self.status, self.window = mapping, task_bar, status, window
        self.downloads = DownloadWorker(self)
        self.bar = DownloadBar(self.downloads, compact=True)
        status.addPermanentWidget(self.bar)
        self.manager: ModelManager | None = None
        self.downloads.failed.connect(lambda _, message: dialogs.error(window, "Could not download the model",
                                                                        message))
        self.downloads.cancelled.connect(lambda model: status.showMessage(
            f"The download of {model} was cancelled; Download in the model manager resumes it", 8000))
        self.downloads.finished.connect(self._on_downloaded)
        mapping.modelChosen.connect(self._on_chosen)
        mapping.modelLoaded.connect(self._on_loaded)
        self.first_run = FirstRun(mapping, settings, self.downloads, window)
        self.first_run.message.connect(status.showMessage)
        self.first_run.start()

    @staticmethod
    def of(window: QWidget) -> Models:
        return window.findChild(Models)

    def open_manager(self) -> ModelManager:
        if self.manager is None:
            self.manager = ModelManager(self, self.window)
        self.manager.refresh()
        self.manager.show()
        self.manager.raise_()
        self.manager.activateWindow()
        return self.manager

    def current(self) -> str:
        """The model that maps the notes: the chosen one, or what the default stands for on this computer."""
        model = self.mapping.choice.model
        if model:
            return model
        return DEFAULT_MODEL if downloads.cached_snapshot(DEFAULT_MODEL) else BUNDLED

    def use(self, model: str) -> None:
        self.mapping.set_model(model=model)
        self.mapping.preload()  # load it now, also before there are notes: the window shows its name and hint

    def stop(self) -> None:
        self.first_run.stop()
        self.downloads.stop()

    def _on_downloaded(self, model: str, _path: str) -> None:
        if not self.first_run.downloaded(model):
            self.status.showMessage(f"{model} is downloaded: Use in the model manager maps with it", 10000)

    def _on_chosen(self, model: str | None) -> None:
        family = families.family_of(model) if model else None
        self.task_bar.set_template(family.template if family else None)

    def _on_loaded(self, encoder) -> None:
        family = families.FAMILIES.get(getattr(encoder, "kind", ""))
        self.task_bar.set_template(family.template if family else None)


@dataclass
class Row:
    state: QLabel
    download: QPushButton
    remove: QPushButton
    use: QPushButton


class ModelManager(QDialog):
    def __init__(self, models: Models, parent: QWidget):
        super().__init__(parent)
        self.models, self.worker = models, models.downloads
        self.setWindowTitle("Model manager")
        self.added: list[str] = []  # hub ids typed in this session
        self.rows: dict[str, Row] = {}
        intro = QLabel(f"Models are downloaded once into the Hugging Face cache ({downloads.cache_dir()}) and then "
                       "work offline. Only what a model needs is fetched; a cancelled download resumes.",
                       wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setColumnStretch(1, 1)
        self.grid.setHorizontalSpacing(12)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.grid_host)
        self.hub_id = QLineEdit(placeholderText="Another model on the hub: org/name")
        self.hub_id.returnPressed.connect(self.add_hub_id)
        add = QPushButton("Add to the list")
        add.clicked.connect(self.add_hub_id)
        folder = QPushButton("Local folder…")
        folder.setToolTip("Use a model folder on this computer (hub layout: config.json, weights, tokenizer)")
        folder.clicked.connect(self.use_folder)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        other = QHBoxLayout()
        for widget, stretch in ((self.hub_id, 1), (add, 0), (folder, 0)):
            other.addWidget(widget, stretch)
        self.bar = DownloadBar(self.worker)
        bottom = QHBoxLayout()
        bottom.addWidget(self.bar, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addLayout(other)
        layout.addLayout(bottom)
        screen = parent.screen().availableGeometry()
        self.resize(min(940, screen.width() - 60), min(600, screen.height() - 80))
        self.worker.busyChanged.connect(lambda _: self.refresh())
        self.worker.progress.connect(self._on_progress)
        models.mapping.modelChosen.connect(lambda _: self.refresh())

    # ---- the list ------------------------------------------------------------------------------------
    def listed(self, cached: dict) -> list[str]:
        """The catalog, then the other models in the cache, those added here, and the one in use if not yet there."""
        names = [model for model, _, _ in CATALOG] + sorted(cached) + self.added + [self.models.current()]
        return list(dict.fromkeys(names))

    def refresh(self) -> None:
        """Rebuild the rows from the cache as it is now."""
        while self.grid.count():
            self.grid.takeAt(0).widget().deleteLater()
        self.rows.clear()
        cached = {m.repo_id: m for m in downloads.cached_models()}
        current = self.models.current()
        if is_folder(current) and current not in self.added:  # stays listed once another model is in use
            self.added.append(current)
        for column, title in enumerate(("", "Model", "Size", "")):
            self.grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
        for number, model in enumerate(self.listed(cached), start=1):
            self._add_row(number, model, cached.get(model), model == current)
        self.grid.setRowStretch(self.grid.rowCount(), 1)

    def _add_row(self, number: int, model: str, cached, current: bool) -> None:
        folder, text, size = is_folder(model), *DESCRIPTIONS.get(model, ("", None))
        name = f"{BUNDLED_NAME} (bundled)" if model == BUNDLED else Path(model).name if folder else model
        if folder:
            text = f"Local folder: {model}"
        elif not text:
            text = "In the Hugging Face cache" if cached else "Not on this computer yet"
        mark = QLabel("●" if current else "")
        mark.setStyleSheet("color: #2e7d32")
        mark.setToolTip("The model in use" if current else "")
        label = QLabel(f"<b>{name}</b>{' — in use' if current else ''}<br><span style='color: gray'>{text}</span>",
                       wordWrap=True, toolTip=model)
        downloading = self.worker.current == model
        state = QLabel(self._state(model, cached, size, downloading, folder))
        download = QPushButton("Resume" if cached and not cached.complete else "Download")
        remove, use = QPushButton("Remove"), QPushButton("In use" if current else "Use")
        hub = model != BUNDLED and not folder
        download.setVisible(hub and not (cached and cached.complete) and not downloading)
        download.setEnabled(not self.worker.busy)
        if self.worker.busy:
            download.setToolTip(f"One download at a time: {self.worker.current} is downloading")
        remove.setVisible(hub and cached is not None)
        remove.setEnabled(not current and not downloading)
        remove.setToolTip("In use: choose another model first" if current else "")
        usable = not hub or (cached is not None and cached.complete)
        use.setEnabled(usable and not current)
        use.setToolTip("" if usable else "Download it first")
        download.clicked.connect(lambda: self.worker.start(model))
        remove.clicked.connect(lambda: self.remove(model))
        use.clicked.connect(lambda: self.models.use(model))
        for column, widget in enumerate((mark, label, state, download, remove, use)):
            self.grid.addWidget(widget, number, column)
        self.rows[model] = Row(state, download, remove, use)

    @staticmethod
    def _state(model: str, cached, size: float | None, downloading: bool, folder: bool) -> str:
        if model == BUNDLED:
            return f"{_bundled_size()} · included"
        if folder:
            return "on this computer"
        known = f"about {downloads.format_size(size)}" if size else "size unknown"
        if downloading:
            return "downloading…"
        if cached is None:
            return f"{known} · not downloaded"
        if not cached.complete:
            return f"{downloads.format_size(cached.size_bytes)} of {known.removeprefix('about ')} · partly downloaded"
        return f"{downloads.format_size(cached.size_bytes)} · downloaded"

    def _on_progress(self, model: str, p: downloads.Progress) -> None:
        row = self.rows.get(model)
        if row is not None and p.total_bytes:
            row.state.setText(f"{downloads.format_size(p.done_bytes)} of {downloads.format_size(p.total_bytes)}"
                              " · downloading")

    # ---- actions -------------------------------------------------------------------------------------
    def remove(self, model: str) -> None:
        cached = {m.repo_id: m for m in downloads.cached_models()}.get(model)
        size = downloads.format_size(cached.size_bytes) if cached else "not downloaded"
        if not confirm_remove(self, model, size):
            return
        try:
            freed = downloads.remove(model)
        except InputError as exc:
            dialogs.error(self, "Could not remove the model", str(exc))
        else:
            self.models.status.showMessage(f"Removed {model}: {downloads.format_size(freed)} freed", 8000)
            self.added += [model] if model not in self.added else []  # still listed, to download again
        self.refresh()

    def add_hub_id(self) -> None:
        model = self.hub_id.text().strip()
        if not model:
            return
        try:
            check_id(model)
        except InputError as exc:
            dialogs.error(self, "Not a hub model", str(exc))
            return
        if model not in self.added:
            self.added.append(model)
        self.hub_id.clear()
        self.refresh()

    def use_folder(self) -> None:
        folder = choose_folder(self)
        if not folder:
            return
        try:
            detect_kind(Path(folder))
        except InputError as exc:
            dialogs.error(self, "Not a model folder", str(exc))
            return
        self.models.use(folder)


def _bundled_size() -> str:
    try:
        folder = bundled_path()
    except InputError:
        return "missing"
    return downloads.format_size(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()))
