"""A stand-in for the Hugging Face hub on 127.0.0.1, speaking the part of its HTTP API that huggingface_hub uses
to download a model:

- GET /api/models/{repo_id}[/revision/{rev}]: id, sha and siblings (rfilename, size, blobId, lfs: sha256, size);
- HEAD/GET /{repo_id}/resolve/{rev}/{path}: small files answer with ETag (their git hash), X-Repo-Commit,
  Content-Length and ranges; large (LFS) files redirect to a second port, as the hub sends them to its CDN, with
  X-Linked-Etag (their sha256) and X-Linked-Size; the "CDN" serves /blobs/{sha256} with ranges (206);
- unknown repositories, revisions and files answer 404 with the hub's X-Error-Code.

It records every request, can slow down (`rate`, bytes a second), hold a file part way until released (for
cancel and resume), and serve a file with one byte changed (`corrupt`)."""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".bin", ".msgpack", ".onnx", ".h5", ".model", ".ot")
PIECE = 16 * 1024  # bytes per write when throttled


# files a hub repository holds that a download must leave out: other weights formats, exports, the model card
SKIPPED_FILES = {"README.md": b"# tiny\n", ".gitattributes": b"*.safetensors filter=lfs\n",
                 "pytorch_model.bin": b"PK" + bytes(300), "2_Dense/pytorch_model.bin": b"PK" + bytes(60),
                 "flax_model.msgpack": bytes(500), "tf_model.h5": bytes(400), "onnx/model.onnx": bytes(700),
                 "onnx/config.json": b"{}"}
TINY_ID = "tests/instructor-tiny"


def use_hub(monkeypatch, **env) -> None:
    """Points huggingface_hub at other settings (HF_ENDPOINT, HF_HOME, HF_HUB_OFFLINE...), read at its import."""
    import importlib

    from huggingface_hub import constants

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    importlib.reload(constants)



