"""A second process that renders some of a score's parts, so both cores play at once.

tinysoundfont holds the GIL while it synthesises, so threads cannot share the work;
one helper process, started once and kept, can. It loads its own copy of the
SoundFont while the parent loads its own, renders into shared memory (no audio is
pickled), and later encodes the finished track while the parent writes the rest.

The helper is a plain ``python -c "…helper import main; main()"`` child talking over
its stdin/stdout, not a ``multiprocessing`` pool: a spawned pool re-imports the
parent's main script, which breaks scripts without a ``__main__`` guard. It also
means the helper sees end-of-file on stdin when its parent dies, however it dies,
and exits instead of lingering.
"""

from __future__ import annotations

import collections
import os
import pickle
import select
import struct
import subprocess
import sys
from multiprocessing import shared_memory
from pathlib import Path
from typing import IO, Any

import numpy as np

from himig.engine.errors import RenderFailed
from himig.engine.score import Part, Score

_LENGTH = struct.Struct("<Q")


class HelperGone(RenderFailed):
    """The helper process is not there any more (killed, crashed, out of memory)."""


def _write(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    size = _LENGTH.unpack(head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class Job:
    """One request sent to the helper; ``result()`` waits for its answer."""

    def __init__(self, helper: Helper, memory: shared_memory.SharedMemory | None = None) -> None:
        self._helper = helper
        self.memory = memory
        self.done = False
        self.error: str | None = None
        self.value: Any = None  # what the helper sent back with "ok"

    def result(self) -> None:
        self._helper._collect(self)
        if self.error is not None:
            raise RenderFailed(self.error)

    def wait(self) -> None:
        """Wait for the answer, success or not (before cleaning up what it writes)."""
        try:
            self._helper._collect(self)
        except HelperGone:
            pass

    def release(self) -> None:
        if self.memory is not None:
            self.memory.close()
            self.memory.unlink()
            self.memory = None


class Helper:
    """The parent's handle on the helper process."""

    def __init__(self, soundfont: str, sample_rate: int) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", "from himig.engine.render.helper import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._pending: collections.deque[Job] = collections.deque()
        self._ready = self._send(("start", soundfont, sample_rate))

    def _send(self, message: tuple[Any, ...], memory: shared_memory.SharedMemory | None = None) -> Job:
        job = Job(self, memory)
        try:
            assert self._process.stdin is not None
            _write(self._process.stdin, message)
        except (OSError, ValueError) as exc:
            job.release()
            raise HelperGone(f"the render helper is gone: {exc}") from None
        self._pending.append(job)
        return job

    def _collect(self, job: Job) -> None:
        """Read answers in order until ``job``'s has arrived."""
        while not job.done:
            if not self._pending:
                raise HelperGone("no answer is due from the render helper")
            try:
                assert self._process.stdout is not None
                status, detail = _read(self._process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):
                for waiting in self._pending:
                    waiting.done = True
                    waiting.error = "the render helper stopped"
                self._pending.clear()
                raise HelperGone("the render helper stopped unexpectedly") from None
            answered = self._pending.popleft()
            answered.done = True
            answered.error = None if status == "ok" else str(detail)
            answered.value = detail if status == "ok" else None

    def wait_ready(self) -> None:
        self._ready.result()

    def is_ready(self) -> bool:
        """Has the helper loaded its SoundFont? Never blocks; HelperGone if it failed to."""
        if not self._ready.done:
            assert self._process.stdout is not None
            readable, _, _ = select.select([self._process.stdout], [], [], 0)
            if not readable:
                return False
            self._collect(self._ready)
        if self._ready.error is not None:
            raise HelperGone(f"the render helper could not start: {self._ready.error}")
        return True

    def mix(self, parts: list[Part], score: Score, n: int, stems: str | None, half: int) -> Job:
        """Start rendering and mixing ``parts`` (all but their reverb). ``job.memory``
        is laid out as the group's bus, (2, n), then the first ``half`` samples of its
        reverb send, (2, half); ``job.value`` is ``{"peaks": stem peaks, "send": whether
        the group has a reverb send}``. Follow with :meth:`mix_finish`."""
        memory = shared_memory.SharedMemory(create=True, size=max(1, 2 * (n + half) * 4))
        return self._send(("mix", parts, score, n, memory.name, stems, half), memory)

    def mix_finish(self, send: np.ndarray | None, half: int) -> Job:
        """Finish the pending mix: reverb the second half of the track, fed the
        helper's send plus ``send`` (this process's send from ``half`` on, if any);
        the bus in the :meth:`mix` job's memory is then complete."""
        memory = None
        if send is not None:
            memory = shared_memory.SharedMemory(create=True, size=max(1, send.nbytes))
            _fill(memory, np.ascontiguousarray(send, dtype=np.float32))
        return self._send(("mix_finish", memory.name if memory is not None else None, half), memory)

    def encode(self, audio: np.ndarray, sample_rate: int, path: str, fmt: str) -> Job:
        """Start encoding ``audio`` to ``path`` in the helper."""
        return self._send_audio("encode", audio, sample_rate, path, fmt)

    def mp3_tail(self, audio: np.ndarray, sample_rate: int, split: Any) -> Job:
        """Start encoding the tail of a split MP3 (``audio`` is the track from
        ``split.tail_start`` on); the job's value is the tail's frames."""
        return self._send_audio("mp3_tail", audio, sample_rate, split)

    def _send_audio(self, kind: str, audio: np.ndarray, *rest: Any) -> Job:
        """Send ``(kind, block name, shape, *rest)`` with ``audio`` in a shared block."""
        memory = shared_memory.SharedMemory(create=True, size=max(1, audio.nbytes))
        _fill(memory, np.ascontiguousarray(audio, dtype=np.float32))
        return self._send((kind, memory.name, audio.shape, *rest), memory)

    def clear_caches(self) -> Job:
        """Forget the helper's cached notes (benchmarks measuring a cold cache)."""
        return self._send(("clear",))

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.close()  # end of file: the helper's loop ends
                self._process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: S110 - interpreter shutting down; nothing left to tell
            pass


def _close(memory: shared_memory.SharedMemory) -> None:
    """Unmap a block; if a failure left an array viewing it (held by the traceback),
    leave that to the garbage collector rather than hide the failure behind a
    BufferError."""
    try:
        memory.close()
    except BufferError:
        pass


def _fill(memory: shared_memory.SharedMemory, audio: np.ndarray) -> None:
    """Copy ``audio`` into the block through its file descriptor where there is one:
    written that way, the pages belong to the shared-memory file, not to this
    process's resident set (a 120 s track is 42 MB the parent need not hold twice)."""
    fd = getattr(memory, "_fd", -1)
    data = audio.data.cast("B")
    if fd < 0:
        np.ndarray(audio.shape, dtype=np.float32, buffer=memory.buf)[...] = audio
        return
    written = 0
    while written < len(data):
        written += os.pwrite(fd, data[written : written + (1 << 24)], written)


def default_workers() -> int:
    """Processes to render with: ``HIMIG_RENDER_WORKERS`` or 2 when there are 2+ cores."""
    configured = os.environ.get("HIMIG_RENDER_WORKERS")
    if configured:
        return max(1, int(configured))
    return 2 if (os.cpu_count() or 1) >= 2 else 1


# -- the helper's side -----------------------------------------------------------


def _attach(name: str) -> shared_memory.SharedMemory:
    """Open the parent's block without adopting it: on Python < 3.13 attaching also
    registers it with this process's resource tracker, which would unlink it (and
    complain) when the helper exits. The parent owns and unlinks it."""
    from multiprocessing import resource_tracker

    memory = shared_memory.SharedMemory(name=name)
    resource_tracker.unregister(memory._name, "shared_memory")  # type: ignore[attr-defined]
    return memory


def _serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    from himig.engine import export, mp3
    from himig.engine.render import Renderer

    renderer: Renderer | None = None
    pending: tuple[Any, shared_memory.SharedMemory] | None = None  # a mix waiting for mix_finish
    while True:
        try:
            message = _read(requests)
        except EOFError:
            return  # the parent closed the pipe or died
        kind = message[0]
        result: Any = None
        try:
            if kind == "start":
                renderer = Renderer(message[1], message[2], workers=1)
            elif kind == "mix":
                _, parts, score, n, name, stems, half = message
                assert renderer is not None, "mix before start"
                if pending is not None:  # a mix the parent gave up on: free its memory
                    stale, stale_memory = pending
                    pending = None
                    del stale
                    stale_memory.close()
                memory = _attach(name)
                try:
                    bus = np.ndarray((2, n), dtype=np.float32, buffer=memory.buf)
                    group = renderer.group(parts, score, Path(stems) if stems else None, out=bus)
                    del bus
                    if group.reverb_send is not None:
                        first = np.ndarray((2, half), dtype=np.float32, buffer=memory.buf, offset=2 * n * 4)
                        first[...] = group.reverb_send[:, :half]
                        del first
                    result = {"peaks": group.stem_peaks, "send": group.reverb_send is not None}
                    pending = (group, memory)
                    del group
                except BaseException:
                    _close(memory)
                    raise
            elif kind == "mix_finish":
                _, name, half = message
                assert pending is not None, "mix_finish without a mix"
                group, memory = pending
                pending = None
                try:
                    if name is None:
                        group.reverb_into(half, group.n)
                    else:
                        extra = _attach(name)
                        try:
                            others = np.ndarray((2, group.n - half), dtype=np.float32, buffer=extra.buf)
                            group.reverb_into(half, group.n, others)
                            del others
                        finally:
                            extra.close()
                finally:
                    del group
                    _close(memory)
            elif kind == "clear":
                assert renderer is not None, "clear before start"
                renderer.clear_caches()
            elif kind in ("encode", "mp3_tail"):
                _, name, shape, sample_rate, *rest = message
                memory = _attach(name)
                try:
                    audio = np.ndarray(shape, dtype=np.float32, buffer=memory.buf)
                    if kind == "encode":
                        export.write_audio(audio, sample_rate, *rest)
                    else:
                        result = mp3.encode_tail(audio, sample_rate, *rest)
                    del audio
                finally:
                    memory.close()
            else:
                raise ValueError(f"unknown request {kind!r}")
            _write(answers, ("ok", result))
        except Exception as exc:  # every failure goes back to the parent as a message
            _write(answers, ("error", f"{type(exc).__name__}: {exc}"))


def main() -> None:
    # The protocol owns the real stdout; anything printed goes to stderr instead.
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        _serve(sys.stdin.buffer, answers)
    except (BrokenPipeError, ConnectionError):
        pass  # the parent went away while we were answering: nothing left to do
    finally:
        try:
            answers.close()
        except OSError:
            pass
