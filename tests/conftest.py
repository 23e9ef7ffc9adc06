"""Shared fixtures: random-weight INSTRUCTOR checkpoints in the hub layout, and the bundled model."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for the network
sys.path.insert(0, str(Path(__file__).parent))

from checkpoints import build_instructor_checkpoint  # noqa: E402


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