def git_hash(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class RepoFile:
    data: bytes
    sha256: str
    blob_id: str  # the git hash of the file, or of its LFS pointer
    lfs: bool
    pointer_size: int = 0


@dataclass
class Repo:
    sha: str
    files: dict[str, RepoFile] = field(default_factory=dict)


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # the repository file (or "/api/..." and "/"), not the URL
    range: str | None
    token: bool  # whether it came with an Authorization header
    cdn: bool


def _file(data: bytes, path: str) -> RepoFile:
    sha256 = hashlib.sha256(data).hexdigest()
    if not path.endswith(LFS_SUFFIXES):
        return RepoFile(data, sha256, git_hash(data), False)
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {len(data)}\n".encode()
    return RepoFile(data, sha256, git_hash(pointer), True, len(pointer))


class HubServer:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[Seen] = []
        self.rate: float | None = None  # bytes a second for file bodies, None for full speed
        self.corrupted: set[tuple[str, str]] = set()
        self.holds: dict[tuple[str, str], int] = {}  # (repo, path) -> bytes sent before holding
        self.on_hold: Callable[[int], object] = lambda start: None  # at a hold, with the request's first byte
        self.released = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def add_repo(self, repo_id: str, folder: Path | None = None, extra: dict[str, bytes] | None = None) -> Repo:
        """The files of `folder` (recursively) and `extra`, under repo_id; its commit sha follows the content."""
        files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(Path(folder).rglob("*"))
                 if p.is_file()} if folder else {}
        files.update(extra or {})
        repo = Repo(hashlib.sha1(repo_id.encode() + b"".join(
            hashlib.sha256(d).digest() for _, d in sorted(files.items()))).hexdigest())
        repo.files = {path: _file(data, path) for path, data in files.items()}
        self.repos[repo_id] = repo
        return repo

    def hold(self, repo_id: str, path: str, after: int) -> None:
        """Until release(), GETs of the file stop at byte `after`, call on_hold and wait (a resumed GET at once)."""
        self.released.clear()
        self.holds[(repo_id, path)] = after

    def release(self) -> None:
        self.holds.clear()
        self.released.set()

    def corrupt(self, repo_id: str, path: str) -> None:
        self.corrupted.add((repo_id, path))

    def fetched(self) -> list[str]:
        """The repository files whose bytes were sent (GET), in order."""
        return [s.path for s in self.requests if s.method == "GET" and not s.path.startswith("/")]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._servers[0].server_address[1]}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self._servers[1].server_address[1]}"

    def start(self) -> HubServer:
        for _ in range(2):  # the hub, then its "CDN"
            server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            server.daemon_threads, server.block_on_close, server.hub = True, False, self  # type: ignore[attr-defined]
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stops answering, also on open keep-alive connections."""
        self.released.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the hub

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        with self.hub._lock:
            self.hub._sockets.add(self.connection)

    def finish(self) -> None:
        with self.hub._lock:
            self.hub._sockets.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._route(body=False)

    def do_GET(self) -> None:
        self._route(body=True)

    def _route(self, body: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        try:
            if self.server is self.hub._servers[1]:
                return self._cdn(path, body)
            if path == "/":
                self._seen("/")
                return self._send(200, b"Instructor Map test hub", body, {"Content-Type": "text/plain"})
            if m := re.fullmatch(r"/api/models/([^/]+/[^/]+?)(?:/revision/([^/]+))?", path):
                return self._api(m[1], m[2] or "main", body)
            if m := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
                return self._resolve(m[1], m[2], m[3], body)
            self._error(404, "EntryNotFound", body)
        except (BrokenPipeError, ConnectionResetError):  # the client went away (a cancel)
            self.close_connection = True

    def _seen(self, path: str) -> None:
        self.hub.requests.append(Seen(self.command, path, self.headers.get("Range"), "Authorization" in self.headers,
                                      self.server is self.hub._servers[1]))

    def _repo(self, repo_id: str, revision: str, body: bool) -> Repo | None:
        repo = self.hub.repos.get(repo_id)
        if repo is None:
            self._error(404, "RepoNotFound", body)
            return None
        if revision not in ("main", repo.sha):
            self._error(404, "RevisionNotFound", body)
            return None
        return repo

    def _api(self, repo_id: str, revision: str, body: bool) -> None:
        self._seen(f"/api/models/{repo_id}")
        if (repo := self._repo(repo_id, revision, body)) is None:
            return
        siblings = [{"rfilename": p, "size": len(f.data), "blobId": f.blob_id,
                     **({"lfs": {"sha256": f.sha256, "size": len(f.data), "pointerSize": f.pointer_size}}
                        if f.lfs else {})} for p, f in sorted(repo.files.items())]
        data = json.dumps({"id": repo_id, "modelId": repo_id, "sha": repo.sha, "private": False,
                           "siblings": siblings}).encode()
        self._send(200, data, body, {"Content-Type": "application/json"})

    def _resolve(self, repo_id: str, revision: str, path: str, body: bool) -> None:
        self._seen(path)
        if (repo := self._repo(repo_id, revision, body)) is None:
            return
        f = repo.files.get(path)
        if f is None:
            return self._error(404, "EntryNotFound", body, {"X-Repo-Commit": repo.sha})
        if f.lfs:  # to the CDN, with the file's metadata on the redirect itself
            return self._send(302, b"", body, {
                "Location": f"{self.hub.cdn_url}/blobs/{f.sha256}?repo={repo_id}&path={path}",
                "X-Repo-Commit": repo.sha, "X-Linked-Etag": f'"{f.sha256}"', "X-Linked-Size": str(len(f.data)),
                "ETag": f'"{f.blob_id}"'})
        self._file(repo_id, path, f, body, {"ETag": f'"{f.blob_id}"', "X-Repo-Commit": repo.sha})

    def _cdn(self, path: str, body: bool) -> None:
        query = dict(p.split("=", 1) for p in urlsplit(self.path).query.split("&") if "=" in p)
        repo_id, file_path = unquote(query.get("repo", "")), unquote(query.get("path", ""))
        self._seen(file_path)
        f = self.hub.repos[repo_id].files.get(file_path) if repo_id in self.hub.repos else None
        if f is None or path != f"/blobs/{f.sha256}":
            return self._send(404, b"not found", body, {})
        self._file(repo_id, file_path, f, body, {"ETag": f'"{f.sha256}"'})

    def _file(self, repo_id: str, path: str, f: RepoFile, body: bool, headers: dict[str, str]) -> None:
        data = f.data
        if (repo_id, path) in self.hub.corrupted:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        start, status = 0, 200
        if m := re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or ""):
            start, status = int(m[1]), 206
            if start >= len(data):
                return self._send(416, b"", body, {"Content-Range": f"bytes */{len(data)}"})
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        headers = {**headers, "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        self._head(status, len(data) - start, headers)
        if not body:
            return
        hold = self.hub.holds.get((repo_id, path))
        sent = start
        while sent < len(data):
            if hold is not None and sent >= hold:
                self.hub.on_hold(start)
                self.hub.released.wait(30)
                hold = None
                continue
            end = len(data) if self.hub.rate is None else min(len(data), sent + PIECE)
            if hold is not None and sent < hold < end:
                end = hold
            self.wfile.write(data[sent:end])
            self.wfile.flush()
            sent = end
            if self.hub.rate is not None:
                time.sleep(PIECE / self.hub.rate)  # the server's pace, not a wait in a test

    def _error(self, status: int, code: str, body: bool, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps({"error": code}).encode(), body,
                   {"X-Error-Code": code, "X-Error-Message": code, "Content-Type": "application/json",
                    **(headers or {})})

    def _head(self, status: int, length: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, status: int, data: bytes, body: bool, headers: dict[str, str]) -> None:
        self._head(status, len(data), headers)
        if body:
            self.wfile.write(data)
