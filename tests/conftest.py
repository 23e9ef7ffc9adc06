"""Shared fixtures: random-weight INSTRUCTOR checkpoints in the hub layout, the bundled model, and a reader of a
layout's saved basis."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for the network
sys.path.insert(0, str(Path(__file__).parent))

from checkpoints import build_instructor_checkpoint  # noqa: E402
from hub_server import SKIPPED_FILES, TINY_ID, use_hub  # noqa: E402


@pytest.fixture(scope="session", params=["safetensors", "bin"])
def instructor_checkpoint(request, tmp_path_factory) -> Path:
    """A tiny INSTRUCTOR checkpoint, once per weight format."""
    return build_instructor_checkpoint(tmp_path_factory.mktemp(f"instructor-{request.param}"), weights=request.param)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return build_instructor_checkpoint(tmp_path_factory.mktemp("instructor-tiny"))


@pytest.fixture(scope="session")
def tiny_encoder(tiny_checkpoint):
    from instructor_map.core.encoders import Encoder

    return Encoder.load(str(tiny_checkpoint))


@pytest.fixture(scope="session")
def bundled_encoder():
    from instructor_map.core.encoders import Encoder

    return Encoder.load("bundled")


def _basis_places(X, basis: dict) -> np.ndarray:
    """Places from a saved basis alone: (X - mean) @ components.T * scale + offset."""
    X = np.asarray(X, dtype=np.float64)
    components = np.asarray(basis["components"], dtype=np.float64)
    coords = (X - np.asarray(basis["mean"], dtype=np.float64)) @ components.T * float(basis.get("scale", 1.0))
    return coords + np.asarray(basis.get("offset", 0.0), dtype=np.float64)


@pytest.fixture
def basis_places():
    """The places a layout's basis gives vectors: a saved basis must reproduce the map it was saved with."""
    return _basis_places


@pytest.fixture
def hub(tiny_checkpoint, tmp_path, monkeypatch):
    """A local hub serving the tiny checkpoint as tests/instructor-tiny (with files a download leaves out), and
    huggingface_hub pointed at it with an empty cache under tmp_path; back to offline afterwards."""
    import importlib

    from hub_server import HubServer
    from huggingface_hub import constants

    server = HubServer()
    server.add_repo(TINY_ID, tiny_checkpoint, SKIPPED_FILES)
    server.start()
    for key in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HF_HUB_ETAG_TIMEOUT"):
        monkeypatch.delenv(key, raising=False)
    use_hub(monkeypatch, HF_ENDPOINT=server.url, HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="0")
    yield server
    server.stop()
    monkeypatch.undo()
    importlib.reload(constants)
