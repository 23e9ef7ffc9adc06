"""A model's weights, read safely: model.safetensors, or pytorch_model.bin through torch.load(weights_only=True), so
pickled Python code is never run; anything wrong is one InputError line naming the folder and the file.

`check_weights` reads only what says what the file holds (the safetensors header; the pickle, with the tensors left
on disk), so a model's own loader can be trusted with the file afterwards."""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

from instructor_map.core.bounded import not_regular
from instructor_map.core.errors import InputError

WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")  # in the order they are preferred
SHARD_INDEXES = ("model.safetensors.index.json", "pytorch_model.bin.index.json")
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")
_NOT_RUN = "holds pickled Python code ({}), which is never run; use the model's model.safetensors instead"


def load_weights(path) -> dict:
    """The named tensors of a weights file, or of the preferred one in folder `path`."""
    file = _weights_file(Path(path))
    if file.suffix == ".safetensors":
        return _safetensors(file, header_only=False)
    return _torch_bin(file, mmap=False)


def check_weights(path) -> None:
    """Refuse, in one line, a weights file (or the preferred one in folder `path`, or each shard a sharded model's
    index lists) that is not a regular file, is damaged, or holds pickled code; the tensors are not read."""
    path = Path(path)
    for file in shards(path) or [_weights_file(path)]:
        _check_regular(file)
        if file.suffix == ".safetensors":
            _safetensors(file, header_only=True)
        else:
            _torch_bin(file, mmap=True)


def shards(folder: Path) -> list[Path]:
    """The weight files a sharded model's index lists (large models, e.g. Qwen3-Embedding-4B); [] when the folder
    holds one whole weights file or no index."""
    import json

    if not folder.is_dir() or any(os.path.lexists(folder / name) for name in WEIGHT_FILES):
        return []
    for index in SHARD_INDEXES:
        if (folder / index).is_file():
            try:
                weight_map = json.loads((folder / index).read_text(encoding="utf-8"))["weight_map"]
                names = sorted({str(name) for name in weight_map.values()})
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                raise InputError(f"{index}: cannot read the list of weight files ({exc})", folder) from None
            if not names or any("/" in name or name.startswith(".") for name in names):
                raise InputError(f"{index}: lists no weight files in the model's folder", folder)
            return [folder / name for name in names]
    return []


def _weights_file(path: Path) -> Path:
    if not path.is_dir():
        _check_regular(path)
        return path
    for name in WEIGHT_FILES:
        file = path / name
        if os.path.lexists(file):
            _check_regular(file)
            return file
    raise InputError(f"holds no model weights ({' or '.join(WEIGHT_FILES)})", path)


def _check_regular(file: Path) -> None:
    try:
        reason = not_regular(os.stat(file).st_mode)
    except FileNotFoundError:
        raise InputError(f"{file.name}: no such file", file.parent) from None
    except OSError as exc:
        raise InputError(f"{file.name}: cannot be read ({exc.strerror or exc})", file.parent) from None
    if reason is not None:
        raise InputError(f"{file.name} {reason}", file.parent)


def _refused(file: Path, reason: str) -> InputError:
    return InputError(f"{file.name}: {reason}", file.parent)


def _safetensors(file: Path, header_only: bool) -> dict:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(file), framework="pt") as fh:
            return {} if header_only else {key: fh.get_tensor(key) for key in fh.keys()}  # noqa: SIM118
    except MemoryError:
        raise _refused(file, "too large to load into memory") from None
    except OSError as exc:
        raise _refused(file, f"cannot be read ({exc.strerror or exc})") from None
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise _refused(file, f"is damaged or not a safetensors file ({_first_sentence(exc)})") from None


def _torch_bin(file: Path, mmap: bool) -> dict:
    import torch

    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols on stderr: the error below says it all
            warnings.simplefilter("ignore")
            try:
                state = torch.load(file, map_location="cpu", weights_only=True, mmap=mmap)
            except RuntimeError as exc:
                if not (mmap and "mmap" in str(exc)):
                    raise
                state = torch.load(file, map_location="cpu", weights_only=True)  # the old format cannot be mapped
    except MemoryError:
        raise _refused(file, "too large to load into memory") from None
    except OSError as exc:
        raise _refused(file, f"cannot be read ({exc.strerror or exc})") from None
    except Exception as exc:  # a damaged file fails in many ways (zip reader, unpickler, storage sizes)
        found = _GLOBAL.search(str(exc))
        if found or "Weights only load failed" in str(exc):  # torch's weights-only unpickler refused it
            raise _refused(file, _NOT_RUN.format(found.group(1) if found else "not plain tensors")) from None
        raise _refused(file, f"is damaged or not a PyTorch weights file ({_first_sentence(exc)})") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise _refused(file, "does not hold named tensors")
    return state


def _first_sentence(exc: BaseException) -> str:
    """The start of an error's text: torch and safetensors add paragraphs of advice after it."""
    text = " ".join(str(exc).split())
    if not re.search("[a-z]{3}", text):  # a bare KeyError '101' or an empty EOFError says little alone
        text = f"{type(exc).__name__} {text}".strip()
    first = re.split(r"(?<=[a-z0-9)])\. ", text, maxsplit=1)[0].rstrip(".")
    return first if len(first) <= 200 else first[:199] + "…"
