"""Downloading a hub model from a local stand-in for the hub: only the files the model needs, progress, cancel and
resume, damaged files, disk space, the cache's list, and the model working offline afterwards."""
from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections import namedtuple

import numpy as np
import pytest
from hub_server import SKIPPED_FILES, TINY_ID, use_hub

from instructor_map.core import downloads
from instructor_map.core.errors import InputError
from instructor_map.core.models import resolve_model

NEEDED = {"config.json", "modules.json", "sentence_bert_config.json", "special_tokens_map.json", "tokenizer.json",
          "tokenizer_config.json", "model.safetensors", "1_Pooling/config.json", "2_Dense/config.json",
          "2_Dense/model.safetensors"}
NOTES = ["A quiet beach with white sand", "Ski slopes with fresh powder snow"]
TASK = "Represent the travel note for planning a beach trip: "


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def blobs():
    return downloads.cache_dir() / "models--tests--instructor-tiny" / "blobs"


def test_only_the_files_the_model_needs_are_fetched(hub, tiny_checkpoint):
    assert {f.path for f in downloads.needed_files(TINY_ID)} == NEEDED
    folder = downloads.download(TINY_ID)
    assert set(hub.fetched()) == NEEDED  # no README, no other weights format, no exports
    assert not set(hub.fetched()) & set(SKIPPED_FILES)
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == NEEDED
    for name in ("model.safetensors", "2_Dense/model.safetensors", "tokenizer.json"):
        assert sha256(folder / name) == sha256(tiny_checkpoint / name)
    assert downloads.cached_snapshot(TINY_ID) == folder


