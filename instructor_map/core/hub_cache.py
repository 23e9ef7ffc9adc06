"""Hub models in the Hugging Face cache: where a model's finished snapshot is, whether its weights are whole,
which models are there (finished or partly downloaded), and removing one."""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from instructor_map.core.errors import InputError

# (single file, index of shards, shard names) per weights format, in order of preference
WEIGHTS = (("model.safetensors", "model.safetensors.index.json", r"model-\d+-of-\d+\.safetensors"),
           ("pytorch_model.bin", "pytorch_model.bin.index.json", r"pytorch_model-\d+-of-\d+\.bin"))
REMOVE_HINT = "remove it with `instructor-map models remove {}` and download again"


@dataclass(frozen=True)
class CachedModel:
    repo_id: str
    size_bytes: int  # on disk, partial files included
    path: Path  # the snapshot folder, or the model's cache folder when not complete
    complete: bool = True


def cache_dir() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE).expanduser()


def storage(repo_id: str) -> Path:
    from huggingface_hub.file_download import repo_folder_name

    return cache_dir() / repo_folder_name(repo_id=repo_id, repo_type="model")


def format_size(n: float) -> str:
    """Bytes for people: 512 B, 12 KB, 92 MB, 0.4 GB, 1.3 GB, 12 GB."""
    for unit, scale, floor in (("GB", 1e9, 1e8), ("MB", 1e6, 999.5e3), ("KB", 1e3, 999.5)):
        if n >= floor:
            return f"{n / scale:.1f} {unit}" if n < 10 * scale else f"{n / scale:.0f} {unit}"
    return f"{int(n)} B"


def check_id(repo_id: str) -> None:
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo_id or "") or ".." in repo_id:
        raise InputError(f"{repo_id!r} is not a hub model id (org/name, e.g. hkunlp/instructor-large)")


@contextmanager
def locked(repo_id: str) -> Iterator[None]:
    """One download or removal of a model at a time, across processes."""
    from filelock import FileLock, Timeout

    path = cache_dir() / ".locks" / storage(repo_id).name / "instructor-map.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=1.0)
    except Timeout:
        raise InputError(f"{repo_id} is being downloaded by another window or command; "
                         "wait for it to finish") from None
    try:
        yield
    finally:
        lock.release()


def cached_snapshot(repo_id: str, revision: str = "main") -> Path | None:
    """The model's snapshot folder when a download finished (config and weights in it), else None."""
    store = storage(repo_id)
    ref = store / "refs" / revision
    sha = ref.read_text().strip() if ref.is_file() else revision
    folder = store / "snapshots" / sha
    if not (folder / "config.json").is_file():
        return None
    for single, index, _ in WEIGHTS:
        if (folder / single).is_file():
            return folder
        if (folder / index).is_file():
            try:
                shards = set(json.loads((folder / index).read_text())["weight_map"].values())
            except (OSError, ValueError, KeyError, AttributeError):
                return None
            return folder if all((folder / s).is_file() for s in shards) else None
    return None


def _weights_problem(path: Path) -> str | None:
    """Why a weights file cannot be read, from its header and length alone; None when it looks whole."""
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            if path.suffix == ".safetensors":
                n = int.from_bytes(f.read(8), "little")
                if not 2 <= n <= min(size - 8, 100 * 2**20):
                    return "its header is cut off"
                header = json.loads(f.read(n))
                end = max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
                return None if 8 + n + end == size else f"{size} bytes instead of {8 + n + end}"
            if f.read(2) == b"PK":  # torch's zip format: the directory at the end must be there
                import zipfile

                zipfile.ZipFile(f).close()
    except Exception as exc:  # any failure to read it (OSError, JSON, zipfile.BadZipFile...) means unreadable
        return f"it cannot be read ({type(exc).__name__})"
    return None


def check_weights(folder: Path, repo_id: str) -> None:
    """Refuses a cached model whose weights files are cut off or unreadable, with what to do about it."""
    for path in sorted([*folder.glob("*.safetensors"), *folder.glob("*/*.safetensors"),
                        *folder.glob("*.bin"), *folder.glob("*/*.bin")]):
        problem = _weights_problem(path)
        if problem:
            raise InputError(f"{repo_id}: the cached {path.relative_to(folder).as_posix()} is damaged ({problem}); "
                             + REMOVE_HINT.format(repo_id))


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def cached_models() -> list[CachedModel]:
    """Models in the cache, downloaded or partly downloaded, by id."""
    from huggingface_hub import scan_cache_dir
    from huggingface_hub.errors import CacheNotFound

    try:
        repos = {r.repo_id: r for r in scan_cache_dir(cache_dir()).repos if r.repo_type == "model"}
    except (CacheNotFound, ValueError, OSError):
        return []
    found = []
    for store in sorted(cache_dir().glob("models--*--*")):
        repo_id = store.name[len("models--"):].replace("--", "/")
        snapshot = cached_snapshot(repo_id)
        size = _folder_bytes(store / "blobs") if (store / "blobs").is_dir() else 0
        if repo_id in repos:
            size = max(size, repos[repo_id].size_on_disk)
        found.append(CachedModel(repo_id, size, snapshot or store, snapshot is not None))
    return found


def remove(repo_id: str) -> int:
    """Deletes a model (finished or partial) from the cache; returns the bytes its files took."""
    check_id(repo_id)
    store = storage(repo_id)
    if not store.is_dir():
        raise InputError(f"{repo_id} is not in the cache ({cache_dir()})")
    with locked(repo_id):
        freed = _folder_bytes(store / "blobs") if (store / "blobs").is_dir() else 0
        shutil.rmtree(store)
    shutil.rmtree(cache_dir() / ".locks" / store.name, ignore_errors=True)
    return freed
