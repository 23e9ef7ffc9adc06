"""The model manager (Map → Model → Model manager…) and the first start's question, against a local stand-in for
the hub: each model listed downloaded or not with its size; Download shows its progress in the background and the
row becomes downloaded; Cancel keeps what arrived and Download resumes it; Remove frees the disk; Use switches the
window's model; the task bar says how a model reads the task; and a first start without a model asks once which one
to download when the hub answers, and nothing without network."""
from __future__ import annotations

import threading

import pytest
from checkpoints import build_qwen3_checkpoint
from hub_server import TINY_ID

from instructor_map.app import first_run, model_manager
from instructor_map.app.first_run import ANSWER, BASE
from instructor_map.core import downloads
from instructor_map.core.models import BUNDLED


@pytest.fixture(autouse=True)
def model_in_this_process(monkeypatch):
    """The model loads in the worker thread, so it reads the cache this test points huggingface_hub at."""
    monkeypatch.setattr("instructor_map.app.worker.MODEL_PROCESS", False)


@pytest.fixture
def no_question(monkeypatch):
    def fail(*_):
        raise AssertionError("the first-start question was asked")
    monkeypatch.setattr(first_run, "ask_first_model", fail)


def model_menu(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Map")
    return next(a.menu() for a in menu.actions() if a.text() == "&Model")


def open_manager(window):
    """Through the menu, as a user does."""
    entry = model_menu(window).actions()[0]
    assert entry.text() == "Model &manager…"
    entry.trigger()
    return window.models.manager


def state(manager, model) -> str:
    return manager.rows[model].state.text()


def held(hub, tiny_checkpoint, repo_id=TINY_ID) -> threading.Event:
    """The hub stops a third of the way into the weights until released; the event is set when it does."""
    weights = (tiny_checkpoint / "model.safetensors").stat().st_size
    reached = threading.Event()
    hub.on_hold = lambda start: reached.set()
    hub.hold(repo_id, "model.safetensors", after=weights // 3)
    return reached


def add_tiny(manager):
    manager.hub_id.setText(TINY_ID)
    manager.hub_id.returnPressed.emit()
    return manager.rows[TINY_ID]


def test_the_list_shows_each_model_downloaded_or_not_with_its_size(qtbot, hub, make_window, tiny_checkpoint):
    downloads.download(TINY_ID)  # another model in the cache
    window = make_window()
    manager = open_manager(window)
    assert manager.isVisible() and not manager.isModal()
    for model in ("hkunlp/instructor-base", "hkunlp/instructor-large", "hkunlp/instructor-xl",
                  "Qwen/Qwen3-Embedding-0.6B", "Qwen/Qwen3-Embedding-4B", "Qwen/Qwen3-Embedding-8B",
                  "intfloat/multilingual-e5-large-instruct"):
        assert state(manager, model).endswith("· not downloaded")
        assert manager.rows[model].download.isVisible() and not manager.rows[model].use.isEnabled()
    assert state(manager, "hkunlp/instructor-base").startswith("about 0.4 GB")
    assert state(manager, "hkunlp/instructor-large").startswith("about 1.3 GB")
    assert state(manager, "hkunlp/instructor-xl").startswith("about 5.0 GB")
    assert state(manager, "Qwen/Qwen3-Embedding-8B").startswith("about 15 GB")
    assert state(manager, BUNDLED).endswith("MB · included") and manager.rows[BUNDLED].use.isEnabled()
    size = downloads.format_size(downloads.cached_models()[0].size_bytes)
    assert state(manager, TINY_ID) == f"{size} · downloaded"
    assert not manager.rows[TINY_ID].download.isVisible() and manager.rows[TINY_ID].use.isEnabled()
    # the model in use (the window's folder) is listed and marked; it cannot be removed or chosen again
    current = manager.rows[str(tiny_checkpoint)]
    assert current.use.text() == "In use" and not current.use.isEnabled() and not current.remove.isVisible()
    assert not window.instruction_bar.template_label.isVisible()  # INSTRUCTOR reads the task as typed


def test_download_shows_progress_in_the_background_and_the_row_becomes_downloaded(qtbot, hub, make_window,
                                                                                  tiny_checkpoint):
    window = make_window()
    manager = open_manager(window)
    row = add_tiny(manager)
    assert state(manager, TINY_ID) == "size unknown · not downloaded"
    reached = held(hub, tiny_checkpoint)
    row.download.click()
    qtbot.waitUntil(reached.is_set, timeout=10_000)
    qtbot.waitUntil(lambda: manager.bar.progress.value() > 0, timeout=5_000)
    # bytes, speed and time left in the manager and in the status bar; the window keeps its model meanwhile
    assert manager.bar.isVisible() and window.models.bar.isVisible()
    assert " of " in manager.bar.progress.text() and "instructor-tiny" in manager.bar.label.text()
    assert window.models.bar.progress.text().startswith("instructor-tiny · ")
    assert "downloading" in state(manager, TINY_ID)
    assert not manager.rows["hkunlp/instructor-large"].download.isEnabled()  # one download at a time
    assert window.mapping.choice.model == str(tiny_checkpoint)
    hub.release()
    qtbot.waitUntil(lambda: state(manager, TINY_ID).endswith("· downloaded"), timeout=15_000)
    assert not manager.bar.isVisible() and not window.models.bar.isVisible()
    assert downloads.cached_snapshot(TINY_ID) is not None
    assert manager.rows[TINY_ID].use.isEnabled() and not manager.rows[TINY_ID].download.isVisible()
    assert "tests/instructor-tiny is downloaded" in window.statusBar().currentMessage()


def test_cancel_keeps_it_not_downloaded_and_download_again_resumes(qtbot, hub, make_window, tiny_checkpoint):
    window = make_window()
    manager = open_manager(window)
    reached = held(hub, tiny_checkpoint)
    add_tiny(manager).download.click()
    qtbot.waitUntil(reached.is_set, timeout=10_000)
    with qtbot.waitSignal(window.models.downloads.cancelled, timeout=5_000):
        manager.bar.cancel_button.click()
    hub.release()
    assert downloads.cached_snapshot(TINY_ID) is None
    assert state(manager, TINY_ID).endswith("· partly downloaded")
    assert "cancelled" in window.statusBar().currentMessage()
    kept = next(downloads.cache_dir().rglob("*.incomplete")).stat().st_size
    resume = manager.rows[TINY_ID].download
    assert resume.text() == "Resume" and resume.isEnabled() and not manager.rows[TINY_ID].use.isEnabled()
    resume.click()
    qtbot.waitUntil(lambda: state(manager, TINY_ID).endswith("· downloaded"), timeout=15_000)
    ranges = [s.range for s in hub.requests if s.path == "model.safetensors" and s.method == "GET"]
    assert ranges[-1] == f"bytes={kept}-"  # on from where it stopped


def test_a_model_the_hub_does_not_have_is_one_line(qtbot, hub, make_window, answers):
    window = make_window()
    manager = open_manager(window)
    manager.hub_id.setText("nobody/no-such-model")
    manager.add_hub_id()
    answers["error"] = [None]
    with qtbot.waitSignal(window.models.downloads.failed, timeout=10_000) as failed:
        manager.rows["nobody/no-such-model"].download.click()
    assert failed.args[1] == "model 'nobody/no-such-model' was not found on the hub"
    assert answers["error"] == []  # shown as a dialog
    assert state(manager, "nobody/no-such-model") == "size unknown · not downloaded"


def test_remove_frees_the_disk_and_use_switches_the_window_model(qtbot, hub, make_window, monkeypatch):
    downloads.download(TINY_ID)
    window = make_window()
    manager = open_manager(window)
    manager.rows[TINY_ID].use.click()
    assert window.mapping.choice.model == TINY_ID and window.settings.value("model") == TINY_ID
    qtbot.waitUntil(lambda: "instructor-tiny" in window.model_label.text(), timeout=30_000)
    row = manager.rows[TINY_ID]
    assert row.use.text() == "In use" and not row.remove.isEnabled()  # the model in use stays

    manager.rows[BUNDLED].use.click()
    assert window.mapping.choice.model == BUNDLED
    menu = model_menu(window)
    menu.aboutToShow.emit()  # the menu's choice follows
    assert [a.text() for a in menu.actions() if a.isChecked()] == [
        "Bundled all-MiniLM-L6-v2 (offline, not instruction-tuned)"]
    asked = []
    monkeypatch.setattr(model_manager, "confirm_remove", lambda *args: asked.append(args) or True)
    manager.rows[TINY_ID].remove.click()
    assert asked and downloads.cached_models() == []
    assert state(manager, TINY_ID).endswith("· not downloaded")
    assert "freed" in window.statusBar().currentMessage()


def test_the_task_bar_says_how_a_model_reads_the_task(qtbot, make_window, monkeypatch, tmp_path, tiny_checkpoint):
    qwen3 = build_qwen3_checkpoint(tmp_path / "Qwen3-Embedding-tiny")
    window = make_window()
    manager = open_manager(window)
    label = window.instruction_bar.template_label
    monkeypatch.setattr(model_manager, "choose_folder", lambda parent: str(qwen3))
    manager.use_folder()
    assert label.isVisible() and label.text() == "Instruct: … Query:"
    assert "Instruct: <your task>\nQuery: <the note>" in label.toolTip()
    qtbot.waitUntil(lambda: "Qwen3-Embedding-tiny" in window.model_label.text(), timeout=30_000)
    assert label.isVisible()
    manager.rows[str(tiny_checkpoint)].use.click()
    assert not label.isVisible()



def test_a_model_chosen_while_another_loads_is_the_one_that_maps(qtbot, make_window, monkeypatch, tmp_path):
    from instructor_map.core.encoders import Encoder

    qwen3 = build_qwen3_checkpoint(tmp_path / "Qwen3-Embedding-tiny")
    loading, go = threading.Event(), threading.Event()

    class SlowFirstLoad(Encoder):
        def __init__(self, *args, **kwargs):
            if not go.is_set():
                loading.set()
                assert go.wait(30), "the first model was never let load"
            super().__init__(*args, **kwargs)

    monkeypatch.setattr("instructor_map.core.encoders.Encoder", SlowFirstLoad)
    window = make_window()
    qtbot.waitUntil(loading.is_set, timeout=10_000)
    monkeypatch.setattr(model_manager, "choose_folder", lambda parent: str(qwen3))
    open_manager(window).use_folder()
    go.set()
    qtbot.waitUntil(lambda: "Qwen3-Embedding-tiny" in window.model_label.text(), timeout=30_000)
    assert window.worker.runner.encoder.model_id == str(qwen3)


# ---- the first start ---------------------------------------------------------------------------------------
@pytest.fixture
def start(make_window):
    """Starts the app as a user does: no model given, settings from tmp_path (new on the first call)."""
    return lambda: make_window(as_user=True)


def test_a_first_start_asks_once_and_maps_with_the_offline_model_until_the_choice_is_in(
        qtbot, hub, start, monkeypatch, tiny_checkpoint):
    hub.add_repo(BASE, tiny_checkpoint)
    asked = []
    monkeypatch.setattr(first_run, "ask_first_model", lambda parent: asked.append(parent) or BASE)
    reached = held(hub, tiny_checkpoint, BASE)
    window = start()
    qtbot.waitUntil(reached.is_set, timeout=10_000)
    assert asked == [window]
    assert window.mapping.choice.model == BUNDLED and not window.settings.contains("model")
    assert window.models.bar.isVisible() and "Downloading hkunlp/instructor-base" in window.models.bar.toolTip()
    qtbot.waitUntil(lambda: window.model_label.text().startswith("⚠ Model: all-MiniLM"), timeout=30_000)
    hub.release()
    qtbot.waitUntil(lambda: window.mapping.choice.model == BASE, timeout=15_000)
    assert window.settings.value("model") == BASE and window.settings.value(ANSWER) == BASE
    assert "instructor-base is downloaded: the map is made again" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: "instructor-base" in window.model_label.text(), timeout=30_000)
    window.close()

    monkeypatch.setattr(first_run, "ask_first_model", lambda parent: pytest.fail("asked twice"))
    again = start()
    assert again.mapping.choice.model == BASE


def test_the_offline_answer_is_remembered(qtbot, hub, start, monkeypatch):
    monkeypatch.setattr(first_run, "ask_first_model", lambda parent: BUNDLED)
    window = start()
    qtbot.waitUntil(lambda: window.settings.contains("model"), timeout=10_000)
    assert window.settings.value("model") == BUNDLED and window.settings.value(ANSWER) == BUNDLED
    assert not window.models.downloads.busy and hub.fetched() == []


def test_without_network_nothing_is_asked_and_the_offline_model_says_why(qtbot, start, no_question):
    window = start()  # the tests' HF_HUB_OFFLINE=1
    assert window.mapping.choice.model is None and window.models.downloads._thread is None
    qtbot.waitUntil(lambda: window.model_label.text().startswith("⚠ Model: all-MiniLM"), timeout=30_000)
    assert not window.settings.contains(ANSWER)


def test_a_hub_that_does_not_answer_asks_nothing(qtbot, hub, start, no_question):
    hub.stop()
    window = start()
    qtbot.waitUntil(lambda: "hub cannot be reached" in window.statusBar().currentMessage(), timeout=10_000)
    assert window.mapping.choice.model == BUNDLED and not window.settings.contains(ANSWER)