def test_a_token_goes_to_the_hub_and_never_to_its_cdn(hub, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    downloads.download(TINY_ID)
    assert all(s.token for s in hub.requests if not s.cdn)
    cdn = [s for s in hub.requests if s.cdn]
    assert {s.path for s in cdn} == {"model.safetensors", "2_Dense/model.safetensors"} and not any(s.token for s in cdn)


def test_progress_grows_to_the_total_with_speed_and_time_left(hub):
    hub.rate = 1_000_000  # bytes a second: the weights take about a third of a second
    events: list[downloads.Progress] = []
    downloads.download(TINY_ID, progress=events.append)
    total = sum(f.size for f in downloads.needed_files(TINY_ID))
    done = [e.done_bytes for e in events]
    assert len(events) >= len(NEEDED) and done == sorted(done)
    assert {e.total_bytes for e in events} == {total} and done[-1] == total and events[-1].file == ""
    during = [e for e in events if e.file == "model.safetensors" and 0 < e.done_bytes < total]
    assert len(during) >= 2 and any(e.bytes_per_s > 0 and e.seconds_left is not None for e in during)


def test_cancel_leaves_no_broken_cache_and_the_next_download_resumes(hub, monkeypatch, tiny_checkpoint):
    weights = (tiny_checkpoint / "model.safetensors").stat().st_size
    stop = threading.Event()
    hub.on_hold = lambda start: stop.set()  # cancel once the server has sent part of the weights
    hub.hold(TINY_ID, "model.safetensors", after=weights // 3)
    with pytest.raises(downloads.Cancelled):
        downloads.download(TINY_ID, cancelled=stop.is_set)
    hub.release()
    partial = list(blobs().glob("*.incomplete"))
    assert len(partial) == 1 and 0 < partial[0].stat().st_size < weights
    kept = partial[0].stat().st_size
    assert downloads.cached_snapshot(TINY_ID) is None
    assert [(m.repo_id, m.complete) for m in downloads.cached_models()] == [(TINY_ID, False)]

    use_hub(monkeypatch, HF_HUB_OFFLINE="1")
    with pytest.raises(InputError, match="not cached"):
        resolve_model(TINY_ID)
    use_hub(monkeypatch, HF_HUB_OFFLINE="0")
    folder = downloads.download(TINY_ID)
    ranges = [s.range for s in hub.requests if s.path == "model.safetensors" and s.method == "GET"]
    assert ranges[-1] == f"bytes={kept}-"
    assert sha256(folder / "model.safetensors") == sha256(tiny_checkpoint / "model.safetensors")
    assert not list(blobs().glob("*.incomplete")) and downloads.cached_snapshot(TINY_ID) == folder


@pytest.mark.parametrize("damaged", ["model.safetensors", "config.json"])  # checked by sha256, by git hash
def test_a_damaged_download_is_one_clear_line(hub, damaged):
    hub.corrupt(TINY_ID, damaged)
    with pytest.raises(InputError) as error:
        downloads.download(TINY_ID)
    message = str(error.value)
    assert "\n" not in message and damaged in message and "damaged" in message
    assert f"`instructor-map models remove {TINY_ID}` and download again" in message
    assert downloads.cached_snapshot(TINY_ID) is None


def test_a_damaged_cached_file_is_refused_with_what_to_do(hub):
    folder = downloads.download(TINY_ID)
    blob = (folder / "model.safetensors").resolve()
    blob.write_bytes(blob.read_bytes()[: blob.stat().st_size // 2])  # as a disk or a copy cut short would
    with pytest.raises(InputError) as error:
        resolve_model(TINY_ID)
    message = str(error.value)
    assert "\n" not in message and TINY_ID in message and "model.safetensors" in message
    assert f"instructor-map models remove {TINY_ID}" in message


def test_resolve_model_downloads_a_missing_model_and_then_works_offline(hub, monkeypatch, tiny_encoder):
    spec = resolve_model(TINY_ID)
    assert "model.safetensors" in hub.fetched() and spec.kind == "instructor" and spec.model_id == TINY_ID
    hub.stop()
    use_hub(monkeypatch, HF_HUB_OFFLINE="1")
    from instructor_map.core.encoders import Encoder

    offline = resolve_model(TINY_ID)
    assert offline.path == spec.path and offline.message == ""
    np.testing.assert_allclose(Encoder(offline).encode(NOTES, TASK), tiny_encoder.encode(NOTES, TASK), atol=1e-5)


def test_a_stopped_hub_keeps_the_not_cached_message(hub):
    hub.stop()
    with pytest.raises(InputError, match="is not cached and the hub cannot be reached"):
        resolve_model(TINY_ID)


def test_reachability_asks_the_configured_endpoint(hub, monkeypatch):
    assert downloads.hub_reachable(2.0)  # on the test server's own port, over plain http
    assert any(s.path == "/" for s in hub.requests)
    use_hub(monkeypatch, HF_HUB_OFFLINE="1")
    asked = len(hub.requests)
    assert not downloads.hub_reachable(2.0) and len(hub.requests) == asked
    use_hub(monkeypatch, HF_HUB_OFFLINE="0")
    hub.stop()
    assert not downloads.hub_reachable(2.0)


def test_not_enough_disk_space_is_refused_before_fetching(hub, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 5000, 5000))
    with pytest.raises(InputError, match=f"not enough free disk space to download {TINY_ID}: it needs"):
        downloads.download(TINY_ID)
    assert "model.safetensors" not in hub.fetched() and not list(blobs().glob("*"))


def test_cached_models_and_remove(hub):
    assert downloads.cached_models() == []
    folder = downloads.download(TINY_ID)
    [model] = downloads.cached_models()
    total = sum(f.size for f in downloads.needed_files(TINY_ID))
    assert (model.repo_id, model.path, model.complete, model.size_bytes) == (TINY_ID, folder, True, total)
    assert downloads.remove(TINY_ID) == total
    assert downloads.cached_models() == [] and not folder.exists()
    with pytest.raises(InputError, match="is not in the cache"):
        downloads.remove(TINY_ID)


@pytest.mark.parametrize("repo_id, message", [("tests/missing", "was not found on the hub"),
                                              ("nonsense", "is not a hub model id")])
def test_unknown_models_are_one_clear_line(hub, repo_id, message):
    with pytest.raises(InputError, match=message):
        downloads.download(repo_id)


def _modules(*paths: str) -> bytes:
    return json.dumps([{"idx": i, "name": str(i), "path": p, "type": "x"} for i, p in enumerate(paths)]).encode()


@pytest.mark.parametrize("files, needed", [
    ({"config.json": b"{}", "model.safetensors.index.json": b"{}", "model-00001-of-00002.safetensors": b"a",
      "model-00002-of-00002.safetensors": b"b", "pytorch_model.bin.index.json": b"{}",
      "pytorch_model-00001-of-00002.bin": b"c", "spiece.model": b"d", "flax_model.msgpack": b"e", "README.md": b"f"},
     {"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors", "spiece.model"}),
    ({"config.json": b"{}", "pytorch_model.bin": b"a", "vocab.txt": b"b", "merges.txt": b"c",
      "modules.json": _modules("", "1_Pooling", "2_Dense"), "1_Pooling/config.json": b"{}",
      "2_Dense/config.json": b"{}", "2_Dense/pytorch_model.bin": b"d", "2_Dense/model.onnx": b"e",
      "3_Extra/config.json": b"{}", "onnx/model.onnx": b"f", "tf_model.h5": b"g"},
     {"config.json", "pytorch_model.bin", "vocab.txt", "merges.txt", "modules.json", "1_Pooling/config.json",
      "2_Dense/config.json", "2_Dense/pytorch_model.bin"}),
])
def test_one_weights_format_and_the_modules_folders(hub, files, needed):
    hub.add_repo("tests/other", extra=files)
    assert {f.path for f in downloads.needed_files("tests/other")} == needed


def test_a_repository_without_weights_this_app_reads_is_refused(hub):
    hub.add_repo("tests/onnx-only", extra={"config.json": b"{}", "onnx/model.onnx": b"a", "tokenizer.json": b"{}"})
    with pytest.raises(InputError, match="has no weights this app reads"):
        downloads.needed_files("tests/onnx-only")
