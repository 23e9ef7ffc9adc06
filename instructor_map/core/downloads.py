"""Downloads hub models into the Hugging Face cache: only the files a model needs, resumable, checked, with
progress and cancel; and whether the hub answers. What the cache holds (list, remove) comes from hub_cache.

Bytes are streamed here (from where a partial `<blob>.incomplete` stops, checked against the hub's sha256 or git
hash) into the cache's blobs/; huggingface_hub then links them into snapshots/, and refs/main is written last, so a
snapshot counts as downloaded only once every file is in it."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from instructor_map.core.errors import InputError
from instructor_map.core.hub_cache import (
    REMOVE_HINT,
    WEIGHTS,
    CachedModel,
    cache_dir,
    cached_models,
    cached_snapshot,
    check_id,
    check_weights,
    format_size,
    locked,
    remove,
    storage,
)

__all__ = ["CachedModel", "Cancelled", "Progress", "RemoteFile", "Unreachable", "cache_dir", "cached_models",
           "cached_snapshot", "check_weights", "download", "format_size", "hub_reachable", "needed_files", "remove"]

TOKENIZER_FILES = frozenset({"tokenizer.json", "spiece.model", "sentencepiece.bpe.model", "vocab.txt",
                             "vocab.json", "merges.txt", "added_tokens.json", "special_tokens_map.json",
                             "tokenizer_config.json"})
SPARE_BYTES = 100 * 2**20  # free space left over after a download
READ_TIMEOUT = 1.0  # seconds without data before the stream is reopened (and a cancel is noticed)
REPORT_EVERY = 0.1  # seconds between progress reports


@dataclass(frozen=True)
class RemoteFile:
    path: str  # in the repository, e.g. "2_Dense/model.safetensors"
    size: int
    sha256: str | None = None  # for large (LFS) files
    blob_id: str | None = None  # git hash, checked for small files


@dataclass(frozen=True)
class Progress:
    done_bytes: int
    total_bytes: int
    bytes_per_s: float  # over the last few seconds; 0 until known
    seconds_left: float | None
    file: str  # the file being fetched, "" once all are in


class Cancelled(Exception):
    """The download was cancelled; what was fetched stays for the next try."""


class Unreachable(InputError):
    """The hub did not answer or the connection broke off; what was fetched stays for the next try."""


def _offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def hub_reachable(timeout: float = 3.0) -> bool:
    """True when the configured endpoint (HF_ENDPOINT) answers within `timeout`; never blocks much longer."""
    from huggingface_hub import constants

    if _offline():
        return False
    endpoint, answer = constants.ENDPOINT, []

    def probe() -> None:
        from huggingface_hub.utils import get_session

        try:
            answer.append(get_session().head(endpoint + "/", timeout=timeout).status_code < 500)
        except Exception:  # any failure to get an answer means "not reachable"
            answer.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return bool(answer and answer[0])


@contextmanager
def _hub_errors(repo_id: str) -> Iterator[None]:
    """Hub failures as one line for the user: a missing model is an input error; a failing network is Unreachable."""
    import httpx2
    from huggingface_hub import constants
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        yield
    except GatedRepoError:
        raise InputError(f"{repo_id} is gated on the hub: accept its terms on its page, then log in with "
                         "`hf auth login`") from None
    except RepositoryNotFoundError:
        raise InputError(f"model {repo_id!r} was not found on the hub") from None
    except (RevisionNotFoundError, RemoteEntryNotFoundError):
        raise InputError(f"{repo_id}: the hub lists a revision or file it does not serve") from None
    except (HfHubHTTPError, httpx2.HTTPError, ConnectionError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Unreachable(f"cannot download {repo_id}: the hub at {constants.ENDPOINT} did not answer ({reason}); "
                          "what was fetched is kept for the next try") from None
    except OSError as exc:
        raise InputError(f"cannot save {repo_id} in {cache_dir()}: {exc.strerror or exc}") from None


def _select(files: dict[str, RemoteFile], folders: list[str]) -> list[RemoteFile]:
    """What a model needs: per folder ("" and each module's), its .json, tokenizer files and one weights format."""
    chosen: list[str] = []
    for folder in dict.fromkeys(["", *folders]):
        prefix = f"{folder}/" if folder else ""
        names = {p[len(prefix):] for p in files if p.startswith(prefix) and "/" not in p[len(prefix):]}
        chosen += [prefix + n for n in sorted(names)
                   if n in TOKENIZER_FILES or (n.endswith(".json") and not n.endswith(".index.json"))]
        for single, index, shards in WEIGHTS:
            if single in names:
                chosen.append(prefix + single)
                break
            if index in names:
                chosen += [prefix + n for n in sorted(names) if n == index or re.fullmatch(shards, n)]
                break
    return [files[p] for p in dict.fromkeys(chosen)]


def _plan(repo_id: str, revision: str | None) -> tuple[str, list[RemoteFile]]:
    """The commit to fetch and the files the model needs at it."""
    from huggingface_hub import HfApi, constants, hf_hub_url
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    check_id(repo_id)
    with _hub_errors(repo_id):
        info = HfApi().model_info(repo_id, revision=revision, files_metadata=True,
                                  timeout=constants.HF_HUB_ETAG_TIMEOUT)
        files = {s.rfilename: RemoteFile(s.rfilename, int(s.lfs.size if s.lfs else s.size or 0),
                                         s.lfs.sha256 if s.lfs else None, s.blob_id) for s in info.siblings or []}
        folders: list[str] = []
        if "modules.json" in files:
            answer = get_session().get(hf_hub_url(repo_id, "modules.json", revision=info.sha),
                                       headers=build_hf_headers(), follow_redirects=True,
                                       timeout=constants.HF_HUB_ETAG_TIMEOUT)
            hf_raise_for_status(answer)
            try:
                modules = json.loads(answer.content)
            except ValueError:
                raise InputError(f"{repo_id}: modules.json on the hub is not valid JSON") from None
            folders = [str(m.get("path") or "").strip("/") for m in modules if isinstance(m, dict)]
    chosen = _select(files, [f for f in folders if f])
    if not any(f.path.endswith((".safetensors", ".bin")) and "/" not in f.path for f in chosen):
        raise InputError(f"{repo_id} has no weights this app reads (model.safetensors or pytorch_model.bin)")
    return str(info.sha), chosen


def needed_files(repo_id: str, revision: str | None = None) -> list[RemoteFile]:
    """The files `download` fetches: configs, tokenizer, one weights format, and the modules' folders."""
    return _plan(repo_id, revision)[1]


class _Meter:
    """Bytes done of the total, the recent speed, and reports at most every REPORT_EVERY seconds."""

    def __init__(self, total: int, done: int, report: Callable[[Progress], None] | None):
        self.total, self.done, self.report = total, done, report
        self.samples: deque[tuple[float, int]] = deque([(time.monotonic(), done)])
        self.last = 0.0

    def add(self, n: int, file: str, force: bool = False) -> None:
        now = time.monotonic()
        self.done += n
        self.samples.append((now, self.done))
        while len(self.samples) > 2 and now - self.samples[1][0] > 5.0:
            self.samples.popleft()
        if self.report is not None and (force or now - self.last >= REPORT_EVERY):
            self.last = now
            start, before = self.samples[0]
            rate = (self.done - before) / (now - start) if now - start > 0.2 else 0.0
            left = (self.total - self.done) / rate if rate > 0 else None
            self.report(Progress(self.done, self.total, rate, left, file))


class _Fetch:
    """One download: each file's bytes into blobs/ (resuming .incomplete files), checked, cancellable."""

    def __init__(self, repo_id: str, cancelled: Callable[[], bool] | None):
        self.repo_id, self.cancelled = repo_id, cancelled or (lambda: False)
        self.blobs = storage(repo_id) / "blobs"
        self.meter = _Meter(0, 0, None)

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled(f"the download of {self.repo_id} was cancelled")

    def locate(self, sha: str, f: RemoteFile) -> tuple[RemoteFile, str, str]:
        """The file (with its size), where its bytes are served and its blob name (etag) in the cache."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url

        meta = get_hf_file_metadata(hf_hub_url(self.repo_id, f.path, revision=sha))
        if not meta.etag:
            raise Unreachable(f"cannot download {self.repo_id}: the hub gave no ETag for {f.path}")
        return (f if f.size or not meta.size else replace(f, size=meta.size)), meta.location, meta.etag

    def check_space(self, needed: int) -> None:
        folder = cache_dir()
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        free = shutil.disk_usage(folder).free
        if free < needed + SPARE_BYTES:
            raise InputError(f"not enough free disk space to download {self.repo_id}: it needs "
                             f"{format_size(needed + SPARE_BYTES)} in {cache_dir()} and {format_size(free)} is free")

    def fetch(self, f: RemoteFile, url: str, blob: Path) -> None:
        import httpx2
        from huggingface_hub import constants

        part = blob.with_name(blob.name + ".incomplete")
        have = part.stat().st_size if part.exists() else 0
        if have > f.size:
            part.unlink()
            have = 0
        hasher = self._hasher(f, part if have else None)
        wait, quiet_since, failures = READ_TIMEOUT, time.monotonic(), 0
        while have < f.size or not part.exists():
            before = have
            try:
                have = self._stream(f, url, part, have, hasher, wait)
            except (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError):
                have = part.stat().st_size if part.exists() else 0
            self.check()
            if have > before or part.exists() and not f.size:
                wait, quiet_since, failures = READ_TIMEOUT, time.monotonic(), 0
                continue
            failures += 1  # refused, ended early or silent: try again from where it stopped, waiting longer
            wait = min(2 * wait, constants.HF_HUB_DOWNLOAD_TIMEOUT)
            if failures >= 5 or time.monotonic() - quiet_since > 2 * constants.HF_HUB_DOWNLOAD_TIMEOUT:
                raise Unreachable(f"cannot download {self.repo_id}: the connection to the hub broke off in "
                                  f"{f.path}; run the download again to resume it")
        self._verify(f, part, have, hasher)
        part.replace(blob)

    def _stream(self, f: RemoteFile, url: str, part: Path, have: int, hasher: list, wait: float) -> int:
        """Appends what the server sends from byte `have` on; returns the new length of the partial file."""
        import httpx2
        from huggingface_hub import constants
        from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

        headers = {**build_hf_headers(), "Accept-Encoding": "identity"}
        if urlsplit(url)[:2] != urlsplit(constants.ENDPOINT)[:2]:  # a CDN's signed address: no token off the hub
            headers.pop("authorization", None)
        if have:
            headers["Range"] = f"bytes={have}-"
        timeout = httpx2.Timeout(constants.HF_HUB_ETAG_TIMEOUT, read=wait)
        with get_session().stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as answer:
            if answer.status_code >= 400:
                answer.read()  # the error's details are in the body
            hf_raise_for_status(answer)
            if have and answer.status_code != 206:  # the server ignored the range: start the file again
                self.meter.add(-have, f.path)
                have, hasher[0] = 0, self._hasher(f, None)[0]
            with part.open("ab" if have else "wb") as out:
                for chunk in answer.iter_bytes():
                    out.write(chunk)  # written before a cancel is obeyed, so the next try resumes after it
                    hasher[0].update(chunk)
                    have += len(chunk)
                    self.meter.add(len(chunk), f.path)
                    if have > f.size or self.cancelled():
                        break
        return have

    @staticmethod
    def _hasher(f: RemoteFile, part: Path | None) -> list:
        """The hash the hub gives for the file (sha256, or git's blob hash), fed with the partial file's bytes."""
        if f.sha256:
            h = hashlib.sha256()
        else:
            h = hashlib.sha1()
            h.update(b"blob %d\0" % f.size)
        if part is not None:
            with part.open("rb") as src:
                while chunk := src.read(2**22):
                    h.update(chunk)
        return [h]

    def _verify(self, f: RemoteFile, part: Path, have: int, hasher: list) -> None:
        expected = f.sha256 or f.blob_id
        if have != f.size or (expected and hasher[0].hexdigest() != expected.lower()):
            part.unlink(missing_ok=True)
            what = f"{have} bytes instead of {f.size}" if have != f.size else "its checksum does not match the hub's"
            raise InputError(f"{self.repo_id}: {f.path} arrived damaged ({what}); "
                             + REMOVE_HINT.format(self.repo_id))


def download(repo_id: str, revision: str | None = None, *, progress: Callable[[Progress], None] | None = None,
             cancelled: Callable[[], bool] | None = None) -> Path:
    """Fetches what the model needs into the Hugging Face cache and returns its snapshot folder.

    Raises Cancelled when `cancelled()` turns true, Unreachable when the hub fails, InputError otherwise (unknown
    model, no disk space, a damaged file). A partial file stays for the next call, which resumes it."""
    from huggingface_hub import constants, hf_hub_download

    check_id(repo_id)
    if _offline():
        raise Unreachable(f"cannot download {repo_id}: downloads are off (HF_HUB_OFFLINE is set)")
    job = _Fetch(repo_id, cancelled)
    sha, files = _plan(repo_id, revision)
    snapshot = storage(repo_id) / "snapshots" / sha
    with _hub_errors(repo_id), locked(repo_id):
        todo = []  # (file, url, blob, bytes already there or None when the blob is whole)
        for f in files:
            job.check()
            if not (snapshot / f.path).exists():
                f, url, etag = job.locate(sha, f)
                blob = job.blobs / etag
                part = blob.with_name(blob.name + ".incomplete")
                todo.append((f, url, blob, None if blob.exists() else part.stat().st_size if part.exists() else 0))
        missing = sum(f.size - have for f, _, _, have in todo if have is not None)
        job.check_space(missing)
        total = sum({**{f.path: f.size for f in files}, **{f.path: f.size for f, *_ in todo}}.values())
        job.meter = _Meter(total, total - missing, progress)
        job.meter.add(0, todo[0][0].path if todo else "", force=True)
        job.blobs.mkdir(parents=True, exist_ok=True)
        for f, url, blob, have in todo:
            if have is not None:
                job.fetch(f, url, blob)
                job.meter.add(0, f.path, force=True)
        for f, *_ in todo:  # every blob is in: huggingface_hub links them into the snapshot
            hf_hub_download(repo_id, f.path, revision=sha, cache_dir=str(cache_dir()))
        if revision != sha:  # written last: the snapshot counts as downloaded from here on
            refs = storage(repo_id) / "refs" / (revision or constants.DEFAULT_REVISION)
            refs.parent.mkdir(parents=True, exist_ok=True)
            tmp = refs.with_name(refs.name + ".tmp")
            tmp.write_text(sha)
            tmp.replace(refs)
    job.meter.add(0, "", force=True)
    return snapshot


