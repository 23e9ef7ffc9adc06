"""An Encoder that runs in a child process, so the model's Python never holds the window's GIL.

`EncoderProcess` has the Encoder interface the app uses (encode with progress, batches and cancel; model_id,
kind, spec, device, dim, max_seq_length, truncated, description). The child loads the model once and serves
one request at a time over a pipe; a cancel reaches it between batches. Errors come back as the same
exception types; a child that dies raises ProcessStopped (an InputError), and `alive` turns False so the
caller can start another.
"""
from __future__ import annotations

import builtins
import contextlib
import logging
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Sequence

import numpy as np

from instructor_map.core.errors import InputError
from instructor_map.core.models import ModelSpec

log = logging.getLogger(__name__)

POLL_S = 0.05  # how often the waiting side looks at `cancelled`
_INFO = ("spec", "model_id", "kind", "device", "fast", "dim", "max_seq_length", "description")


class ProcessStopped(InputError):
    """The child ended without a word: killed, crashed, or it could not start here at all."""


def _context(fork: bool = False):
    """forkserver where there is one (children fork from a server that has torch imported), else spawn. `fork`:
    a plain fork where there is one, for a process that has imported nothing heavy yet and runs one thread (the
    command line), so the child starts loading at once."""
    import threading

    frozen = getattr(sys, "frozen", False)
    clean = "torch" not in sys.modules and threading.active_count() == 1  # a fork copies no running thread pools
    linux = sys.platform.startswith("linux")  # macOS's system libraries are not safe to fork
    if fork and clean and linux and "fork" in mp.get_all_start_methods() and not frozen:
        return mp.get_context("fork")
    if "forkserver" in mp.get_all_start_methods() and not getattr(sys, "frozen", False):
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["instructor_map.core.encoders"])
        return ctx
    return mp.get_context("spawn")


def start_server() -> None:
    """Start the forkserver now (where model processes fork from one), so that it loads the model's libraries on
    another core while the caller does something else, such as building a window."""
    if _context().get_start_method() == "forkserver":
        import multiprocessing.forkserver

        multiprocessing.forkserver.ensure_running()


def _error(exc: BaseException) -> tuple[str, str, str]:
    if isinstance(exc, InputError):
        return "input", "InputError", str(exc)
    if isinstance(exc, MemoryError):
        return "memory", "MemoryError", str(exc)
    return "bug", type(exc).__name__, str(exc)


