"""A bounded cache of synthesised notes, shared by the SoundFont and DSP renderers.

Notes are kept as 16-bit samples with a scale (:func:`compact`): half the memory of
float32, with the quantisation 96 dB under each note's own peak — below what the
16-bit track itself can carry once notes are mixed and mastered. Every note goes
through :func:`compact`, cached or not, so a track does not depend on what a worker
happened to have cached.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

Array = np.ndarray
Compact = tuple[Array, np.float32]  # int16 samples (2, length), scale back to float


def compact(audio: Array) -> Compact:
    """float (2, length) → int16 samples and the scale that restores them."""
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    scale = peak / 32767.0 if peak > 0 else 1.0
    samples = np.empty(audio.shape, dtype=np.int16)
    np.rint(audio / np.float32(scale), out=samples, casting="unsafe")
    return samples, np.float32(scale)


class NoteCache:
    """Synthesised notes by key, least recently used out once ``limit_bytes`` is passed."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._notes: OrderedDict[tuple[object, ...], Compact] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> Compact | None:
        found = self._notes.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._notes.move_to_end(key)
        return found

    def put(self, key: tuple[object, ...], note: Compact) -> None:
        if note[0].nbytes > self.limit:
            return
        previous = self._notes.pop(key, None)
        if previous is not None:
            self.size -= previous[0].nbytes
        self._notes[key] = note
        self.size += note[0].nbytes
        while self.size > self.limit and self._notes:
            _, dropped = self._notes.popitem(last=False)
            self.size -= dropped[0].nbytes

    def clear(self) -> None:
        self._notes.clear()
        self.size = 0
