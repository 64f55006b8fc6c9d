"""A bounded cache of synthesised notes, shared by the SoundFont and DSP renderers."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

Array = np.ndarray


class NoteCache:
    """Synthesised notes by key, least recently used out once ``limit_bytes`` is passed."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._notes: OrderedDict[tuple[object, ...], Array] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> Array | None:
        found = self._notes.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._notes.move_to_end(key)
        return found

    def put(self, key: tuple[object, ...], audio: Array) -> None:
        if audio.nbytes > self.limit:
            return
        previous = self._notes.pop(key, None)
        if previous is not None:
            self.size -= previous.nbytes
        self._notes[key] = audio
        self.size += audio.nbytes
        while self.size > self.limit and self._notes:
            _, dropped = self._notes.popitem(last=False)
            self.size -= dropped.nbytes

    def clear(self) -> None:
        self._notes.clear()
        self.size = 0