def _serve(conn, *args) -> None:
    """The child: load, then answer requests until told to quit or the parent goes away. Ctrl+C is the parent's to
    handle: it stops the child."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(EOFError, ConnectionError):  # the parent has gone: nobody is left to answer
        _answer(conn, *args)


def _answer(conn, name: str | None, device: str, fast: bool, threads: int | None, setup: Callable | None,
            batch_size: int | None = None, polite: bool = True) -> None:
    if polite and hasattr(os, "nice"):
        os.nice(5)  # the window comes first when both want a core
    try:
        import torch
        from threadpoolctl import threadpool_limits

        from instructor_map.core.encoders import Encoder
        from instructor_map.core.models import resolve_model

        encoder = Encoder(resolve_model(name), device=device, fast=fast, batch_size=batch_size)
        if threads and encoder.device == "cpu":
            torch.set_num_threads(threads)
            threadpool_limits(threads)
        if setup is not None:
            setup(encoder)
        conn.send(("ready", {key: getattr(encoder, key) for key in _INFO}))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("failed", *_error(exc)))
        return
    pending: list = []

    def cancelled(number: int) -> Callable[[], bool]:
        def check() -> bool:
            while conn.poll():
                message = conn.recv()
                if message[0] == "quit" or message == ("cancel", number):
                    pending.append(message)
                    return True
            return False
        return check

    while True:
        message = pending.pop(0) if pending else conn.recv()
        if message[0] == "quit":
            return
        if message[0] == "call":
            _, number, fn, args = message
            try:
                uses_encoder = getattr(fn, "uses_encoder", False)  # e.g. clusters named by their meaning
                conn.send(("done", number, fn(*args, encoder=encoder) if uses_encoder else fn(*args), 0))
            except (EOFError, ConnectionError):
                raise
            except BaseException as exc:  # noqa: BLE001
                log.exception("the model process failed in %s", getattr(fn, "__name__", fn))
                conn.send(("error", number, *_error(exc)))
            continue
        if message[0] != "encode":
            continue  # a cancel for a request that has already finished
        _, number, texts, instruction, batches = message
        pending.clear()

        def on_batch(indices, vecs, number=number, batches=batches):
            conn.send(("batch", number, indices, vecs if batches else None))

        try:
            out = encoder.encode(texts, instruction, on_batch=on_batch, cancelled=cancelled(number))
        except (EOFError, ConnectionError):
            raise
        except BaseException as exc:  # noqa: BLE001
            if not isinstance(exc, (InputError, MemoryError)):
                log.exception("the model process failed while encoding")
            conn.send(("error", number, *_error(exc)))
            continue
        if out is None:
            conn.send(("cancelled", number))
            if pending and pending[0] == ("cancel", number):
                pending.pop(0)
        else:
            conn.send(("done", number, out, encoder.truncated))


def _raise(kind: str, type_name: str, message: str):
    if kind == "input":
        raise InputError(message)
    if kind == "memory":
        raise MemoryError(message)
    error = getattr(builtins, type_name, None)
    if isinstance(error, type) and issubclass(error, Exception):
        raise error(message)
    raise RuntimeError(f"{type_name}: {message}")


class EncoderProcess:
    """The model in a child process; use it from one thread at a time, and `close` it when done."""

    # what the child's Encoder reports once loaded (_INFO)
    spec: ModelSpec
    model_id: str
    kind: str
    device: str
    fast: bool
    dim: int
    max_seq_length: int
    description: str

    def __init__(self, name: str | None = None, device: str = "auto", fast: bool = False, *,
                 threads: int | None = None, stopping: Callable[[], bool] | None = None,
                 setup: Callable | None = None, batch_size: int | None = None, wait: bool = True,
                 fork: bool = False, work_here: bool = False):
        """`threads`: CPU threads for the model; `stopping()` true abandons the loading (InputError);
        `setup(encoder)` runs in the child after loading (tests use it to slow or break the model). `wait=False`
        returns at once, while the model loads: call `ready()` before using it. `fork`: start the child by a plain
        fork, at its full priority (the command line, which has no window to keep responsive). `work_here`: `call`
        runs its function in this process, which then keeps its libraries' thread pools apart from the model's."""
        ctx = _context(fork)
        self._conn, child = ctx.Pipe()
        args = (child, name, device, fast, threads, setup, batch_size, not fork)
        self._process = ctx.Process(target=_serve, args=args, name="instructor-map model", daemon=True)
        self._process.start()
        child.close()
        self._number = 0
        self.truncated = 0
        self._loaded = False
        self._work_here = work_here
        if wait:
            self.ready(stopping)

    def ready(self, stopping: Callable[[], bool] | None = None) -> EncoderProcess:
        """Wait until the model has loaded (at once when it has); a model that cannot load raises its error."""
        if self._loaded:
            return self
        while stopping is not None and not self._conn.poll(POLL_S):
            if stopping():
                self.close()
                raise InputError("loading the model was stopped")
        reply = self._receive()
        if reply[0] == "failed":
            self.close()
            _raise(*reply[1:])
        self.__dict__.update(reply[1])
        self._loaded = True
        return self

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def _receive(self, cancelled: Callable[[], bool] | None = None, number: int = 0):
        """The next message; sends a cancel for request `number` once `cancelled()` turns true."""
        asked = False
        try:
            while not self._conn.poll(POLL_S):
                if not self._process.is_alive() and not self._conn.poll():
                    raise EOFError
                if cancelled is not None and not asked and cancelled():
                    self._conn.send(("cancel", number))
                    asked = True
            return self._conn.recv()
        except (EOFError, OSError):
            self._process.join(1)
            code = self._process.exitcode
            raise ProcessStopped(f"the model process stopped unexpectedly (exit code {code}); "
                                 "it starts again with the next map") from None

    def encode(
        self,
        texts: Sequence[str],
        instruction: str = "",
        *,
        progress: Callable[[int, int], None] | None = None,
        on_batch: Callable[[list[int], np.ndarray], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> np.ndarray | None:
        """As Encoder.encode: (N, dim) float32 vectors in input order, or None when cancelled."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if cancelled is not None and cancelled():
            return None
        self._number += 1
        number, done = self._number, 0
        try:
            self._conn.send(("encode", number, texts, instruction, on_batch is not None))
        except OSError:
            self._receive()  # raises the clear error for a stopped process
        while True:
            message = self._receive(cancelled, number)
            if message[1] != number:
                continue  # the tail of an earlier, abandoned request
            if message[0] == "batch":
                done += len(message[2])
                if on_batch is not None:
                    on_batch(message[2], message[3])
                if progress is not None:
                    progress(done, len(texts))
            elif message[0] == "done":
                self.truncated = message[3]
                return message[2]
            elif message[0] == "cancelled":
                return None
            else:
                _raise(*message[2:])

    def call(self, fn: Callable, *args):
        """fn(*args) in the child, for CPU work that would otherwise hold this process's GIL (layouts,
        clusters); `fn` is a module-level function and the arguments are pickled there and back. With
        `work_here`, fn runs in this process, with this object as its encoder."""
        if self._work_here:
            return fn(*args, encoder=self) if getattr(fn, "uses_encoder", False) else fn(*args)
        self._number += 1
        number = self._number
        try:
            self._conn.send(("call", number, fn, args))
        except OSError:
            self._receive()
        while True:
            message = self._receive()
            if message[1] != number:
                continue
            if message[0] == "done":
                return message[2]
            _raise(*message[2:])

    def close(self) -> None:
        """Stop the child: ask, then insist."""
        with contextlib.suppress(OSError):
            self._conn.send(("quit",))
        self._process.join(2)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(2)
        self._conn.close()
